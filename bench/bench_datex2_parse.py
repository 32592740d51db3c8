"""Parse time and peak memory of the DATEX II parsers on generated payloads.

    python -m bench.bench_datex2_parse [--sites 20000] [--realtime 10000]

Targets (issue 4): a 20,000-site / 80,000-refill-point static publication well under 60 s and
2 GiB; a 10,000-point realtime delta under 2 s. Only parsing is measured here (bytes -> model).
"""

from __future__ import annotations

import argparse
import gc
import resource
import time

import orjson
import psutil

from bench.generate_datex2 import realtime_delta, static_publication
from ocpdb_pipelines.sources.common.values import load_json
from ocpdb_pipelines.sources.datex2.parse import parse_static_document
from ocpdb_pipelines.sources.datex2.realtime import parse_realtime_push


def _rss_mib() -> float:
    return psutil.Process().memory_info().rss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sites', type=int, default=20_000)
    parser.add_argument('--realtime', type=int, default=10_000)
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args()

    body = orjson.dumps(static_publication(args.sites, args.seed))
    delta = orjson.dumps(realtime_delta(args.realtime, args.sites, args.seed))
    gc.collect()
    rss_before = _rss_mib()
    print(f'static payload: {len(body) / 1e6:.1f} MB, {args.sites} sites / {args.sites * 4} refill points')

    started = time.perf_counter()
    batch = parse_static_document(load_json(body), source_uid='datex2_bench', version='3.5')
    static_seconds = time.perf_counter() - started
    evses = sum(len(station.evses) for location in batch.locations for station in location.charging_pool)
    tariffs = {
        association.tariff.uid
        for location in batch.locations
        for station in location.charging_pool
        for evse in station.evses
        for association in evse.tariff_associations or ()
    }
    print(
        f'static parse: {static_seconds:.2f} s -> {len(batch.locations)} locations, {evses} EVSEs, '
        f'{len(tariffs)} grouped tariffs, {len(batch.skipped)} skipped'
    )
    rss_after = _rss_mib()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f'memory: RSS {rss_before:.0f} MiB before, {rss_after:.0f} MiB after parse, peak RSS {peak:.0f} MiB')

    started = time.perf_counter()
    realtime, protocol, stations = parse_realtime_push(delta)
    realtime_seconds = time.perf_counter() - started
    print(
        f'realtime delta: {len(delta) / 1e6:.1f} MB, parse {realtime_seconds:.3f} s -> '
        f'{len(realtime.updates)} updates ({protocol}, {stations} station statuses)'
    )
    ok = static_seconds < 60 and peak < 2048 and realtime_seconds < 2
    print('within targets' if ok else 'OUTSIDE TARGETS')


if __name__ == '__main__':
    main()

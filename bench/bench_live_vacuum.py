"""Who vacuums the live tables when the pipelines run as ocpdb_writer (which may not VACUUM on PostgreSQL 15)?

    .venv/bin/python bench/bench_live_vacuum.py --locations 20000 --seconds 360

A throwaway PostgreSQL cluster (tests/faults/services.py; autovacuum on, its defaults: naptime 60 s, 3
workers) holds one database per variant, each filled with bench/api_dataset.sql (`--locations`, 3 EVSEs
each) and churned at the same time by its own thread through the real writer (`store.realtime.apply_realtime`
connected as ocpdb_writer, `--share` of the EVSEs per tick, one tick every `--tick` seconds), so every
variant sees the same load:
  autovacuum-0150     autovacuum with the live tables' settings of sql/migrations/0150 (500 rows + 1 %)
  autovacuum-default  autovacuum with PostgreSQL's defaults (50 rows + 20 %)
  owner-vacuum        autovacuum off for the live tables; `maybe_vacuum_live_tables` with the owner's URL
                      after every tick (what `ocpdb db maintain --every 60` does, LIVE_VACUUM_SECONDS=60)
  none                autovacuum off for the live tables and no VACUUM (the writer alone)
Every `--sample` seconds: the all-visible share of location's and evse's pages (pg_visibility) and the list
page's count(*) over location (median of 5, warm). Markdown on stdout, JSON in `--out`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'bench'))

from bench_churn import Churn, live_uids, prepare  # noqa: E402

from ocpdb_pipelines.store.maintenance import maybe_vacuum_live_tables  # noqa: E402
from tests.faults.services import throwaway_postgres  # noqa: E402

LIVE = ('evse', 'charging_station', 'location')
VARIANTS = ('autovacuum-0150', 'autovacuum-default', 'owner-vacuum', 'none')


def set_variant(url: str, variant: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for table in LIVE:
            if variant == 'autovacuum-default':
                conn.execute(f'ALTER TABLE {table} RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold)')
            if variant in ('owner-vacuum', 'none'):
                conn.execute(f'ALTER TABLE {table} SET (autovacuum_enabled = false)')
        conn.execute('CREATE EXTENSION IF NOT EXISTS pg_visibility')
        conn.execute('VACUUM ANALYZE')
        conn.execute('SELECT pg_stat_reset()')


def sample(url: str) -> dict[str, float]:
    with psycopg.connect(url, autocommit=True) as conn:
        shares = {}
        for table in ('location', 'evse'):
            visible, pages = conn.execute(
                f"SELECT s.all_visible, pg_relation_size('{table}') / current_setting('block_size')::int "
                f"FROM pg_visibility_map_summary('{table}') s"
            ).fetchone()
            shares[f'{table}_all_visible'] = round(visible / max(pages, 1), 3)
        times = []
        for _ in range(6):
            t0 = time.perf_counter()
            conn.execute('SELECT count(*) FROM location l WHERE TRUE').fetchone()
            times.append((time.perf_counter() - t0) * 1000)
        vacuums = conn.execute(
            'SELECT coalesce(sum(autovacuum_count + vacuum_count), 0) FROM pg_stat_user_tables WHERE relname = ANY(%s)',
            (list(LIVE),),
        ).fetchone()[0]
    return {**shares, 'count_ms': round(statistics.median(times[1:]), 2), 'vacuums': int(vacuums)}


def churn(writer_url: str, owner_url: str, variant: str, uids: list[str], args, stop: threading.Event) -> None:
    worker = Churn(writer_url, uids, args.share, seed=hash(variant) % 1000)
    try:
        while not stop.is_set():
            started = time.monotonic()
            worker.tick()
            if variant == 'owner-vacuum':
                maybe_vacuum_live_tables(owner_url, 60)
            stop.wait(max(0.0, args.tick - (time.monotonic() - started)))
    finally:
        worker.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--locations', type=int, default=20000)
    parser.add_argument('--seconds', type=float, default=360)
    parser.add_argument('--sample', type=float, default=60)
    parser.add_argument('--tick', type=float, default=2.0)
    parser.add_argument('--share', type=float, default=0.001)
    parser.add_argument('--port', type=int, default=int(os.environ.get('OCPDB_TEST_FAULT_PG_PORT', '0')) or None)
    parser.add_argument('--out', default=str(ROOT / 'bench' / 'out' / 'live_vacuum.json'))
    args = parser.parse_args()
    results: dict[str, list[dict]] = {v: [] for v in VARIANTS}
    with throwaway_postgres(args.port) as cluster:
        urls = {}
        for variant in VARIANTS:
            name = 'lv_' + variant.replace('-', '_').replace('0150', 'new')
            urls[variant] = cluster.url(name)
            prepare(urls[variant], args.locations)
            set_variant(urls[variant], variant)
        uids = live_uids(urls[VARIANTS[0]])
        load = os.getloadavg()
        stop = threading.Event()
        threads = [
            threading.Thread(
                target=churn,
                args=(urls[v].replace('postgres@', 'ocpdb_writer@'), urls[v], v, uids, args, stop),
                daemon=True,
            )
            for v in VARIANTS
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        while time.monotonic() - started < args.seconds:
            time.sleep(args.sample - (time.monotonic() - started) % args.sample)
            at = round(time.monotonic() - started)
            for variant in VARIANTS:
                results[variant].append({'at_s': at, **sample(urls[variant])})
        stop.set()
        for thread in threads:
            thread.join()
        load_after = os.getloadavg()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    document = {'args': vars(args), 'load': [load, load_after], 'results': results}
    Path(args.out).write_text(json.dumps(document, indent=1))
    print(f'load average before {load[0]:.1f}/{load[1]:.1f}, after {load_after[0]:.1f}/{load_after[1]:.1f}\n')
    print('| variant | t (s) | location all-visible | evse all-visible | count(*) ms | vacuums of the live tables |')
    print('|---|---:|---:|---:|---:|---:|')
    for variant, rows in results.items():
        for row in rows:
            print(
                f'| {variant} | {row["at_s"]} | {row["location_all_visible"]:.0%} | {row["evse_all_visible"]:.0%} '
                f'| {row["count_ms"]} | {row["vacuums"]} |'
            )


if __name__ == '__main__':
    main()

"""Import time and peak memory of a generated DATEX II 3.5 publication, through the real import path.

    python -m bench.bench_datex2_import [--sites 20000] [--realtime 10000]

Each phase runs in a fresh subprocess so peak RSS (ru_maxrss) is that phase's alone:
  1. static import of N sites / 4N refill points into an empty database (run_static, replayed payload)
  2. the same payload again (unchanged re-import)
  3. a realtime deltaPush of M refill points (run_realtime), every status changed
Targets (issue 4): static < 60 s and < 2 GiB; realtime delta of 10,000 points < 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

DATABASE = 'ocpdb_bench_datex2'
OUT = Path(__file__).resolve().parent / 'out'


def _run_phase(kind: str, path: str, url: str) -> None:
    """Inside the measuring subprocess: one import, then its time and this process's peak RSS as JSON."""
    import resource

    from ocpdb_pipelines.config import load_settings
    from ocpdb_pipelines.imports import run_realtime, run_static
    from ocpdb_pipelines.sources.base import Page

    environ = {'DATABASE_URL': url, 'OCPDB_ARCHIVE__DIR': '/tmp/ocpdb-bench-raw'}
    settings = load_settings(config_file=os.devnull, environ=environ)
    page = Page(body=Path(path).read_bytes(), headers={'last-modified': 'Thu, 19 Mar 2026 10:00:00 GMT'})
    started = time.perf_counter()
    run = run_static if kind == 'static' else run_realtime
    # force: the unchanged re-import measures the full re-apply, not the unchanged-payload skip
    report = run(settings, 'datex2_enbw', replay_pages=[page], **({'force': True} if kind == 'static' else {}))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps({'seconds': seconds, 'peak_rss_mib': peak, 'counts': report.counts, 'skipped': len(report.skipped)})
    )


def _phase(kind: str, path: Path, url: str) -> dict:
    command = [sys.executable, '-m', 'bench.bench_datex2_import', '--phase', kind, str(path), url]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    import orjson
    import psycopg

    from bench.generate_datex2 import realtime_delta, static_publication
    from ocpdb_pipelines.db.migrations import recreate_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sites', type=int, default=20_000)
    parser.add_argument('--realtime', type=int, default=10_000)
    parser.add_argument(
        '--admin-url', default=os.environ.get('OCPDB_TEST_ADMIN_URL', 'postgresql://postgres@127.0.0.1:5432/postgres')
    )
    parser.add_argument('--database', default=DATABASE, help='database name (dropped and re-created)')
    parser.add_argument('--out', type=Path, default=OUT, help='directory for the generated payloads')
    parser.add_argument('--phase', nargs=3, metavar=('KIND', 'PATH', 'URL'), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        _run_phase(*args.phase)
        return

    args.out.mkdir(parents=True, exist_ok=True)
    static_path = args.out / f'datex2_static_{args.sites}.json'
    delta_path = args.out / f'datex2_delta_{args.realtime}.json'
    static_path.write_bytes(orjson.dumps(static_publication(args.sites, 1)))
    delta_path.write_bytes(orjson.dumps(realtime_delta(args.realtime, args.sites, 1)))
    url = psycopg.conninfo.make_conninfo(args.admin_url, dbname=args.database)
    recreate_database(url)
    print(f'payload: {static_path.stat().st_size / 1e6:.1f} MB static, {delta_path.stat().st_size / 1e6:.1f} MB delta')
    for label, kind, path in (
        ('static import (empty database)', 'static', static_path),
        ('static re-import (unchanged)', 'static', static_path),
        (f'realtime delta of {args.realtime} points', 'realtime', delta_path),
    ):
        started = time.perf_counter()
        result = _phase(kind, path, url)
        counts = result['counts']
        print(
            f'{label}: {result["seconds"]:.2f} s in the import, {time.perf_counter() - started:.2f} s with process '
            f'start, peak RSS {result["peak_rss_mib"]:.0f} MiB, skipped {result["skipped"]}, '
            f'locations inserted {counts.get("locations_inserted", "-")}, evses inserted '
            f'{counts.get("evses_inserted", "-")}, statuses changed {counts.get("statuses_changed", "-")}'
        )


if __name__ == '__main__':
    main()

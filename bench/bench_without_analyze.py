"""Matching and the static DATEX II export on a fresh database, with and without the post-import ANALYZE.

    .venv/bin/python bench/bench_without_analyze.py --admin-url postgresql://postgres@127.0.0.1:5444/postgres

Uses the payloads of `bench_germany_day.py` (run it first, or pass `--work`). Once: a source database gets
the day's imports (register, DATEX II, AFIR, OCPI, the realtime tick, regional codes) through the real code
path but with every writer's ANALYZE switched off (`bench_germany_day.without_analyze`, the code before
issue 13), so it has no planner statistics (this server runs with autovacuum off, like CI). Then, round by
round in the order without, with, with, without: a copy of it (`CREATE DATABASE ... TEMPLATE`, which keeps
the missing statistics missing) gets either nothing or a database-wide `ANALYZE` (timed), and then
`run_matching` and the static DATEX II 3.5 export, each in a fresh subprocess (bench_germany_day `--step`).
A step that runs past `--timeout` is stopped (its backend terminated) and reported as such.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DAY = ROOT / 'bench' / 'bench_germany_day.py'
IMPORTS = [
    'register (bnetza_api)',
    'DATEX II static (datex2_enbw)',
    'chargecloud AFIR (chargecloud_ludwigsburg)',
    'OCPI (ocpi_stadtnavi)',
    'realtime tick (datex2_enbw)',
    'regional codes (VG25 load + assign)',
]
MEASURED = ['matching', 'DATEX II static export (3.5)']


def _url(admin: str, database: str) -> str:
    return psycopg.conninfo.make_conninfo(admin, dbname=database)


def _step(step: str, url: str, work: Path, timeout: float, *, no_analyze: bool = False) -> dict:
    command = [sys.executable, str(DAY), '--step', step, '--database-url', url, '--work', str(work)]
    if no_analyze:
        command.append('--no-analyze')
    load = os.getloadavg()[0]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {'step': step, 'seconds': None, 'stopped_after': timeout, 'load': round(load, 2)}
    if done.returncode != 0:
        raise SystemExit(f'step {step!r} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}')
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {'step': step, **result, 'wall': round(time.perf_counter() - started, 2), 'load': round(load, 2)}


def _drop(admin: str, database: str) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s', (database,))
        conn.execute(sql.SQL('DROP DATABASE IF EXISTS {}').format(sql.Identifier(database)))


def _copy(admin: str, source: str, target: str) -> None:
    _drop(admin, target)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL('CREATE DATABASE {} TEMPLATE {}').format(sql.Identifier(target), sql.Identifier(source)))


def _statistics(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stats WHERE schemaname = 'public' AND tablename IN ('location', 'evse')"
        ).fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--admin-url', default='postgresql://postgres@127.0.0.1:5432/postgres')
    parser.add_argument('--work', type=Path, default=ROOT / 'bench' / 'out' / 'germany_day')
    parser.add_argument('--out', type=Path, default=ROOT / 'bench' / 'out' / 'without_analyze.json')
    parser.add_argument('--timeout', type=float, default=600.0, help='seconds before a step is stopped')
    parser.add_argument('--order', default='without,with,with,without')
    parser.add_argument('--keep-source', action='store_true', help='reuse an existing source database')
    parser.add_argument('--database', default='ocpdb_bench_noanalyze', help='source database (its copy: <name>_run)')
    args = parser.parse_args()

    from ocpdb_pipelines.db.migrations import recreate_database

    source, copy = args.database, f'{args.database}_run'
    source_url, copy_url = _url(args.admin_url, source), _url(args.admin_url, copy)
    results: dict = {'imports': [], 'rounds': [], 'loadavg_before': os.getloadavg()}
    if not args.keep_source:
        recreate_database(source_url)
        for step in IMPORTS:
            result = _step(step, source_url, args.work, 3600, no_analyze=True)
            results['imports'].append(result)
            print(json.dumps(result), flush=True)
    results['source_statistics_rows'] = _statistics(source_url)
    print(f'statistics rows for location/evse in the source database: {results["source_statistics_rows"]}')
    for number, variant in enumerate(args.order.split(','), start=1):
        _copy(args.admin_url, source, copy)
        entry: dict = {'round': number, 'variant': variant}
        if variant == 'with':
            started = time.perf_counter()
            with psycopg.connect(copy_url, autocommit=True) as conn:
                conn.execute('ANALYZE')
            entry['analyze_seconds'] = round(time.perf_counter() - started, 2)
        entry['statistics_rows'] = _statistics(copy_url)
        entry['steps'] = []
        for step in MEASURED:
            result = _step(step, copy_url, args.work, args.timeout)
            if result['seconds'] is None:
                _drop(args.admin_url, copy)  # terminates the stopped step's backend
                _copy(args.admin_url, source, copy)
                if variant == 'with':
                    with psycopg.connect(copy_url, autocommit=True) as conn:
                        conn.execute('ANALYZE')
            entry['steps'].append(result)
        results['rounds'].append(entry)
        print(json.dumps(entry), flush=True)
    _drop(args.admin_url, copy)
    results['loadavg_after'] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f'results in {args.out}')


if __name__ == '__main__':
    main()

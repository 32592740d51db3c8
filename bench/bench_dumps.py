"""Open-data dump at Germany scale: time, peak memory and file sizes of one dump generation.

    python -m bench.bench_dumps [--locations 180000] [--batch-rows 5000,20000,50000] [--repeats 2]
                                [--database-url URL] [--skip-generate]

The dataset is bench/api_dataset.sql (the API benchmark's generator: locations clustered around 20 German
cities, 3 EVSEs each, 1-2 connectors per EVSE). Each dump runs in a fresh child process, so its peak RSS
(ru_maxrss) is the dump's own; batch sizes are interleaved run by run so machine load hits them alike.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from bench.bench_api import generate

DEFAULT_URL = os.environ.get('BENCH_DATABASE_URL', 'postgresql://postgres@127.0.0.1:5432/ocpdb_bench_dumps')


def _child(url: str, batch_rows: int, root: Path) -> None:
    from ocpdb_pipelines.products.dumps.write import write_generation

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = write_generation(url, root, keep=1, batch_rows=batch_rows)
    result = {
        'batch_rows': batch_rows,
        'seconds': report.seconds,
        'peak_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        'rss_before_mib': before,
        'locations': report.locations,
        'evses': report.evses,
        'files': report.files,
    }
    print(json.dumps(result))


def _run(url: str, batch_rows: int, root: Path) -> dict:
    command = [sys.executable, '-m', 'bench.bench_dumps', '--child', '--database-url', url]
    command += ['--batch-rows', str(batch_rows), '--out', str(root)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--locations', type=int, default=180_000)
    parser.add_argument('--batch-rows', default='5000,20000,50000')
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--database-url', default=DEFAULT_URL)
    parser.add_argument('--skip-generate', action='store_true')
    parser.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--out', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.database_url, int(args.batch_rows), Path(args.out))
        return
    if not args.skip_generate:
        generate(args.database_url, args.locations)
    with psycopg.connect(args.database_url) as conn:
        n = conn.execute('SELECT (SELECT count(*) FROM location), (SELECT count(*) FROM evse)').fetchone()
    print(f'dataset: {n[0]} locations, {n[1]} EVSEs; load {os.getloadavg()[0]:.1f}', flush=True)
    sizes = [int(s) for s in args.batch_rows.split(',')]
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            for batch_rows in sizes:
                started = time.perf_counter()
                result = _run(args.database_url, batch_rows, Path(tmp) / 'dumps')
                files = ', '.join(f'{name} {size / 1e6:.3f} MB' for name, size in result['files'].items())
                print(
                    f'run {repeat + 1} batch {batch_rows}: {result["locations"]} locations, {result["evses"]} EVSEs '
                    f'in {result["seconds"]:.1f} s (process {time.perf_counter() - started:.1f} s); '
                    f'peak RSS {result["peak_rss_mib"]:.0f} MiB (after imports {result["rss_before_mib"]:.0f} MiB); '
                    f'{files}; load {os.getloadavg()[0]:.1f}',
                    flush=True,
                )


if __name__ == '__main__':
    main()

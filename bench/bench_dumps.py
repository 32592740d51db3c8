"""Open-data dump at Germany scale: time, peak memory and file sizes of one dump generation.

    python -m bench.bench_dumps [--locations 180000] [--batch-rows 5000,20000,50000] [--repeats 2]
                                [--database-url URL] [--skip-generate] [--baseline-tree DIR]

The dataset is bench/api_dataset.sql (the API benchmark's generator: locations clustered around 20 German
cities, 3 EVSEs each, 1-2 connectors per EVSE). Each dump runs in a fresh child process, so its peak RSS
(ru_maxrss) is the dump's own; batch sizes are interleaved run by run so machine load hits them alike.

`--baseline-tree DIR` compares against another version of the code: DIR holds its `ocpdb_pipelines` and
`bench` (e.g. `git archive 1a43acf ocpdb_pipelines bench | tar -x -C DIR`); its child runs with DIR as the
working directory, so that version is imported, and baseline and current runs alternate.

`--writers ROWS` measures only the CSV and GeoJSON-lines writers on the first ROWS dump rows held in memory:
as shipped (pyarrow's CSV writer; orjson features) against polars (`write_csv`; `group_by` + `write_ndjson`),
both into gzip level 6, alternating, CPU and wall seconds. polars is not a dependency:
`uv run --with polars python -m bench.bench_dumps --writers 100000 --skip-generate`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(url: str, batch_rows: int, root: Path, tree: Path | None = None) -> dict:
    """One dump in a child process; adds the child's CPU seconds (user + system, PostgreSQL's not included),
    which machine load distorts far less than wall time."""
    command = [sys.executable, '-m', 'bench.bench_dumps', '--child', '--database-url', url]
    command += ['--batch-rows', str(batch_rows), '--out', str(root)]
    before = _cpu_seconds()
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=tree).stdout
    return {**json.loads(out.strip().splitlines()[-1]), 'cpu_seconds': _cpu_seconds() - before}


def _writer_variants(rows: list[tuple]) -> dict[str, Callable[[], None]]:
    import gzip
    import io

    import orjson
    import polars as pl
    import pyarrow.csv as pacsv

    from ocpdb_pipelines.products.dumps import rows as dump_rows

    batches = [rows[i : i + 5000] for i in range(0, len(rows), 5000)]
    csv_batches = [dump_rows.csv_batch(b) for b in batches]
    tables = [dump_rows.parquet_batch(b).drop_columns(['geometry']) for b in batches]
    location = [c for c in dump_rows.LOCATION_FIELDS if c != 'location_id']

    def sink() -> gzip.GzipFile:
        return gzip.GzipFile(fileobj=io.BytesIO(), mode='wb', compresslevel=6)

    def csv_pyarrow() -> None:
        with sink() as out, pacsv.CSVWriter(out, dump_rows.CSV_SCHEMA) as writer:
            for batch in csv_batches:
                writer.write_batch(batch)

    def csv_polars() -> None:
        with sink() as out:
            for i, batch in enumerate(csv_batches):
                pl.from_arrow(batch).write_csv(out, include_header=i == 0)

    def geojsonl_orjson() -> None:
        grouper = dump_rows.FeatureGrouper()
        with sink() as out:
            for batch in batches:
                out.write(b'\n'.join(orjson.dumps(f) for f in map(grouper.add, batch) if f is not None))

    def geojsonl_polars() -> None:  # a location's rows never span two batches here: close enough for timing
        with sink() as out:
            for table in tables:
                features = (
                    pl.from_arrow(table)
                    .group_by('location_id', maintain_order=True)
                    .agg(*[pl.col(c).first() for c in location], pl.struct(dump_rows.EVSE_FIELDS).alias('evses'))
                    .select(
                        pl.lit('Feature').alias('type'),
                        pl.col('location_id').alias('id'),
                        pl.struct(
                            pl.lit('Point').alias('type'), pl.concat_list('lon', 'lat').alias('coordinates')
                        ).alias('geometry'),
                        pl.struct('location_id', *[c for c in location if c not in ('lon', 'lat')], 'evses').alias(
                            'properties'
                        ),
                    )
                )
                features.write_ndjson(out)

    return {f.__name__: f for f in (csv_pyarrow, csv_polars, geojsonl_orjson, geojsonl_polars)}


def _bench_writers(url: str, n_rows: int, repeats: int) -> None:
    from psycopg.rows import tuple_row

    from ocpdb_pipelines.products.dumps import rows as dump_rows

    with psycopg.connect(url) as conn, conn.transaction(), conn.cursor(name='bench', row_factory=tuple_row) as cur:
        cur.itersize = 5000
        cur.execute(dump_rows.DUMP_SQL)
        rows = cur.fetchmany(n_rows)
    variants = _writer_variants(rows)
    print(f'writers on {len(rows)} rows; load {os.getloadavg()[0]:.1f}', flush=True)
    for repeat in range(repeats):
        for name, variant in variants.items():
            wall, cpu = time.perf_counter(), time.process_time()
            variant()
            print(
                f'run {repeat + 1} {name}: CPU {time.process_time() - cpu:.2f} s, '
                f'wall {time.perf_counter() - wall:.2f} s; '
                f'load {os.getloadavg()[0]:.1f}',
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--locations', type=int, default=180_000)
    parser.add_argument('--batch-rows', default='5000,20000,50000')
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--database-url', default=DEFAULT_URL)
    parser.add_argument('--skip-generate', action='store_true')
    parser.add_argument('--baseline-tree', type=Path, help='another version of the code to alternate with')
    parser.add_argument('--writers', type=int, help='time only the CSV/GeoJSON-lines writers on this many rows')
    parser.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--out', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.database_url, int(args.batch_rows), Path(args.out))
        return
    if not args.skip_generate:
        generate(args.database_url, args.locations)
    if args.writers:
        _bench_writers(args.database_url, args.writers, args.repeats)
        return
    with psycopg.connect(args.database_url) as conn:
        n = conn.execute('SELECT (SELECT count(*) FROM location), (SELECT count(*) FROM evse)').fetchone()
    print(f'dataset: {n[0]} locations, {n[1]} EVSEs; load {os.getloadavg()[0]:.1f}', flush=True)
    sizes = [int(s) for s in args.batch_rows.split(',')]
    trees: list[tuple[str, Path | None]] = [('', None)]  # labelled only when there is a baseline to tell apart
    if args.baseline_tree:
        trees = [(' baseline', args.baseline_tree.resolve()), (' current', None)]
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            for (label, tree), batch_rows in itertools.product(trees, sizes):
                started = time.perf_counter()
                result = _run(args.database_url, batch_rows, Path(tmp) / 'dumps', tree)
                files = ', '.join(f'{name} {size / 1e6:.3f} MB' for name, size in result['files'].items())
                print(
                    f'run {repeat + 1}{label} batch {batch_rows}: '
                    f'{result["locations"]} locations, {result["evses"]} EVSEs '
                    f'in {result["seconds"]:.1f} s (process {time.perf_counter() - started:.1f} s, '
                    f'CPU {result["cpu_seconds"]:.1f} s); '
                    f'peak RSS {result["peak_rss_mib"]:.0f} MiB (after imports {result["rss_before_mib"]:.0f} MiB); '
                    f'{files}; load {os.getloadavg()[0]:.1f}',
                    flush=True,
                )


if __name__ == '__main__':
    main()

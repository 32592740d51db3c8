"""What deriving the column lists from the catalogue costs: the BNetzA import and list pages, before and after.

    python -m bench.bench_catalogue --base /tmp/ocpdb-base [--n 5000] [--rounds 3] [--requests 150]

`--base` is a source tree of the commit to compare with (e.g. `git archive 1a43acf | tar -x -C DIR`); the
other variant is this tree. Both run with this virtualenv, each in its own subprocess with its own tree
first on PYTHONPATH and its own database (`<--database>_base`, `<--database>_branch`) migrated by its own
migrations. Variants alternate within every round (the order flips each round), so machine load hits both.

Per variant and round:
- the first import of a generated BNetzA API file (`bench.bench_bnetza_import.run_import`, with its phase
  times: parse, flatten, staging COPY, each SQL step) and a forced re-import of the same file;
- list pages through the whole app in process (Starlette's TestClient: routing, SQL, rendering, JSON): the
  median of `--requests` requests each of `/api/public/v1/locations?limit=100`, the OCPI 3.0 shape and
  `/ocpi/2.2.1/locations?limit=100`, walking the offsets.
The results are printed as a Markdown table, with the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    'v1 list (limit 100)': '/api/public/v1/locations',
    'OCPI 3.0 list (limit 100)': '/api/public/ocpi/3.0/locations',
    'OCPI 2.2.1 list (limit 100)': '/ocpi/2.2.1/locations',
}


def _child(database_url: str, path: str, requests: int) -> dict[str, Any]:
    """Runs inside a variant's tree: fresh database, import twice, then time the list pages."""
    from starlette.testclient import TestClient

    from bench.bench_bnetza_import import _settings, run_import
    from ocpdb_api.app import create_app
    from ocpdb_api.settings import ApiSettings
    from ocpdb_pipelines.db.migrations import recreate_database

    recreate_database(database_url)
    first = run_import('bnetza_api', path, database_url)
    forced = run_import('bnetza_api', path, database_url, force=True)
    settings = _settings(database_url)
    # no Redis: the pages are timed as they render (the list item cache would serve the repeats), and the
    # bench touches no Redis but its own (it had written the items into the default database 0)
    api = ApiSettings.from_settings(settings, redis_url=None, version_ttl_seconds=0.0, pool_min_size=1, pool_max_size=2)
    pages: dict[str, float] = {}
    with TestClient(create_app(api)) as client:
        total = int(client.get(PAGES['v1 list (limit 100)'], params={'limit': 1}).headers['X-Total-Count'])
        for name, page in PAGES.items():
            for _ in range(5):
                client.get(page, params={'limit': 100})
            seconds = []
            for k in range(requests):
                offset = (k * 100) % max(total - 100, 1)
                started = time.perf_counter()
                response = client.get(page, params={'limit': 100, 'offset': offset})
                seconds.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
            pages[name] = statistics.median(seconds) * 1000
    return {
        'first import s': first['seconds'],
        'first import flatten s': first['phases'].get('flatten', 0.0),
        'first import staging COPY s': first['phases'].get('stage (COPY into temp tables)', 0.0),
        'forced re-import s': forced['seconds'],
        'locations': first['counts'],
        'pages_ms': pages,
    }


def _load(root: Path, relative: str, name: str) -> Any:
    """A module of another tree under its own name, next to this tree's modules (its imports are this tree's)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, root / relative)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _alternate(pairs: dict[str, Any], repeats: int) -> dict[str, float]:
    """Median seconds of each callable, the callables run alternately `repeats` times (order flips each time)."""
    seconds: dict[str, list[float]] = {name: [] for name in pairs}
    for k in range(repeats):
        for name in list(pairs) if k % 2 == 0 else list(reversed(pairs)):
            started = time.perf_counter()
            pairs[name]()
            seconds[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in seconds.items()}


def _in_process(base: Path, path: Path, database_url: str, repeats: int) -> dict[str, dict[str, float]]:
    """The two code paths the derivation changed, base and branch alternating in one process on the same input:
    flattening the parsed BNetzA locations into staging rows, and loading + rendering list pages
    (`queries/trees.py` + `render/compat.py`) from the branch database the last round left."""
    import asyncio

    import psycopg
    from psycopg.rows import dict_row

    from ocpdb_api.queries import trees
    from ocpdb_api.render import compat
    from ocpdb_pipelines.sources.bnetza import api
    from ocpdb_pipelines.store import staging

    base_staging = _load(base, 'ocpdb_pipelines/store/staging.py', 'base_staging')
    base_trees = _load(base, 'ocpdb_api/queries/trees.py', 'base_trees')
    base_compat = _load(base, 'ocpdb_api/render/compat.py', 'base_compat')
    locations = list(api.parse([path.read_bytes()]).locations)
    flatten = _alternate(
        {
            'base': lambda: base_staging.Flattener().add_all(locations),
            'branch': lambda: staging.Flattener().add_all(locations),
        },
        repeats,
    )

    async def pages() -> dict[str, float]:
        conn = await psycopg.AsyncConnection.connect(database_url, row_factory=dict_row, autocommit=True)
        ids = [r['id'] for r in await (await conn.execute('SELECT id FROM location ORDER BY id')).fetchall()]
        pages = [ids[i : i + 100] for i in range(0, min(len(ids), 100 * repeats), 100)]
        variants = {'base': (base_trees, base_compat), 'branch': (trees, compat)}
        seconds: dict[str, list[float]] = {name: [] for name in variants}
        for k, page in enumerate(pages * 2):
            for name in list(variants) if k % 2 == 0 else list(reversed(variants)):
                loader, renderer = variants[name]
                ctx = renderer.Ctx(False, 'http://x/images')
                started = time.perf_counter()
                [renderer.location_22(row, ctx) for row in await loader.locations(conn, page)]
                seconds[name].append(time.perf_counter() - started)
        await conn.close()
        return {name: statistics.median(values) for name, values in seconds.items()}

    return {'flatten s': flatten, 'v1 page (load + render, 100 locations) s': asyncio.run(pages())}


def _run_variant(root: Path, database_url: str, path: Path, requests: int) -> dict[str, Any]:
    # this file runs as the child's script (the base tree may not have it); the variant's tree comes first
    env = {**os.environ, 'PYTHONPATH': str(root)}
    output = subprocess.run(
        [sys.executable, __file__, '--child', database_url, str(path), str(requests)],
        cwd=root,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _url(admin_url: str, database: str) -> str:
    return admin_url.rsplit('/', 1)[0] + '/' + database


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--base', type=Path, required=True, help='source tree of the commit to compare with')
    parser.add_argument('--n', type=int, default=5000, help='BNetzA installations')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--requests', type=int, default=150, help='requests per list page and round')
    admin = os.environ.get('OCPDB_TEST_ADMIN_URL', 'postgresql://postgres@127.0.0.1:5432/postgres')
    parser.add_argument('--admin-url', default=admin)
    parser.add_argument('--database', default=os.environ.get('OCPDB_TEST_DB', 'ocpdb') + '_bench_catalogue')
    parser.add_argument('--out', type=Path, help='directory of the generated input (default bench/out)')
    args = parser.parse_args(argv)

    from bench.generate_bnetza import OUT, output_paths, write_bnetza_api_json

    path = output_paths(args.out or OUT, args.n)['api']
    if not path.exists():
        write_bnetza_api_json(path, args.n, 1, 0)
    variants = {'base': args.base.resolve(), 'branch': ROOT}
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
    load_before = os.getloadavg()
    for round_ in range(args.rounds):
        order = list(variants) if round_ % 2 == 0 else list(reversed(variants))
        for name in order:
            result = _run_variant(variants[name], _url(args.admin_url, f'{args.database}_{name}'), path, args.requests)
            results[name].append(result)
            print(f'round {round_ + 1} {name}: {json.dumps(result)}', flush=True)
    in_process = _in_process(args.base.resolve(), path, _url(args.admin_url, f'{args.database}_branch'), 15)
    load_after = os.getloadavg()
    _report(results, args, load_before, load_after)
    print('\n| in one process, alternating (median of 15 / 30) | base | branch | branch / base |\n|---|---:|---:|---:|')
    for label, figures in in_process.items():
        print(
            f'| {label} | {figures["base"]:.4f} | {figures["branch"]:.4f} | {figures["branch"] / figures["base"]:.2f} |'
        )


def _median(runs: list[dict[str, Any]], key: str, page: str | None = None) -> float:
    return statistics.median(r['pages_ms'][page] if page else r[key] for r in runs)


def _report(results: dict[str, list[dict[str, Any]]], args: Any, before: tuple, after: tuple) -> None:
    print(f'\nn={args.n}, rounds={args.rounds}, requests={args.requests}; load average before {before}, after {after}')
    print('\n| figure (median of rounds) | base | branch | branch / base |\n|---|---:|---:|---:|')
    rows = [(key, None) for key in ('first import s', 'first import flatten s', 'first import staging COPY s')]
    rows += [('forced re-import s', None)] + [(f'{page} ms', page) for page in PAGES]
    for label, page in rows:
        base = _median(results['base'], label, page)
        branch = _median(results['branch'], label, page)
        ratio = f'{branch / base:.2f}' if base else '—'  # the register's tabular path does not flatten models
        print(f'| {label} | {base:.3f} | {branch:.3f} | {ratio} |')


if __name__ == '__main__':
    if sys.argv[1:2] == ['--child']:
        print(json.dumps(_child(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    else:
        main()

"""Peer comparison: tipg (PyPI) on the same database, tiles and feature pages beside ours, as ratios.

tipg is not a project dependency: install it into a separate environment and point this script at it,
    uv venv /tmp/tipg && uv pip install --python /tmp/tipg/bin/python tipg uvicorn
    .venv/bin/python bench/bench_api_tipg.py --tipg-python /tmp/tipg/bin/python
It needs the dataset of bench_api.py (`--generate`). Uncached tiles on both sides (our API without Redis).
`--wrk SECONDS` loads both with wrk (C) instead of the httpx client, which tops out near 270 req/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_api import (
    DEFAULT_DB,
    ROOT,
    WRK,
    _load,
    api_server,
    run,
    sample_points,
    tile_paths,
    wait_idle,
    wait_until_ready,
)


@contextmanager
def tipg_server(python: str, url: str, port: int):
    reader = url.replace('postgresql://postgres@', 'postgresql://ocpdb_reader@')
    env = {**os.environ, 'DATABASE_URL': reader, 'TIPG_NAME': 'tipg-bench', 'TIPG_DB_SCHEMAS': '["public"]',
           'TIPG_DB_TABLES': '["public.location"]'}  # fmt: skip
    proc = subprocess.Popen(
        [python, '-m', 'uvicorn', 'tipg.main:app', '--port', str(port), '--log-level', 'warning'], env=env
    )
    try:
        wait_until_ready(proc, f'http://127.0.0.1:{port}/collections', 'tipg', seconds=60)
        yield f'http://127.0.0.1:{port}'
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--tipg-python', required=True)
    parser.add_argument('--database-url', default=DEFAULT_DB)
    parser.add_argument('--requests', type=int, default=500)
    parser.add_argument('-c', '--concurrency', type=int, default=16)
    parser.add_argument('--wrk', type=int, default=0, metavar='SECONDS', help='load with wrk instead of httpx')
    parser.add_argument('--out', default=str(ROOT / 'bench' / 'out' / 'api_tipg.json'))
    args = parser.parse_args()
    WRK['duration'] = args.wrk
    rng = random.Random(11)
    points = sample_points(args.database_url, 5000)
    pages = [rng.randrange(900) * 100 for _ in range(args.requests)]
    tiles = {z: tile_paths(points, z, args.requests, rng) for z in (8, 10, 12, 14)}
    results: dict[str, dict] = {}
    with api_server(args.database_url, '', 8771, 1) as ours:
        results['ours: page of 100 locations (with EVSEs, connectors)'] = run(
            ours, [f'/api/public/v1/locations?limit=100&offset={o}' for o in pages], args.concurrency
        )
        for z, paths in tiles.items():
            asyncio.run(_load(ours, paths[:50], 4))  # warm-up
            wait_idle(args.database_url)
            results[f'ours: tile z{z}'] = run(ours, paths, args.concurrency)
    with tipg_server(args.tipg_python, args.database_url, 8772) as peer:
        items = '/collections/public.location/items?limit=100&offset={}&geom-column=geometry'
        results['tipg: page of 100 locations (flat GeoJSON)'] = run(
            peer, [items.format(o) for o in pages], args.concurrency
        )
        for z, paths in tiles.items():
            peer_paths = [
                p.replace('/tiles/', '/collections/public.location/tiles/WebMercatorQuad/').removesuffix('.mvt')
                + '?geom-column=geometry&properties=id,name'
                for p in paths
            ]
            asyncio.run(_load(peer, peer_paths[:50], 4))  # warm-up
            wait_idle(args.database_url)
            results[f'tipg: tile z{z}'] = run(peer, peer_paths, args.concurrency)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f'| scenario | p50 ms | p99 ms | req/s | errors | non-2xx | (concurrency {args.concurrency})')
    print('|---|---|---|---|---|---|')
    for name, r in results.items():
        print(f'| {name} | {r["p50_ms"]} | {r["p99_ms"]} | {r["rps"]} | {r["errors"]} | {r["non_2xx"]} |')
    print('\n| ratio ours / tipg | p50 | req/s |')
    print('|---|---|---|')
    pairs = [('page of 100 locations', 'ours: page of 100 locations (with EVSEs, connectors)',
              'tipg: page of 100 locations (flat GeoJSON)')]  # fmt: skip
    pairs += [(f'tile z{z}', f'ours: tile z{z}', f'tipg: tile z{z}') for z in tiles]
    for label, a, b in pairs:
        ra, rb = results[a], results[b]
        print(f'| {label} | {ra["p50_ms"] / rb["p50_ms"]:.2f} | {ra["rps"] / rb["rps"]:.2f} |')


if __name__ == '__main__':
    main()

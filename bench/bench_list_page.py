"""The location list pages against their SQL floors: main's API (A) and this tree's (B), interleaved in one run.

    .venv/bin/python bench/bench_list_page.py --database-url URL --main-tree DIR [--pages 40] [--rounds 5]

`--main-tree` is an export of main (`git archive main | tar -x -C DIR`); both APIs run under uvicorn (one
worker each, the same Redis, the same database: bench/api_dataset.sql as bench_churn.py makes it) on
different ports. Per round, the same `--pages` random pages of `/api/public/v1/locations?limit=100` (and the
same for `/api/public/ocpi/2.2/locations`, which renders the same objects, and for the OCPI 2.2.1 module's
`/ocpi/2.2.1/locations`) are requested from A and from B, and each tree's SQL floor is run, the order
rotating per round:
  floor A/B  what that tree's page asks PostgreSQL, executed and fetched by psycopg as that page does, on one
             connection configured like the API's pool (bench/list_page_floor.py, run with the tree's code:
             the id page, then the tree queries; the total count is memoised by both APIs, so left out)
  A / B      the whole request through HTTP against the real ASGI app, response read (the total from the
             API's memo)
Reported: median ms per variant and the ratios A / floor A, B / floor B (the target: B within 1.3x of its
floor), B / floor A (this tree's page against main's floor: the data only, fetched as main fetches it) and
B / A; and, less sensitive to the machine's load than wall time, each API process's CPU time per page
(utime + stime from /proc, per batch of pages; 10 ms ticks, so meaningful only over many pages).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'bench'))

from bench_api import wait_until_ready  # noqa: E402


@contextmanager
def api(tree: Path, url: str, redis_url: str, port: int):
    env = {**os.environ, 'DATABASE_URL': url, 'REDIS_URL': redis_url, 'OCPDB_CONFIG': os.devnull,
           'OCPDB_API__PROJECT_URL': f'http://127.0.0.1:{port}', 'PYTHONPATH': str(tree)}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, '-m', 'ocpdb_api', '--port', str(port), '--workers', '1'], cwd=tree, env=env
    )
    try:
        wait_until_ready(proc, f'http://127.0.0.1:{port}/health', f'API from {tree}', 180)
        yield f'http://127.0.0.1:{port}', proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def cpu_ms(pid: int) -> float:
    """utime + stime of a process so far, in ms (Linux /proc)."""
    fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf('SC_CLK_TCK')


async def http_pages(base: str, paths: list[str]) -> list[float]:
    times = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for path in paths:
            t0 = time.perf_counter()
            r = await client.get(path)
            r.raise_for_status()
            times.append((time.perf_counter() - t0) * 1000)
    return times


def sql_pages(tree: Path, url: str, paths: list[str]) -> list[float]:
    """The tree's SQL floor over the pages (bench/list_page_floor.py in a process with the tree's code)."""
    offsets = [int(path.rsplit('offset=', 1)[1]) for path in paths]
    env = {**os.environ, 'PYTHONPATH': str(tree)}
    done = subprocess.run(
        [sys.executable, str(ROOT / 'bench' / 'list_page_floor.py'), url],
        input=json.dumps(offsets), capture_output=True, text=True, cwd=tree, env=env, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--database-url', required=True)
    parser.add_argument('--redis-url', default='redis://127.0.0.1:6379/13')
    parser.add_argument('--main-tree', type=Path, required=True)
    parser.add_argument('--pages', type=int, default=40)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--port', type=int, default=8781)
    parser.add_argument('--out', default=str(ROOT / 'bench' / 'out' / 'list_page.json'))
    args = parser.parse_args()
    with psycopg.connect(args.database_url) as conn:
        total = conn.execute('SELECT count(*) FROM location').fetchone()[0]
    rng = random.Random(5)
    offsets = [rng.randrange(total // 100 - 1) * 100 for _ in range(args.pages)]
    routes = {
        'v1': '/api/public/v1/locations',
        'ocpi22': '/api/public/ocpi/2.2/locations',
        'ocpi221': '/ocpi/2.2.1/locations',
    }
    load_before = os.getloadavg()
    variants = ('floor A', 'A', 'floor B', 'B')
    trees = {'A': args.main_tree, 'B': ROOT}
    results: dict[str, dict[str, list[float]]] = {r: {v: [] for v in variants} for r in routes}
    cpu: dict[str, dict[str, list[float]]] = {r: {'A': [], 'B': []} for r in routes}  # ms per page, per batch
    with ExitStack() as stack:
        servers = {
            'A': stack.enter_context(api(args.main_tree, args.database_url, args.redis_url, args.port)),
            'B': stack.enter_context(api(ROOT, args.database_url, args.redis_url, args.port + 1)),
        }
        bases = {k: base for k, (base, _) in servers.items()}
        for route, prefix in routes.items():
            paths = [f'{prefix}?limit=100&offset={o}' for o in offsets]
            for variant in ('A', 'B'):  # warm: pools, plan caches, the total's memo
                asyncio.run(http_pages(bases[variant], paths[:5]))
            for r in range(args.rounds):
                order = variants[r % 4 :] + variants[: r % 4]
                for variant in order:
                    if variant.startswith('floor'):
                        times = sql_pages(trees[variant[-1]], args.database_url, paths)
                    else:
                        before = cpu_ms(servers[variant][1])
                        times = asyncio.run(http_pages(bases[variant], paths))
                        cpu[route][variant].append((cpu_ms(servers[variant][1]) - before) / len(paths))
                    results[route][variant].append(statistics.median(times))
                print(route, r + 1, {k: round(v[-1], 2) for k, v in results[route].items()}, flush=True)
    load_after = os.getloadavg()
    median = statistics.median
    summary = {}
    print(f'\nload average before {load_before[0]:.2f}, after {load_after[0]:.2f}; {total} locations')
    print('| route | floor A ms | A (main) ms | A / floor A | floor B ms | B (this tree) ms | B / floor B | B / floor A'
          ' | B / A |')  # fmt: skip
    print('|---|---|---|---|---|---|---|---|---|')
    for route, runs in results.items():
        fa, a, fb, b = (median(runs[k]) for k in variants)
        summary[route] = {'floor_a_ms': fa, 'a_ms': a, 'floor_b_ms': fb, 'b_ms': b}
        print(f'| {route} | {fa:.2f} | {a:.2f} | {a / fa:.2f} | {fb:.2f} | {b:.2f} | {b / fb:.2f} | {b / fa:.2f}'
              f' | {b / a:.2f} |')  # fmt: skip
    print('\n| route | A API CPU ms/page | B API CPU ms/page | B / A |')
    print('|---|---|---|---|')
    for route, runs in cpu.items():
        a, b = (sum(runs[k]) / len(runs[k]) for k in ('A', 'B'))
        print(f'| {route} | {a:.2f} | {b:.2f} | {b / a:.2f} |' if a else f'| {route} | {a:.2f} | {b:.2f} | - |')
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {'locations': total, 'loadavg_before': load_before, 'loadavg_after': load_after, 'rounds': args.rounds}
    out.write_text(json.dumps({'meta': meta, 'rounds': results, 'summary': summary, 'cpu_ms_per_page': cpu}, indent=2))


if __name__ == '__main__':
    main()

"""The location list pages against their SQL floors: main's API (A) and this tree's (B), interleaved in one run.

    .venv/bin/python bench/bench_list_page.py --database-url URL --main-tree DIR [--pages 40] [--rounds 5]

`--main-tree` is an export of main (`git archive main | tar -x -C DIR`); the APIs run under uvicorn (one
worker each, the same database: bench/api_dataset.sql as bench_churn.py makes it) on different ports. Per
round, the same `--pages` random pages of `/api/public/v1/locations?limit=100` (and the same for
`/api/public/ocpi/2.2/locations`, which renders the same objects, and for the OCPI 2.2.1 module's
`/ocpi/2.2.1/locations`) are requested from each API, and each tree's SQL floors are run for it: page by page,
the variants back to back, their order rotating from page to page (the machine is shared, its load moves
within seconds; interleaving whole batches let one variant meet a busy stretch the other missed):
  floor A    what main's page asks PostgreSQL (its id page and tree queries), executed and fetched by psycopg as
             that page does, on one connection configured like the API's pool (bench/list_page_floor.py, run
             with the tree's code; the total count is memoised by both APIs, so left out)
  floor B    the same for this tree's page with its items cached: the id page and the stamps
  data B     this tree's id page and tree queries (what a page asks when no item is cached)
  A / B      the whole request through HTTP against the real ASGI app, response read (gzip on, as clients
             ask), the total from the API's memo; every page was requested once before the rounds (B's
             items are cached, as for any page asked before since its rows last changed)
  B cold     this tree again, a third process on its own Redis database (--cold-redis-url), emptied before
             every request: every item a miss (stamps, MGET, tree queries, render, SET)
With `--churn-ticks 30,300` (after the rounds, v1 only): that many realtime ticks through the real writer
(bench_churn.Churn, `--churn-share` of the live EVSEs each, 0.1 % as in the churn bench, 2 s apart there),
then the VACUUM of the live tables the realtime runs do every minute, then one pass over the pages, A and B
alternating: what a page costs when it is asked again that long after
(30 ticks ~ 1 min, 300 ~ 10 min), with B's share of items still cached (from its `/metrics`).
Reported: median ms per variant over every page, the medians of the per-page ratios (the target: B within
1.3x of its floor; B / floor A is this page against main's SQL, the floor the issue measured) and, less
sensitive to the machine's load than wall time, each API process's CPU time per page (utime + stime from
/proc around each request, averaged; 10 ms ticks, so meaningful only over many pages).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import psycopg
import redis

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


class Floor:
    """A tree's SQL floor as a process of its own (bench/list_page_floor.py --serve with the tree's code first on
    the path), asked one page at a time so that it interleaves with the APIs page by page."""

    def __init__(self, tree: Path, url: str) -> None:
        env = {**os.environ, 'PYTHONPATH': str(tree)}
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / 'bench' / 'list_page_floor.py'), url, '--serve'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=tree, env=env,
        )  # fmt: skip
        assert self.proc.stdout.readline().strip() == 'ready'

    def page(self, offset: int) -> tuple[float, float]:
        """(data ms, page ms): the tree queries, and what the page asks with its items cached."""
        self.proc.stdin.write(f'{offset}\n')
        self.proc.stdin.flush()
        data, page = self.proc.stdout.readline().split()
        return float(data), float(page)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=20)


RATIOS = (
    ('a_floor_a', 'A', 'floor A'),
    ('b_floor_b', 'B', 'floor B'),
    ('b_floor_a', 'B', 'floor A'),
    ('b_a', 'B', 'A'),
    ('cold_a', 'B cold', 'A'),
    ('cold_data_b', 'B cold', 'data B'),
)
APIS = ('A', 'B', 'B cold')


def http_page(client: httpx.Client, path: str) -> float:
    t0 = time.perf_counter()
    r = client.get(path)
    r.raise_for_status()
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--database-url', required=True)
    parser.add_argument('--redis-url', default='redis://127.0.0.1:6379/13', help='of A and B')
    parser.add_argument('--cold-redis-url', help='of B cold, emptied before each of its requests (default: db + 1)')
    parser.add_argument('--main-tree', type=Path, required=True)
    parser.add_argument('--pages', type=int, default=40)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--port', type=int, default=8781)
    parser.add_argument('--churn-ticks', default='', help='comma-separated tick counts, e.g. 30,300 (none: skip)')
    parser.add_argument('--churn-share', type=float, default=0.001)
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
    base_redis, _, db = args.redis_url.rpartition('/')
    cold_redis_url = args.cold_redis_url or f'{base_redis}/{int(db) + 1}'
    cold_redis = redis.Redis.from_url(cold_redis_url)
    load_before = os.getloadavg()
    variants = ('floor A', 'A', 'floor B', 'B', 'B cold')  # one call of floor B also gives data B
    recorded = (*variants, 'data B')
    trees = {'A': args.main_tree, 'B': ROOT, 'B cold': ROOT}
    redis_of = {'A': args.redis_url, 'B': args.redis_url, 'B cold': cold_redis_url}
    results: dict[str, dict[str, list[float]]] = {r: {v: [] for v in recorded} for r in routes}  # round medians
    pairs: dict[str, list[dict[str, float]]] = {r: [] for r in routes}  # one sample of each variant per page
    cpu: dict[str, dict[str, list[float]]] = {r: {k: [] for k in APIS} for r in routes}  # ms, one per page
    with ExitStack() as stack:
        servers = {
            k: stack.enter_context(api(trees[k], args.database_url, redis_of[k], args.port + i))
            for i, k in enumerate(APIS)
        }
        clients = {k: stack.enter_context(httpx.Client(base_url=base, timeout=60)) for k, (base, _) in servers.items()}
        floors = {k: Floor(trees[k], args.database_url) for k in ('A', 'B')}
        for floor in floors.values():
            stack.callback(floor.close)
        for route, prefix in routes.items():
            paths = [f'{prefix}?limit=100&offset={o}' for o in offsets]
            for variant in APIS:  # warm: pools, plan caches, the total's memo; A's and B's every page once
                for path in paths if variant != 'B cold' else paths[:5]:
                    http_page(clients[variant], path)
            for r in range(args.rounds):
                times: dict[str, list[float]] = {v: [] for v in recorded}
                for i, (offset, path) in enumerate(zip(offsets, paths, strict=True)):
                    k = (r + i) % len(variants)
                    sample = {}
                    for variant in variants[k:] + variants[:k]:
                        tree = variant[-1]
                        if variant.startswith('floor'):
                            data, cached = floors[tree].page(offset)
                            sample[variant] = data if tree == 'A' else cached
                            if tree == 'B':
                                sample['data B'] = data
                        else:
                            if variant == 'B cold':
                                cold_redis.flushdb()
                            before = cpu_ms(servers[variant][1])
                            sample[variant] = http_page(clients[variant], path)
                            cpu[route][variant].append(cpu_ms(servers[variant][1]) - before)
                    for variant, ms in sample.items():
                        times[variant].append(ms)
                    pairs[route].append(sample)
                for variant in recorded:
                    results[route][variant].append(statistics.median(times[variant]))
                print(route, r + 1, {k: round(v[-1], 2) for k, v in results[route].items()}, flush=True)
        churned = churn_phase(args, clients, [f'{routes["v1"]}?limit=100&offset={o}' for o in offsets])
    load_after = os.getloadavg()
    median = statistics.median
    summary = {}
    print(f'\nload average before {load_before[0]:.2f}, after {load_after[0]:.2f}; {total} locations')
    print('medians over every page of every round; ratios: the median of the per-page ratios (each page\'s'
          ' samples taken back to back)')  # fmt: skip
    print('| route | floor A | A (main) | floor B (cached) | data B | B (this tree) | B cold | A / floor A |'
          ' B / floor B | B / floor A | B / A | B cold / A | B cold / data B |')  # fmt: skip
    print('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    for route, samples in pairs.items():
        ms = {k: median([x[k] for x in samples]) for k in recorded}
        ratio = {name: median([x[top] / x[bottom] for x in samples]) for name, top, bottom in RATIOS}
        summary[route] = {**{f'{k} ms': v for k, v in ms.items()}, **ratio}
        cells = [ms[k] for k in ('floor A', 'A', 'floor B', 'data B', 'B', 'B cold')] + [ratio[n] for n, _, _ in RATIOS]
        print(f'| {route} | ' + ' | '.join(f'{c:.2f}' for c in cells) + ' |')
    print('\n| route | A API CPU ms/page | B API CPU ms/page | B cold API CPU ms/page | B / A |')
    print('|---|---|---|---|---|')
    for route, runs in cpu.items():
        a, b, c = (sum(runs[k]) / len(runs[k]) for k in APIS)
        print(f'| {route} | {a:.2f} | {b:.2f} | {c:.2f} | ' + (f'{b / a:.2f} |' if a else '- |'))
    if churned:
        print('\n| ticks since the last pass | EVSEs changed | B items cached | A (main) ms | B ms | B / A |')
        print('|---|---|---|---|---|---|')
        for row in churned:
            cells = (str(row['changed_evses']), f'{row["hit_share"]:.3f}', f'{row["a_ms"]:.2f}', f'{row["b_ms"]:.2f}',
                     f'{row["b_a"]:.2f}')  # fmt: skip
            print(f'| {row["ticks"]} | ' + ' | '.join(cells) + ' |')
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {'locations': total, 'loadavg_before': load_before, 'loadavg_after': load_after, 'rounds': args.rounds}
    report = {'meta': meta, 'rounds': results, 'summary': summary, 'cpu_ms_per_page': cpu, 'churn': churned}
    out.write_text(json.dumps(report, indent=2))


def item_counts(client: httpx.Client) -> dict[str, float]:
    """B's `ocpdb_list_items_total` by result, from its /metrics."""
    text = client.get('/metrics').text
    found = re.findall(r'^ocpdb_list_items_total\{result="(hit|miss)"\} ([\d.e+]+)$', text, re.M)
    return {result: float(value) for result, value in found}


def churn_phase(args, clients: dict[str, httpx.Client], paths: list[str]) -> list[dict[str, float]]:
    """Per tick count: the ticks, then one pass over the pages (A and B alternating, B's cache hits counted)."""
    if not args.churn_ticks:
        return []
    from bench_churn import Churn, live_uids, maybe_vacuum_live_tables

    churn = Churn(args.database_url, live_uids(args.database_url), args.churn_share, seed=7)
    rows = []
    try:
        for ticks in (int(t) for t in args.churn_ticks.split(',')):
            changed = churn.changed
            for _ in range(ticks):
                churn.tick()
            # what the realtime runs do every minute (ocpdb_pipelines/store/maintenance.py): without it the
            # id page's index-only OFFSET scan meets pages no longer all-visible and both APIs slow alike
            maybe_vacuum_live_tables(args.database_url, 1e-6)
            before = item_counts(clients['B'])
            times: dict[str, list[float]] = {'A': [], 'B': []}
            for i, path in enumerate(paths):
                for k in ('A', 'B') if i % 2 == 0 else ('B', 'A'):
                    times[k].append(http_page(clients[k], path))
            after = item_counts(clients['B'])
            hits, misses = (after[r] - before[r] for r in ('hit', 'miss'))
            a, b = statistics.median(times['A']), statistics.median(times['B'])
            ratio = statistics.median([y / x for x, y in zip(times['A'], times['B'], strict=True)])
            rows.append({'ticks': ticks, 'changed_evses': churn.changed - changed, 'hit_share': hits / (hits + misses),
                         'a_ms': a, 'b_ms': b, 'b_a': ratio})  # fmt: skip
            print('churn', rows[-1], flush=True)
    finally:
        churn.close()
    return rows


if __name__ == '__main__':
    main()

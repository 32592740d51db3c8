"""API benchmark: latency percentiles and throughput of the read API on a generated dataset.

    .venv/bin/python bench/bench_api.py --generate 100000          # create + fill ocpdb_bench_api, then run
    .venv/bin/python bench/bench_api.py --requests 3000 -c 64      # rerun on the existing dataset

Starts the API twice with uvicorn on loopback (with Redis for the cached-tile runs, without Redis for uncached
tiles) and drives it at the given concurrency: with `--wrk SECONDS` through wrk (a C load generator; one
connection for the latency rows, `-c` connections for the throughput rows), else through an asyncio/httpx
client (whose own cost, ~0.5 ms a request, is then part of every figure).

Uncached tiles are compared with the same tile SQL (`SELECT ocpdb_tile(z, x, y, NULL, true)`, the ST_AsMVT
query) run directly in PostgreSQL by pgbench, PostgreSQL's own C client, on the same tiles, one connection
(per-transaction log -> p50/p99). Both sides are C clients on loopback TCP, so the ratio is what the API adds
to the query. API and bare runs alternate for `--rounds` rounds and the median of the rounds' p50s is kept.
Results go to stdout as a Markdown table and to bench/out/api.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ocpdb_pipelines.db.migrations import recreate_database  # noqa: E402

DEFAULT_DB = 'postgresql://postgres@127.0.0.1:5432/ocpdb_bench_api'


def tile_of(lat: float, lon: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float('nan')
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def generate(url: str, n: int) -> None:
    recreate_database(url)
    started = time.perf_counter()
    script = str(ROOT / 'bench' / 'api_dataset.sql')
    subprocess.run(['psql', url, '-q', '-v', 'ON_ERROR_STOP=1', '-v', f'n={n}', '-f', script], check=True)
    print(f'generated {n} locations in {time.perf_counter() - started:.1f} s', flush=True)


def wait_until_ready(proc: subprocess.Popen, url: str, what: str, seconds: float = 30) -> None:
    """Poll `url` until it answers 200; fail early if the server process has exited."""
    status = None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f'{what} exited with {proc.returncode} before it answered')
        try:
            status = httpx.get(url, timeout=1).status_code
            if status == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f'{what} not ready after {seconds:.0f} s (last status of {url}: {status})')


@contextmanager
def api_server(url: str, redis_url: str, port: int, workers: int, ready_seconds: float = 30, **environ: str):
    env = {**os.environ, 'DATABASE_URL': url, 'REDIS_URL': redis_url, 'OCPDB_CONFIG': os.devnull,
           'OCPDB_API__PROJECT_URL': f'http://127.0.0.1:{port}', **environ}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, '-m', 'ocpdb_api', '--port', str(port), '--workers', str(workers)], cwd=ROOT, env=env
    )
    try:
        wait_until_ready(proc, f'http://127.0.0.1:{port}/health', 'API', ready_seconds)
        yield f'http://127.0.0.1:{port}'
    finally:
        proc.terminate()
        proc.wait(timeout=20)


async def _load(base: str, paths: list[str], concurrency: int) -> dict:
    latencies: list[float] = []
    errors = 0
    non_ok = 0
    queue: asyncio.Queue[str] = asyncio.Queue()
    for p in paths:
        queue.put_nowait(p)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def worker() -> None:
            nonlocal errors, non_ok
            while True:
                try:
                    path = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t0 = time.perf_counter()
                try:
                    r = await client.get(path)
                    await r.aread()
                    if r.status_code >= 500:
                        errors += 1
                    elif r.status_code >= 400:
                        non_ok += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append((time.perf_counter() - t0) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        'requests': len(paths),
        'p50_ms': round(percentile(latencies, 0.5), 2),
        'p99_ms': round(percentile(latencies, 0.99), 2),
        'rps': round(len(paths) / elapsed, 1),
        'errors': errors,
        'non_2xx': non_ok,
    }


def run(base: str, paths: list[str], concurrency: int) -> dict:
    if WRK['duration']:
        return wrk_run(base, paths, concurrency, WRK['duration'])
    return asyncio.run(_load(base, paths, concurrency))


WRK: dict[str, int] = {'duration': 0}
_UNITS = {'us': 0.001, 'ms': 1.0, 's': 1000.0}


def _ms(text: str) -> float:
    for unit in ('us', 'ms', 's'):
        if text.endswith(unit):
            return round(float(text[: -len(unit)]) * _UNITS[unit], 2)
    return float(text)


def wrk_run(base: str, paths: list[str], concurrency: int, duration: int) -> dict:
    """wrk (C load generator; 2 threads, 1 for a single connection) cycling through `paths` for `duration` s."""
    threads = min(2, concurrency)
    with tempfile.NamedTemporaryFile('w', suffix='.lua', delete=False) as script:
        script.write('local paths = {' + ','.join(json.dumps(p) for p in paths) + '}\n')
        script.write('local i = 0\nrequest = function()\n  i = i + 1\n')
        script.write('  return wrk.format("GET", paths[(i % #paths) + 1])\nend\n')
    out = subprocess.run(
        [
            'wrk',
            f'-t{threads}',
            f'-c{concurrency}',
            f'-d{duration}s',
            '--timeout',
            '60s',
            '--latency',
            '-s',
            script.name,
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    lat = dict(re.findall(r'^\s+(50|99)%\s+(\S+)\s*$', out, re.M))
    total = int(re.search(r'(\d+) requests in', out).group(1))
    non_ok = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    socket = re.search(r'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)', out)
    return {
        'requests': total,
        'p50_ms': _ms(lat['50']),
        'p99_ms': _ms(lat['99']),
        'rps': float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1)),
        'errors': sum(int(v) for v in socket.groups()) if socket else 0,
        'non_2xx': int(non_ok.group(1)) if non_ok else 0,
        'tool': f'wrk -t{threads} -c{concurrency} -d{duration}s',
    }


def sample_points(url: str, k: int) -> list[tuple[float, float]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT lat::float8, lon::float8 FROM location WHERE source = 'bench_api' ORDER BY random() LIMIT %s", (k,)
        ).fetchall()
    return [(r[0], r[1]) for r in rows]


def tile_paths(points: list[tuple[float, float]], z: int, n: int, rng: random.Random) -> list[str]:
    tiles = [tile_of(lat, lon, z) for lat, lon in points]
    return [f'/tiles/{z}/{x}/{y}.mvt' for x, y in (rng.choice(tiles) for _ in range(n))]


def bare_tiles(url: str, paths: list[str]) -> dict:
    """The same tile SQL run directly in PostgreSQL through psycopg (sync), one query at a time."""
    times = []
    with psycopg.connect(url, autocommit=True) as conn:
        for path in paths:
            z, x, y = parse_tile_path(path)
            t0 = time.perf_counter()
            conn.execute('SELECT ocpdb_tile(%s, %s, %s, NULL, true)', (z, x, y)).fetchone()
            times.append((time.perf_counter() - t0) * 1000)
    return {'requests': len(paths), 'p50_ms': round(percentile(times, 0.5), 2),
            'p99_ms': round(percentile(times, 0.99), 2), 'tool': 'psycopg'}  # fmt: skip


def parse_tile_path(path: str) -> tuple[int, int, int]:
    z, x, y = (int(v) for v in path.removeprefix('/tiles/').removesuffix('.mvt').split('/'))
    return z, x, y


def pgbench_tiles(url: str, paths: list[str], duration: int) -> dict:
    """The same tile SQL run by pgbench (one connection, prepared) for `duration` seconds, cycling over `paths`.

    pgbench cannot hold a list, so the tiles go into a table `bench_tiles` and each transaction takes the next
    one by primary key (a cached index lookup of a few microseconds, counted on the bare side).
    """
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute('CREATE TABLE IF NOT EXISTS bench_tiles (i integer PRIMARY KEY, z integer, x integer, y integer)')
        conn.execute('TRUNCATE bench_tiles')
        with conn.cursor().copy('COPY bench_tiles (i, z, x, y) FROM STDIN') as copy:
            for i, path in enumerate(paths, 1):
                copy.write_row((i, *parse_tile_path(path)))
        conn.execute('ANALYZE bench_tiles')
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / 'tile.sql'
        script.write_text(  # the tiles in order, cycling, as the wrk script does
            f'\\set k (:i % {len(paths)}) + 1\n\\set i :i + 1\n'
            'SELECT ocpdb_tile(t.z, t.x, t.y, NULL, true) FROM bench_tiles t WHERE t.i = :k;\n'
        )
        cmd = ['pgbench', '-n', '-c1', f'-T{duration}', '-M', 'prepared', '-D', 'i=0', '-l', f'--log-prefix={tmp}/log']
        subprocess.run([*cmd, '-f', str(script), url], check=True, capture_output=True, cwd=tmp)
        times = [int(line.split()[2]) / 1000 for log in Path(tmp).glob('log*') for line in log.read_text().splitlines()]
    return {'requests': len(times), 'p50_ms': round(percentile(times, 0.5), 3),
            'p99_ms': round(percentile(times, 0.99), 3), 'tool': f'pgbench -c1 -T{duration} -M prepared'}  # fmt: skip


# tiles per zoom that both sides cycle through: enough to vary, few enough to go round several times in a run
CYCLE = {5: 10, 8: 40, 10: 100, 12: 200, 14: 200}


def compare_uncached(base: str, url: str, paths: list[str], rounds: int, duration: int) -> dict:
    """Alternate API (wrk, one connection) and bare SQL (pgbench) runs over the same tiles in the same order;
    per-round p50s and their medians."""
    cycle = paths[: CYCLE.get(parse_tile_path(paths[0])[0], 100)]
    api, bare = [], []
    for _ in range(rounds):
        wait_idle(url)
        bare.append(pgbench_tiles(url, cycle, duration)['p50_ms'])
        api.append(wrk_run(base, cycle, 1, duration)['p50_ms'])
    api_p50, bare_p50 = statistics.median(api), statistics.median(bare)
    return {'tiles': len(cycle), 'api_p50_ms': api_p50, 'bare_p50_ms': bare_p50,
            'ratio': round(api_p50 / bare_p50, 2), 'api_rounds': api, 'bare_rounds': bare}  # fmt: skip


def wait_idle(url: str, quiet: float = 1.0, timeout: float = 300) -> None:
    """Wait until the API has had no query in PostgreSQL for `quiet` seconds: a concurrent run leaves requests
    queued in the API behind it, and between their queries PostgreSQL is briefly idle."""
    deadline = time.monotonic() + timeout
    quiet_since = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            busy = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = 'ocpdb_reader' AND state = 'active'"
            ).fetchone()[0]
            now = time.monotonic()
            if busy:
                quiet_since = now
            elif now - quiet_since >= quiet:
                return
            time.sleep(0.05)


def scenarios(points: list[tuple[float, float]], n: int, total: int, rng: random.Random) -> dict[str, list[str]]:
    def many(make: Callable[[], str]) -> list[str]:
        return [make() for _ in range(n)]

    def bbox() -> str:
        lat, lon = rng.choice(points)
        return f'/api/public/v1/locations?lat_min={lat - 0.02:.4f}&lat_max={lat + 0.02:.4f}&lon_min={lon - 0.03:.4f}&lon_max={lon + 0.03:.4f}'  # noqa: E501

    def radius() -> str:
        lat, lon = rng.choice(points)
        return f'/api/public/v1/locations?lat={lat:.5f}&lon={lon:.5f}&radius=2000&limit=100'

    pages = max(total // 100 - 1, 1)
    return {
        'list page (v1, limit 100, EVSEs+connectors)': many(
            lambda: f'/api/public/v1/locations?limit=100&offset={rng.randrange(pages) * 100}'
        ),
        'list page (3.0, limit 100)': many(
            lambda: f'/api/public/ocpi/3.0/locations?limit=100&offset={rng.randrange(pages) * 100}'
        ),
        'bbox search (~4x4 km, limit 1000)': many(bbox),
        'radius search (2 km, limit 100)': many(radius),
        'OCPI 2.2.1 page (limit 100)': many(
            lambda: f'/ocpi/2.2.1/locations?limit=100&offset={rng.randrange(pages) * 100}'
        ),
    }


TRIVIAL = 'trivial endpoint (/tiles.json, no database)'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--database-url', default=os.environ.get('OCPDB_BENCH_DATABASE_URL', DEFAULT_DB))
    parser.add_argument('--redis-url', default='redis://127.0.0.1:6379/13')
    parser.add_argument('--generate', type=int, metavar='N', help='(re)create the database with N locations first')
    parser.add_argument('--requests', type=int, default=2000, help='requests per scenario')
    parser.add_argument('-c', '--concurrency', type=int, default=64)
    parser.add_argument('--workers', type=int, default=1, help='uvicorn worker processes')
    parser.add_argument('--port', type=int, default=8765)
    parser.add_argument('--wrk', type=int, default=0, metavar='SECONDS', help='use wrk for the concurrent runs')
    parser.add_argument('--out', default=str(ROOT / 'bench' / 'out' / 'api.json'))
    parser.add_argument('--rounds', type=int, default=3, help='alternating API / bare rounds per uncached zoom')
    parser.add_argument('--only', metavar='REGEX', help='run only the scenarios whose name matches (re.search)')
    args = parser.parse_args()
    wanted = re.compile(args.only or '')
    if args.generate:
        generate(args.database_url, args.generate)
    WRK['duration'] = args.wrk
    rng = random.Random(7)
    with psycopg.connect(args.database_url) as conn:
        total = conn.execute('SELECT count(*) FROM location').fetchone()[0]
        evses = conn.execute('SELECT count(*) FROM evse').fetchone()[0]
    points = sample_points(args.database_url, 5000)
    results: dict[str, dict] = {}
    ratios: dict[int, dict] = {}
    with api_server(args.database_url, args.redis_url, args.port, args.workers) as base:
        for name, paths in scenarios(points, args.requests, total, rng).items():
            if not wanted.search(name):
                continue
            asyncio.run(_load(base, paths[:50], 4))  # warm-up
            results[name] = run(base, paths, args.concurrency)
            wait_idle(args.database_url)
            results[f'{name}, 1 connection'] = run(base, paths[: max(args.requests // 4, 50)], 1)
            print(name, results[name], results[f'{name}, 1 connection'], flush=True)
        for z in (5, 8, 10, 12, 14):
            paths = tile_paths(points, z, args.requests, rng)
            if not wanted.search(f'tile z{z} cached'):
                continue
            redis.Redis.from_url(args.redis_url).flushdb()
            asyncio.run(_load(base, sorted(set(paths)), 8))  # fill the cache
            results[f'tile z{z} cached'] = run(base, paths, args.concurrency)
            results[f'tile z{z} cached, 1 connection'] = run(base, paths[: max(args.requests // 4, 50)], 1)
            print(f'tile z{z} cached', results[f'tile z{z} cached'], flush=True)
    with api_server(args.database_url, '', args.port + 1, args.workers) as base:
        if wanted.search(TRIVIAL):
            # the fixed cost of any request through uvicorn + Starlette + middleware (no database, no Redis)
            paths = ['/tiles.json'] * args.requests
            asyncio.run(_load(base, paths[:50], 4))
            results[TRIVIAL] = run(base, paths, args.concurrency)
            results[f'{TRIVIAL}, 1 connection'] = run(base, paths[: max(args.requests // 4, 50)], 1)
            print(TRIVIAL, results[TRIVIAL], results[f'{TRIVIAL}, 1 connection'], flush=True)
        for z in (5, 8, 10, 12, 14):
            paths = tile_paths(points, z, args.requests, rng)
            if not wanted.search(f'tile z{z} uncached'):
                continue
            asyncio.run(_load(base, paths[:50], 4))
            results[f'tile z{z} uncached'] = run(base, paths, args.concurrency)
            wait_idle(args.database_url)
            results[f'tile z{z} uncached, 1 connection'] = run(base, paths[: max(args.requests // 4, 50)], 1)
            results[f'tile z{z} bare SQL (psycopg)'] = bare_tiles(args.database_url, paths[: CYCLE[z]])
            for key in ('uncached', 'uncached, 1 connection', 'bare SQL (psycopg)'):
                print(f'tile z{z} {key}', results[f'tile z{z} {key}'], flush=True)
            if WRK['duration'] and shutil.which('pgbench'):
                ratios[z] = compare_uncached(base, args.database_url, paths, args.rounds, WRK['duration'])
                print(f'tile z{z} uncached API vs bare SQL', ratios[z], flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {'locations': total, 'evses': evses, 'concurrency': args.concurrency, 'workers': args.workers,
            'requests_per_scenario': args.requests, 'cpus': os.cpu_count()}  # fmt: skip
    out.write_text(json.dumps({'meta': meta, 'results': results, 'uncached_vs_bare': ratios}, indent=2))
    print(f'\n{total} locations, {evses} EVSEs, concurrency {args.concurrency}, {args.workers} worker(s)\n')
    print('| scenario | requests | p50 ms | p99 ms | req/s | errors |')
    print('|---|---|---|---|---|---|')
    for name, r in results.items():
        print(
            f'| {name} | {r["requests"]} | {r["p50_ms"]} | {r["p99_ms"]} | {r.get("rps", "")} | {r.get("errors", "")} |'
        )
    if ratios:
        print('\n| zoom | API p50 ms (wrk, 1 conn) | bare SQL p50 ms (pgbench) | ratio | rounds API / bare |')
        print('|---|---|---|---|---|')
        for z, c in ratios.items():
            rounds = f'{c["api_rounds"]} / {c["bare_rounds"]}'
            print(f'| {z} | {c["api_p50_ms"]} | {c["bare_p50_ms"]} | {c["ratio"]} | {rounds} |')


if __name__ == '__main__':
    main()

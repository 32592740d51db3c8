"""Churn benchmark: tiles, realtime writes and list pages while live statuses keep changing.

    .venv/bin/python bench/bench_churn.py --generate 100000          # create + fill ocpdb_bench_churn, then run
    .venv/bin/python bench/bench_churn.py --seconds 20 --rounds 2   # rerun on the existing dataset

The dataset is bench/api_dataset.sql (N locations around 20 German cities, 3 EVSEs each) with unique EVSE
uids. Churn = `--share` of the live EVSEs (default 0.1 %) get a new status every `--tick` seconds through the
real writer (`store.realtime.apply_realtime`, source `bench_api`).

Part 1, tiles (API under uvicorn with Redis, `--concurrency` clients for `--seconds` per phase, a fixed pool
of tiles at zooms 6-16 around sampled locations, the cache filled before each phase; half the requests carry
the ETag the client saw last for that tile, as a browser revalidating does). Phases, interleaved per round:
  quiet        no churn
  churn        churn as production writes it now (live changes recorded per area, sql/migrations/0030)
  churn+global churn plus a data_version bump per tick: what every tick did before (a global invalidation)
Reported: hit rate (X-Tile-Cache), p50/p99, 304 share of the revalidations.

Part 2, writes and list pages, per table layout, interleaved per round (the order reversed every round):
  hot         this tree's layout: sql/migrations/0031 (no index on the evse/station columns a tick writes,
              fillfactor 80/90) and 0141 (location.last_updated's index on location_stamp, fillfactor 80)
  hot-0031    main's layout: 0031 only (location.last_updated indexed, location fillfactor 100)
  old         the layout before 0031 (indexes on evse status/last_updated/status_observed_at, station last_updated)
  hot+vacuum  hot, plus the VACUUM realtime runs do every LIVE_VACUUM_SECONDS (store/maintenance.py), here
              every `--vacuum-every` ticks (150 = 300 s at one tick per 2 s) but not after the last tick
Each layout is rewritten (VACUUM FULL), vacuumed, its list page measured, then `--bloat-ticks` ticks are
applied back to back (450 = 15 min at one tick per 2 s), the list page measured again, the tables vacuumed
and the list page measured a third time. Reported: tick time p50 (the apply's wall time on a
localhost connection), HOT share of the updates per table (pg_stat_user_tables), list page p50 through the
API (v1, limit 100, random offsets, the same pages each time; the API's list item cache off, so that every page
renders its rows) and its SQL alone (count + id page + the API's
own tree queries, ocpdb_api/queries/trees.py) after churn against vacuumed.

Results: Markdown on stdout and JSON in `--out` (default bench/out/churn.json).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg
import redis
from psycopg.rows import dict_row

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'bench'))

from bench_api import api_server, generate, percentile, sample_points, tile_of  # noqa: E402

from ocpdb_api.queries import trees  # noqa: E402
from ocpdb_pipelines.model.updates import EvseRealtimeUpdate  # noqa: E402
from ocpdb_pipelines.sources.registry import SourceSpec  # noqa: E402
from ocpdb_pipelines.store.maintenance import maybe_vacuum_live_tables  # noqa: E402
from ocpdb_pipelines.store.realtime import apply_realtime  # noqa: E402

DEFAULT_DB = 'postgresql://postgres@127.0.0.1:5432/ocpdb_bench_churn'
SPEC = SourceSpec(uid='bench_api', name='API benchmark', family='ocpi')
LIVE = ('AVAILABLE', 'CHARGING', 'BLOCKED', 'OUTOFORDER', 'RESERVED')
ZOOMS = (6, 8, 10, 12, 14, 16)
OLD_INDEXES = {
    'ix_evse_status': 'evse (status)',
    'ix_evse_last_updated': 'evse (last_updated)',
    'ix_evse_status_observed_at': 'evse (status_observed_at)',
    'ix_charging_station_last_updated': 'charging_station (last_updated)',
}
TABLES = ('evse', 'charging_station', 'location')
SEEDS = itertools.count(11)  # every writer its own statuses, so a rerun of the same uids still changes them


def prepare(url: str, n: int) -> None:
    """api_dataset.sql, then unique EVSE uids (the dataset repeats E1..E3 per station; realtime keys on uid)."""
    generate(url, n)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE evse SET uid = 'EV' || id")
        conn.execute('VACUUM FULL evse')
        conn.execute('VACUUM ANALYZE')


def live_uids(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT uid FROM evse WHERE status <> 'STATIC' ORDER BY id").fetchall()]


class Churn:
    """Realtime ticks through the real writer: `share` of `uids` get a random live status per tick."""

    def __init__(self, url: str, uids: list[str], share: float, seed: int) -> None:
        self.conn = psycopg.connect(url, row_factory=dict_row)
        self.uids = uids
        self.k = max(1, int(len(uids) * share))
        self.rng = random.Random(seed)
        self.tick_ms: list[float] = []
        self.changed = 0

    def tick(self, global_bump: bool = False) -> None:
        updates = [EvseRealtimeUpdate(uid=u, status=self.rng.choice(LIVE)) for u in self.rng.sample(self.uids, self.k)]
        t0 = time.perf_counter()
        with self.conn.transaction():
            self.changed += apply_realtime(self.conn, SPEC, updates).changed
            if global_bump:  # the writer before sql/migrations/0030: every tick invalidated every cache entry
                self.conn.execute('UPDATE data_version SET version = version + 1, changed_at = now()')
        self.tick_ms.append((time.perf_counter() - t0) * 1000)

    def run_every(self, seconds: float, stop: threading.Event, global_bump: bool) -> None:
        while not stop.is_set():
            started = time.monotonic()
            self.tick(global_bump)
            stop.wait(max(0.0, seconds - (time.monotonic() - started)))

    def close(self) -> None:
        self.conn.close()


def tile_pool(points: list[tuple[float, float]], per_zoom: int, rng: random.Random) -> list[str]:
    pool = set()
    for z in ZOOMS:
        for lat, lon in rng.sample(points, min(per_zoom, len(points))):
            x, y = tile_of(lat, lon, z)
            pool.add(f'/tiles/{z}/{x}/{y}.mvt')
    return sorted(pool)


async def tile_load(base: str, pool: list[str], seconds: float, concurrency: int, seed: int) -> dict:
    rng = random.Random(seed)
    latencies: list[float] = []
    seen: dict[str, str] = {}
    counts = {'hit': 0, 'miss': 0, 'revalidations': 0, 'not_modified': 0, 'errors': 0}
    by_zoom: dict[int, list[int]] = {}  # zoom -> [misses, hits]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        deadline = time.monotonic() + seconds

        async def worker() -> None:
            while time.monotonic() < deadline:
                path = rng.choice(pool)
                headers = {}
                if path in seen and rng.random() < 0.5:
                    headers['If-None-Match'] = seen[path]
                    counts['revalidations'] += 1
                t0 = time.perf_counter()
                try:
                    r = await client.get(path, headers=headers)
                except httpx.HTTPError:
                    counts['errors'] += 1
                    continue
                latencies.append((time.perf_counter() - t0) * 1000)
                if r.status_code >= 500:
                    counts['errors'] += 1
                    continue
                counts['not_modified'] += r.status_code == 304
                state = r.headers.get('x-tile-cache', 'miss')
                counts[state] += 1
                z = int(path.split('/')[2])
                by_zoom.setdefault(z, [0, 0])[state == 'hit'] += 1
                seen[path] = r.headers['etag']

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    total = counts['hit'] + counts['miss']
    return {
        'requests': len(latencies),
        'hit_rate': round(counts['hit'] / total, 3) if total else None,
        'p50_ms': round(percentile(latencies, 0.5), 2),
        'p99_ms': round(percentile(latencies, 0.99), 2),
        'not_modified_share': round(counts['not_modified'] / counts['revalidations'], 3)
        if counts['revalidations']
        else None,
        'errors': counts['errors'],
        'hit_rate_by_zoom': {z: round(h / (m + h), 3) for z, (m, h) in sorted(by_zoom.items())},
    }


async def warm(base: str, pool: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        for path in pool:
            await client.get(path)


def tile_phases(args, base: str, pool: list[str], uids: list[str]) -> dict[str, list[dict]]:
    results: dict[str, list[dict]] = {'quiet': [], 'churn': [], 'churn+global': []}
    churn = Churn(args.database_url, uids, args.share, seed=next(SEEDS))
    try:
        for r in range(args.rounds):
            for i, phase in enumerate(results):
                asyncio.run(warm(base, pool))
                stop = threading.Event()
                writer = None
                if phase != 'quiet':
                    global_bump = phase == 'churn+global'
                    writer = threading.Thread(target=churn.run_every, args=(args.tick, stop, global_bump))
                    writer.start()
                try:
                    out = asyncio.run(tile_load(base, pool, args.seconds, args.concurrency, seed=r * 10 + i))
                finally:
                    stop.set()
                    if writer is not None:
                        writer.join()
                results[phase].append(out)
                print(f'tiles round {r + 1} {phase}: {out}', flush=True)
    finally:
        churn.close()
    return results


# ---- part 2: table layouts ----


def set_layout(url: str, layout: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        # hot / hot+vacuum: this tree's layout (sql/migrations/0141: location.last_updated's index lives on
        # location_stamp, location fillfactor 80); hot-0031 and old put main's index on location back
        if layout in ('hot-0031', 'old'):
            conn.execute('CREATE INDEX IF NOT EXISTS ix_location_last_updated ON location (last_updated)')
            conn.execute('ALTER TABLE location SET (fillfactor = 100)')
        else:
            conn.execute('DROP INDEX IF EXISTS ix_location_last_updated')
            conn.execute('ALTER TABLE location SET (fillfactor = 80)')
    layout = 'old' if layout == 'old' else 'hot'
    with psycopg.connect(url, autocommit=True) as conn:
        for name, target in OLD_INDEXES.items():
            if layout == 'old':
                conn.execute(f'CREATE INDEX IF NOT EXISTS {name} ON {target}')
            else:
                conn.execute(f'DROP INDEX IF EXISTS {name}')
        ff = {'evse': 100, 'charging_station': 100} if layout == 'old' else {'evse': 80, 'charging_station': 90}
        for table, value in ff.items():
            conn.execute(f'ALTER TABLE {table} SET (fillfactor = {value})')
        for table in TABLES:
            conn.execute(f'VACUUM FULL {table}')
        conn.execute('VACUUM ANALYZE')


def table_stats(url: str) -> dict[str, tuple[int, int]]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute('SELECT pg_stat_clear_snapshot()')
        rows = conn.execute(
            'SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = ANY(%s)', (list(TABLES),)
        ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def list_paths(total: int, n: int, rng: random.Random) -> list[str]:
    pages = max(total // 100 - 1, 1)
    return [f'/api/public/v1/locations?limit=100&offset={rng.randrange(pages) * 100}' for _ in range(n)]


async def api_list(base: str, paths: list[str]) -> float:
    times = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await client.get(paths[0])
        for path in paths:
            t0 = time.perf_counter()
            r = await client.get(path)
            r.raise_for_status()
            times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 2)


async def sql_list(url: str, paths: list[str]) -> dict[str, float]:
    """What the list page asks PostgreSQL (count, id page, the tree queries), without the API around it."""
    count_ms, page_ms = [], []
    async with await psycopg.AsyncConnection.connect(url, row_factory=dict_row, autocommit=True) as conn:
        for path in paths:
            offset = int(path.rsplit('=', 1)[1])
            t0 = time.perf_counter()
            await (await conn.execute('SELECT count(*) AS n FROM location l WHERE TRUE')).fetchone()
            t1 = time.perf_counter()
            cur = await conn.execute(
                'SELECT l.id FROM location l WHERE TRUE ORDER BY l.id LIMIT 100 OFFSET %s', (offset,)
            )
            ids = [r['id'] for r in await cur.fetchall()]
            await trees.locations(conn, ids)
            t2 = time.perf_counter()
            count_ms.append((t1 - t0) * 1000)
            page_ms.append((t2 - t1) * 1000)
    return {'count_ms': round(statistics.median(count_ms), 2), 'page_ms': round(statistics.median(page_ms), 2)}


def measure_list(base: str, url: str, paths: list[str]) -> dict[str, float]:
    """The list page through the API and as bare SQL, each after one unmeasured pass (warm caches)."""
    asyncio.run(sql_list(url, paths))
    return {'api_ms': asyncio.run(api_list(base, paths)), **asyncio.run(sql_list(url, paths))}


def layout_round(args, base: str, layout: str, uids: list[str], paths: list[str]) -> dict:
    set_layout(args.database_url, layout)
    vacuumed = measure_list(base, args.database_url, paths)
    before = table_stats(args.database_url)
    churn = Churn(args.database_url, uids, args.share, seed=next(SEEDS))
    vacuum_ms = []
    try:
        for i in range(1, args.bloat_ticks + 1):
            churn.tick()
            # hot+vacuum: what realtime runs do every LIVE_VACUUM_SECONDS, here every --vacuum-every ticks; not
            # after the last tick, so the list page is measured at the worst moment (just before the next one)
            if layout == 'hot+vacuum' and i % args.vacuum_every == 0 and i < args.bloat_ticks:
                t0 = time.perf_counter()
                assert maybe_vacuum_live_tables(args.database_url, 1e-6)
                vacuum_ms.append((time.perf_counter() - t0) * 1000)
        churn.conn.execute('SELECT pg_stat_force_next_flush()')
        churn.conn.commit()
    finally:
        churn.close()
    time.sleep(1.2)  # pending statistics reach the shared counters
    after = table_stats(args.database_url)
    churned = measure_list(base, args.database_url, paths)
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute('VACUUM ' + ', '.join(TABLES))
    again = measure_list(base, args.database_url, paths)
    hot = {}
    upd_all = hot_all = 0
    for table in TABLES:
        upd = after[table][0] - before[table][0]
        hot_n = after[table][1] - before[table][1]
        upd_all += upd
        hot_all += hot_n
        hot[table] = round(hot_n / upd, 3) if upd else None
    hot['all'] = round(hot_all / upd_all, 3) if upd_all else None
    return {
        'layout': layout,
        'ticks': args.bloat_ticks,
        'evses_changed': churn.changed,
        'tick_p50_ms': round(statistics.median(churn.tick_ms), 2),
        'vacuums': len(vacuum_ms),
        'vacuum_p50_ms': round(statistics.median(vacuum_ms), 1) if vacuum_ms else None,
        'hot_share': hot,
        'updates': upd_all,
        'list_vacuumed': vacuumed,
        'list_after_churn': churned,
        'list_vacuumed_after_churn': again,
        'api_ratio': round(churned['api_ms'] / again['api_ms'], 2),
        'sql_page_ratio': round(churned['page_ms'] / again['page_ms'], 2),
        'count_ratio': round(churned['count_ms'] / again['count_ms'], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--database-url', default=os.environ.get('OCPDB_BENCH_DATABASE_URL', DEFAULT_DB))
    parser.add_argument('--redis-url', default='redis://127.0.0.1:6379/13')
    parser.add_argument('--generate', type=int, metavar='N', help='(re)create the database with N locations first')
    parser.add_argument('--seconds', type=float, default=20, help='tile load per phase')
    parser.add_argument('--rounds', type=int, default=2)
    parser.add_argument('--concurrency', type=int, default=8)
    parser.add_argument('--share', type=float, default=0.001, help='share of live EVSEs changed per tick')
    parser.add_argument('--tick', type=float, default=2.0, help='seconds between ticks during tile phases')
    parser.add_argument('--bloat-ticks', type=int, default=450, help='ticks applied back to back per layout')
    parser.add_argument(
        '--layouts',
        nargs='+',
        default=['hot', 'old', 'hot+vacuum'],
        choices=('hot', 'old', 'hot+vacuum', 'hot-0031'),
        help='table layouts to compare (part 2)',
    )
    parser.add_argument('--vacuum-every', type=int, default=150, help='hot+vacuum: ticks between VACUUMs')
    parser.add_argument('--pool', type=int, default=300, help='tiles per zoom in the tile pool (at most)')
    parser.add_argument('--list-pages', type=int, default=40)
    parser.add_argument('--max-stale', type=int, default=30, help='TILE_MAX_STALE_SECONDS of the API')
    parser.add_argument('--skip', choices=('tiles', 'layouts'), action='append', default=[])
    parser.add_argument('--port', type=int, default=8775)
    parser.add_argument('--out', default=str(ROOT / 'bench' / 'out' / 'churn.json'))
    args = parser.parse_args()
    if args.generate:
        prepare(args.database_url, args.generate)
    os.environ['OCPDB_TILES__MAX_STALE_SECONDS'] = str(args.max_stale)
    rng = random.Random(7)
    with psycopg.connect(args.database_url) as conn:
        total = conn.execute('SELECT count(*) FROM location').fetchone()[0]
        evses = conn.execute('SELECT count(*) FROM evse').fetchone()[0]
    uids = live_uids(args.database_url)
    pool = tile_pool(sample_points(args.database_url, 2000), args.pool, rng)
    paths = list_paths(total, args.list_pages, rng)
    load_before = os.getloadavg()
    tiles: dict[str, list[dict]] = {}
    layouts: list[dict] = []
    redis.Redis.from_url(args.redis_url).flushdb()
    # the list pages are measured for what bloat does to their SQL and render: without the item cache, which
    # would serve the vacuumed measurement's items again after VACUUM FULL (it keeps xmin) and hide both
    no_items = {'OCPDB_API__LIST_ITEM_CACHE_SECONDS': '0'}
    with api_server(args.database_url, args.redis_url, args.port, 1, ready_seconds=180, **no_items) as base:
        if 'tiles' not in args.skip:
            tiles = tile_phases(args, base, pool, uids)
        if 'layouts' not in args.skip:
            for r in range(args.rounds):
                order = tuple(args.layouts)
                for layout in order if r % 2 == 0 else order[::-1]:
                    out = layout_round(args, base, layout, uids, paths)
                    layouts.append(out)
                    print(f'layout round {r + 1}: {out}', flush=True)
            set_layout(args.database_url, 'hot')
    meta = {
        'locations': total,
        'evses': evses,
        'live_evses': len(uids),
        'changed_per_tick': max(1, int(len(uids) * args.share)),
        'tick_seconds': args.tick,
        'tile_pool': len(pool),
        'concurrency': args.concurrency,
        'max_stale_seconds': args.max_stale,
        'loadavg_before': [round(v, 2) for v in load_before],
        'loadavg_after': [round(v, 2) for v in os.getloadavg()],
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({'meta': meta, 'tiles': tiles, 'layouts': layouts}, indent=2))
    print(f'\n{json.dumps(meta)}\n')
    if tiles:
        print(
            '| phase | round | requests | hit rate | p50 ms | p99 ms | 304 share of revalidations | hit rate by zoom |'
        )
        print('|---|---|---|---|---|---|---|---|')
        for phase, runs in tiles.items():
            for i, t in enumerate(runs, 1):
                zooms = ', '.join(f'z{z} {v}' for z, v in t['hit_rate_by_zoom'].items())
                row = (t['requests'], t['hit_rate'], t['p50_ms'], t['p99_ms'], t['not_modified_share'], zooms)
                print(f'| {phase} | {i} | ' + ' | '.join(str(v) for v in row) + ' |')
    if layouts:
        print(
            '\n| layout | tick p50 ms | VACUUM p50 ms | HOT evse / station / location / all '
            '| list API ms churned / vacuumed | SQL page ms churned / vacuumed | count ms churned / vacuumed |'
        )
        print('|---|---|---|---|---|---|---|')
        for x in layouts:
            h, c, v = x['hot_share'], x['list_after_churn'], x['list_vacuumed_after_churn']
            hot = ' / '.join(str(h[t]) for t in ('evse', 'charging_station', 'location', 'all'))
            cells = [
                x['layout'],
                x['tick_p50_ms'],
                x['vacuum_p50_ms'],
                hot,
                f'{c["api_ms"]} / {v["api_ms"]} ({x["api_ratio"]}x)',
                f'{c["page_ms"]} / {v["page_ms"]} ({x["sql_page_ratio"]}x)',
                f'{c["count_ms"]} / {v["count_ms"]} ({x["count_ratio"]}x)',
            ]
            print('| ' + ' | '.join(str(cell) for cell in cells) + ' |')


if __name__ == '__main__':
    main()

"""Tile SQL before and after the map's filters and honest counts (migration 0040), interleaved on one dataset.

    .venv/bin/python bench/bench_map_tiles.py --generate 100000   # create + fill ocpdb_bench_map, then run
    .venv/bin/python bench/bench_map_tiles.py                      # rerun on the existing dataset

The functions of migration 0005 (the previous tiles) are loaded from that file under the prefix `old_`, so
both versions run in the same database, on the same connection and the same tiles, alternating call by call.
Times are per call from the client (one loopback round trip included on both sides); medians and p90 per zoom.
The filtered variants show what the map's filters cost. Results: stdout (Markdown) and bench/out/map_tiles.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from ocpdb_pipelines.db.migrations import recreate_database, upgrade

ROOT = Path(__file__).resolve().parent.parent
CITIES = [(52.52, 13.40), (53.55, 9.99), (48.14, 11.58), (50.94, 6.96), (50.11, 8.68), (51.34, 12.37)]


def tile_of(lat: float, lon: float, z: int) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def load_old_functions(conn: psycopg.Connection) -> None:
    sql = (ROOT / 'sql/migrations/0005_tile_plan_cache.sql').read_text()
    conn.execute(sql.replace('FUNCTION ocpdb_tile_', 'FUNCTION old_ocpdb_tile_'))


def tiles(z: int, k: int, rng: random.Random) -> list[tuple[int, int, int]]:
    out = []
    for _ in range(k):
        lat, lon = rng.choice(CITIES)
        out.append((z, *tile_of(lat + rng.uniform(-0.2, 0.2), lon + rng.uniform(-0.3, 0.3), z)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--generate', type=int, default=0, help='locations to generate (0: reuse the dataset)')
    admin = os.environ.get('OCPDB_TEST_ADMIN_URL', 'postgresql://postgres@127.0.0.1/postgres')
    parser.add_argument('--database-url', default=psycopg.conninfo.make_conninfo(admin, dbname='ocpdb_bench_map'))
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--tiles', type=int, default=200, help='z14 tiles (z10: 30 %%, z6: 6 %%, at least 1 each)')
    parser.add_argument('--out', type=Path, default=ROOT / 'bench/out/map_tiles.json')
    args = parser.parse_args()
    url = args.database_url
    if args.generate:
        recreate_database(url)
        upgrade(url)
        subprocess.run(['psql', url, '-q', '-v', f'n={args.generate}', '-f', str(ROOT / 'bench/api_dataset.sql')],
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute('VACUUM ANALYZE')
    stale = datetime.now(UTC) - timedelta(hours=1)
    variants = {
        'old (0005)': ('SELECT old_ocpdb_tile_{kind}(%s, %s, %s, NULL, true)', ()),
        'new, no filter': ('SELECT ocpdb_tile_{kind}(%s, %s, %s, NULL, true, NULL, NULL, NULL, NULL, %s)', (stale,)),
        'new, min 50 kW': ('SELECT ocpdb_tile_{kind}(%s, %s, %s, NULL, true, NULL, 50000, NULL, NULL, %s)', (stale,)),
        'new, Type 2 + 1 operator': (
            "SELECT ocpdb_tile_{kind}(%s, %s, %s, NULL, true, '{{IEC_62196_T2}}', NULL, "
            "(SELECT array_agg(id) FROM business WHERE name = 'Bench Operator 7'), NULL, %s)",
            (stale,),
        ),
    }
    rng = random.Random(16)
    plan = {z: tiles(z, max(1, round(args.tiles * share)), rng) for z, share in ((6, 0.06), (10, 0.3), (14, 1.0))}
    times: dict[str, dict[int, list[float]]] = {v: {z: [] for z in plan} for v in variants}
    with psycopg.connect(url, autocommit=True) as conn:
        load_old_functions(conn)
        load = os.getloadavg()
        for _ in range(args.rounds):
            for z, zoom_tiles in plan.items():
                kind = 'clusters' if z < 8 else 'points'
                for tile in zoom_tiles:
                    for name, (sql, extra) in variants.items():  # interleaved: every tile, every variant in turn
                        query = sql.format(kind=kind)
                        started = time.perf_counter()
                        conn.execute(query, (*tile, *extra)).fetchone()
                        times[name][z].append((time.perf_counter() - started) * 1000)
        count = conn.execute('SELECT count(*) FROM location').fetchone()[0]
    rows = {
        name: {z: {'p50_ms': round(statistics.median(v), 3), 'p90_ms': round(sorted(v)[int(len(v) * 0.9)], 3),
                   'calls': len(v)} for z, v in by_zoom.items()}
        for name, by_zoom in times.items()
    }  # fmt: skip
    print(f'\n{count} locations, load average before the run {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n')
    print('| variant | ' + ' | '.join(f'z{z} p50 / p90 ms' for z in plan) + ' |')
    print('|---|' + '---|' * len(plan))
    for name, by_zoom in rows.items():
        print(f'| {name} | ' + ' | '.join(f'{r["p50_ms"]} / {r["p90_ms"]}' for r in by_zoom.values()) + ' |')
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({'locations': count, 'load': load, 'results': rows}, indent=2))


if __name__ == '__main__':
    main()

"""BNetzA matching at Germany scale: 120,000 register entries against 60,000 live locations.

    python -m bench.bench_matching [--static 120000] [--live 60000] [--database-url URL]

Data is generated in SQL: live locations spread over Germany, each register entry either a noisy
duplicate (0-300 m away, similar address/operator) of a live location or a stand-alone point.
Target (issue 6): under 60 s.
"""

from __future__ import annotations

import argparse
import os
import time

import psycopg

from ocpdb_pipelines.db.migrations import ensure_database, upgrade
from ocpdb_pipelines.matching import run_matching

DEFAULT_URL = os.environ.get('BENCH_DATABASE_URL', 'postgresql://postgres@127.0.0.1:5432/ocpdb_bench_downstream')

GENERATE = """
TRUNCATE location, source, business RESTART IDENTITY CASCADE;
INSERT INTO source (uid) VALUES ('bnetza_api'), ('datex2_enbw'), ('ocpi_stadtnavi');
INSERT INTO business (name) SELECT 'Operator ' || g FROM generate_series(1, 300) g;
INSERT INTO location (source, uid, lat, lon, address, operator_id, last_updated, country)
SELECT CASE WHEN g % 2 = 0 THEN 'datex2_enbw' ELSE 'ocpi_stadtnavi' END, 'live-' || g,
       47.5 + random() * 7.0, 6.0 + random() * 9.0, 'Hauptstraße ' || g, 1 + g % 300, now(), 'DEU'
FROM generate_series(1, %(live)s) g;
INSERT INTO charging_station (location_id, uid, last_updated) SELECT id, 'cs', now() FROM location;
INSERT INTO evse (charging_station_id, uid, last_updated, status)
SELECT cs.id, 'e' || k, now(), 'AVAILABLE' FROM charging_station cs, generate_series(1, 2) k;
INSERT INTO location (source, uid, lat, lon, address, operator_id, last_updated, country)
SELECT 'bnetza_api', 'bnetza-' || g,
       CASE WHEN g <= %(dupes)s THEN l.lat + (random() - 0.5) * 0.004 ELSE 47.5 + random() * 7.0 END,
       CASE WHEN g <= %(dupes)s THEN l.lon + (random() - 0.5) * 0.006 ELSE 6.0 + random() * 9.0 END,
       CASE WHEN g %% 10 = 0 THEN NULL ELSE 'Hauptstr. ' || l.id END, l.operator_id, now(), 'DEU'
FROM generate_series(1, %(static)s) g
JOIN location l ON l.id = 1 + (g - 1) %% %(live)s;
INSERT INTO charging_station (location_id, uid, last_updated)
SELECT id, 'cs', now() FROM location WHERE source = 'bnetza_api';
INSERT INTO evse (charging_station_id, uid, last_updated, status)
SELECT cs.id, 'e1', now(), 'STATIC' FROM charging_station cs JOIN location l ON l.id = cs.location_id
WHERE l.source = 'bnetza_api';
ANALYZE;
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--static', type=int, default=120_000)
    parser.add_argument('--live', type=int, default=60_000)
    parser.add_argument('--database-url', default=DEFAULT_URL)
    args = parser.parse_args()
    ensure_database(args.database_url)
    upgrade(args.database_url)
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        started = time.perf_counter()
        sql = GENERATE.replace('%(', '{').replace(')s', '}').replace('%%', '%')
        conn.execute(sql.format(live=args.live, static=args.static, dupes=int(args.static * 0.4)))
        print(f'generated {args.static} + {args.live} locations in {time.perf_counter() - started:.1f} s')
        started = time.perf_counter()
        report = run_matching(conn, 0.25)
        elapsed = time.perf_counter() - started
    print(f'matching: {elapsed:.1f} s, {report.candidate_pairs} candidate pairs, {report.matched} matched')
    print(f'score histogram: {report.score_histogram}')


if __name__ == '__main__':
    main()

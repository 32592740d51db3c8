"""DATEX II export at Germany scale: static export of 100,000 locations, and a diff of 5,000 EVSEs.

    python -m bench.bench_export [--locations 100000] [--changed 5000] [--version 3.5] [--database-url URL]
    python -m bench.bench_export --skip-generate --jit-rounds 3 --database-url URL   # a filled database

`--jit-rounds N` first times the static export's query on the server (EXPLAIN ANALYZE, so no transfer)
with PostgreSQL's JIT on and off, alternating, N rounds each (the server's setting decides for the export).

Each generated location has one station with two EVSEs of two connectors and an operator. Reports time
and peak RSS of this process (the export streams from a server-side cursor, so memory stays flat).
Targets (issue 6): static export under 60 s and 1 GiB; the diff under 2 s.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from ocpdb_pipelines.db.connection import connect
from ocpdb_pipelines.db.migrations import ensure_database, upgrade
from ocpdb_pipelines.exports.datex2 import Kind, write_export

DEFAULT_URL = os.environ.get('BENCH_DATABASE_URL', 'postgresql://postgres@127.0.0.1:5432/ocpdb_bench_downstream')

GENERATE = """
TRUNCATE location, source, business RESTART IDENTITY CASCADE;
INSERT INTO source (uid) VALUES ('datex2_enbw');
INSERT INTO business (name, emobility_uid) SELECT 'Operator ' || g, 'DE*O' || g FROM generate_series(1, 300) g;
INSERT INTO location (source, uid, lat, lon, name, address, postal_code, city, country, operator_id,
                      twentyfourseven, last_updated)
SELECT 'datex2_enbw', 'loc-' || g, 47.5 + random() * 7.0, 6.0 + random() * 9.0, 'Site ' || g,
       'Hauptstraße ' || g, '70173', 'Stuttgart', 'DEU', 1 + g % 300, true, now()
FROM generate_series(1, {locations}) g;
INSERT INTO charging_station (location_id, uid, last_updated, capabilities)
SELECT id, 'cs-' || id, now(), 528 FROM location;
INSERT INTO evse (charging_station_id, uid, last_updated, status, status_observed_at)
SELECT cs.id, 'e-' || cs.id || '-' || k, now(), 'AVAILABLE', now() - interval '1 day'
FROM charging_station cs, generate_series(1, 2) k;
INSERT INTO connector (evse_id, uid, last_updated, standard, format, power_type, max_electric_power,
                       max_voltage, max_amperage)
SELECT e.id, 'c' || k, now(), CASE WHEN k = 1 THEN 'IEC_62196_T2'::connectortype
                                    ELSE 'IEC_62196_T2_COMBO'::connectortype END,
       'SOCKET', 'AC_3_PHASE', 22000, 400, 32
FROM evse e, generate_series(1, 2) k;
ANALYZE;
"""


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def jit_rounds(database_url: str, rounds: int) -> None:
    """The static export's query on the server with JIT on and off, alternating (EXPLAIN ANALYZE)."""
    from ocpdb_pipelines.exports.datex2.query import DETAIL_COLUMNS, LOCATIONS_QUERY, Selection, where_clause

    query = 'EXPLAIN (ANALYZE, FORMAT JSON) ' + LOCATIONS_QUERY.format(
        detail=DETAIL_COLUMNS, where=where_clause(Selection.LIVE)
    )
    with psycopg.connect(database_url, autocommit=True) as conn:
        for round_no in range(1, rounds + 1):
            for jit in ('on', 'off') if round_no % 2 else ('off', 'on'):
                conn.execute(f'SET jit = {jit}')
                plan = conn.execute(query, {'since': None}).fetchone()[0][0]  # type: ignore[index]
                compile_ms = plan.get('JIT', {}).get('Timing', {}).get('Total', 0.0)
                print(
                    f'round {round_no} jit {jit}: execution {plan["Execution Time"] / 1000:.2f} s '
                    f'(JIT compile {compile_ms / 1000:.2f} s), load {os.getloadavg()[0]:.1f}'
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--locations', type=int, default=100_000)
    parser.add_argument('--changed', type=int, default=5_000)
    parser.add_argument('--version', default='3.5', choices=['3.5', '3.7'])
    parser.add_argument('--format', default='json', choices=['json', 'xml'])
    parser.add_argument('--database-url', default=DEFAULT_URL)
    parser.add_argument('--skip-generate', action='store_true', help='export what the database holds')
    parser.add_argument('--jit-rounds', type=int, default=0)
    parser.add_argument('--schema-dir', type=Path, help='DATEX II schemas for XML (default: beside the checkout)')
    args = parser.parse_args()
    ensure_database(args.database_url)
    upgrade(args.database_url)
    if not args.skip_generate:
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            started = time.perf_counter()
            conn.execute(GENERATE.format(locations=args.locations))
            print(f'generated {args.locations} locations in {time.perf_counter() - started:.1f} s')
    if args.jit_rounds:
        jit_rounds(args.database_url, args.jit_rounds)

    rss_before = _peak_rss_mib()
    with tempfile.TemporaryFile() as out, connect(args.database_url) as conn:
        started = time.perf_counter()
        sites = write_export(conn, out, args.version, Kind.STATIC, args.format, schemas=args.schema_dir)
        elapsed = time.perf_counter() - started
        size = out.tell()
    print(
        f'static {args.version} {args.format}: {sites} sites, {size / 1e6:.1f} MB in {elapsed:.1f} s; '
        f'peak RSS {_peak_rss_mib():.0f} MiB (before export {rss_before:.0f} MiB)'
    )

    since = datetime.now(UTC) - timedelta(seconds=1)
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        # as the realtime writer does: the status, its observation time and a history row (the diff reads the
        # history's observed_at index)
        conn.execute(
            "WITH changed AS (UPDATE evse SET status = 'CHARGING', status_observed_at = now() "
            'WHERE id IN (SELECT id FROM evse ORDER BY random() LIMIT %s) RETURNING id, status, status_observed_at) '
            'INSERT INTO evse_status_history (evse_id, status, observed_at) '
            'SELECT id, status, status_observed_at FROM changed',
            (args.changed,),
        )
    with connect(args.database_url) as conn:
        started = time.perf_counter()
        buffer = io.BytesIO()
        sites = write_export(conn, buffer, args.version, Kind.REALTIME, since=since)
        elapsed = time.perf_counter() - started
    print(
        f'realtime diff: {args.changed} changed EVSEs -> {sites} sites, {len(buffer.getvalue()) / 1e6:.2f} MB '
        f'in {elapsed:.2f} s'
    )


if __name__ == '__main__':
    main()

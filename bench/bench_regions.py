"""Regional-code assignment at Germany scale: 180,000 locations against the 10,997 municipalities.

    python -m bench.bench_regions [--locations 180000] [--gpkg PATH] [--database-url URL]

The GeoPackage defaults to the shared VG25-layout fixture (../shared/fixtures/vg25). Locations are
random points inside Germany's municipalities' bounding box (some fall outside and stay without code).
Target (issue 6): assignment under 30 s.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import psycopg

from ocpdb_pipelines.config import PROJECT_ROOT
from ocpdb_pipelines.db.migrations import ensure_database, upgrade
from ocpdb_pipelines.regions import assign_region_codes, load_vg25

DEFAULT_URL = os.environ.get('BENCH_DATABASE_URL', 'postgresql://postgres@127.0.0.1:5432/ocpdb_bench_downstream')
DEFAULT_GPKG = (
    Path(os.environ.get('OCPDB_FIXTURES', PROJECT_ROOT.parent / 'shared' / 'fixtures'))
    / 'vg25'
    / ('vg5000_gem_in_vg25_layout.gpkg')
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--locations', type=int, default=180_000)
    parser.add_argument('--gpkg', type=Path, default=DEFAULT_GPKG)
    parser.add_argument('--database-url', default=DEFAULT_URL)
    args = parser.parse_args()
    ensure_database(args.database_url)
    upgrade(args.database_url)
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        started = time.perf_counter()
        report = load_vg25(conn, args.gpkg, force=True)
        print(f'VG25 load: {report.features} municipalities in {time.perf_counter() - started:.1f} s')
        conn.execute('TRUNCATE location, source RESTART IDENTITY CASCADE')
        conn.execute("INSERT INTO source (uid) VALUES ('datex2_enbw')")
        conn.execute(
            'INSERT INTO location (source, uid, lat, lon, last_updated, country) '
            "SELECT 'datex2_enbw', 'l' || g, 47.3 + random() * 7.7, 5.9 + random() * 9.1, now(), 'DEU' "
            'FROM generate_series(1, %s) g',
            (args.locations,),
        )
        conn.execute('ANALYZE location')
        started = time.perf_counter()
        result = assign_region_codes(conn)
        elapsed = time.perf_counter() - started
    print(
        f'assignment: {elapsed:.1f} s for {result.candidates} locations, {result.found} in a municipality, '
        f'{result.updated} updated'
    )


if __name__ == '__main__':
    main()

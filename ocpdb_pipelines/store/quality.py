"""Data-quality queries behind the asset checks (a red light for data engineers)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import psycopg

from ocpdb_pipelines.quality.coordinates import OK, allowed_countries, classify, use_cache_dir


def locations_outside_country(
    conn: psycopg.Connection, uid: str, country: str, examples: int = 10, cache_dir: Path | None = None
) -> tuple[int, int, list[str]]:
    """(outside, total, first uids outside) for the source's stored locations, by the import screen's own
    test (quality/coordinates.py: Natural Earth with its tolerance, the source's country or the location's
    own; 0/0 never passes). After an import through the screen it is 0; it finds what entered otherwise
    (rows stored before the screen existed, a source whose country changed). Not VG25's finer outline of
    Germany, even when it is loaded: it would flag the border chargers the screen keeps on purpose (its
    tolerance for the 1:10m outline), and the verdict would depend on whether VG25 is loaded. `cache_dir`:
    the screen's outline cache (quality/boundaries.py)."""
    if cache_dir is not None:
        use_cache_dir(cache_dir)
    rows = conn.execute('SELECT uid, lat, lon, country FROM location WHERE source = %s ORDER BY id', (uid,)).fetchall()
    if not rows:
        return 0, 0, []
    verdicts = classify(
        [r['lat'] for r in rows],
        [r['lon'] for r in rows],
        [allowed_countries(country, r['country']) for r in rows],
    )
    outside = [r['uid'] for r, verdict in zip(rows, verdicts, strict=True) if verdict != OK]
    return len(outside), len(rows), outside[:examples]


def duplicate_evse_uids(conn: psycopg.Connection, uid: str) -> int:
    """EVSE uids used more than once in a source: realtime updates could not tell them apart."""
    row = conn.execute(
        """
        SELECT count(*) AS n FROM (
            SELECT e.uid FROM evse e JOIN charging_station cs ON cs.id = e.charging_station_id
            JOIN location l ON l.id = cs.location_id WHERE l.source = %s
            GROUP BY e.uid HAVING count(*) > 1) d
        """,
        (uid,),
    ).fetchone()
    return row['n']


def realtime_age_seconds(conn: psycopg.Connection, uid: str) -> float | None:
    row = conn.execute('SELECT realtime_data_updated_at FROM source WHERE uid = %s', (uid,)).fetchone()
    if not row or row['realtime_data_updated_at'] is None:
        return None
    return (datetime.now(UTC) - row['realtime_data_updated_at']).total_seconds()

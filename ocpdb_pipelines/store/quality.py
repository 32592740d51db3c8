"""Data-quality queries behind the asset checks (a red light for data engineers)."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg

# generous bounding boxes (lat_min, lat_max, lon_min, lon_max) of the countries our sources cover
COUNTRY_BOXES = {
    'DEU': (47.2, 55.1, 5.8, 15.1),
    'CHE': (45.8, 47.9, 5.9, 10.6),
}


def locations_outside_country(conn: psycopg.Connection, uid: str, country: str) -> tuple[int, int]:
    """(outside, total) for the source's locations against its country's box."""
    box = COUNTRY_BOXES.get(country)
    if box is None:
        row = conn.execute('SELECT 0 AS outside, count(*) AS total FROM location WHERE source = %s', (uid,)).fetchone()
    else:
        row = conn.execute(
            """
            SELECT count(*) FILTER (WHERE NOT (lat BETWEEN %s AND %s AND lon BETWEEN %s AND %s)) AS outside,
                   count(*) AS total
            FROM location WHERE source = %s
            """,
            (*box, uid),
        ).fetchone()
    return row['outside'], row['total']


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

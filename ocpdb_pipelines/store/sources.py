"""Source bookkeeping (predecessor §7.4): the source row, statuses, error counts, timestamps."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from ocpdb_pipelines.model.enums import SourceStatus

if TYPE_CHECKING:
    from ocpdb_pipelines.sources.registry import SourceSpec


def ensure_source(conn: psycopg.Connection, spec: SourceSpec) -> None:
    """Create the source row on first contact; refresh its descriptive fields (non-null values only)."""
    conn.execute(
        """
        INSERT INTO source (uid, name, public_url, attribution_license, attribution_contributor, attribution_url)
        VALUES (%(uid)s, %(name)s, %(public_url)s, %(license)s, %(contributor)s, %(url)s)
        ON CONFLICT (uid) DO UPDATE SET
            name = COALESCE(EXCLUDED.name, source.name),
            public_url = COALESCE(EXCLUDED.public_url, source.public_url),
            attribution_license = COALESCE(EXCLUDED.attribution_license, source.attribution_license),
            attribution_contributor = COALESCE(EXCLUDED.attribution_contributor, source.attribution_contributor),
            attribution_url = COALESCE(EXCLUDED.attribution_url, source.attribution_url)
        WHERE (source.name, source.public_url, source.attribution_license, source.attribution_contributor,
               source.attribution_url)
            IS DISTINCT FROM
              (COALESCE(EXCLUDED.name, source.name), COALESCE(EXCLUDED.public_url, source.public_url),
               COALESCE(EXCLUDED.attribution_license, source.attribution_license),
               COALESCE(EXCLUDED.attribution_contributor, source.attribution_contributor),
               COALESCE(EXCLUDED.attribution_url, source.attribution_url))
        """,
        {
            'uid': spec.uid,
            'name': spec.name,
            'public_url': spec.public_url or spec.static_url,
            'license': spec.attribution_license,
            'contributor': spec.attribution_contributor,
            'url': spec.attribution_url,
        },
    )


def mark_static_success(conn: psycopg.Connection, uid: str, error_count: int, updated_at: datetime | None) -> None:
    conn.execute(
        """
        UPDATE source SET static_status = 'ACTIVE', static_error_count = %s,
            static_data_updated_at = COALESCE(%s, now()), modified = now()
        WHERE uid = %s
        """,
        (error_count, updated_at, uid),
    )


def mark_realtime_success(conn: psycopg.Connection, uid: str, error_count: int, updated_at: datetime | None) -> None:
    """Realtime becomes ACTIVE only while static is ACTIVE."""
    conn.execute(
        """
        UPDATE source SET
            realtime_status = CASE WHEN static_status = 'ACTIVE' THEN 'ACTIVE'::sourcestatus
                                   ELSE realtime_status END,
            realtime_error_count = %s,
            realtime_data_updated_at = COALESCE(%s, now()),
            modified = now()
        WHERE uid = %s
        """,
        (error_count, updated_at, uid),
    )


def mark_failed(conn: psycopg.Connection, spec: SourceSpec, *, static: bool, realtime: bool) -> None:
    """A hard failure: status FAILED, counters, timestamps and data untouched.

    Only the failed side's column is assigned: the push receivers' immediate apply (ocpdb_ingest) may update
    realtime_status but not static_status (sql/migrations/0020), and assigning a column needs its privilege
    even when the value stays the same.
    """
    ensure_source(conn, spec)
    failed = [column for column, flag in (('static_status', static), ('realtime_status', realtime)) if flag]
    if not failed:
        return
    assignments = sql.SQL(', ').join(
        sql.SQL("{} = 'FAILED'::sourcestatus").format(sql.Identifier(column)) for column in failed
    )
    conn.execute(sql.SQL('UPDATE source SET {}, modified = now() WHERE uid = %s').format(assignments), (spec.uid,))


def static_status(conn: psycopg.Connection, uid: str) -> SourceStatus | None:
    row = conn.execute('SELECT static_status FROM source WHERE uid = %s', (uid,)).fetchone()
    return SourceStatus(row['static_status']) if row else None


def bump_data_version(conn: psycopg.Connection) -> None:
    conn.execute('UPDATE data_version SET version = version + 1, changed_at = now()')


def delete_source(conn: psycopg.Connection, uid: str) -> dict[str, int]:
    """Delete a source with its locations (cascading) and its tariffs (the predecessor left those)."""
    locations = conn.execute('DELETE FROM location WHERE source = %s', (uid,)).rowcount
    tariffs = conn.execute('DELETE FROM tariff WHERE source = %s', (uid,)).rowcount
    conn.execute('DELETE FROM tariff_association WHERE source = %s', (uid,))
    sources = conn.execute('DELETE FROM source WHERE uid = %s', (uid,)).rowcount
    if locations or tariffs:
        bump_data_version(conn)
    return {'locations': locations, 'tariffs': tariffs, 'sources': sources}

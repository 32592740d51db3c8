"""Retention and downsampling of evse_status_history (append-only: one row per observed status change).

Rows older than `retention_days` are deleted. Rows older than `full_resolution_days` keep one row per EVSE
and `bucket_minutes` (the last status of each bucket: what the EVSE showed at the bucket's end); newer rows
stay as observed. Work is bounded per call (`batch` rows) and resumes where it stopped: a watermark in
maintenance_state says up to where history is already downsampled, so old rows are looked at once.
`maybe_prune` runs it at most every `interval_seconds` from whichever writer comes first (realtime ticks),
skipping when another transaction holds the turn, so no deployment needs an extra job and no tick waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

STATE = 'evse_status_history'


@dataclass(frozen=True)
class HistoryPolicy:
    retention_days: float = 90
    full_resolution_days: float = 7
    bucket_minutes: int = 15
    interval_seconds: int = 3600
    batch: int = 50_000

    @classmethod
    def from_settings(cls, settings: object) -> HistoryPolicy:
        return cls(
            retention_days=settings.history.retention_days,
            full_resolution_days=settings.history.full_resolution_days,
            bucket_minutes=settings.history.bucket_minutes,
        )


@dataclass
class PruneResult:
    expired: int = 0
    downsampled: int = 0


def maybe_prune(conn: psycopg.Connection, policy: HistoryPolicy) -> PruneResult | None:
    """prune_history if its interval has passed and no other transaction is at it (else None)."""
    _ensure_state(conn)
    due = conn.execute(
        """
        SELECT 1 FROM maintenance_state
        WHERE name = %s AND done_at < now() - make_interval(secs => %s)
        FOR UPDATE SKIP LOCKED
        """,
        (STATE, policy.interval_seconds),
    ).fetchone()
    if due is None:
        return None
    return prune_history(conn, policy)


def _ensure_state(conn: psycopg.Connection) -> None:
    conn.execute('INSERT INTO maintenance_state (name) VALUES (%s) ON CONFLICT (name) DO NOTHING', (STATE,))


def prune_history(conn: psycopg.Connection, policy: HistoryPolicy) -> PruneResult:
    result = PruneResult()
    _ensure_state(conn)
    result.expired = conn.execute(
        """
        DELETE FROM evse_status_history WHERE id IN (
            SELECT id FROM evse_status_history
            WHERE observed_at < now() - make_interval(secs => %s) LIMIT %s)
        """,
        (policy.retention_days * 86400, policy.batch),
    ).rowcount
    # downsample (watermark, cutoff]: a batch ends at a bucket boundary so a bucket is never half done
    row = conn.execute(
        """
        WITH bounds AS (
            SELECT c.cutoff,
                   COALESCE(s.watermark, (SELECT min(observed_at) FROM evse_status_history), c.cutoff) AS since
            FROM maintenance_state s,
                 LATERAL (SELECT date_bin(make_interval(mins => %(bucket)s), now() - make_interval(secs => %(full)s),
                                          TIMESTAMPTZ '2000-01-01') AS cutoff) c
            WHERE s.name = %(state)s
        ), upto AS (
            -- at least one whole bucket per call, at most `batch` rows more, never past the cutoff
            SELECT b.since, LEAST(b.cutoff, GREATEST(
                date_bin(make_interval(mins => %(bucket)s), LEAST(b.since, b.cutoff), TIMESTAMPTZ '2000-01-01')
                    + make_interval(mins => %(bucket)s),
                COALESCE(
                    (SELECT date_bin(make_interval(mins => %(bucket)s), h.observed_at, TIMESTAMPTZ '2000-01-01')
                       FROM evse_status_history h
                      WHERE h.observed_at >= b.since AND h.observed_at < b.cutoff
                      ORDER BY h.observed_at OFFSET %(batch)s LIMIT 1), b.cutoff))) AS until
            FROM bounds b
        ), doomed AS (
            SELECT id FROM (
                SELECT h.id, row_number() OVER (
                           PARTITION BY h.evse_id,
                                        date_bin(make_interval(mins => %(bucket)s), h.observed_at,
                                                 TIMESTAMPTZ '2000-01-01')
                           ORDER BY h.observed_at DESC, h.id DESC) AS rank
                FROM evse_status_history h, upto u
                WHERE h.observed_at >= u.since AND h.observed_at < u.until) ranked
            WHERE rank > 1
        ), gone AS (
            DELETE FROM evse_status_history h USING doomed d WHERE h.id = d.id RETURNING 1
        ), mark AS (
            UPDATE maintenance_state s SET done_at = now(), watermark = u.until
            FROM upto u WHERE s.name = %(state)s
        )
        SELECT count(*) AS n FROM gone
        """,
        {
            'bucket': policy.bucket_minutes,
            'full': policy.full_resolution_days * 86400,
            'state': STATE,
            'batch': policy.batch,
        },
    ).fetchone()
    result.downsampled = row['n'] if isinstance(row, dict) else row[0]
    return result


def replace_history(
    conn: psycopg.Connection, uid: str, start: datetime, end: datetime, rows: list[tuple[Any, ...]]
) -> tuple[int, int]:
    """Replace the status history of source `uid` in [start, end) by the observed `rows`
    (observed_at, evse uid, status, source timestamp), keeping only changes. Returns (deleted, written)."""
    conn.execute(
        'CREATE TEMPORARY TABLE stg_history (observed_at timestamptz, uid text, status text, '
        'source_timestamp timestamptz) ON COMMIT DROP'
    )
    with conn.cursor() as cursor, cursor.copy('COPY stg_history FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
    params = {'src': uid, 'start': start, 'end': end}
    deleted = conn.execute(
        """
        DELETE FROM evse_status_history h USING evse e, charging_station cs, location l
        WHERE h.evse_id = e.id AND cs.id = e.charging_station_id AND l.id = cs.location_id
          AND l.source = %(src)s AND h.observed_at >= %(start)s AND h.observed_at < %(end)s
        """,
        params,
    ).rowcount
    written = conn.execute(
        """
        WITH observed AS (
            SELECT e.id AS evse_id, s.observed_at, s.status::"EvseStatus" AS status, s.source_timestamp
            FROM stg_history s
            JOIN evse e ON e.uid = s.uid
            JOIN charging_station cs ON cs.id = e.charging_station_id
            JOIN location l ON l.id = cs.location_id AND l.source = %(src)s
        ), seeded AS (
            SELECT o.*, lag(o.status) OVER (PARTITION BY o.evse_id ORDER BY o.observed_at) AS before
            FROM observed o
        )
        INSERT INTO evse_status_history (evse_id, status, source_timestamp, observed_at)
        SELECT s.evse_id, s.status, s.source_timestamp, s.observed_at
        FROM seeded s
        WHERE s.status IS DISTINCT FROM COALESCE(
            s.before,
            (SELECT h.status FROM evse_status_history h
             WHERE h.evse_id = s.evse_id AND h.observed_at < %(start)s
             ORDER BY h.observed_at DESC LIMIT 1)
        )
        """,
        params,
    ).rowcount
    return deleted, written

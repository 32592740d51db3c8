"""Apply realtime EVSE status updates (predecessor §7.3), set-based.

Only EVSEs whose status differs are written; unknown uids are ignored (realtime never creates
objects); several updates for one uid in a batch: the last wins. Each change is stamped with
`status_observed_at = now()` (what diff exports key on) and appended to the status history. A tick
records where it changed something (record_live_locations); it does not bump the static data_version.
History retention (store/history.maybe_prune) runs from the pipelines' ticks only: the push receivers'
immediate apply (role ocpdb_ingest, which may not delete history) passes `prune=False`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

import psycopg

from ocpdb_pipelines.model.updates import EvseRealtimeUpdate
from ocpdb_pipelines.store.history import HistoryPolicy, maybe_prune
from ocpdb_pipelines.store.sources import ensure_source

if TYPE_CHECKING:
    from ocpdb_pipelines.sources.registry import SourceSpec


@dataclass
class RealtimeResult:
    received: int = 0
    changed: int = 0
    unknown: int = 0

    def as_metadata(self) -> dict[str, int]:
        return {
            'statuses_received': self.received,
            'statuses_changed': self.changed,
            'unknown_evses': self.unknown,
        }


def apply_realtime(
    conn: psycopg.Connection,
    spec: SourceSpec,
    updates: Iterable[EvseRealtimeUpdate],
    history: HistoryPolicy | None = None,
    *,
    prune: bool = True,
) -> RealtimeResult:
    latest: dict[str, EvseRealtimeUpdate] = {}
    for update in updates:
        latest[update.uid] = update
    result = RealtimeResult(received=len(latest))
    ensure_source(conn, spec)
    if not latest:
        return result
    stage(conn, latest.values())
    # for the rest of this transaction: the tick's join of a full publication (80,000 statuses) fits in memory
    # instead of spilling to temporary files, and no JIT compile (tens of ms) for a statement that runs once
    conn.execute("SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true)")
    row = conn.execute(TICK, {'source': spec.uid}).fetchone()
    result.unknown = result.received - row['known']
    result.changed = row['changed']
    if result.changed:
        record_live_locations(conn, row['locations'])
        if prune:
            maybe_prune(conn, history or HistoryPolicy())
    return result


# One statement per tick (bench/RESULTS-realtime.md, sections 3 and 4): match the staged statuses to this
# source's EVSEs, write the EVSEs whose status differs (the comparison is repeated in the UPDATE so a row a
# concurrent writer changed meanwhile is compared as it is now), append their history, chain last_updated up to
# the station and the location (only forwards, only for what changed), and hand back the changed locations for
# ocpdb_record_live_change. The staging table needs neither an index nor ANALYZE: it is read by hash joins, and
# the planner takes its size from the table's pages. `target` holds one narrow row per matched EVSE (the staged
# row's ctid, the ids, whether the status differs) instead of the staged values of all of them: the values are
# fetched again for the few that differ, and the unknown count is a count of distinct staged rows.
TICK = """
WITH target AS MATERIALIZED (
    SELECT s.ctid AS row, e.id, e.charging_station_id, cs.location_id, e.status <> s.status::"EvseStatus" AS differs
    FROM stg_realtime s
    JOIN evse e ON e.uid = s.uid
    JOIN charging_station cs ON cs.id = e.charging_station_id
    JOIN location l ON l.id = cs.location_id AND l.source = %(source)s
), changed AS (
    UPDATE evse e SET
        status = s.status::"EvseStatus",
        evse_id = COALESCE(s.evse_id, e.evse_id),
        last_updated = COALESCE(s.last_updated, now()),
        status_last_updated = COALESCE(s.status_last_updated, s.last_updated, now()),
        status_observed_at = now(),
        modified = now()
    FROM target t JOIN stg_realtime s ON s.ctid = t.row
    WHERE t.differs AND e.id = t.id AND e.status <> s.status::"EvseStatus"
    RETURNING e.id, e.charging_station_id, t.location_id, e.last_updated, e.status, e.status_last_updated
), history AS (
    INSERT INTO evse_status_history (evse_id, status, source_timestamp, observed_at)
    SELECT id, status, status_last_updated, now() FROM changed
), stations AS (
    UPDATE charging_station cs SET last_updated = m.newest
    FROM (SELECT charging_station_id, max(last_updated) AS newest FROM changed GROUP BY charging_station_id) m
    WHERE cs.id = m.charging_station_id AND m.newest > cs.last_updated
), locations AS (
    UPDATE location l SET last_updated = m.newest
    FROM (SELECT location_id, max(last_updated) AS newest FROM changed GROUP BY location_id) m
    WHERE l.id = m.location_id AND m.newest > l.last_updated
)
SELECT (SELECT count(DISTINCT row) FROM target) AS known,
       (SELECT count(*) FROM changed) AS changed,
       ARRAY(SELECT DISTINCT location_id FROM changed) AS locations
"""


# Binary COPY (bench/RESULTS-realtime.md, section 4): a DATEX II publication carries two timestamps per status,
# and their text form cost more than the rest of the tick (client formatting plus server-side timestamptz
# parsing: 4.7 of 7.7 s for 80,000 statuses at load 11); in binary they are eight bytes each way.
STAGE_TYPES = ('text', 'text', 'text', 'timestamptz', 'timestamptz')


def stage(conn: psycopg.Connection, updates: Iterable[EvseRealtimeUpdate]) -> None:
    """COPY the de-duplicated statuses into this transaction's staging table."""
    conn.execute(
        'CREATE TEMPORARY TABLE stg_realtime (uid text, evse_id text, status text, last_updated timestamptz, '
        'status_last_updated timestamptz) ON COMMIT DROP'
    )
    zone = conn.info.timezone  # a zone-less timestamp means the session's zone, as it did in text form
    with conn.cursor() as cursor, cursor.copy('COPY stg_realtime FROM STDIN (FORMAT BINARY)') as copy:
        copy.set_types(list(STAGE_TYPES))
        for u in updates:
            copy.write_row(
                (u.uid, u.evse_id, u.status.value, _aware(u.last_updated, zone), _aware(u.status_last_updated, zone))
            )


def _aware(value: datetime | None, zone: tzinfo) -> datetime | None:
    return value.replace(tzinfo=zone) if value is not None and value.tzinfo is None else value


def record_live_locations(conn: psycopg.Connection, location_ids: list[int]) -> None:
    """Tell caches where live data changed (the areas of these locations, sql/migrations/0030) instead of
    bumping data_version, which would invalidate every cached tile and count in the country."""
    conn.execute('SELECT ocpdb_record_live_change(%s::bigint[])', (location_ids,))


def touch_last_updated(conn: psycopg.Connection, spec: SourceSpec, stamps: list[tuple[str, datetime]]) -> int:
    """`last_updated = modified` for each (EVSE uid, modified) of the source, status or not: only ever
    forwards, chained upwards to station and location. Returns how many EVSEs moved."""
    touched = conn.execute(
        """
        WITH v AS (
            SELECT uid, max(modified) AS modified
            FROM unnest(%(uids)s::text[], %(times)s::timestamptz[]) AS t(uid, modified) GROUP BY uid
        ), hit AS (
            UPDATE evse e SET last_updated = v.modified, modified = now()
            FROM v, charging_station cs, location l
            WHERE e.uid = v.uid AND cs.id = e.charging_station_id AND l.id = cs.location_id
              AND l.source = %(src)s AND (e.last_updated IS NULL OR e.last_updated < v.modified)
            RETURNING e.charging_station_id, e.last_updated
        ), stations AS (
            UPDATE charging_station cs SET last_updated = m.newest
            FROM (SELECT charging_station_id, max(last_updated) AS newest FROM hit GROUP BY charging_station_id) m
            WHERE cs.id = m.charging_station_id AND (cs.last_updated IS NULL OR m.newest > cs.last_updated)
            RETURNING cs.location_id, cs.last_updated
        ), locations AS (
            UPDATE location l SET last_updated = m.newest
            FROM (SELECT location_id, max(last_updated) AS newest FROM stations GROUP BY location_id) m
            WHERE l.id = m.location_id AND (l.last_updated IS NULL OR m.newest > l.last_updated)
            RETURNING l.id
        )
        SELECT (SELECT count(*) FROM hit) AS n, ARRAY(SELECT DISTINCT cs.location_id FROM hit JOIN charging_station cs
                                                         ON cs.id = hit.charging_station_id) AS locations
        """,
        {'uids': [uid for uid, _ in stamps], 'times': [modified for _, modified in stamps], 'src': spec.uid},
    ).fetchone()
    if touched['locations']:
        record_live_locations(conn, touched['locations'])  # a live write: caches drop only what it touched
    return touched['n']

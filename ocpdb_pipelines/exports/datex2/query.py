"""Stream locations with their stations, EVSEs, connectors and tariffs as one nested dict per location.

PostgreSQL builds the nesting (jsonb aggregation over the child indexes) and a server-side cursor hands
the rows over in batches, so memory stays flat however many locations there are.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson
import psycopg
from psycopg import sql
from psycopg.rows import tuple_row
from psycopg.types.json import set_json_loads


class Selection(StrEnum):
    # locations with at least one EVSE that is not STATIC (static push, realtime full)
    LIVE = 'live'
    # locations with an EVSE whose status change OCPDB observed at or after `since` (realtime diff)
    CHANGED_SINCE = 'changed_since'
    ALL = 'all'


DETAIL_COLUMNS = """
    || jsonb_build_object(
        'connectors', coalesce((SELECT jsonb_agg(to_jsonb(c) ORDER BY c.id) FROM connector c
                                WHERE c.evse_id = e.id), '[]'::jsonb),
        'tariffs', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                       'uid', t.uid, 'currency', t.currency, 'elements', t.elements,
                       'last_updated', t.last_updated, 'audience', ta.audience,
                       'start_date_time', ta.start_date_time) ORDER BY ta.id)
            FROM evse_tariff_association eta
            JOIN tariff_association ta ON ta.id = eta.tariff_association_id
            JOIN tariff t ON t.id = ta.tariff_id
            WHERE eta.evse_id = e.id), '[]'::jsonb))
"""

LOCATIONS_QUERY = """
SELECT jsonb_build_object(
    'location', to_jsonb(l) - 'geometry' - 'geometry_3857',
    'operator', (SELECT jsonb_build_object('id', b.id, 'name', b.name, 'emobility_uid', b.emobility_uid)
                 FROM business b WHERE b.id = l.operator_id),
    'owner', (SELECT jsonb_build_object('id', b.id, 'name', b.name, 'emobility_uid', b.emobility_uid)
              FROM business b WHERE b.id = l.owner_id),
    'stations', coalesce((
        SELECT jsonb_agg(to_jsonb(cs) || jsonb_build_object('evses', coalesce((
            SELECT jsonb_agg(to_jsonb(e) {detail} ORDER BY e.id)
            FROM evse e WHERE e.charging_station_id = cs.id), '[]'::jsonb)) ORDER BY cs.id)
        FROM charging_station cs WHERE cs.location_id = l.id), '[]'::jsonb))
FROM location l
WHERE {where}
ORDER BY l.id
"""

_WHERE = {
    Selection.LIVE: """EXISTS (SELECT 1 FROM charging_station cs JOIN evse e ON e.charging_station_id = cs.id
                              WHERE cs.location_id = l.id AND e.status <> 'STATIC')""",
    # every live status OCPDB writes (realtime ticks, pushes, static imports) is appended to evse_status_history
    # with observed_at = the EVSE's status_observed_at, so the history's observed_at index finds the changed EVSEs;
    # evse.status_observed_at has no index (a realtime update would not be HOT with one, sql/migrations/0031)
    Selection.CHANGED_SINCE: """l.id IN (SELECT cs.location_id FROM evse_status_history h
                                        JOIN evse e ON e.id = h.evse_id
                                        JOIN charging_station cs ON cs.id = e.charging_station_id
                                        WHERE h.observed_at >= %(since)s)""",
    Selection.ALL: 'true',
}


def where_clause(selection: Selection) -> str:
    return _WHERE[selection]


def iter_locations(
    conn: psycopg.Connection,
    selection: Selection,
    *,
    since: datetime | None = None,
    detail: bool = True,
    batch_size: int = 500,
) -> Iterator[dict[str, Any]]:
    """Yield {location, operator, owner, stations: [{..., evses: [{..., connectors, tariffs}]}]} by id.

    Runs inside its own transaction on `conn` (timestamps rendered in UTC).
    """
    query = sql.SQL(LOCATIONS_QUERY.format(detail=DETAIL_COLUMNS if detail else '', where=_WHERE[selection]))
    set_json_loads(orjson.loads, conn)
    with conn.transaction():
        conn.execute("SET LOCAL TimeZone = 'UTC'")
        with conn.cursor(name='ocpdb_datex_export', row_factory=tuple_row) as cursor:
            cursor.itersize = batch_size
            cursor.execute(query, {'since': since})
            for (row,) in cursor:
                yield row


def count_changed_evses(conn: psycopg.Connection, since: datetime) -> int:
    row = (
        conn.cursor(row_factory=tuple_row)
        .execute('SELECT count(DISTINCT evse_id) FROM evse_status_history WHERE observed_at >= %s', (since,))
        .fetchone()
    )
    return int(row[0])

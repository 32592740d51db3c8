"""The availability statistics query of `/api/public/v1/statistics/availability` (ocpdb_api/routes/statistics.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

# group first, page the groups, then sum statuses and hours of the page's rows only
AGGREGATE_SQL = """
WITH d AS (
    SELECT d.*, {group} AS key FROM evse_availability_daily d WHERE {where}
), groups AS (
    SELECT key, count(*) AS evse_days, count(DISTINCT day) AS days, min(source) AS source,
           min(operator) AS operator, min(location_id) AS location_id, min(evse_uid) AS evse_uid, min(day) AS day,
           sum(day_seconds)::bigint AS seconds, sum(no_data_seconds)::bigint AS no_data
    FROM d GROUP BY key
), page AS (
    SELECT *, count(*) OVER () AS total FROM groups ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s
), rows AS (
    SELECT d.* FROM d JOIN page USING (key)
), statuses AS (
    SELECT key, jsonb_object_agg(status, seconds) AS status_seconds FROM (
        SELECT r.key, s.key AS status, sum(s.value::numeric)::bigint AS seconds
        FROM rows r, jsonb_each_text(r.status_seconds) s GROUP BY 1, 2
    ) x GROUP BY key
), hours AS (
    SELECT key, array_agg(known ORDER BY hour) AS known, array_agg(occupied ORDER BY hour) AS occupied FROM (
        SELECT r.key, k.hour, sum(k.known)::bigint AS known, sum(k.occupied)::bigint AS occupied
        FROM rows r,
             unnest(r.known_seconds_by_hour, r.occupied_seconds_by_hour) WITH ORDINALITY AS k(known, occupied, hour)
        GROUP BY 1, 2
    ) x GROUP BY key
)
SELECT page.*, statuses.status_seconds, hours.known, hours.occupied
FROM page LEFT JOIN statuses USING (key) LEFT JOIN hours USING (key)
ORDER BY {order}
"""
# the group key and the page order of each grouping
GROUP_KEYS = {'evse': "d.evse_id::text || ':' || d.day", 'location': 'd.location_id::text', 'source': 'd.source'}
ORDERS = {'evse': 'day, evse_uid, key', 'location': 'location_id', 'source': 'source'}
# the columns a request may filter on by equality (location_id as an integer)
TEXT_FILTERS = ('source', 'operator', 'evse_uid')
EQUAL_FILTERS = (*TEXT_FILTERS, 'location_id')
LATEST_DAY_SQL = 'SELECT max(day) AS day FROM evse_availability_daily'


async def latest_day(conn: Any) -> date | None:
    cur = await conn.execute(LATEST_DAY_SQL)
    return (await cur.fetchone())['day']


async def availability(
    conn: Any,
    group_by: str,
    date_from: date,
    date_to: date,
    equal: dict[str, Any],
    *,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """One page of groups (each row carries the `total` of groups) for the days and equality filters."""
    where = ['d.day BETWEEN %(date_from)s AND %(date_to)s']
    params: dict[str, Any] = {'date_from': date_from, 'date_to': date_to, 'limit': limit, 'offset': offset}
    for name in EQUAL_FILTERS:
        if name in equal:
            where.append(f'd.{name} = %({name})s')
            params[name] = equal[name]
    sql = AGGREGATE_SQL.format(where=' AND '.join(where), group=GROUP_KEYS[group_by], order=ORDERS[group_by])
    cur = await conn.execute(sql, params)
    return await cur.fetchall()

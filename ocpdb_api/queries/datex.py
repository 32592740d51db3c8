"""Location rows in the nested shape the DATEX II mappers of ocpdb_pipelines.exports.datex2 consume.

The SQL template is the exporter's own (so the mapper input cannot drift); the API only swaps the
selection for a page of ids chosen by LocationSearch.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from ocpdb_pipelines.exports.datex2.query import DETAIL_COLUMNS, LOCATIONS_QUERY


async def location_rows(conn: AsyncConnection, ids: list[int], *, detail: bool) -> list[dict[str, Any]]:
    """Rows for the ids, in the order given (timestamps rendered in UTC as the mappers expect)."""
    if not ids:
        return []
    query = LOCATIONS_QUERY.format(detail=DETAIL_COLUMNS if detail else '', where='l.id = ANY(%(ids)s)')
    async with conn.transaction():
        await conn.execute("SET LOCAL TimeZone = 'UTC'")
        cur = await conn.execute(query, {'ids': ids})
        rows = [row[next(iter(row))] if isinstance(row, dict) else row[0] for row in await cur.fetchall()]
    by_id = {row['location']['id']: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]

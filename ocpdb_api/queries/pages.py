"""A page of ids and the total count of a filtered selection, the first step of every list endpoint."""

from __future__ import annotations

from typing import Any

from ocpdb_api.db import Resources
from ocpdb_api.queries.filters import Where


async def total(res: Resources, conn: Any, from_sql: str, where: Where) -> int:
    """The count of the selection (memoised per data version by `Resources.count`)."""
    return await res.count(conn, f'SELECT count(*) AS n FROM {from_sql} WHERE {where.sql()}', where.params)


async def ids(
    conn: Any,
    from_sql: str,
    alias: str,
    where: Where,
    order: tuple[str, list[Any]],
    limit: int,
    offset: int,
) -> list[int]:
    order_sql, order_params = order
    cur = await conn.execute(
        f'SELECT {alias}.id FROM {from_sql} WHERE {where.sql()} ORDER BY {order_sql} LIMIT %s OFFSET %s',
        [*where.params, *order_params, limit, offset],
    )
    return [r['id'] for r in await cur.fetchall()]

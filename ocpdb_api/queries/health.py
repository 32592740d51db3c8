"""What `/health` asks the database: the PostGIS library version and the data version."""

from __future__ import annotations

from typing import Any

POSTGIS_SQL = 'SELECT postgis_lib_version() AS postgis, (SELECT version FROM data_version) AS v'


async def postgis_status(conn: Any) -> dict[str, Any]:
    cur = await conn.execute(POSTGIS_SQL)
    return await cur.fetchone()

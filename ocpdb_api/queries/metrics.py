"""The rows `/metrics` renders: every source, and the EVSEs with a live status."""

from __future__ import annotations

from typing import Any

from ocpdb_api.db import Resources

SOURCES_SQL = 'SELECT * FROM source ORDER BY id'
EVSE_SQL = """
SELECT l.source, e.uid AS evse, l.uid AS location, e.status
  FROM evse e JOIN charging_station cs ON cs.id = e.charging_station_id JOIN location l ON l.id = cs.location_id
 WHERE e.status <> 'STATIC'
 ORDER BY l.source, l.uid, e.uid
"""


async def sources(res: Resources) -> list[dict[str, Any]]:
    return await res.fetch(SOURCES_SQL)


async def live_evses(res: Resources) -> list[dict[str, Any]]:
    return await res.fetch(EVSE_SQL)

"""The selections and row loaders of the predecessor's public API (ocpdb_api/routes/compat.py)."""

from __future__ import annotations

from typing import Any

from ocpdb_api.queries import trees

Row = dict[str, Any]

LOCATION_FROM = 'location l'
EVSE_FROM = 'evse e JOIN charging_station cs ON cs.id = e.charging_station_id JOIN location l ON l.id = cs.location_id'
CONNECTOR_FROM = f'connector c JOIN {EVSE_FROM} ON e.id = c.evse_id'
STATION_FROM = 'charging_station cs JOIN location l ON l.id = cs.location_id'
BUSINESS_FROM = 'business b'
SOURCE_FROM = 'source s'
TARIFF_FROM = 'tariff t'
ASSOCIATION_FROM = 'tariff_association ta'

BUSINESS_SQL = """
SELECT b.id, b.name, b.website, b.emobility_uid, b.logo_id, i.external_url AS logo_external_url,
       i.type AS logo_type, i.category AS logo_category, i.width AS logo_width, i.height AS logo_height,
       i.last_download AS logo_last_download
  FROM business b LEFT JOIN image i ON i.id = b.logo_id
 WHERE b.id = ANY(%s)
"""
SOURCE_SQL = 'SELECT * FROM source WHERE id = ANY(%s)'
TARIFF_SQL = 'SELECT * FROM tariff WHERE id = ANY(%s)'
TA_SQL = """
SELECT ta.*, t.currency AS t_currency, t.elements AS t_elements, t.tariff_alt_text AS t_tariff_alt_text,
       t.tariff_alt_url AS t_tariff_alt_url, t.min_price AS t_min_price, t.max_price AS t_max_price,
       t.energy_mix AS t_energy_mix,
       ARRAY(SELECT x.evse_id FROM evse_tariff_association x WHERE x.tariff_association_id = ta.id
             ORDER BY x.evse_id) AS evse_ids,
       ARRAY(SELECT x.connector_id FROM connector_tariff_association x WHERE x.tariff_association_id = ta.id
             ORDER BY x.connector_id) AS connector_ids
  FROM tariff_association ta JOIN tariff t ON t.id = ta.tariff_id
 WHERE ta.id = ANY(%s)
"""


async def _rows(conn: Any, query: str, ids: list[int]) -> list[Row]:
    """The rows of `query` (one `= ANY(%s)` parameter) in the order of `ids`."""
    if not ids:
        return []
    cur = await conn.execute(query, (ids,))
    found = {r['id']: r for r in await cur.fetchall()}
    return [found[i] for i in ids if i in found]


async def connectors(conn: Any, ids: list[int]) -> list[Row]:
    found = {r['id']: r for r in await trees.connectors(conn, 'c.id = ANY(%s)', ids)} if ids else {}
    return [found[i] for i in ids if i in found]


async def businesses(conn: Any, ids: list[int]) -> list[Row]:
    return await _rows(conn, BUSINESS_SQL, ids)


async def sources(conn: Any, ids: list[int]) -> list[Row]:
    return await _rows(conn, SOURCE_SQL, ids)


async def tariffs(conn: Any, ids: list[int]) -> list[Row]:
    return await _rows(conn, TARIFF_SQL, ids)


async def associations(conn: Any, ids: list[int]) -> list[Row]:
    return await _rows(conn, TA_SQL, ids)

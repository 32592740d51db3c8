"""Load locations with their stations, EVSEs, connectors, images and tariff references: one query per level."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from psycopg import AsyncConnection

from ocpdb_pipelines.db import catalogue
from ocpdb_pipelines.db.catalogue import select_list

Row = dict[str, Any]

# column lists from the catalogue (ocpdb_pipelines/db/catalogue.py): a new column is selected without an edit here
LOCATION_COLUMNS = f"""
    {select_list(catalogue.location, 'l')},
    op.name AS operator_name, op.website AS operator_website, op.emobility_uid AS operator_emobility_uid,
    so.name AS suboperator_name, so.website AS suboperator_website, so.emobility_uid AS suboperator_emobility_uid,
    ow.name AS owner_name, ow.website AS owner_website, ow.emobility_uid AS owner_emobility_uid
"""
LOCATION_FROM = """
    location l
    LEFT JOIN business op ON op.id = l.operator_id
    LEFT JOIN business so ON so.id = l.suboperator_id
    LEFT JOIN business ow ON ow.id = l.owner_id
"""

STATION_COLUMNS = select_list(catalogue.charging_station, 'cs')
EVSE_COLUMNS = f'{select_list(catalogue.evse, "e")}, cs.location_id'
CONNECTOR_SQL = f"""
WITH c AS (
    SELECT {select_list(catalogue.connector, 'c')}
      FROM connector c
     WHERE {{where}}
),
own AS (
    SELECT x.connector_id, array_agg(t.uid ORDER BY ta.id) AS uids
      FROM connector_tariff_association x
      JOIN tariff_association ta ON ta.id = x.tariff_association_id JOIN tariff t ON t.id = ta.tariff_id
     WHERE x.connector_id IN (SELECT id FROM c)
     GROUP BY x.connector_id
),
inherited AS (
    SELECT x.evse_id, array_agg(t.uid ORDER BY ta.id) AS uids
      FROM evse_tariff_association x
      JOIN tariff_association ta ON ta.id = x.tariff_association_id JOIN tariff t ON t.id = ta.tariff_id
     WHERE x.evse_id IN (SELECT evse_id FROM c)
     GROUP BY x.evse_id
)
SELECT c.*, COALESCE(own.uids, inherited.uids) AS tariff_uids
  FROM c LEFT JOIN own ON own.connector_id = c.id LEFT JOIN inherited ON inherited.evse_id = c.evse_id
 ORDER BY c.evse_id, c.id
"""
IMAGE_SQL = f"""
SELECT x.{{owner}} AS owner_id, {select_list(catalogue.image, 'i')}
  FROM {{table}} x JOIN image i ON i.id = x.image_id
 WHERE x.{{owner}} = ANY(%s)
 ORDER BY x.{{owner}}, i.id
"""


async def _all(conn: AsyncConnection, query: str, params: Any) -> list[Row]:
    cur = await conn.execute(query, params)
    return await cur.fetchall()


def id_array(ids: list[int]) -> str:
    """An id list as one array literal: psycopg's list dumper inspects every element, which costs more per
    page than the queries it feeds (the parameter is `unknown`, PostgreSQL types it from `= ANY(...)`)."""
    return '{' + ','.join(map(str, ids)) + '}'


async def images(conn: AsyncConnection, table: str, owner: str, ids: list[int]) -> dict[int, list[Row]]:
    out: dict[int, list[Row]] = defaultdict(list)
    if ids:
        for row in await _all(conn, IMAGE_SQL.format(table=table, owner=owner), (id_array(ids),)):
            out[row['owner_id']].append(row)
    return out


async def connectors(conn: AsyncConnection, where: str, ids: list[int]) -> list[Row]:
    rows = await _all(conn, CONNECTOR_SQL.format(where=where), (id_array(ids),)) if ids else []
    for row in rows:
        row['tariff_ids'] = list(dict.fromkeys(row.pop('tariff_uids') or []))
    return rows


async def attach_evse_children(conn: AsyncConnection, evses: list[Row]) -> None:
    """Connectors and images under each EVSE row (keys `_connectors`, `_images`)."""
    ids = [e['id'] for e in evses]
    by_evse: dict[int, list[Row]] = defaultdict(list)
    for c in await connectors(conn, 'c.evse_id = ANY(%s)', ids):
        by_evse[c['evse_id']].append(c)
    imgs = await images(conn, 'evse_image', 'evse_id', ids)
    for e in evses:
        e['_connectors'] = by_evse.get(e['id'], [])
        e['_images'] = imgs.get(e['id'], [])


async def stations_by_id(conn: AsyncConnection, ids: list[int]) -> dict[int, Row]:
    if not ids:
        return {}
    rows = await _all(
        conn, f'SELECT {STATION_COLUMNS} FROM charging_station cs WHERE cs.id = ANY(%s)', (id_array(ids),)
    )
    return {r['id']: r for r in rows}


async def attach_station_children(conn: AsyncConnection, stations: list[Row]) -> None:
    """EVSEs (with children) and images under each station row (keys `_evses`, `_images`)."""
    ids = [s['id'] for s in stations]
    evses = (
        await _all(
            conn,
            f'SELECT {EVSE_COLUMNS} FROM evse e JOIN charging_station cs ON cs.id = e.charging_station_id '
            'WHERE e.charging_station_id = ANY(%s) ORDER BY e.charging_station_id, e.id',
            (id_array(ids),),
        )
        if ids
        else []
    )
    await attach_evse_children(conn, evses)
    by_station: dict[int, list[Row]] = defaultdict(list)
    for e in evses:
        by_station[e['charging_station_id']].append(e)
    imgs = await images(conn, 'charging_station_image', 'charging_station_id', ids)
    for s in stations:
        s['_evses'] = by_station.get(s['id'], [])
        s['_images'] = imgs.get(s['id'], [])


async def locations(conn: AsyncConnection, ids: list[int]) -> list[Row]:
    """Full location trees for the ids, in the order given."""
    if not ids:
        return []
    rows = await _all(conn, f'SELECT {LOCATION_COLUMNS} FROM {LOCATION_FROM} WHERE l.id = ANY(%s)', (id_array(ids),))
    stations = await _all(
        conn,
        f'SELECT {STATION_COLUMNS} FROM charging_station cs WHERE cs.location_id = ANY(%s) '
        'ORDER BY cs.location_id, cs.id',
        (id_array(ids),),
    )
    await attach_station_children(conn, stations)
    by_location: dict[int, list[Row]] = defaultdict(list)
    for s in stations:
        by_location[s['location_id']].append(s)
    by_id = {r['id']: r for r in rows}
    out = []
    for i in ids:
        row = by_id.get(i)
        if row is not None:
            row['_stations'] = by_location.get(i, [])
            out.append(row)
    return out


async def evses(conn: AsyncConnection, ids: list[int]) -> list[Row]:
    """EVSE rows in the given order, each with `_station`, `_connectors`, `_images`."""
    if not ids:
        return []
    rows = await _all(
        conn,
        f'SELECT {EVSE_COLUMNS} FROM evse e JOIN charging_station cs ON cs.id = e.charging_station_id '
        'WHERE e.id = ANY(%s)',
        (id_array(ids),),
    )
    await attach_evse_children(conn, rows)
    stations = await stations_by_id(conn, sorted({r['charging_station_id'] for r in rows}))
    by_id = {r['id']: r for r in rows}
    out = []
    for i in ids:
        if i in by_id:
            by_id[i]['_station'] = stations.get(by_id[i]['charging_station_id'])
            out.append(by_id[i])
    return out


async def stations(conn: AsyncConnection, ids: list[int]) -> list[Row]:
    found = await stations_by_id(conn, ids)
    rows = [found[i] for i in ids if i in found]
    await attach_station_children(conn, rows)
    return rows

"""The location trees of a list page as tuple rows in one round trip, values already in their wire format.

The list page is mostly Python work on top of its SQL (bench/RESULTS-api.md, issue 13): a dict per row,
datetime and Decimal objects that the renderer turns back into text, a JSON decoder per jsonb value and one
round trip per tree level. Here PostgreSQL formats what it can (timestamps as `YYYY-MM-DDTHH:MM:SSZ` text,
numerics as float8, dates as text, enums as text, so binary rows need no registered types), rows are plain
tuples read by position (`Table.at[name]`), and the five queries all key on the location ids, so they go to
the server in one pipeline (station images are not on these pages). `render/list_page.py` turns these rows
into exactly what `render/compat.location_22` and `render/ocpi221.location` make of `trees.locations`
(tests/api/test_list_page.py compares the bytes).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import orjson
from psycopg import AsyncConnection
from psycopg.rows import tuple_row
from psycopg.types.json import set_json_loads
from sqlalchemy import Column, Date, DateTime, Enum, Numeric
from sqlalchemy import Table as SaTable

from ocpdb_api.queries.trees import CONNECTOR_SQL, id_array
from ocpdb_pipelines.db import catalogue
from ocpdb_pipelines.db.catalogue import select_list

Tuple = tuple[Any, ...]
UNSHOWN = frozenset({'created', 'modified', 'status_observed_at'})
STAMP = '\'YYYY-MM-DD"T"HH24:MI:SS"Z"\''


def wire(column: Column, alias: str) -> str:
    """The select expression of a column in the form the renderers emit (as `render.common.ts`, `day`, `num`)."""
    ref = f'{alias}.{column.name}'
    kind = column.type
    if isinstance(kind, DateTime):
        return f"to_char({ref} AT TIME ZONE 'UTC', {STAMP}) AS {column.name}"
    if isinstance(kind, Date):
        return f"to_char({ref}, 'YYYY-MM-DD') AS {column.name}"
    if isinstance(kind, Numeric) and kind.asdecimal:
        return f'{ref}::float8 AS {column.name}'
    if isinstance(kind, Enum):
        return f'{ref}::text AS {column.name}'
    return ref


class Table:
    """A select list in wire format and the position of each of its columns in a tuple row."""

    def __init__(self, table: SaTable, alias: str, extra: list[tuple[str, str]] = ()) -> None:
        # the columns select_list takes (all but the geometry copies), in catalogue order, but the row stamps
        # no list page shows
        refs = [ref.split('.', 1)[1] for ref in select_list(table, alias).split(', ')]
        columns = [table.columns[name] for name in refs if name not in UNSHOWN]
        self.columns = [str(c.name) for c in columns] + [name for name, _ in extra]
        self.sql = ', '.join([wire(c, alias) for c in columns] + [f'{expr} AS {name}' for name, expr in extra])
        self.at = {name: i for i, name in enumerate(self.columns)}


_BUSINESS = [
    (f'{role}_{col}', f'{alias}.{col}')
    for role, alias in (('operator', 'op'), ('suboperator', 'so'), ('owner', 'ow'))
    for col in ('name', 'website', 'emobility_uid')
]
LOCATION = Table(catalogue.location, 'l', _BUSINESS)
STATION = Table(catalogue.charging_station, 'cs')
EVSE = Table(catalogue.evse, 'e')
CONNECTOR = Table(catalogue.connector, 'c', [('tariff_uids', 'tariff_uids')])
IMAGE = Table(catalogue.image, 'i', [('owner_id', 'owner_id')])

_EVSES_OF = (
    'SELECT e.id FROM evse e JOIN charging_station cs ON cs.id = e.charging_station_id WHERE cs.location_id = ANY(%s)'
)
# the connector query of trees.py (own or inherited tariff ids), its outer select in wire format
_CONNECTORS = CONNECTOR_SQL.format(where=f'c.evse_id IN ({_EVSES_OF})').replace(
    'SELECT c.*,', f'SELECT {Table(catalogue.connector, "c").sql},'
)
QUERIES = [
    f"""SELECT {LOCATION.sql} FROM location l
          LEFT JOIN business op ON op.id = l.operator_id
          LEFT JOIN business so ON so.id = l.suboperator_id
          LEFT JOIN business ow ON ow.id = l.owner_id
         WHERE l.id = ANY(%s)""",
    f'SELECT {STATION.sql} FROM charging_station cs WHERE cs.location_id = ANY(%s) ORDER BY cs.location_id, cs.id',
    f"""SELECT {EVSE.sql} FROM evse e JOIN charging_station cs ON cs.id = e.charging_station_id
         WHERE cs.location_id = ANY(%s) ORDER BY e.charging_station_id, e.id""",
    _CONNECTORS,
    f"""SELECT {IMAGE.sql}
          FROM (SELECT x.evse_id AS owner_id, x.image_id FROM evse_image x WHERE x.evse_id IN ({_EVSES_OF})) x
          JOIN image i ON i.id = x.image_id ORDER BY x.owner_id, i.id""",
]


@dataclass
class Page:
    """The rows of a page: locations in the order asked, children grouped by their parent's id."""

    locations: list[Tuple]
    stations: dict[int, list[Tuple]]
    evses: dict[int, list[Tuple]]
    connectors: dict[int, list[Tuple]]
    evse_images: dict[int, list[Tuple]]


def _group(rows: list[Tuple], key: int) -> dict[int, list[Tuple]]:
    out: dict[int, list[Tuple]] = defaultdict(list)
    for row in rows:
        out[row[key]].append(row)
    return out


def _loads(data: bytes | str) -> Any:
    """orjson for jsonb values (PostgreSQL's jsonb is always valid JSON within orjson's range but for huge
    numbers, which the standard decoder takes)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        import json

        return json.loads(data)


async def raw(conn: AsyncConnection, ids: list[int]) -> list[list[Tuple]]:
    """The result sets for the location ids, sent as one pipeline (the SQL floor of the page)."""
    if not ids:
        return [[] for _ in QUERIES]
    param = (id_array(ids),)
    cursors = []
    async with conn.pipeline():
        for query in QUERIES:
            cur = conn.cursor(row_factory=tuple_row, binary=True)
            set_json_loads(_loads, cur)  # this cursor only: the pooled connection keeps its own loaders
            await cur.execute(query, param * query.count('%s'))
            cursors.append(cur)
    return [await cur.fetchall() for cur in cursors]


async def fetch(conn: AsyncConnection, ids: list[int]) -> Page:
    locations, stations, evses, connectors, evse_images = await raw(conn, ids)
    found = {row[0]: row for row in locations}
    return Page(
        locations=[found[i] for i in ids if i in found],
        stations=_group(stations, STATION.at['location_id']),
        evses=_group(evses, EVSE.at['charging_station_id']),
        connectors=_group(connectors, CONNECTOR.at['evse_id']),
        evse_images=_group(evse_images, IMAGE.at['owner_id']),
    )


# ---- stamps: what a cached list item was rendered from (ocpdb_api/itemcache.py) ----

# One 64-bit hash per row a location's list item is rendered from (every row the queries above read for it),
# of the row's id and its xmin, XOR-ed per location. Every INSERT, UPDATE (HOT or not) and DELETE of such a row
# changes the set of (id, xmin) pairs and so the stamp (up to a 2^-64 chance); rows no writer touched keep
# theirs, so a status change in one location leaves every other location's stamp as it was. No writer has to
# know about it: xmin is written by PostgreSQL itself. Each relation seeds its hashes apart (xids are below
# 2^32, the seeds 10^10 apart); association rows hash with their parent's id, so the same tariff under two
# connectors counts twice rather than cancelling out. The database's oid and its server's start time go into
# every stamp: another database, a restored one or one after point-in-time recovery (where xids repeat) never
# matches an item stored before. tests/api/test_list_items.py checks that every relation of QUERIES is here
# and that a change in each of them shows.


def _h(ident: str, alias: str, seed: int) -> str:
    return f'hashint8extended({ident}, {alias}.xmin::text::int8 + {seed}::int8)'


_UNDER = 'charging_station cs JOIN evse e ON e.charging_station_id = cs.id'
_TARIFF = f'{_h("ta.id", "ta", 4 * 10**10)} # {_h("t.id", "t", 5 * 10**10)}'
_DATABASE = """(SELECT hashtextextended(d.oid::text || ':' || pg_postmaster_start_time()::text, 0)
                  FROM pg_database d WHERE d.datname = current_database())"""
STAMPS = f"""
SELECT lid, bit_xor(h) # {_DATABASE} FROM (
    SELECT l.id AS lid, {_h('l.id', 'l', 0)} AS h FROM location l WHERE l.id = ANY(%(ids)s)
    UNION ALL
    SELECT l.id, {_h('b.id', 'b', 10**10)}
      FROM location l JOIN business b ON b.id IN (l.operator_id, l.suboperator_id, l.owner_id)
     WHERE l.id = ANY(%(ids)s)
    UNION ALL
    SELECT cs.location_id, {_h('cs.id', 'cs', 2 * 10**10)} FROM charging_station cs WHERE cs.location_id = ANY(%(ids)s)
    UNION ALL
    SELECT cs.location_id, {_h('e.id', 'e', 3 * 10**10)} FROM {_UNDER} WHERE cs.location_id = ANY(%(ids)s)
    UNION ALL
    SELECT cs.location_id, {_h('c.id', 'c', 6 * 10**10)}
      FROM {_UNDER} JOIN connector c ON c.evse_id = e.id WHERE cs.location_id = ANY(%(ids)s)
    UNION ALL
    SELECT cs.location_id,
           hashint8extended(x.connector_id, {_h('x.tariff_association_id', 'x', 7 * 10**10)} # {_TARIFF})
      FROM {_UNDER} JOIN connector c ON c.evse_id = e.id
      JOIN connector_tariff_association x ON x.connector_id = c.id
      JOIN tariff_association ta ON ta.id = x.tariff_association_id JOIN tariff t ON t.id = ta.tariff_id
     WHERE cs.location_id = ANY(%(ids)s)
    UNION ALL
    SELECT cs.location_id,
           hashint8extended(x.evse_id, {_h('x.tariff_association_id', 'x', 8 * 10**10)} # {_TARIFF})
      FROM {_UNDER} JOIN evse_tariff_association x ON x.evse_id = e.id
      JOIN tariff_association ta ON ta.id = x.tariff_association_id JOIN tariff t ON t.id = ta.tariff_id
     WHERE cs.location_id = ANY(%(ids)s)
    UNION ALL
    SELECT cs.location_id,
           hashint8extended(x.evse_id, {_h('x.image_id', 'x', 9 * 10**10)} # {_h('i.id', 'i', 11 * 10**10)})
      FROM {_UNDER} JOIN evse_image x ON x.evse_id = e.id JOIN image i ON i.id = x.image_id
     WHERE cs.location_id = ANY(%(ids)s)
) rows GROUP BY lid
"""


async def stamps(conn: AsyncConnection, ids: list[int]) -> dict[int, int]:
    """The stamp of each of these locations that exists (ids of deleted ones are absent)."""
    if not ids:
        return {}
    cur = conn.cursor(row_factory=tuple_row, binary=True)
    await cur.execute(STAMPS, {'ids': id_array(ids)}, prepare=True)
    return dict(await cur.fetchall())

"""Compat location objects (render/compat.location_22) built by PostgreSQL: one query per list page.

The list page spent about half its time outside its SQL: psycopg turning ~1,600 rows of seven queries into
Python values (datetimes, Decimals, jsonb) and the renderer turning them into dicts (bench/RESULTS-api.md,
"list page against its SQL floor"). Here one statement builds the page's `items` array as JSON text, with
the renderer's rules: keys in the renderer's order, nulls dropped where it drops them (empty lists as well
for EVSEs and connectors), timestamps as `YYYY-MM-DDTHH:MM:SSZ` in UTC, bit masks as flag names in bit
order, extension fields hidden in strict mode. The caller parses the text with orjson and dumps the
envelope as before, so numbers come out as orjson writes them; float columns are sent with a decimal point
so they stay floats. tests/api/test_location_json.py compares the bytes with the renderer's for every
object of the static fixtures, strict and not.
"""

from __future__ import annotations

from enum import IntFlag
from typing import Any

import orjson
from psycopg import AsyncConnection

from ocpdb_api.queries.trees import id_array
from ocpdb_pipelines.model.enums import Capability, ParkingRestriction


def _ts(column: str) -> str:
    return f"""to_json(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))"""


def _float(column: str) -> str:
    """A float8 as a JSON number with a decimal point (Python renders floats as `22.0`, PostgreSQL as `22`)."""
    return (
        f"(CASE WHEN {column} IS NULL OR {column} IN ('NaN', 'Infinity', '-Infinity') THEN 'null' "
        f"WHEN {column}::text ~ '[.e]' THEN {column}::text ELSE {column}::text || '.0' END)::json"
    )


def _bits(column: str, flag: type[IntFlag]) -> str:
    """The set flags' names in bit order, as render.common.bits."""
    names = ', '.join(f"CASE WHEN {column} & {m.value} <> 0 THEN '{m.name}' END" for m in flag)
    return f"to_json(COALESCE(array_remove(ARRAY[{names}]::text[], NULL), '{{}}'::text[]))"


def _truthy(column: str) -> str:
    """A jsonb value as Python's `value or None` sees it."""
    return f"""(CASE WHEN {column} IS NULL OR {column} IN ('null', '[]', '{{}}', '""', '0', 'false') THEN NULL
                ELSE to_json({column}) END)"""


def _ext(expression: str) -> str:
    """An OCPDB extension field: null (so dropped) in strict mode."""
    return f'(CASE WHEN %(strict)s THEN NULL ELSE {expression} END)'


def _object(fields: list[tuple[str, str]], *, drop_empty: bool) -> str:
    """A JSON object of (key, json expression) in order, without null members (and `[]` with drop_empty)."""
    values = ', '.join(f"({i}, '{key}', {expr})" for i, (key, expr) in enumerate(fields))
    keep = "v::text NOT IN ('null', '[]')" if drop_empty else "v::text <> 'null'"
    return f'(SELECT json_object_agg(k, v ORDER BY n) FROM (VALUES {values}) AS f(n, k, v) WHERE {keep})'


def _business(alias: str) -> str:
    fields = [(k, f'to_json({alias}.{k})') for k in ('name', 'website', 'emobility_uid')]
    return f'(CASE WHEN {alias}.name IS NULL THEN NULL ELSE {_object(fields, drop_empty=False)} END)'


def _images(table: str, owner: str, owner_id: str) -> str:
    url = (
        "CASE WHEN i.type IS NOT NULL AND i.type <> '' THEN %(image_base)s || '/' || i.id || '.' || i.type "
        'ELSE i.external_url END'
    )
    image = _object(
        [
            ('url', f'to_json({url})'),
            ('category', 'to_json(i.category)'),
            ('type', 'to_json(i.type)'),
            ('width', 'to_json(i.width)'),
            ('height', 'to_json(i.height)'),
            ('original_url', _ext('to_json(i.external_url)')),
            ('last_download', _ext(_ts('i.last_download'))),
        ],
        drop_empty=False,
    )
    return (
        f'COALESCE((SELECT json_agg({image} ORDER BY i.id) FROM {table} x JOIN image i ON i.id = x.image_id '
        f"WHERE x.{owner} = {owner_id}), '[]')"
    )


_TARIFF_UIDS = """
    (SELECT array_agg(t.uid ORDER BY ta.id) FROM {table} x
       JOIN tariff_association ta ON ta.id = x.tariff_association_id JOIN tariff t ON t.id = ta.tariff_id
      WHERE x.{owner} = {owner_id})
"""
# a connector's own tariffs, else its EVSE's, each uid once in first-seen order (trees.connectors)
_TARIFF_IDS = f"""(SELECT json_agg(u.uid ORDER BY u.first) FROM (
    SELECT uid, min(n) AS first FROM unnest(COALESCE(
        {_TARIFF_UIDS.format(table='connector_tariff_association', owner='connector_id', owner_id='c.id')},
        {_TARIFF_UIDS.format(table='evse_tariff_association', owner='evse_id', owner_id='c.evse_id')}))
        WITH ORDINALITY AS a(uid, n) GROUP BY uid) u)"""

_CONNECTOR = _object(
    [
        ('standard', 'to_json(c.standard)'),
        ('format', 'to_json(c.format)'),
        ('power_type', 'to_json(c.power_type)'),
        ('max_voltage', 'to_json(c.max_voltage)'),
        ('max_amperage', 'to_json(c.max_amperage)'),
        ('max_electric_power', 'to_json(c.max_electric_power)'),
        ('last_updated', _ts('c.last_updated')),
        ('terms_and_conditions', 'to_json(c.terms_and_conditions)'),
        ('id', 'to_json(c.id::text)'),
        ('tariff_ids', _TARIFF_IDS),
        ('original_id', _ext('to_json(c.uid)')),
    ],
    drop_empty=True,
)

_PLAIN_COORDINATES = f"""(CASE WHEN cs.lat IS NULL OR cs.lon IS NULL THEN NULL
    ELSE json_build_object('latitude', {_float('cs.lat::float8')}, 'longitude', {_float('cs.lon::float8')}) END)"""

_EVSE = _object(
    [
        ('uid', 'to_json(e.id::text)'),
        ('evse_id', 'to_json(e.evse_id)'),
        ('status', 'to_json(e.status)'),
        ('presence', 'to_json(e.presence)'),
        ('physical_reference', 'to_json(e.physical_reference)'),
        ('last_updated', _ts('e.last_updated')),
        ('status_last_updated', _ts('e.status_last_updated')),
        ('max_reservation', _float('e.max_reservation')),
        ('parking_restrictions', _bits('e.parking_restrictions', ParkingRestriction)),
        ('terms_and_conditions', 'to_json(e.terms_and_conditions)'),
        ('calibration_info_url', 'to_json(e.calibration_info_url)'),
        ('related_resources', 'to_json(e.related_resources)'),
        ('original_uid', _ext('to_json(e.uid)')),
        ('capabilities', _bits('cs.capabilities', Capability)),
        ('floor_level', 'to_json(cs.floor_level)'),
        ('coordinates', _PLAIN_COORDINATES),
        ('directions', 'to_json(cs.directions)'),
        (
            'connectors',
            f"COALESCE((SELECT json_agg({_CONNECTOR} ORDER BY c.id) FROM connector c WHERE c.evse_id = e.id), '[]')",
        ),
        ('images', _images('evse_image', 'evse_id', 'e.id')),
    ],
    drop_empty=True,
)

_OPENING_TIMES = _object(
    [
        ('twentyfourseven', 'to_json(l.twentyfourseven)'),
        ('regular_hours', _truthy('l.regular_hours')),
        ('exceptional_openings', _truthy('l.exceptional_openings')),
        ('exceptional_closings', _truthy('l.exceptional_closings')),
    ],
    drop_empty=False,
)

_LAT, _LON = _float('l.lat::float8'), _float('l.lon::float8')
_COORDINATES = f"json_build_object('latitude', {_LAT}, 'longitude', {_LON})"
_COORDINATES_EXT = f"json_build_object('latitude', {_LAT}, 'longitude', {_LON}, 'lat', {_LAT}, 'lon', {_LON})"

_LOCATION = _object(
    [
        ('name', 'to_json(l.name)'),
        ('address', 'to_json(l.address)'),
        ('postal_code', 'to_json(l.postal_code)'),
        ('city', 'to_json(l.city)'),
        ('state', 'to_json(l.state)'),
        ('country', 'to_json(l.country)'),
        ('parking_type', 'to_json(l.parking_type)'),
        ('time_zone', 'to_json(l.time_zone)'),
        ('last_updated', _ts('l.last_updated')),
        ('terms_and_conditions', 'to_json(l.terms_and_conditions)'),
        ('charging_when_closed', 'to_json(l.charging_when_closed)'),
        ('help_phone', 'to_json(l.help_phone)'),
        ('has_in_person_support', 'to_json(l.has_in_person_support)'),
        ('facilities', "to_json(COALESCE(l.facilities, '{}'))"),
        ('facility_description', 'to_json(l.facility_description)'),
        ('id', 'to_json(l.id::text)'),
        ('publish', "'true'::json"),
        ('original_id', _ext('to_json(l.uid)')),
        ('source', _ext('to_json(l.source)')),
        ('official_region_code', _ext('to_json(l.official_region_code)')),
        (
            'max_power',
            _ext(
                'CASE WHEN l.max_power_unit IS NULL AND l.max_power_value IS NULL THEN NULL ELSE '
                f"json_build_object('unit', l.max_power_unit, 'value', {_float('l.max_power_value')}) END"
            ),
        ),
        ('directions', 'to_json(l.directions)'),
        ('related_locations', 'to_json(l.related_locations)'),
        ('energy_mix', 'to_json(l.energy_mix)'),
        ('opening_times', _OPENING_TIMES),  # no member left: null, as `hours or None`
        ('coordinates', f'(CASE WHEN %(strict)s THEN {_COORDINATES} ELSE {_COORDINATES_EXT} END)'),
        ('operator', _business('op')),
        ('owner', _business('ow')),
        ('suboperator', _business('so')),
        (
            'evses',
            f"""COALESCE((SELECT json_agg({_EVSE} ORDER BY cs.id, e.id)
                           FROM charging_station cs JOIN evse e ON e.charging_station_id = cs.id
                          WHERE cs.location_id = l.id), '[]')""",
        ),
    ],
    drop_empty=False,
)

LOCATIONS_SQL = f"""
SELECT COALESCE(json_agg({_LOCATION} ORDER BY p.n), '[]')::text AS items
  FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS p(id, n)
  JOIN location l ON l.id = p.id
  LEFT JOIN business op ON op.id = l.operator_id
  LEFT JOIN business so ON so.id = l.suboperator_id
  LEFT JOIN business ow ON ow.id = l.owner_id
"""


async def location_items(conn: AsyncConnection, ids: list[int], *, strict: bool, image_base: str) -> list[Any]:
    """render.compat.location_22 of each id that exists, in the order given."""
    if not ids:
        return []
    cur = await conn.execute(LOCATIONS_SQL, {'ids': id_array(ids), 'strict': strict, 'image_base': image_base})
    row = await cur.fetchone()
    text = row['items'] if isinstance(row, dict) else row[0]
    return orjson.loads(text)

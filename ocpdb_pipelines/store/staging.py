"""Flatten LocationUpdates into rows and COPY them into temporary staging tables.

Children are keyed by their parents' source uids (location uid, station uid, EVSE uid); the SQL in
`static.py` joins them to row ids. A later duplicate uid in one payload replaces the earlier one, as
the predecessor's one-location-at-a-time save did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import orjson
import psycopg
from pydantic import BaseModel
from sqlalchemy import ARRAY, Enum, Table
from sqlalchemy.dialects.postgresql import JSONB

from ocpdb_pipelines.db import catalogue
from ocpdb_pipelines.model.enums import flags_to_mask
from ocpdb_pipelines.model.updates import (
    BusinessUpdate,
    ChargingStationUpdate,
    ConnectorUpdate,
    EvseUpdate,
    ImageUpdate,
    LocationUpdate,
    TariffAssociationUpdate,
    TariffUpdate,
)
from ocpdb_pipelines.store.columns import copied_columns, staging_definition


def _json(value: Any) -> str | None:
    """Serialise a model, a list of models or plain data to JSON text (None stays None)."""
    if value is None:
        return None
    if isinstance(value, BaseModel):
        value = value.model_dump(mode='json', exclude_none=True)
    elif isinstance(value, list):
        value = [v.model_dump(mode='json', exclude_none=True) if isinstance(v, BaseModel) else v for v in value]
    return orjson.dumps(value).decode()


def _mask(flags: Sequence[Any] | None) -> int | None:
    if flags is None:
        return None
    mask = 0
    for flag in flags:
        mask |= int(flag)
    return mask


Getter = Callable[[Any], Any]


def _max_power_unit(obj: Any) -> str | None:
    power = obj.max_power
    return power.unit.value if power is not None and power.unit is not None else None


def _max_power_value(obj: Any) -> float | None:
    power = obj.max_power
    return power.value if power is not None else None


def _flags(name: str) -> Getter:
    get = attrgetter(name)
    return lambda obj: _mask(get(obj))


# Model attributes that are not the column's value as it is: the rest read the attribute of the column's name.
SPECIAL_GETTERS: dict[str, dict[str, Getter]] = {
    'location': {'max_power_unit': _max_power_unit, 'max_power_value': _max_power_value},
    'charging_station': {
        'max_power_unit': _max_power_unit,
        'max_power_value': _max_power_value,
        'capabilities': _flags('capabilities'),
    },
    'evse': {'parking_restrictions': _flags('parking_restrictions')},
    'tariff': {'tariff_alt_text': lambda tariff: _json(tariff.tariff_alt_text or None)},
}
# the update model whose attributes fill each table's staged columns
UPDATE_MODELS: dict[str, type[BaseModel]] = {
    'location': LocationUpdate,
    'charging_station': ChargingStationUpdate,
    'evse': EvseUpdate,
    'connector': ConnectorUpdate,
    'tariff': TariffUpdate,
}


def _value_source(table: Table, index: int, name: str, namespace: dict[str, Any]) -> str:
    """The expression that reads column `name` from the model object `obj`."""
    special = SPECIAL_GETTERS.get(table.name, {})
    if name in special:
        namespace[f'_special_{index}'] = special[name]
        return f'_special_{index}(obj)'
    kind = table.columns[name].type
    if isinstance(kind, Enum):
        # a model enum member's value; a plain string (a model field typed `str`) as it is
        return f'(None if (v := obj.{name}) is None else getattr(v, "value", v))'
    if isinstance(kind, ARRAY | JSONB):
        return f'_json(obj.{name})'
    return f'obj.{name}'


def row_values(
    table: Table, *, before: tuple[str, ...] = (), attributes: tuple[str, ...] = (), after: tuple[str, ...] = ()
) -> Callable[..., tuple]:
    """A function `(obj, *before, *after) -> staging row` for `table`: the `before` arguments (parent keys), the
    model's `attributes` (its key, `last_updated`), the values of the catalogue's COPYed columns, the `after`
    arguments (what the caller resolves: business names, image flags).

    The function is generated once from the catalogue (as dataclasses and namedtuple generate theirs), so a row
    costs what the hand-written tuple did: one attribute read per plain column, no loop, no intermediate tuple.
    """
    namespace: dict[str, Any] = {'_json': _json}
    parts = [*before, *(f'obj.{name}' for name in attributes)]
    parts += [_value_source(table, i, c.name, namespace) for i, c in enumerate(copied_columns(table))]
    parts += after
    source = f'def values({", ".join(("obj", *before, *after))}):\n    return ({", ".join(parts)},)\n'
    exec(compile(source, f'<staging row of {table.name}>', 'exec'), namespace)  # catalogue names only
    return namespace['values']


_KEY = ('uid', 'last_updated')
_LOCATION_ROW = row_values(
    catalogue.location,
    attributes=_KEY,
    after=('operator_name', 'suboperator_name', 'owner_name', 'images_given'),
)
_STATION_ROW = row_values(catalogue.charging_station, before=('location_uid',), attributes=_KEY)
_EVSE_ROW = row_values(catalogue.evse, before=('location_uid', 'station_uid'), attributes=_KEY, after=('images_given',))
_CONNECTOR_ROW = row_values(catalogue.connector, before=('location_uid', 'station_uid', 'evse_uid'), attributes=_KEY)
_TARIFF_ROW = row_values(catalogue.tariff, attributes=_KEY)
_ASSOCIATION_ROW = row_values(catalogue.tariff_association, attributes=_KEY, after=('tariff_uid',))


# column name, staging type; order = COPY order. Keys and `last_updated` first, then the catalogue's
# staged columns of the table (`store/columns.py`), then what the SQL resolves (business names, image flags).
_LAST_UPDATED = ('last_updated', 'timestamptz')
LOCATION_COLUMNS = [
    ('uid', 'text'),
    _LAST_UPDATED,
    *staging_definition(catalogue.location),
    ('operator_name', 'text'),
    ('suboperator_name', 'text'),
    ('owner_name', 'text'),
    ('images_given', 'boolean'),
]
STATION_COLUMNS = [
    ('location_uid', 'text'),
    ('uid', 'text'),
    _LAST_UPDATED,
    *staging_definition(catalogue.charging_station),
]
EVSE_COLUMNS = [
    ('location_uid', 'text'),
    ('station_uid', 'text'),
    ('uid', 'text'),
    _LAST_UPDATED,
    *staging_definition(catalogue.evse),
    ('images_given', 'boolean'),
]
CONNECTOR_COLUMNS = [
    ('location_uid', 'text'),
    ('station_uid', 'text'),
    ('evse_uid', 'text'),
    ('uid', 'text'),
    _LAST_UPDATED,
    *staging_definition(catalogue.connector),
]
BUSINESS_COLUMNS = [('name', 'text'), ('website', 'text'), ('emobility_uid', 'text'), ('logo_url', 'text')]
IMAGE_COLUMNS = [
    ('external_url', 'text'),
    ('category', 'text'),
    ('type', 'text'),
    ('width', 'integer'),
    ('height', 'integer'),
]
LOCATION_IMAGE_COLUMNS = [('location_uid', 'text'), ('external_url', 'text')]
EVSE_IMAGE_COLUMNS = [
    ('location_uid', 'text'),
    ('station_uid', 'text'),
    ('evse_uid', 'text'),
    ('external_url', 'text'),
]
TARIFF_COLUMNS = [('uid', 'text'), _LAST_UPDATED, *staging_definition(catalogue.tariff)]
ASSOCIATION_COLUMNS = [
    ('uid', 'text'),
    _LAST_UPDATED,
    *staging_definition(catalogue.tariff_association),
    ('tariff_uid', 'text'),
]
EVSE_TARIFF_COLUMNS = [
    ('location_uid', 'text'),
    ('station_uid', 'text'),
    ('evse_uid', 'text'),
    ('association_uid', 'text'),
]

STAGING_TABLES: dict[str, list[tuple[str, str]]] = {
    'stg_location': LOCATION_COLUMNS,
    'stg_station': STATION_COLUMNS,
    'stg_evse': EVSE_COLUMNS,
    'stg_connector': CONNECTOR_COLUMNS,
    'stg_business': BUSINESS_COLUMNS,
    'stg_image': IMAGE_COLUMNS,
    'stg_location_image': LOCATION_IMAGE_COLUMNS,
    'stg_evse_image': EVSE_IMAGE_COLUMNS,
    'stg_tariff': TARIFF_COLUMNS,
    'stg_association': ASSOCIATION_COLUMNS,
    'stg_evse_tariff': EVSE_TARIFF_COLUMNS,
}


@dataclass
class StagedRows:
    """Rows per staging table, de-duplicated by natural key (the last occurrence wins)."""

    tables: dict[str, dict[Any, tuple]] = field(default_factory=lambda: {t: {} for t in STAGING_TABLES})

    def put(self, table: str, key: Any, row: tuple) -> None:
        self.tables[table][key] = row

    def count(self, table: str) -> int:
        return len(self.tables[table])


class Flattener:
    def __init__(self) -> None:
        self.rows = StagedRows()
        self._businesses: dict[str, BusinessUpdate] = {}

    def add_all(self, locations: Iterable[LocationUpdate]) -> StagedRows:
        for location in locations:
            self.add_location(location)
        for name, business in self._businesses.items():
            logo = business.logo.external_url if business.logo else None
            if business.logo:
                self._image(business.logo)
            self.rows.put('stg_business', name, (name, business.website, business.emobility_uid, logo))
        return self.rows

    def _business(self, business: BusinessUpdate | None) -> str | None:
        if business is None:
            return None
        self._businesses[business.name] = business
        return business.name

    def _image(self, image: ImageUpdate) -> str:
        category = image.category.value if image.category else None
        row = (image.external_url, category, image.type, image.width, image.height)
        self.rows.put('stg_image', image.external_url, row)
        return image.external_url

    def add_location(self, loc: LocationUpdate) -> None:
        uid = loc.uid
        self._drop_children(uid)
        self.rows.put(
            'stg_location',
            uid,
            _LOCATION_ROW(
                loc,
                self._business(loc.operator),
                self._business(loc.suboperator),
                self._business(loc.owner),
                loc.images is not None,
            ),
        )
        for image in loc.images or ():
            self.rows.put('stg_location_image', (uid, image.external_url), (uid, self._image(image)))
        for station in loc.charging_pool:
            self._station(uid, station)

    def _drop_children(self, location_uid: str) -> None:
        """A repeated location uid replaces the earlier one's children entirely."""
        if location_uid not in self.rows.tables['stg_location']:
            return
        for table in ('stg_station', 'stg_evse', 'stg_connector', 'stg_evse_image', 'stg_evse_tariff'):
            rows = self.rows.tables[table]
            for key in [k for k in rows if k[0] == location_uid]:
                del rows[key]
        images = self.rows.tables['stg_location_image']
        for key in [k for k in images if k[0] == location_uid]:
            del images[key]

    def _station(self, location_uid: str, st: ChargingStationUpdate) -> None:
        self.rows.put(
            'stg_station',
            (location_uid, st.uid),
            _STATION_ROW(st, location_uid),
        )
        for evse in st.evses:
            self._evse(location_uid, st.uid, evse)

    def _evse(self, location_uid: str, station_uid: str, evse: EvseUpdate) -> None:
        key = (location_uid, station_uid, evse.uid)
        self.rows.put(
            'stg_evse',
            key,
            _EVSE_ROW(evse, location_uid, station_uid, evse.images is not None),
        )
        for image in evse.images or ():
            self.rows.put('stg_evse_image', (*key, image.external_url), (*key, self._image(image)))
        for connector in evse.connectors:
            self.rows.put(
                'stg_connector',
                (*key, connector.uid),
                _CONNECTOR_ROW(connector, *key),
            )
        for association in evse.tariff_associations or ():
            self._association(association)
            self.rows.put('stg_evse_tariff', (*key, association.uid), (*key, association.uid))

    def _association(self, association: TariffAssociationUpdate) -> None:
        tariff = association.tariff
        self.rows.put('stg_tariff', tariff.uid, _TARIFF_ROW(tariff))
        self.rows.put('stg_association', association.uid, _ASSOCIATION_ROW(association, tariff.uid))


def create_staging_tables(conn: psycopg.Connection, tables: Iterable[str] = STAGING_TABLES) -> None:
    for table in tables:
        columns = STAGING_TABLES[table]
        cols = ', '.join(f'{name} {kind}' for name, kind in columns)
        conn.execute(f'CREATE TEMPORARY TABLE {table} ({cols}) ON COMMIT DROP')


def copy_rows(conn: psycopg.Connection, table: str, columns: list[tuple[str, str]], rows: Iterable[tuple]) -> None:
    names = ', '.join(name for name, _ in columns)
    with conn.cursor() as cursor, cursor.copy(f'COPY {table} ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def stage(conn: psycopg.Connection, staged: StagedRows) -> None:
    """Create the staging tables and COPY every row in; analyze the big ones for good join plans."""
    create_staging_tables(conn)
    for table, columns in STAGING_TABLES.items():
        rows = staged.tables[table].values()
        if rows:
            copy_rows(conn, table, columns, rows)
    conn.execute('CREATE INDEX ON stg_location (uid)')
    conn.execute('CREATE INDEX ON stg_station (location_uid, uid)')
    conn.execute('CREATE INDEX ON stg_evse (location_uid, station_uid, uid)')
    for table in ('stg_location', 'stg_station', 'stg_evse', 'stg_connector'):
        conn.execute(f'ANALYZE {table}')


__all__ = ['Flattener', 'StagedRows', 'flags_to_mask', 'stage']

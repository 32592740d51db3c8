"""Flatten LocationUpdates into rows and COPY them into temporary staging tables.

Children are keyed by their parents' source uids (location uid, station uid, EVSE uid); the SQL in
`static.py` joins them to row ids. A later duplicate uid in one payload replaces the earlier one, as
the predecessor's one-location-at-a-time save did.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import psycopg
from pydantic import BaseModel

from ocpdb_pipelines.model.enums import flags_to_mask
from ocpdb_pipelines.model.updates import (
    BusinessUpdate,
    ChargingStationUpdate,
    EvseUpdate,
    ImageUpdate,
    LocationUpdate,
    TariffAssociationUpdate,
)


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


# column name, staging type; order = COPY order
LOCATION_COLUMNS = [
    ('uid', 'text'),
    ('name', 'text'),
    ('address', 'text'),
    ('postal_code', 'text'),
    ('city', 'text'),
    ('state', 'text'),
    ('country', 'text'),
    ('lat', 'numeric'),
    ('lon', 'numeric'),
    ('directions', 'jsonb'),
    ('parking_type', 'text'),
    ('time_zone', 'text'),
    ('last_updated', 'timestamptz'),
    ('terms_and_conditions', 'text'),
    ('twentyfourseven', 'boolean'),
    ('charging_when_closed', 'boolean'),
    ('help_phone', 'text'),
    ('max_power_unit', 'text'),
    ('max_power_value', 'float8'),
    ('energy_mix', 'jsonb'),
    ('related_locations', 'jsonb'),
    ('regular_hours', 'jsonb'),
    ('exceptional_openings', 'jsonb'),
    ('exceptional_closings', 'jsonb'),
    ('parking_spaces', 'jsonb'),
    ('has_in_person_support', 'boolean'),
    ('facilities', 'jsonb'),
    ('facility_description', 'text'),
    ('operator_name', 'text'),
    ('suboperator_name', 'text'),
    ('owner_name', 'text'),
    ('images_given', 'boolean'),
]
STATION_COLUMNS = [
    ('location_uid', 'text'),
    ('uid', 'text'),
    ('capabilities', 'integer'),
    ('floor_level', 'text'),
    ('physical_reference', 'text'),
    ('last_updated', 'timestamptz'),
    ('go_live_date', 'date'),
    ('lat', 'numeric'),
    ('lon', 'numeric'),
    ('directions', 'jsonb'),
    ('max_power_unit', 'text'),
    ('max_power_value', 'float8'),
    ('service_type', 'text'),
    ('user_interface_languages', 'jsonb'),
    ('parking_spaces', 'jsonb'),
]
EVSE_COLUMNS = [
    ('location_uid', 'text'),
    ('station_uid', 'text'),
    ('uid', 'text'),
    ('evse_id', 'text'),
    ('status', 'text'),
    ('presence', 'text'),
    ('physical_reference', 'text'),
    ('last_updated', 'timestamptz'),
    ('status_last_updated', 'timestamptz'),
    ('max_reservation', 'float8'),
    ('parking_restrictions', 'integer'),
    ('terms_and_conditions', 'text'),
    ('calibration_info_url', 'text'),
    ('related_resources', 'jsonb'),
    ('images_given', 'boolean'),
]
CONNECTOR_COLUMNS = [
    ('location_uid', 'text'),
    ('station_uid', 'text'),
    ('evse_uid', 'text'),
    ('uid', 'text'),
    ('standard', 'text'),
    ('format', 'text'),
    ('power_type', 'text'),
    ('max_voltage', 'integer'),
    ('max_amperage', 'integer'),
    ('max_electric_power', 'integer'),
    ('last_updated', 'timestamptz'),
    ('terms_and_conditions', 'text'),
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
TARIFF_COLUMNS = [
    ('uid', 'text'),
    ('currency', 'text'),
    ('elements', 'jsonb'),
    ('tariff_alt_url', 'text'),
    ('tariff_alt_text', 'jsonb'),
    ('min_price', 'jsonb'),
    ('max_price', 'jsonb'),
    ('energy_mix', 'jsonb'),
    ('last_updated', 'timestamptz'),
]
ASSOCIATION_COLUMNS = [
    ('uid', 'text'),
    ('tariff_uid', 'text'),
    ('audience', 'text'),
    ('start_date_time', 'timestamptz'),
    ('last_updated', 'timestamptz'),
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
        max_power = loc.max_power
        self.rows.put(
            'stg_location',
            uid,
            (
                uid,
                loc.name,
                loc.address,
                loc.postal_code,
                loc.city,
                loc.state,
                loc.country,
                loc.lat,
                loc.lon,
                _json(loc.directions),
                loc.parking_type.value if loc.parking_type else None,
                loc.time_zone,
                loc.last_updated,
                loc.terms_and_conditions,
                loc.twentyfourseven,
                loc.charging_when_closed,
                loc.help_phone,
                max_power.unit.value if max_power and max_power.unit else None,
                max_power.value if max_power else None,
                _json(loc.energy_mix),
                _json(loc.related_locations),
                _json(loc.regular_hours),
                _json(loc.exceptional_openings),
                _json(loc.exceptional_closings),
                _json(loc.parking_spaces),
                loc.has_in_person_support,
                _json(loc.facilities),
                loc.facility_description,
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
        max_power = st.max_power
        self.rows.put(
            'stg_station',
            (location_uid, st.uid),
            (
                location_uid,
                st.uid,
                _mask(st.capabilities),
                st.floor_level,
                st.physical_reference,
                st.last_updated,
                st.go_live_date,
                st.lat,
                st.lon,
                _json(st.directions),
                max_power.unit.value if max_power and max_power.unit else None,
                max_power.value if max_power else None,
                st.service_type.value if st.service_type else None,
                _json(st.user_interface_languages),
                _json(st.parking_spaces),
            ),
        )
        for evse in st.evses:
            self._evse(location_uid, st.uid, evse)

    def _evse(self, location_uid: str, station_uid: str, evse: EvseUpdate) -> None:
        key = (location_uid, station_uid, evse.uid)
        self.rows.put(
            'stg_evse',
            key,
            (
                location_uid,
                station_uid,
                evse.uid,
                evse.evse_id,
                evse.status.value if evse.status else None,
                evse.presence.value if evse.presence else None,
                evse.physical_reference,
                evse.last_updated,
                evse.status_last_updated,
                evse.max_reservation,
                _mask(evse.parking_restrictions),
                evse.terms_and_conditions,
                evse.calibration_info_url,
                _json(evse.related_resources),
                evse.images is not None,
            ),
        )
        for image in evse.images or ():
            self.rows.put('stg_evse_image', (*key, image.external_url), (*key, self._image(image)))
        for connector in evse.connectors:
            self.rows.put(
                'stg_connector',
                (*key, connector.uid),
                (
                    *key,
                    connector.uid,
                    connector.standard.value if connector.standard else None,
                    connector.format.value if connector.format else None,
                    connector.power_type.value if connector.power_type else None,
                    connector.max_voltage,
                    connector.max_amperage,
                    connector.max_electric_power,
                    connector.last_updated,
                    connector.terms_and_conditions,
                ),
            )
        for association in evse.tariff_associations or ():
            self._association(association)
            self.rows.put('stg_evse_tariff', (*key, association.uid), (*key, association.uid))

    def _association(self, association: TariffAssociationUpdate) -> None:
        tariff = association.tariff
        self.rows.put(
            'stg_tariff',
            tariff.uid,
            (
                tariff.uid,
                tariff.currency,
                _json(tariff.elements),
                tariff.tariff_alt_url,
                _json(tariff.tariff_alt_text or None),
                _json(tariff.min_price),
                _json(tariff.max_price),
                _json(tariff.energy_mix),
                tariff.last_updated,
            ),
        )
        self.rows.put(
            'stg_association',
            association.uid,
            (
                association.uid,
                tariff.uid,
                association.audience.value if association.audience else None,
                association.start_date_time,
                association.last_updated,
            ),
        )


def create_staging_tables(conn: psycopg.Connection) -> None:
    for table, columns in STAGING_TABLES.items():
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

"""The column catalogue: every table of the OCPDB schema as SQLAlchemy Core tables with GeoAlchemy2 types.

This module is the one description of the data tables. The migrations in `sql/migrations/` build the
database; `tests/foundation/test_catalogue.py` holds that database equal to these tables (columns, types,
nullability, defaults, keys, checks, indexes, storage options). What reads or writes the tables derives its
column lists from here instead of repeating them:

- the static import's staging tables and upsert lists (`ocpdb_pipelines/store/columns.py`),
- the API's column selects (`ocpdb_api/queries/trees.py`) and the OCPDB extension fields the compat
  renderer and the OpenAPI document take from the catalogue (`ocpdb_api/render/extensions.py`), and the
  compat `source` object with its OpenAPI schema.

Column `info` says how a column takes part (read by the derivations, never by SQLAlchemy):

- `stage`: the column comes from the parsed update and is staged by the static import.
  `'replace'`: the update's value replaces the stored one (None clears it);
  `'keep'`: None in the update keeps the stored value (a new row gets the column default).
  Columns without `stage` are keys, parents, bookkeeping or filled downstream (matching, regions).
- `api`: `'extension'` marks a location column the compat API shows as an OCPDB extension field
  (hidden with `strict=true`), described in the OpenAPI document by the column's `doc`. The compat
  `source` object shows every column of `source`; `'hidden'` would keep one out of it (none is).

Nothing here opens a connection or uses the ORM: the store and the API keep their set-based SQL.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, ENUM, JSONB

from ocpdb_pipelines.model.enums import (
    ChargingRateUnit,
    ConnectorFormat,
    ConnectorType,
    EvseStatus,
    ImageCategory,
    ParkingType,
    PowerType,
    PresenceStatus,
    ServiceType,
    SourceStatus,
    TariffAudience,
)

metadata = MetaData()

REPLACE: dict[str, Any] = {'stage': 'replace'}
KEEP: dict[str, Any] = {'stage': 'keep'}

TZ = DateTime(timezone=True)
NOW = text('now()')
EMPTY_JSON_LIST = text("'[]'::jsonb")
EMPTY_JSON_OBJECT = text("'{}'::jsonb")


def _enum(values: type[Enum], name: str) -> ENUM:
    """A PostgreSQL enum type with the values of the model's enum, in their order (0001_schema.sql)."""
    return ENUM(*(member.value for member in values), name=name)


SOURCE_STATUS = _enum(SourceStatus, 'sourcestatus')
IMAGE_CATEGORY = _enum(ImageCategory, 'imagecategory')
PARKING_TYPE = _enum(ParkingType, 'parkingtype')
CHARGING_RATE_UNIT = _enum(ChargingRateUnit, 'chargingrateunit')
SERVICE_TYPE = _enum(ServiceType, 'servicetype')
EVSE_STATUS = _enum(EvseStatus, 'EvseStatus')
PRESENCE_STATUS = _enum(PresenceStatus, 'PresenceStatus')
CONNECTOR_TYPE = _enum(ConnectorType, 'connectortype')
CONNECTOR_FORMAT = _enum(ConnectorFormat, 'connectorformat')
POWER_TYPE = _enum(PowerType, 'powertype')
TARIFF_AUDIENCE = _enum(TariffAudience, 'tariffaudience')

# location.geometry_3857: Web Mercator copy for tiles, latitude clamped to the Mercator domain
_MERCATOR_POINT = (
    'ST_SetSRID(ST_MakePoint(lon::double precision * 20037508.342789244 / 180, '
    'ln(tan(pi() / 4 + radians(greatest(least(lat::double precision, 85.05112878), -85.05112878)) / 2)) '
    '* 6378137), 3857)'
)


def _row_stamps() -> list[Column]:
    """id, created, modified: the bookkeeping columns of every entity table."""
    return [
        Column('id', BigInteger, primary_key=True),
        Column('created', TZ, nullable=False, server_default=NOW),
        Column('modified', TZ, nullable=False, server_default=NOW),
    ]


def _source_ref() -> Column:
    return Column(
        'source', String(256), ForeignKey('source.uid', ondelete='CASCADE', onupdate='CASCADE'), nullable=False
    )


def _parent(name: str, target: str, info: dict[str, Any] | None = None) -> Column:
    return Column(name, BigInteger, ForeignKey(target, ondelete='CASCADE'), nullable=False, info=info or {})


def _singleton(name: str) -> Table:
    """A one-row counter table (data_version, live_version)."""
    return Table(
        name,
        metadata,
        Column('id', Integer, primary_key=True, autoincrement=False, server_default=text('1')),
        Column('version', BigInteger, nullable=False, server_default=text('0')),
        Column('changed_at', TZ, nullable=False, server_default=NOW),
        CheckConstraint('id = 1', name=f'{name}_id_check'),
    )


def _link(name: str, left: str, left_target: str, right: str, right_target: str, index: str) -> Table:
    """A many-to-many link table: composite primary key, cascading references, an index on the right side."""
    return Table(
        name,
        metadata,
        Column(left, BigInteger, ForeignKey(left_target, ondelete='CASCADE'), primary_key=True),
        Column(right, BigInteger, ForeignKey(right_target, ondelete='CASCADE'), primary_key=True),
        Index(index, right),
    )


source = Table(
    'source',
    metadata,
    *_row_stamps(),
    Column('uid', String(256), nullable=False),
    Column('name', String(256)),
    Column('public_url', String(4096)),
    Column('static_data_updated_at', TZ),
    Column('realtime_data_updated_at', TZ),
    Column('attribution_license', Text),
    Column('attribution_contributor', String(256)),
    Column('attribution_url', String(256)),
    Column('static_status', SOURCE_STATUS, nullable=False, server_default=text("'PROVISIONED'")),
    Column('realtime_status', SOURCE_STATUS, nullable=False, server_default=text("'PROVISIONED'")),
    Column('static_error_count', Integer, nullable=False, server_default=text('0')),
    Column('realtime_error_count', Integer, nullable=False, server_default=text('0')),
    UniqueConstraint('uid', name='ix_source_uid'),
)

image = Table(
    'image',
    metadata,
    *_row_stamps(),
    Column('external_url', String(1024), nullable=False),
    Column('type', String(4)),
    Column('category', IMAGE_CATEGORY),
    Column('width', Integer),
    Column('height', Integer),
    Column('last_download', TZ),
    UniqueConstraint('external_url', name='uq_image_external_url'),
)

business = Table(
    'business',
    metadata,
    *_row_stamps(),
    Column('logo_id', BigInteger, ForeignKey('image.id', ondelete='SET NULL')),
    Column('name', String(255), nullable=False),
    Column('website', String(255)),
    Column('emobility_uid', String(255)),
    UniqueConstraint('name', name='uq_business_name'),
    Index('ix_business_logo_id', 'logo_id'),
    Index('business_name_trgm', 'name', postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'}),
)


def _trigram(name: str, column: str) -> Index:
    return Index(name, column, postgresql_using='gin', postgresql_ops={column: 'gin_trgm_ops'})


# the tables a realtime tick rewrites: autovacuum after 500 changed rows + 1 % (0150_writer_maintenance.sql)
LIVE_AUTOVACUUM = {'autovacuum_vacuum_scale_factor': '0.01', 'autovacuum_vacuum_threshold': '500'}

location = Table(
    'location',
    metadata,
    *_row_stamps(),
    Column('uid', String(255), nullable=False),
    _source_ref(),
    Column('operator_id', BigInteger, ForeignKey('business.id', ondelete='SET NULL'), info=KEEP),
    Column('suboperator_id', BigInteger, ForeignKey('business.id', ondelete='SET NULL'), info=KEEP),
    Column('owner_id', BigInteger, ForeignKey('business.id', ondelete='SET NULL'), info=KEEP),
    Column('dynamic_location_id', BigInteger, ForeignKey('location.id', ondelete='SET NULL')),
    Column('dynamic_location_probability', Double),
    Column('name', String(255), info=REPLACE),
    Column('address', String(255), info=REPLACE),
    Column('postal_code', String(255), info=REPLACE),
    Column('city', String(255), info=REPLACE),
    Column('state', String(255), info=REPLACE),
    Column('country', String(3), info=REPLACE),
    Column('lat', Numeric(9, 7), nullable=False, info=REPLACE),
    Column('lon', Numeric(10, 7), nullable=False, info=REPLACE),
    Column(
        'geometry',
        Geometry('POINT', srid=4326, spatial_index=False),
        Computed('ST_SetSRID(ST_MakePoint(lon::double precision, lat::double precision), 4326)', persisted=True),
    ),
    Column(
        'geometry_3857', Geometry('POINT', srid=3857, spatial_index=False), Computed(_MERCATOR_POINT, persisted=True)
    ),
    Column('directions', JSONB, info=REPLACE),
    Column(
        'official_region_code',
        String(36),
        info={'api': 'extension'},
        doc='The 12-digit German Regionalschlüssel of the municipality (assigned by regions/official_region_codes).',
    ),
    Column('parking_type', PARKING_TYPE, info=REPLACE),
    Column('time_zone', String(32), info=REPLACE),
    Column('last_updated', TZ, nullable=False),
    Column('terms_and_conditions', String(255), info=REPLACE),
    Column('twentyfourseven', Boolean, info=REPLACE),
    Column('charging_when_closed', Boolean, info=REPLACE),
    Column('help_phone', String(255), info=REPLACE),
    Column('max_power_unit', CHARGING_RATE_UNIT, info=KEEP),
    Column('max_power_value', Double, info=KEEP),
    Column('energy_mix', JSONB, info=REPLACE),
    Column('related_locations', JSONB, info=REPLACE),
    Column('regular_hours', JSONB, info=REPLACE),
    Column('exceptional_openings', JSONB, info=REPLACE),
    Column('exceptional_closings', JSONB, info=REPLACE),
    Column('has_in_person_support', Boolean, nullable=False, server_default=text('false'), info=KEEP),
    Column('facilities', ARRAY(Text), nullable=False, server_default=text("'{}'"), info=KEEP),
    Column('facility_description', Text, nullable=False, server_default=text("''"), info=KEEP),
    Column('parking_spaces', JSONB, nullable=False, server_default=EMPTY_JSON_LIST, info=KEEP),
    Column(
        'accessibility',
        ENUM('FREE_PUBLIC', 'PAYING_PUBLIC', 'RESTRICTED', 'TEST_STATION', name='accessibility'),
        info={**REPLACE, 'api': 'extension'},
        doc='Who may charge here, as the source states it (OICP Accessibility): FREE_PUBLIC, PAYING_PUBLIC, '
        'RESTRICTED or TEST_STATION.',
    ),
    CheckConstraint('lat BETWEEN -90 AND 90', name='location_lat_check'),
    CheckConstraint('lon BETWEEN -180 AND 180', name='location_lon_check'),
    UniqueConstraint('source', 'uid', name='uq_location_source_uid'),
    Index('ix_location_uid', 'uid'),
    Index('geometry_index', 'geometry', postgresql_using='gist'),
    Index('geometry_3857_index', 'geometry_3857', postgresql_using='gist'),
    Index('geography_index', text('(geometry::geography)'), postgresql_using='gist'),
    Index('ix_location_operator_id', 'operator_id'),
    Index('ix_location_suboperator_id', 'suboperator_id'),
    Index('ix_location_owner_id', 'owner_id'),
    Index('ix_location_dynamic_location_id', 'dynamic_location_id'),
    Index('ix_country_official_region_code', 'country', 'official_region_code'),
    _trigram('location_name_trgm', 'name'),
    _trigram('location_address_trgm', 'address'),
    _trigram('location_city_trgm', 'city'),
    # the realtime tick's one non-HOT write leaves room on its page (0141); vacuumed early (0150)
    postgresql_with={'fillfactor': '80', **LIVE_AUTOVACUUM},
)

# location.last_updated's copy with its index (OCPI date_from/date_to), kept by a statement trigger on
# location, so a realtime tick's update of location touches no indexed column (0141_location_stamp.sql)
location_stamp = Table(
    'location_stamp',
    metadata,
    Column('location_id', BigInteger, ForeignKey('location.id', ondelete='CASCADE'), primary_key=True),
    Column('last_updated', TZ, nullable=False),
    Index('ix_location_stamp_last_updated', 'last_updated', 'location_id'),
)

charging_station = Table(
    'charging_station',
    metadata,
    *_row_stamps(),
    _parent('location_id', 'location.id'),
    Column('uid', String(36), nullable=False),
    Column('capabilities', Integer, info=REPLACE),
    Column('floor_level', String(16), info=REPLACE),
    Column('physical_reference', String(255), info=REPLACE),
    Column('last_updated', TZ, nullable=False),
    Column('go_live_date', Date, info=REPLACE),
    Column('lat', Numeric(9, 7), info=REPLACE),
    Column('lon', Numeric(10, 7), info=REPLACE),
    Column('directions', JSONB, info=REPLACE),
    Column('max_power_unit', CHARGING_RATE_UNIT, info=KEEP),
    Column('max_power_value', Double, info=KEEP),
    Column('service_type', SERVICE_TYPE, info=REPLACE),
    Column('user_interface_languages', ARRAY(Text), info=REPLACE),
    Column('parking_spaces', JSONB, nullable=False, server_default=EMPTY_JSON_LIST, info=KEEP),
    CheckConstraint('capabilities >= 0', name='charging_station_capabilities_check'),
    CheckConstraint('lat BETWEEN -90 AND 90', name='charging_station_lat_check'),
    CheckConstraint('lon BETWEEN -180 AND 180', name='charging_station_lon_check'),
    UniqueConstraint('location_id', 'uid', name='uq_charging_station_location_uid'),
    Index('ix_charging_station_uid', 'uid'),
    # realtime writes stay HOT (0031_hot_realtime.sql); vacuumed early by autovacuum (0150_writer_maintenance.sql)
    postgresql_with={'fillfactor': '90', **LIVE_AUTOVACUUM},
)

evse = Table(
    'evse',
    metadata,
    *_row_stamps(),
    _parent('charging_station_id', 'charging_station.id'),
    Column('uid', String(64), nullable=False),
    Column('evse_id', String(64), info=REPLACE),
    Column('status', EVSE_STATUS, nullable=False, server_default=text("'UNKNOWN'"), info=KEEP),
    Column('presence', PRESENCE_STATUS, nullable=False, server_default=text("'PRESENT'"), info=KEEP),
    Column('physical_reference', String(255), info=REPLACE),
    Column('last_updated', TZ, nullable=False),
    Column('status_last_updated', TZ, info=KEEP),
    # when OCPDB observed the last status change (the source's timestamp may be older): diff exports key on it
    Column('status_observed_at', TZ),
    Column('max_reservation', Double, info=REPLACE),
    Column('parking_restrictions', Integer, info=REPLACE),
    Column('terms_and_conditions', String(255), info=REPLACE),
    Column('calibration_info_url', String(255), info=REPLACE),
    Column('related_resources', JSONB, info=REPLACE),
    CheckConstraint('parking_restrictions >= 0', name='evse_parking_restrictions_check'),
    UniqueConstraint('charging_station_id', 'uid', name='uq_evse_station_uid'),
    Index('ix_evse_uid', 'uid'),
    Index('ix_evse_evse_id', 'evse_id'),
    Index('ix_evse_evse_id_normalised', text("upper(translate(evse_id, '* -', ''))")),
    postgresql_with={'fillfactor': '80', **LIVE_AUTOVACUUM},
)

connector = Table(
    'connector',
    metadata,
    *_row_stamps(),
    _parent('evse_id', 'evse.id'),
    Column('uid', String(64), nullable=False),
    Column('standard', CONNECTOR_TYPE, info=REPLACE),
    Column('format', CONNECTOR_FORMAT, info=REPLACE),
    Column('power_type', POWER_TYPE, info=REPLACE),
    Column('max_voltage', Integer, info=REPLACE),
    Column('max_amperage', Integer, info=REPLACE),
    Column('max_electric_power', Integer, info=REPLACE),
    Column('last_updated', TZ, nullable=False),
    Column('terms_and_conditions', String(255), info=REPLACE),
    UniqueConstraint('evse_id', 'uid', name='uq_connector_evse_uid'),
    Index('ix_connector_uid', 'uid'),
)

location_image = _link(
    'location_image', 'location_id', 'location.id', 'image_id', 'image.id', 'ix_location_image_image_id'
)
charging_station_image = _link(
    'charging_station_image',
    'charging_station_id',
    'charging_station.id',
    'image_id',
    'image.id',
    'ix_charging_station_image_image_id',
)
evse_image = _link('evse_image', 'evse_id', 'evse.id', 'image_id', 'image.id', 'ix_evse_image_image_id')

tariff = Table(
    'tariff',
    metadata,
    *_row_stamps(),
    Column('uid', String(64), nullable=False),
    _source_ref(),
    Column('currency', String(3), info=REPLACE),
    Column('elements', JSONB, nullable=False, server_default=EMPTY_JSON_LIST, info=REPLACE),
    Column('tariff_alt_url', String(255), info=REPLACE),
    Column('tariff_alt_text', JSONB, info=KEEP),
    Column('min_price', JSONB, info=KEEP),
    Column('max_price', JSONB, info=KEEP),
    Column('energy_mix', JSONB, info=KEEP),
    Column('last_updated', TZ, nullable=False),
    UniqueConstraint('source', 'uid', name='uq_tariff_source_uid'),
    Index('ix_tariff_uid', 'uid'),
)

tariff_association = Table(
    'tariff_association',
    metadata,
    *_row_stamps(),
    _parent('tariff_id', 'tariff.id', info=REPLACE),  # resolved from the staged tariff uid
    Column('uid', String(64), nullable=False),
    _source_ref(),
    Column('audience', TARIFF_AUDIENCE, info=REPLACE),
    Column('start_date_time', TZ, nullable=False, info=KEEP),
    Column('last_updated', TZ, nullable=False),
    UniqueConstraint('source', 'uid', name='uq_tariff_association_source_uid'),
    Index('ix_tariff_association_tariff_id', 'tariff_id'),
)

evse_tariff_association = _link(
    'evse_tariff_association',
    'evse_id',
    'evse.id',
    'tariff_association_id',
    'tariff_association.id',
    'ix_evse_tariff_association_ta',
)
connector_tariff_association = _link(
    'connector_tariff_association',
    'connector_id',
    'connector.id',
    'tariff_association_id',
    'tariff_association.id',
    'ix_connector_tariff_association_ta',
)

# VG25 municipalities (predecessor: table regionalschluessel made by ogr2ogr)
regionalschluessel = Table(
    'regionalschluessel',
    metadata,
    Column('id', BigInteger, primary_key=True),
    Column('regional_code', String(12), nullable=False),
    Column('name', Text),
    Column('attributes', JSONB, nullable=False, server_default=EMPTY_JSON_OBJECT),
    Column('geom', Geometry('MULTIPOLYGON', srid=4326, spatial_index=False, nullable=False), nullable=False),
    Index('ix_regionalschluessel_geom', 'geom', postgresql_using='gist'),
    Index('ix_regionalschluessel_code', 'regional_code'),
)

regionalschluessel_import = Table(
    'regionalschluessel_import',
    metadata,
    Column('layer', String(64), primary_key=True),
    Column('file_sha256', String(64), nullable=False),
    Column('feature_count', Integer, nullable=False),
    Column('imported_at', TZ, nullable=False, server_default=NOW),
)

# Append-only history of EVSE status changes as OCPDB observed them
evse_status_history = Table(
    'evse_status_history',
    metadata,
    Column('id', BigInteger, primary_key=True),
    _parent('evse_id', 'evse.id'),
    Column('status', EVSE_STATUS, nullable=False),
    Column('source_timestamp', TZ),
    Column('observed_at', TZ, nullable=False, server_default=NOW),
    Index('ix_evse_status_history_evse', 'evse_id', 'observed_at'),
    Index('ix_evse_status_history_observed_at', 'observed_at'),
)

fetch_state = Table(
    'fetch_state',
    metadata,
    Column(
        'source_uid',
        String(256),
        ForeignKey('source.uid', ondelete='CASCADE', onupdate='CASCADE'),
        primary_key=True,
    ),
    Column('kind', String(16), primary_key=True),
    Column('etag', Text),
    Column('last_modified', Text),
    Column('cursor', Text),
    Column('content_hash', String(64)),
    Column('parser_version', Text),
    Column('snapshot_id', Text),
    Column('snapshot_fetched_at', TZ),
    Column('applied_at', TZ),
    Column('checked_at', TZ, nullable=False, server_default=NOW),
    CheckConstraint("kind IN ('static', 'realtime')", name='fetch_state_kind_check'),
)

data_version = _singleton('data_version')
live_version = _singleton('live_version')

live_change_area = Table(
    'live_change_area',
    metadata,
    Column('x', Integer, primary_key=True, autoincrement=False),
    Column('y', Integer, primary_key=True, autoincrement=False),
    Column('seq', BigInteger, nullable=False),
    Index('ix_live_change_area_seq', 'seq'),
)

maintenance_state = Table(
    'maintenance_state',
    metadata,
    Column('name', Text, primary_key=True),
    Column('done_at', TZ, nullable=False, server_default=text("'-infinity'")),
    Column('watermark', TZ),
)

evse_availability_daily = Table(
    'evse_availability_daily',
    metadata,
    Column('day', Date, primary_key=True),
    Column('evse_id', BigInteger, primary_key=True, autoincrement=False),  # no foreign key: outlives the EVSE
    Column('evse_uid', String(64), nullable=False),
    Column('location_id', BigInteger),
    Column('source', String(64), nullable=False),
    Column('operator', String(255)),
    Column('day_seconds', Integer, nullable=False),
    Column('status_seconds', JSONB, nullable=False),
    Column('no_data_seconds', Integer, nullable=False),
    Column('known_seconds_by_hour', ARRAY(Integer), nullable=False),
    Column('occupied_seconds_by_hour', ARRAY(Integer), nullable=False),
    Column('computed_at', TZ, nullable=False, server_default=NOW),
    Index('ix_evse_availability_daily_source_day', 'source', 'day'),
    Index('ix_evse_availability_daily_location', 'location_id', 'day'),
    Index('ix_evse_availability_daily_evse_uid', 'evse_uid', 'day'),
)

location_duplicate = Table(
    'location_duplicate',
    metadata,
    Column('location_id', BigInteger, ForeignKey('location.id', ondelete='CASCADE'), primary_key=True),
    Column('duplicate_of', BigInteger, ForeignKey('location.id', ondelete='CASCADE'), nullable=False),
    Column('rule', String(32), nullable=False),
    Column('shared_evse_ids', Integer, nullable=False),
    Column('evidence', JSONB, nullable=False, server_default=EMPTY_JSON_OBJECT),
    Column('score', Double, nullable=False, server_default=text('1.0')),
    Column('linked_at', TZ, nullable=False, server_default=NOW),
    CheckConstraint('location_id <> duplicate_of', name='location_duplicate_check'),
    Index('ix_location_duplicate_duplicate_of', 'duplicate_of'),
)


def select_list(table: Table, alias: str) -> str:
    """`alias.column, …` of every column a reader takes as a value: all but the geometry copies, which readers
    use in WHERE clauses and tiles, never as a field."""
    return ', '.join(f'{alias}.{c.name}' for c in table.columns if not isinstance(c.type, Geometry))

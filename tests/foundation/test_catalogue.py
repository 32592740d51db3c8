"""The migrated database equals the column catalogue (`ocpdb_pipelines/db/catalogue.py`).

The catalogue is built into a scratch database with `create_all`; both databases are described through
SQLAlchemy's inspector (tables, columns with type/nullability/default/generated expression, primary,
foreign and unique keys, checks, indexes, storage options, enum types) and must describe equal.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa

from ocpdb_pipelines.db.catalogue import metadata
from tests.conftest import fresh_plain_database
from tests.foundation.schema_description import describe, differences, engine_for


@pytest.fixture(scope='module')
def catalogue_engine(database_url: str) -> Iterator[sa.Engine]:
    """A scratch database holding exactly the catalogue (no migration ran in it)."""
    # emptied in place, not dropped (fresh_plain_database: DROP DATABASE costs a checkpoint)
    engine = engine_for(fresh_plain_database(psycopg.conninfo.conninfo_to_dict(database_url)['dbname'] + '_catalogue'))
    with engine.begin() as conn:
        conn.execute(sa.text('CREATE EXTENSION postgis'))
        conn.execute(sa.text('CREATE EXTENSION pg_trgm'))
        metadata.create_all(conn)
    yield engine
    engine.dispose()


@pytest.fixture(scope='module')
def migrated_engine(database_url: str) -> Iterator[sa.Engine]:
    engine = engine_for(database_url)
    yield engine
    engine.dispose()


def test_migrated_database_equals_the_catalogue(migrated_engine: sa.Engine, catalogue_engine: sa.Engine):
    with migrated_engine.connect() as migrated, catalogue_engine.connect() as catalogue:
        described = describe(migrated)
        assert differences(described, describe(catalogue)) == []
    # the comparison saw the schema, not two empty descriptions
    assert set(described['tables']) == set(metadata.tables)
    location = described['tables']['location']
    assert location['columns']['geometry']['type'] == 'geometry(POINT,4326)'
    assert 'location_name_trgm' in location['indexes']
    assert described['tables']['evse']['options'] == [
        'autovacuum_vacuum_scale_factor=0.01',
        'autovacuum_vacuum_threshold=500',
        'fillfactor=80',
    ]


def test_a_migration_that_disagrees_with_the_catalogue_is_named(
    migrated_engine: sa.Engine, catalogue_engine: sa.Engine
):
    """Statements a careless migration might run, on the catalogue database inside a rolled-back transaction:
    each disagreement appears by its path."""
    with migrated_engine.connect() as migrated, catalogue_engine.connect() as altered:
        reference = describe(migrated)
        with altered.begin() as transaction:
            for statement in (
                'ALTER TABLE location ALTER COLUMN name SET NOT NULL',
                'ALTER TABLE location ALTER COLUMN city TYPE varchar(100)',
                "ALTER TABLE location ALTER COLUMN facility_description SET DEFAULT 'n/a'",
                'ALTER TABLE connector ADD COLUMN colour text',
                'DROP INDEX location_city_trgm',
                'ALTER TABLE evse SET (fillfactor = 100)',
                'ALTER TABLE charging_station DROP CONSTRAINT charging_station_location_id_fkey',
                "ALTER TYPE parkingtype ADD VALUE 'ROOFTOP'",
            ):
                altered.execute(sa.text(statement))
            found = differences(reference, describe(altered))
            transaction.rollback()
    assert found == [
        'enums.parkingtype: '
        "['ALONG_MOTORWAY', 'PARKING_GARAGE', 'PARKING_LOT', 'ON_DRIVEWAY', 'ON_STREET', 'UNDERGROUND_GARAGE', "
        "'PRIVATE'] != ['ALONG_MOTORWAY', 'PARKING_GARAGE', 'PARKING_LOT', 'ON_DRIVEWAY', 'ON_STREET', "
        "'UNDERGROUND_GARAGE', 'PRIVATE', 'ROOFTOP']",
        'tables.charging_station.foreign_keys.charging_station_location_id_fkey: only in the first',
        'tables.connector.columns.colour: only in the second',
        "tables.evse.options: ['autovacuum_vacuum_scale_factor=0.01', 'autovacuum_vacuum_threshold=500', "
        "'fillfactor=80'] != ['autovacuum_vacuum_scale_factor=0.01', 'autovacuum_vacuum_threshold=500', "
        "'fillfactor=100']",
        "tables.location.columns.city.type: 'VARCHAR(255)' != 'VARCHAR(100)'",
        'tables.location.columns.facility_description.default: "\'\'::text" != "\'n/a\'::text"',
        'tables.location.columns.name.nullable: True != False',
        'tables.location.indexes.location_city_trgm: only in the first',
    ]

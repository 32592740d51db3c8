"""Migrations: applied once, recorded, and a second run is a no-op."""

from __future__ import annotations

import psycopg

from ocpdb_pipelines.db.migrations import migration_files, upgrade


def test_second_upgrade_is_a_no_op(database_url):
    assert upgrade(database_url) == []
    with psycopg.connect(database_url) as conn:
        versions = [r[0] for r in conn.execute('SELECT version FROM schema_migrations ORDER BY version')]
    assert versions == [p.stem for p in migration_files()]


def test_constraints_exist(db):
    constraints = {
        r['conname']
        for r in db.execute("SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace")
    }
    assert {'uq_location_source_uid', 'uq_evse_station_uid', 'uq_tariff_source_uid', 'uq_business_name'} <= constraints


def test_reader_role_cannot_write(db, database_url):
    reader = psycopg.conninfo.make_conninfo(database_url, user='ocpdb_reader')
    with psycopg.connect(reader) as conn:
        conn.execute('SELECT count(*) FROM location')
        try:
            conn.execute("INSERT INTO source (uid) VALUES ('x')")
        except psycopg.errors.InsufficientPrivilege:
            pass
        else:
            raise AssertionError('the reader role could write')

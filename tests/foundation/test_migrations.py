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


def test_columns_referencing_a_source_uid_have_its_width(db):
    """A source uid the source table accepts can be stored wherever a source is referenced."""
    widths = {
        (r['table_name'], r['column_name']): r['character_maximum_length']
        for r in db.execute(
            'SELECT kcu.table_name, kcu.column_name, c.character_maximum_length '
            'FROM information_schema.referential_constraints rc '
            'JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name '
            'JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = rc.constraint_name '
            'JOIN information_schema.columns c ON c.table_name = kcu.table_name AND c.column_name = kcu.column_name '
            "WHERE ccu.table_name = 'source' AND ccu.column_name = 'uid'"
        )
    }
    (uid_width,) = (
        db.execute(
            "SELECT character_maximum_length FROM information_schema.columns WHERE table_name = 'source' "
            "AND column_name = 'uid'"
        )
        .fetchone()
        .values()
    )
    assert ('location', 'source') in widths
    assert set(widths.values()) == {uid_width}, widths


def test_substring_filters_can_use_a_trigram_index(db):
    """`LIKE '%...%'` on the filtered text columns is served by a pg_trgm index, not a scan."""
    db.execute('SET enable_seqscan = off')
    for table, column in (('location', 'name'), ('location', 'address'), ('location', 'city'), ('business', 'name')):
        plan = '\n'.join(
            r['QUERY PLAN'] for r in db.execute(f"EXPLAIN SELECT id FROM {table} WHERE {column} LIKE '%hnhof%'")
        )
        assert f'{table}_{column}_trgm' in plan, plan

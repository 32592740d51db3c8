"""Least privilege: connect as each role of migration 0020 and show what it may and may not do."""

from __future__ import annotations

import psycopg
import pytest

from ocpdb_api.settings import INGEST_ROLE, READER_ROLE, ingest_url, reader_url
from ocpdb_pipelines.db.roles import WRITER_ROLE, set_role_passwords

ADVISORY_CALLS = [
    'pg_advisory_lock(1)',
    'pg_try_advisory_lock(1)',
    'pg_try_advisory_lock_shared(1)',
    'pg_try_advisory_lock(1, 2)',
    'pg_advisory_xact_lock(1)',
    'pg_try_advisory_xact_lock_shared(1, 2)',
    "pg_try_advisory_lock(hashtext('ocpdb-landing:giroe'))",
]


def role_url(url: str, role: str) -> str:
    """The same server and database as `role`, without a password (trust on the test clusters)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    info.pop('password', None)
    return psycopg.conninfo.make_conninfo(**{**info, 'user': role})


def as_role(db_url: str, role: str) -> psycopg.Connection:
    return psycopg.connect(role_url(db_url, role), autocommit=True)


def denied(conn: psycopg.Connection, statement: str) -> bool:
    try:
        with conn.transaction():
            conn.execute(statement)
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


def allowed(conn: psycopg.Connection, statement: str) -> bool:
    """Runs without a privilege error; rolled back so nothing stays."""
    try:
        with conn.transaction():
            conn.execute(statement)
            raise _Rollback
    except _Rollback:
        return True


class _Rollback(Exception):
    pass


def test_the_api_urls_name_the_reader_and_ingest_roles(settings):
    for url, role in ((reader_url(settings), READER_ROLE), (ingest_url(settings), INGEST_ROLE)):
        info = psycopg.conninfo.conninfo_to_dict(url)
        assert info['user'] == role
        assert 'password' not in info


def test_reader_reads_only_with_bounded_statements(db_url):
    with as_role(db_url, READER_ROLE) as reader:
        assert allowed(reader, 'SELECT count(*) FROM location')
        for statement in (
            "INSERT INTO source (uid, name) VALUES ('x', 'x')",
            'UPDATE data_version SET version = 7',
            'DELETE FROM evse',
            'TRUNCATE location CASCADE',
            'CREATE TEMPORARY TABLE scratch (id int)',
            'CREATE TABLE scratch (id int)',
            *(f'SELECT {call}' for call in ADVISORY_CALLS),
        ):
            assert denied(reader, statement), statement
        assert reader.execute('SHOW statement_timeout').fetchone()[0] == '30s'
        assert reader.execute('SHOW idle_in_transaction_session_timeout').fetchone()[0] == '1min'
        limit = reader.execute('SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user').fetchone()[0]
        assert 0 < limit <= 100


def test_reader_cannot_hold_the_appliers_lock(settings, db_url):
    """With the lock functions revoked the reader cannot take any key; an applier still gets its lock."""
    from ocpdb_pipelines.db.locks import landing_lock

    with as_role(db_url, READER_ROLE) as reader:
        assert denied(reader, "SELECT pg_advisory_lock(hashtext('ocpdb-landing:datex2_enbw'))")
    for url in (settings.database.url.get_secret_value(), ingest_url(settings)):
        with landing_lock(url, 'datex2_enbw') as acquired:
            assert acquired


def test_ingest_may_apply_statuses_and_nothing_else(db_url):
    with as_role(db_url, INGEST_ROLE) as ingest:
        for statement in (
            'SELECT count(*) FROM location',
            "UPDATE evse SET status = 'AVAILABLE', modified = now()",
            'INSERT INTO evse_status_history (evse_id, status) SELECT id, status FROM evse LIMIT 0',
            'UPDATE location SET last_updated = now()',
            'UPDATE data_version SET version = version + 1, changed_at = now()',
            'CREATE TEMPORARY TABLE stg (id int)',
            'SELECT pg_try_advisory_lock(1)',
        ):
            assert allowed(ingest, statement), statement
        for statement in (
            "UPDATE location SET name = 'hijacked'",
            "UPDATE evse SET uid = 'hijacked'",
            'DELETE FROM location',
            'DELETE FROM evse_status_history',
            "INSERT INTO location (source, uid) VALUES ('x', 'x')",
            "UPDATE source SET static_status = 'FAILED'",
            'TRUNCATE evse CASCADE',
            'SELECT count(*) FROM schema_migrations',
            'CREATE TABLE scratch (id int)',
        ):
            assert denied(ingest, statement), statement


def test_writer_changes_data_but_not_the_schema(db_url):
    with as_role(db_url, WRITER_ROLE) as writer:
        for statement in (
            "UPDATE location SET name = 'renamed'",
            'DELETE FROM evse_status_history',
            'CREATE TEMPORARY TABLE stg (id int)',
            'SELECT pg_try_advisory_lock(1)',
        ):
            assert allowed(writer, statement), statement
        for statement in ('CREATE TABLE scratch (id int)', 'DROP TABLE location CASCADE', 'ALTER TABLE evse ADD x int'):
            assert denied(writer, statement), statement


def test_upgrade_sets_the_passwords_of_the_configured_role_urls(settings, db):
    url = psycopg.conninfo.conninfo_to_dict(settings.database.url.get_secret_value())
    with_password = {**url, 'password': 'reader-secret'}
    configured = settings.with_values(
        database={
            'api_url': psycopg.conninfo.make_conninfo(**{**with_password, 'user': READER_ROLE}),
            'ingest_url': psycopg.conninfo.make_conninfo(**{**url, 'user': INGEST_ROLE}),
        }
    )
    try:
        assert set_role_passwords(configured) == [READER_ROLE]
        rows = db.execute(
            'SELECT rolname, rolpassword IS NOT NULL AS has FROM pg_authid WHERE rolname = ANY(%s)',
            ([READER_ROLE, INGEST_ROLE],),
        ).fetchall()
        assert {r['rolname']: r['has'] for r in rows} == {READER_ROLE: True, INGEST_ROLE: False}
    finally:
        db.execute(f'ALTER ROLE {READER_ROLE} PASSWORD NULL')


@pytest.mark.parametrize('role', ['postgres', 'someone_else'])
def test_passwords_are_set_only_for_the_projects_roles(settings, role):
    url = psycopg.conninfo.conninfo_to_dict(settings.database.url.get_secret_value())
    configured = settings.with_values(
        database={'api_url': psycopg.conninfo.make_conninfo(**{**url, 'user': role, 'password': 'x'})}
    )
    assert set_role_passwords(configured) == []


def test_the_api_process_works_without_writer_credentials(settings):
    """DATABASE_URL pointing at a role that does not exist: the whole app (public API and receivers) still
    answers, because it only ever connects as the reader and the ingest role."""
    from starlette.testclient import TestClient

    from ocpdb_api.app import create_app

    info = psycopg.conninfo.conninfo_to_dict(settings.database.url.get_secret_value())
    configured = settings.with_values(
        database={
            'url': psycopg.conninfo.make_conninfo(**{**info, 'user': 'no_such_writer'}),
            'api_url': reader_url(settings),
            'ingest_url': ingest_url(settings),
        }
    )
    with TestClient(create_app(configured)) as client:
        assert client.get('/health').status_code == 200
        assert client.get('/api/public/v1/locations').status_code == 200
        head = client.head('/api/server/v1/datex/v3.5/datex2_enbw/realtime?key=none')
        assert head.status_code == 401  # reached the receiver; its key check, not the database, answered


def test_upgrade_sets_the_writer_password_from_its_url(settings, db):
    """The Dagster services connect as ocpdb_writer (compose); `db upgrade` sets its password from
    WRITER_DATABASE_URL as it does for the reader and the ingest role."""
    url = psycopg.conninfo.conninfo_to_dict(settings.database.url.get_secret_value())
    writer = psycopg.conninfo.make_conninfo(**{**url, 'user': WRITER_ROLE, 'password': 'writer-secret'})
    try:
        assert set_role_passwords(settings.with_values(database={'writer_url': writer})) == [WRITER_ROLE]
        row = db.execute('SELECT rolpassword FROM pg_authid WHERE rolname = %s', (WRITER_ROLE,)).fetchone()
        assert row['rolpassword'].startswith('SCRAM-SHA-256$')
    finally:
        db.execute(f'ALTER ROLE {WRITER_ROLE} PASSWORD NULL')


def test_a_failed_immediate_apply_as_ingest_is_recorded(settings, db):
    """The receivers' immediate apply runs as ocpdb_ingest: when its payload fails, the source's realtime
    status becomes FAILED (the bookkeeping assigns only the failed side's column) and the static one stays."""
    from ocpdb_pipelines.imports import run_realtime, run_static
    from ocpdb_pipelines.sources.base import Page, PayloadError
    from tests.fixtures_dir import fixture_bytes

    run_static(settings, 'datex2_enbw', replay_pages=[Page(body=fixture_bytes('datex2', 'enbw_static.json'))])
    as_ingest = settings.with_values(database={'url': ingest_url(settings)})
    with pytest.raises(PayloadError):
        run_realtime(as_ingest, 'datex2_enbw', replay_pages=[Page(body=b'{"payload": 1}')], maintenance=False)
    row = db.execute("SELECT static_status, realtime_status FROM source WHERE uid = 'datex2_enbw'").fetchone()
    assert row == {'static_status': 'ACTIVE', 'realtime_status': 'FAILED'}

"""Shared test fixtures: a real PostGIS database per worker, cleaned between tests, and real Redis."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis as redis_lib

from ocpdb_pipelines.config import Settings, load_settings
from ocpdb_pipelines.db.migrations import recreate_database
from ocpdb_pipelines.db.sqlite_commits import configure_sqlite_commits
from tests.fixtures_dir import schemas_dir

ADMIN_URL = os.environ.get('OCPDB_TEST_ADMIN_URL', 'postgresql://postgres@127.0.0.1:5432/postgres')
KEEP_TABLES = {'schema_migrations', 'spatial_ref_sys', 'data_version'}

# The modules of the suite's longest tests (a minute or more each under load), longest first. pytest-xdist
# hands tests out in collection order, so one of them collected late keeps a worker busy for minutes after
# the other has run out of tests; collected first, the other worker runs the short tests meanwhile.
LONG_FIRST = (
    'tests/demo/test_demo.py',
    'tests/bench/test_bench_smoke.py',
    'tests/dagster/test_dg.py',
    'tests/docs/test_examples.py',
    'tests/faults/test_writer_role.py',
    'tests/dagster/test_lineage_automation.py',
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the LONG_FIRST modules to the front (in that order); everything else keeps its order."""
    rank = {path: index for index, path in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.partition('::')[0], len(LONG_FIRST)))


def _database_name() -> str:
    base = os.environ.get('OCPDB_TEST_DB', 'ocpdb_test')
    worker = os.environ.get('PYTEST_XDIST_WORKER', '')
    return f'{base}_{worker}' if worker else base


@pytest.fixture(scope='session', autouse=True)
def _sqlite_commits_without_fsync(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The tests' Dagster instances live under pytest's temporary directory: their SQLite storages commit
    without an fsync each, as the CLI's do (db/sqlite_commits.py; ~300 fsyncs per in-process run)."""
    configure_sqlite_commits(tmp_path_factory.getbasetemp())


@pytest.fixture(scope='session')
def database_url() -> str:
    url = psycopg.conninfo.make_conninfo(ADMIN_URL, dbname=_database_name())
    recreate_database(url)
    return url


def fresh_plain_database(name: str) -> str:
    """An empty database `name` on the test server (its URL): created the first time, afterwards emptied in
    place, its public schema dropped and made again as in a new database. Not dropped and created: DROP
    DATABASE makes the server run an immediate checkpoint (pg_stat_bgwriter.checkpoints_req), flushing every
    dirty buffer of every database, which waits long on a server busy with the suite's writes."""
    url = psycopg.conninfo.make_conninfo(ADMIN_URL, dbname=name)
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        if conn.execute('SELECT 1 FROM pg_database WHERE datname = %s', (name,)).fetchone() is None:
            conn.execute(psycopg.sql.SQL('CREATE DATABASE {}').format(psycopg.sql.Identifier(name)))
            return url
        conn.execute(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()',
            (name,),
        )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute('DROP SCHEMA public CASCADE')
        conn.execute('CREATE SCHEMA public')
    return url


def empty_data_tables(conn: psycopg.Connection) -> None:
    """TRUNCATE every table of the public schema but the migration bookkeeping (ids restart at 1)."""
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cursor:  # the caller's connection may use dict rows
        found = cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    tables = [name for (name,) in found if name not in KEEP_TABLES]
    if tables:
        conn.execute('TRUNCATE ' + ', '.join(f'"{t}"' for t in tables) + ' RESTART IDENTITY CASCADE')


@pytest.fixture
def db_url(database_url: str) -> str:
    """A migrated database with every data table empty."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        empty_data_tables(conn)
        conn.execute('UPDATE data_version SET version = 0')
    return database_url


@pytest.fixture
def db(db_url: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection with dict rows for assertions."""
    with psycopg.connect(db_url, autocommit=True, row_factory=psycopg.rows.dict_row) as conn:
        yield conn


REDIS_SERVER = os.environ.get('OCPDB_TEST_REDIS_URL', 'redis://127.0.0.1:6379').rstrip('/')


def worker_redis_url() -> str:
    """This worker's Redis database: OCPDB_TEST_REDIS_URL's server, db OCPDB_TEST_REDIS_DB minus the worker number."""
    index = int(os.environ.get('OCPDB_TEST_REDIS_DB', '15'))
    worker = os.environ.get('PYTEST_XDIST_WORKER', 'gw0')
    index = (index - int(worker[2:] or 0)) % 16 if worker.startswith('gw') else index
    return f'{REDIS_SERVER}/{index}'


@pytest.fixture
def redis_url() -> Iterator[str]:
    url = worker_redis_url()
    client = redis_lib.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


def settings_environment(database_url: str, redis_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a test's settings: its database and Redis, every data directory under tmp_path."""
    return {
        'DATABASE_URL': database_url,
        'REDIS_URL': redis_url,
        'OCPDB_DATA_DIR': str(tmp_path / 'data'),
        'OCPDB_ARCHIVE__DIR': str(tmp_path / 'raw'),
        'OCPDB_LANDING__DIR': str(tmp_path / 'landing'),
        'OCPDB_EXPORTS__DIR': str(tmp_path / 'exports'),
        'OCPDB_IMAGES__DIR': str(tmp_path / 'images'),
        **schema_environment(),
    }


def schema_environment() -> dict[str, str]:
    """The DATEX II schemas beside the fixtures (shared/, found through OCPDB_FIXTURES), wherever the checkout is."""
    try:
        return {'OCPDB_EXPORTS__DATEX2_SCHEMA_DIR': str(schemas_dir() / 'datex2')}
    except FileNotFoundError:
        return {}


def process_environment(settings: Settings, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment an `ocpdb` process (CLI, demo, a deployed code location's resource) gets in a test:
    the settings' database and Redis, every data directory under tmp_path, its own Dagster instance, no
    configuration file; `extra` adds or replaces keys."""
    home = tmp_path / 'dagster_home'
    home.mkdir(exist_ok=True)
    urls = settings.database.url.get_secret_value(), settings.redis.url.get_secret_value()
    return {
        **settings_environment(*urls, tmp_path),
        'OCPDB_CONFIG': os.devnull,
        'DAGSTER_HOME': str(home),
        **extra,
    }


def set_environment(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> dict[str, str]:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def settings_on(database_url: str, redis_url: str, tmp_path: Path) -> Settings:
    """Settings from `settings_environment` alone (no config file)."""
    return load_settings(config_file=os.devnull, environ=settings_environment(database_url, redis_url, tmp_path))


@pytest.fixture
def settings(db_url: str, redis_url: str, tmp_path: Path) -> Settings:
    """Settings on the test database and Redis, with every data directory under tmp_path."""
    return settings_on(db_url, redis_url, tmp_path)

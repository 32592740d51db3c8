"""Fault fixtures: a throwaway PostgreSQL cluster (migrated) the tests may restart, and the API on it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg.rows import dict_row

from ocpdb_pipelines.config import Settings, load_settings
from ocpdb_pipelines.db.migrations import recreate_database
from tests.conftest import KEEP_TABLES
from tests.faults.services import ThrowawayPostgres, Unavailable, throwaway_postgres

FAULT_DB = 'ocpdb_fault'


@pytest.fixture(scope='module')
def cluster() -> Iterator[ThrowawayPostgres]:
    try:
        with throwaway_postgres() as running:
            recreate_database(running.url(FAULT_DB))
            yield running
    except Unavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture
def cluster_up(cluster: ThrowawayPostgres) -> ThrowawayPostgres:
    """The cluster, started again if a previous test left it stopped."""
    if not cluster.is_up():
        cluster.start()
    return cluster


@pytest.fixture
def fault_settings(cluster_up: ThrowawayPostgres, redis_url: str, tmp_path) -> Settings:
    env = {
        'DATABASE_URL': cluster_up.url(FAULT_DB),
        'REDIS_URL': redis_url,
        'OCPDB_DATA_DIR': str(tmp_path / 'data'),
        'OCPDB_ARCHIVE__DIR': str(tmp_path / 'raw'),
        'OCPDB_LANDING__DIR': str(tmp_path / 'landing'),
        'OCPDB_EXPORTS__DIR': str(tmp_path / 'exports'),
        'OCPDB_IMAGES__DIR': str(tmp_path / 'images'),
    }
    return load_settings(config_file=os.devnull, environ=env)


@pytest.fixture
def fault_db(fault_settings: Settings) -> Iterator[psycopg.Connection]:
    """An admin connection to the throwaway database, every data table emptied first."""
    with psycopg.connect(fault_settings.database.url.get_secret_value(), autocommit=True, row_factory=dict_row) as conn:
        tables = [
            row['tablename']
            for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
            if row['tablename'] not in KEEP_TABLES
        ]
        conn.execute('TRUNCATE ' + ', '.join(f'"{t}"' for t in tables) + ' RESTART IDENTITY CASCADE')
        yield conn


@contextmanager
def slowed(url: str, table: str, event: str, seconds: float = 30) -> Iterator[None]:
    """A statement trigger that sleeps in every `event` on `table`: a window to restart the database in the
    middle of a write transaction. Only ever installed in the throwaway cluster."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            f'CREATE OR REPLACE FUNCTION fault_sleep() RETURNS trigger LANGUAGE plpgsql AS '
            f'$$ BEGIN PERFORM pg_sleep({seconds}); RETURN NULL; END $$'
        )
        conn.execute(
            f'CREATE TRIGGER fault_sleep AFTER {event} ON {table} FOR EACH STATEMENT EXECUTE FUNCTION fault_sleep()'
        )
    try:
        yield
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP TRIGGER IF EXISTS fault_sleep ON {table}')


def wait_for_sleeper(url: str, timeout: float = 60) -> None:
    """Until some backend sleeps in fault_sleep()."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep'").fetchone()
            if row:
                return
            time.sleep(0.05)
    raise AssertionError('no write reached the slowed table')

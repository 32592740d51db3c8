"""Fault fixtures: a throwaway PostgreSQL cluster (migrated) the tests may restart, and the API on it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg.rows import dict_row

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.db.migrations import recreate_database
from tests.conftest import empty_data_tables, settings_on
from tests.faults.services import ThrowawayPostgres, Unavailable, throwaway_postgres

FAULT_DB = 'ocpdb_fault'


@pytest.fixture(scope='session')
def cluster() -> Iterator[ThrowawayPostgres]:
    """One per test process (initdb, start and migrating cost seconds): tests that stop it leave
    `cluster_up` to start it again, and `fault_db` empties the data tables."""
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
    return settings_on(cluster_up.url(FAULT_DB), redis_url, tmp_path)


@pytest.fixture
def fault_db(fault_settings: Settings) -> Iterator[psycopg.Connection]:
    """An admin connection to the throwaway database, every data table emptied first."""
    with psycopg.connect(fault_settings.database.url.get_secret_value(), autocommit=True, row_factory=dict_row) as conn:
        empty_data_tables(conn)
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

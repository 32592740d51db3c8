"""The CLI's SQLite instance commits without an fsync per event (db/sqlite_commits.py), and still
records the run: every connection Dagster opens under DAGSTER_HOME is WAL with synchronous=NORMAL, from
the first one (a run's new event shard too), and SQLite files elsewhere keep SQLite's defaults."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from ocpdb_pipelines.config import PROJECT_ROOT
from ocpdb_pipelines.db.sqlite_commits import close_kept_connections
from ocpdb_pipelines.defs.instance import get_instance

SYNCHRONOUS_NORMAL = 1


@dg.asset
def tiny() -> int:
    return 1


@pytest.fixture
def sqlite_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Outside pytest's temporary directory, whose SQLite files the suite configures itself (conftest.py)."""
    with tempfile.TemporaryDirectory(prefix='ocpdb-sqlite-commits-') as directory:
        yield from _home(Path(directory), monkeypatch)


def _home(directory: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = directory / 'dagster_home'
    home.mkdir()
    (home / 'dagster.yaml').symlink_to(PROJECT_ROOT / 'dagster.yaml')
    monkeypatch.setenv('DAGSTER_HOME', str(home))
    monkeypatch.delenv('DAGSTER_PG_URL', raising=False)
    yield home
    close_kept_connections()


def test_the_cli_instance_stores_a_run_without_an_fsync_per_commit(sqlite_home: Path) -> None:
    seen: list[tuple[str, str, int]] = []

    def record(dbapi_connection: Any, _record: Any) -> None:  # after the project's listener: what it set
        if isinstance(dbapi_connection, sqlite3.Connection):
            path = dbapi_connection.execute('PRAGMA database_list').fetchone()[2]
            mode = dbapi_connection.execute('PRAGMA journal_mode').fetchone()[0]
            seen.append((path, mode, dbapi_connection.execute('PRAGMA synchronous').fetchone()[0]))

    with get_instance() as instance:
        event.listen(Engine, 'connect', record)
        try:
            result = dg.materialize([tiny], instance=instance)
        finally:
            event.remove(Engine, 'connect', record)
        assert result.success
        assert [run.run_id for run in instance.get_runs()] == [result.run_id]  # still recorded
        stored = len(instance.all_logs(result.run_id))
        assert stored >= len(result.all_events)
    shard = str((sqlite_home / 'history' / 'runs' / f'{result.run_id}.db').resolve())
    assert shard in {path for path, _, _ in seen}  # the run's event shard, created by this run
    assert {(mode, sync) for _, mode, sync in seen} == {('wal', SYNCHRONOUS_NORMAL)}
    # Dagster closed its connections after each commit, but no close was the last one (which would
    # checkpoint and delete the WAL): the process keeps one open per file until it exits
    wal = Path(f'{shard}-wal')
    assert wal.exists()
    close_kept_connections()
    assert not wal.exists()  # checkpointed into the shard at the last close
    with sqlite3.connect(shard) as conn:
        assert conn.execute('SELECT count(*) FROM event_logs').fetchone()[0] == stored


def test_sqlite_files_outside_dagster_home_keep_the_defaults(sqlite_home: Path) -> None:
    get_instance().dispose()
    engine = sa.create_engine(f'sqlite:///{sqlite_home.parent / "other.db"}', poolclass=NullPool)
    with engine.connect() as conn:
        assert conn.exec_driver_sql('PRAGMA journal_mode').scalar() == 'delete'
        assert conn.exec_driver_sql('PRAGMA synchronous').scalar() == 2  # FULL, SQLite's default

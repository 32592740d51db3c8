"""SQLite commits of the Dagster instance without an fsync each: WAL journal, `synchronous=NORMAL`.

Dagster's SQLite storages open a new connection per event and commit it; with SQLite's defaults each
commit waits on one or more fsyncs (a run's new event shard is even written in rollback-journal mode
until Dagster switches it to WAL). A CLI import stores ~23 events: measured ~340 fsyncs, ~1 s of wall
time on a busy disk (bench/RESULTS-cli.md). Dagster exposes no pragma setting, so the connections are
configured as SQLAlchemy opens them (a pool `connect` listener on every engine), for database files
under this process's DAGSTER_HOME only. Dagster also closes every connection after its commit, and SQLite
checkpoints (two fsyncs) and deletes the WAL when the last connection to a file closes: the process keeps
one idle connection per file open until it exits, so only that last close checkpoints.

WAL with `synchronous=NORMAL` is what SQLite recommends for WAL: the database stays consistent after a
crash or power loss; only commits since the last checkpoint can be lost on power loss (not on a process
crash). A production instance uses PostgreSQL storage (dagster.postgres.yaml), which this does not touch.
"""

from __future__ import annotations

import atexit
import sqlite3
import threading
from pathlib import Path
from typing import Any

_prefixes: list[str] = []  # directories whose SQLite files are configured (their paths with a final /)
_keepers: dict[str, sqlite3.Connection] = {}  # database file -> the idle connection that keeps its WAL
_lock = threading.Lock()


def configure_sqlite_commits(dagster_home: Path) -> None:
    """Configure the SQLite connections SQLAlchemy opens to files under `dagster_home` from now on."""
    prefix = str(dagster_home.resolve()).rstrip('/') + '/'
    with _lock:
        if any(prefix.startswith(known) for known in _prefixes):
            return
        if not _prefixes:
            from sqlalchemy import event
            from sqlalchemy.engine import Engine

            event.listen(Engine, 'connect', _on_connect)
        _prefixes.append(prefix)


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    files = [row[2] for row in dbapi_connection.execute('PRAGMA database_list') if row[1] == 'main']
    if not files or not files[0]:
        return  # in memory
    path = files[0]
    resolved = str(Path(path).resolve())
    if not any(resolved.startswith(prefix) for prefix in _prefixes):
        return
    dbapi_connection.execute('PRAGMA journal_mode=WAL')
    dbapi_connection.execute('PRAGMA synchronous=NORMAL')
    with _lock:
        if path not in _keepers:
            keeper = sqlite3.connect(path, check_same_thread=False)
            keeper.execute('PRAGMA synchronous=NORMAL')
            _keepers[path] = keeper


def close_kept_connections() -> None:
    """Close the idle connections: each file's last close checkpoints its WAL into the database."""
    with _lock:
        for keeper in _keepers.values():
            keeper.close()
        _keepers.clear()


atexit.register(close_kept_connections)

"""Forward-only SQL migrations from sql/migrations, recorded in schema_migrations.

Each file runs in its own transaction under an advisory lock, so two processes starting at once
do not race, and a second `ocpdb db upgrade` is a no-op.
"""

from __future__ import annotations

import time
from pathlib import Path

import psycopg

from ocpdb_pipelines.config import PROJECT_ROOT
from ocpdb_pipelines.db.connection import connect, normalize_url

MIGRATIONS_DIR = PROJECT_ROOT / 'sql' / 'migrations'
_LOCK_KEY = 7_401_120_001


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[Path]:
    return sorted(p for p in directory.glob('*.sql') if p.name[:4].isdigit())


def ensure_database(url: str) -> None:
    """Create the target database when it does not exist (needs a role allowed to CREATE DATABASE)."""
    info = psycopg.conninfo.conninfo_to_dict(normalize_url(url))
    name = info.get('dbname')
    if not name:
        return
    admin = psycopg.conninfo.make_conninfo(normalize_url(url), dbname='postgres')
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute('SELECT 1 FROM pg_database WHERE datname = %s', (name,)).fetchone()
        if not exists:
            conn.execute(psycopg.sql.SQL('CREATE DATABASE {}').format(psycopg.sql.Identifier(name)))


def drop_database(url: str) -> None:
    """Drop the database of `url` if it exists, ending its sessions (benchmarks and tests start clean)."""
    name = psycopg.conninfo.conninfo_to_dict(normalize_url(url))['dbname']
    admin = psycopg.conninfo.make_conninfo(normalize_url(url), dbname='postgres')
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)').format(psycopg.sql.Identifier(name)))


def recreate_database(url: str) -> None:
    """An empty database at `url` with every migration applied: whatever was there is dropped."""
    drop_database(url)
    ensure_database(url)
    upgrade(url)


def upgrade(url: str) -> list[str]:
    """Apply pending migrations; return the versions applied."""
    applied: list[str] = []
    with connect(url, autocommit=True) as conn:
        conn.execute('SELECT pg_advisory_lock(%s)', (_LOCK_KEY,))
        try:
            conn.execute(
                'CREATE TABLE IF NOT EXISTS schema_migrations ('
                'version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())'
            )
            done = {row['version'] for row in conn.execute('SELECT version FROM schema_migrations')}
            for path in migration_files():
                version = path.stem
                if version in done:
                    continue
                _apply(conn, path, version)
                applied.append(version)
        finally:
            conn.execute('SELECT pg_advisory_unlock(%s)', (_LOCK_KEY,))
    return applied


def _apply(conn: psycopg.Connection, path: Path, version: str, attempts: int = 5) -> None:
    """Apply one migration in its own transaction.

    Roles are cluster-wide: two databases of one cluster migrated at once (two test workers, two
    deployments) can update the same role's catalogue row, and the loser gets "tuple concurrently
    updated". The advisory lock above is per database, so such a migration is retried whole.
    """
    for attempt in range(1, attempts + 1):
        try:
            with conn.transaction():
                conn.execute(path.read_text())
                conn.execute('INSERT INTO schema_migrations (version) VALUES (%s)', (version,))
            return
        except (psycopg.errors.InternalError_, psycopg.errors.UniqueViolation) as exc:
            if attempt == attempts or not _concurrent_catalogue_update(exc):
                raise
            time.sleep(0.2 * attempt)


def _concurrent_catalogue_update(exc: Exception) -> bool:
    message = str(exc)
    return 'tuple concurrently updated' in message or 'pg_authid_rolname_index' in message

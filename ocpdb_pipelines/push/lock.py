"""One applier of landed payloads per source at a time, across processes (API and Dagster sensor).

A session-level PostgreSQL advisory lock on its own connection: it is released when the block ends
or when the holding process dies, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ocpdb_pipelines.db.connection import connect


@contextmanager
def landing_lock(database_url: str, uid: str) -> Iterator[bool]:
    """Try to take the apply lock of a source; yields False (without waiting) when someone holds it."""
    key = f'ocpdb-landing:{uid}'
    with connect(database_url, autocommit=True) as conn:
        acquired = conn.execute('SELECT pg_try_advisory_lock(hashtext(%s)) AS ok', (key,)).fetchone()['ok']
        try:
            yield bool(acquired)
        finally:
            if acquired:
                conn.execute('SELECT pg_advisory_unlock(hashtext(%s))', (key,))

"""PostgreSQL advisory locks per source: two applies of one source never overlap, nor two appliers of its
landed (pushed) payloads.

Sensor ticks, runs, CLI imports and the API's push receivers may live in different processes (or
machines); the database they write to is the one place they all share. Each lock is session-level on
its own connection and is released when the block ends or the connection dies (a killed process cannot
leave it behind).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from ocpdb_pipelines.db.connection import connect

LOCK_NAMESPACE = 'ocpdb/source-apply/'


class SourceBusy(RuntimeError):
    """Another apply of the same source holds its lock."""

    def __init__(self, uid: str, waited_seconds: float = 0.0):
        self.uid = uid
        how = f'after waiting {waited_seconds:g} s' if waited_seconds else 'now'
        super().__init__(f'another import of {uid} is applying ({how}); not starting a second one beside it')


@contextmanager
def source_apply_lock(database_url: str, uid: str, *, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the source's lock for the block; `SourceBusy` if it is held elsewhere (after `wait_seconds`)."""
    with connect(database_url, autocommit=True) as conn:
        key = (LOCK_NAMESPACE + uid,)
        if wait_seconds > 0:
            conn.execute('SELECT set_config(%s, %s, false)', ('lock_timeout', f'{int(wait_seconds * 1000)}ms'))
            try:
                conn.execute('SELECT pg_advisory_lock(hashtextextended(%s, 0))', key)
            except psycopg.errors.LockNotAvailable:
                raise SourceBusy(uid, wait_seconds) from None
        else:
            row = conn.execute('SELECT pg_try_advisory_lock(hashtextextended(%s, 0)) AS got', key).fetchone()
            if not row['got']:
                raise SourceBusy(uid)
        try:
            yield
        finally:
            if not conn.closed:
                conn.execute('SELECT pg_advisory_unlock(hashtextextended(%s, 0))', key)


@contextmanager
def landing_lock(database_url: str, uid: str) -> Iterator[bool]:
    """Try to take the lock of a source's landed payloads; yields False (without waiting) when someone holds it."""
    key = f'ocpdb-landing:{uid}'
    with connect(database_url, autocommit=True) as conn:
        acquired = conn.execute('SELECT pg_try_advisory_lock(hashtext(%s)) AS ok', (key,)).fetchone()['ok']
        try:
            yield bool(acquired)
        finally:
            if acquired:
                conn.execute('SELECT pg_advisory_unlock(hashtext(%s))', (key,))

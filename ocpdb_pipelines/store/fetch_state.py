"""The fetch-state store: what the last fetch and the last applied payload of a source and kind were.

One row per (source, kind) in `fetch_state`, the fields of `FetchState`. The fetcher reads it before a
fetch (conditional request headers, the protocol cursor) and the import writes it in the apply's
transaction, so the state never runs ahead of the data. Reads use their own short connection: no
connection is held across an HTTP fetch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime

import psycopg

from ocpdb_pipelines.db.connection import connect


@dataclass(frozen=True)
class FetchState:
    etag: str | None = None
    last_modified: str | None = None
    cursor: str | None = None
    content_hash: str | None = None
    parser_version: str | None = None
    snapshot_id: str | None = None
    snapshot_fetched_at: datetime | None = None
    applied_at: datetime | None = None


_COLUMNS = tuple(f.name for f in fields(FetchState))


def load_state(database_url: str, uid: str, kind: str) -> FetchState:
    with connect(database_url, autocommit=True) as conn:
        return read_state(conn, uid, kind)


def read_state(conn: psycopg.Connection, uid: str, kind: str) -> FetchState:
    row = conn.execute(
        f'SELECT {", ".join(_COLUMNS)} FROM fetch_state WHERE source_uid = %s AND kind = %s', (uid, kind)
    ).fetchone()
    return FetchState(**row) if row else FetchState()


def save_state(conn: psycopg.Connection, uid: str, kind: str, state: FetchState) -> None:
    """Store the state of an applied payload (call inside the apply's transaction; the source row exists)."""
    values = asdict(state)
    conn.execute(
        f"""
        INSERT INTO fetch_state (source_uid, kind, {', '.join(_COLUMNS)}, checked_at)
        VALUES (%(uid)s, %(kind)s, {', '.join(f'%({c})s' for c in _COLUMNS)}, now())
        ON CONFLICT (source_uid, kind) DO UPDATE SET
            {', '.join(f'{c} = EXCLUDED.{c}' for c in _COLUMNS)}, checked_at = now()
        """,
        {'uid': uid, 'kind': kind, **values},
    )


def touch_state(database_url: str, uid: str, kind: str) -> None:
    """Record that the source was asked and had nothing new."""
    with connect(database_url, autocommit=True) as conn:
        conn.execute('UPDATE fetch_state SET checked_at = now() WHERE source_uid = %s AND kind = %s', (uid, kind))

"""Connections to PostGIS with psycopg 3 (COPY and set-based SQL need no ORM)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row


def normalize_url(url: str) -> str:
    """Accept SQLAlchemy-style URLs (postgresql+psycopg://) as well as libpq ones."""
    for prefix in ('postgresql+psycopg://', 'postgresql+psycopg2://', 'postgis://'):
        if url.startswith(prefix):
            return 'postgresql://' + url[len(prefix) :]
    return url


# seconds a connection attempt may take unless the URL says otherwise: a database that accepts TCP but does
# not answer (frozen, cut off) fails the run or sensor tick instead of holding it for ever (libpq's default)
CONNECT_TIMEOUT_SECONDS = 10


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection:
    conninfo = normalize_url(url)
    if 'connect_timeout' not in psycopg.conninfo.conninfo_to_dict(conninfo):
        conninfo = psycopg.conninfo.make_conninfo(conninfo, connect_timeout=CONNECT_TIMEOUT_SECONDS)
    return psycopg.connect(conninfo, autocommit=autocommit, row_factory=dict_row)


@contextmanager
def transaction(url: str) -> Iterator[psycopg.Connection]:
    """One connection, one transaction: committed on success, rolled back on any exception."""
    with connect(url) as conn, conn.transaction():
        yield conn

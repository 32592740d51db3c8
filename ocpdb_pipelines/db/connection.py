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


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection:
    return psycopg.connect(normalize_url(url), autocommit=autocommit, row_factory=dict_row)


@contextmanager
def transaction(url: str) -> Iterator[psycopg.Connection]:
    """One connection, one transaction: committed on success, rolled back on any exception."""
    with connect(url) as conn, conn.transaction():
        yield conn

"""A plain VACUUM of the tables realtime ticks write, every `LIVE_VACUUM_SECONDS`.

HOT updates (sql/migrations/0031) keep EVSE and station row versions on their page and out of the indexes,
but a tick still rewrites each changed location (its chained last_updated is indexed for OCPI `date_from`)
and clears the all-visible bit of every page it touches, so count(*) and id pages stop being index-only.
Autovacuum is off on the development machines and, where it is on, wakes up on its own schedule; neither
is something the list page should depend on. So whichever realtime run finds the interval passed vacuums
evse, charging_station and location right after its transaction: VACUUM skips pages that are still
all-visible, so its cost follows the churn since the last one, not the table size. Another process that
is already at it makes the others skip (the turn is taken with a row lock, SKIP LOCKED).

Only the tables' owner may VACUUM them on PostgreSQL 15 (a function cannot run VACUUM, so no SECURITY
DEFINER wrapper either). The Dagster services connect as ocpdb_writer: their realtime runs see that they
cannot and leave the turn to `ocpdb db maintain`, the one step given the owner's credential
(docker-compose.yml `db-maintenance`), and to autovacuum with the live tables' settings of migration 0150.
A development database used as its owner keeps vacuuming from the realtime path.
"""

from __future__ import annotations

import logging

import psycopg
from psycopg.rows import tuple_row

from ocpdb_pipelines.db.connection import connect

log = logging.getLogger(__name__)

STATE = 'live_vacuum'
TABLES = ('evse', 'charging_station', 'location')


def maybe_vacuum_live_tables(database_url: str, interval_seconds: float) -> bool:
    """VACUUM the live tables if `interval_seconds` passed since the last time (0: never); True when it ran.
    Call it after the realtime transaction committed: it uses a connection of its own (VACUUM cannot run
    inside a transaction). A role that may not vacuum them returns False without taking the turn."""
    if interval_seconds <= 0:
        return False
    try:
        with connect(database_url, autocommit=True) as conn:
            if not may_vacuum(conn):
                return False
            return _maybe_vacuum(conn, interval_seconds)
    except psycopg.Error as exc:  # maintenance must never fail the realtime run that triggered it
        log.warning('VACUUM of the live tables failed: %s', exc)
        return False


def may_vacuum(conn: psycopg.Connection) -> bool:
    """Whether the connected role may VACUUM every live table: it owns them (or the database), or is a
    member of the owner or a superuser; anyone else's VACUUM would only warn and skip them."""
    row = (
        conn.cursor(row_factory=tuple_row)
        .execute(
            """
        SELECT bool_and(pg_has_role(c.relowner, 'USAGE') OR pg_has_role(d.datdba, 'USAGE'))
        FROM pg_class c, pg_database d
        WHERE c.oid = ANY(%s::regclass[]) AND d.datname = current_database()
        """,
            (list(TABLES),),
        )
        .fetchone()
    )
    return bool(row and row[0])


def _maybe_vacuum(conn: psycopg.Connection, interval_seconds: float) -> bool:
    conn.execute('INSERT INTO maintenance_state (name) VALUES (%s) ON CONFLICT (name) DO NOTHING', (STATE,))
    with conn.transaction():
        due = conn.execute(
            """
            UPDATE maintenance_state SET done_at = now()
            WHERE name = %s AND done_at < now() - make_interval(secs => %s)
              AND name IN (SELECT name FROM maintenance_state WHERE name = %s FOR UPDATE SKIP LOCKED)
            RETURNING 1
            """,
            (STATE, interval_seconds, STATE),
        ).fetchone()
    if due is None:
        return False
    conn.execute('VACUUM ' + ', '.join(TABLES))
    return True

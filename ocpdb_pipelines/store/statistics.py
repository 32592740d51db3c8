"""Planner statistics after bulk writes, so a fresh or freshly reloaded database gets good plans at once.

PostgreSQL only learns a table's size and value distributions from ANALYZE (autovacuum runs it in
production, is off on the development machines, and in either case lags a large import by minutes): a
fresh database then plans a 120k x 61k matching or a 63k-site export as if the tables were empty
(bench/RESULTS-churn.md). Every writer that changed many rows calls `analyze_changed` in its own
transaction: ANALYZE of a table inside the transaction that wrote it samples the new rows, and the
statistics become visible with the data at commit. Small changes (a realtime tick, a pushed location) skip it.
The pipelines connect as ocpdb_writer, which does not own the tables: ANALYZE runs through the owner's
`ocpdb_analyze` (sql/migrations/0150), which allows only the tables the pipelines write.
"""

from __future__ import annotations

from collections.abc import Mapping

import psycopg

# a table is analysed when a write changed at least this many rows, or this share of what it held
MIN_ROWS = 1000
MIN_SHARE = 0.1


def needs_analyze(reltuples: float, changed: int, min_rows: int = MIN_ROWS, min_share: float = MIN_SHARE) -> bool:
    if changed <= 0:
        return False
    if reltuples < 0:  # never analysed or vacuumed: any real change makes statistics worth having
        return True
    return changed >= min_rows or changed >= min_share * reltuples


def analyze_changed(conn: psycopg.Connection, changed: Mapping[str, int]) -> list[str]:
    """ANALYZE every table of `changed` (table -> rows inserted + updated + deleted) that needs it."""
    tables = [t for t, n in changed.items() if n > 0]
    if not tables:
        return []
    rows = conn.execute('SELECT relname, reltuples FROM pg_class WHERE oid = ANY(%s::regclass[])', (tables,)).fetchall()
    sizes = {_get(r, 0, 'relname'): float(_get(r, 1, 'reltuples')) for r in rows}
    analysed = [t for t in tables if needs_analyze(sizes.get(t, -1.0), changed[t])]
    for table in analysed:
        analyze(conn, table)
    return analysed


def analyze(conn: psycopg.Connection, table: str) -> None:
    """ANALYZE one of the project's tables as its owner, whoever is connected (an allow-listed name)."""
    conn.execute('SELECT ocpdb_analyze(%s)', (table,))


def refresh_materialized_view(conn: psycopg.Connection, view: str) -> None:
    """REFRESH one of the project's materialized views as its owner, whoever is connected."""
    conn.execute('SELECT ocpdb_refresh_materialized_view(%s)', (view,))


def _get(row: object, index: int, name: str) -> object:
    return row[name] if isinstance(row, dict) else row[index]  # type: ignore[index]

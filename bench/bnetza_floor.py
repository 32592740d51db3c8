"""The import floor: exactly the rows an import ended with, COPYed into an empty database the fastest way.

`dump_rows` reads every row an import wrote (business, location, charging_station, evse, connector and
evse_status_history; generated columns left out, PostgreSQL computes them again) as binary COPY data into
memory. `copy_floor` replays that data into a freshly migrated database: one transaction, one
`COPY ... FROM STDIN (FORMAT binary)` per table in parent-first order, then the commit. The tables keep
all their indexes, constraints, foreign keys and generated geometry columns, as the import has them.

No Python builds a row here and no text is converted: this is the least any importer of the same entities
into the same schema can cost. (The older `bnetza_baseline.py` COPYed the flattener's rows from Python in
text format; its COPY time includes building and encoding those rows.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

# parent first: foreign keys are checked row by row during COPY
TABLES = ('business', 'location', 'charging_station', 'evse', 'connector', 'evse_status_history')
CHUNK = 1 << 20


def _columns(conn: psycopg.Connection, table: str) -> list[str]:
    rows = conn.execute(
        """
        SELECT column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = %s AND is_generated = 'NEVER'
        ORDER BY ordinal_position
        """,
        (table,),
    ).fetchall()
    return [row[0] if isinstance(row, tuple) else row['column_name'] for row in rows]


@dataclass
class Dump:
    tables: dict[str, tuple[list[str], bytes, int]]  # table -> (columns, binary COPY data, row count)
    sources: list[tuple[str, str]]  # (uid, name) of the source rows the locations reference


def dump_rows(url: str) -> Dump:
    """Every row of the import's tables, as binary COPY data."""
    dumped: dict[str, tuple[list[str], bytes, int]] = {}
    with psycopg.connect(url) as conn:
        for table in TABLES:
            columns = _columns(conn, table)
            names = sql.SQL(', ').join(map(sql.Identifier, columns))
            query = sql.SQL('COPY (SELECT {} FROM {} ORDER BY id) TO STDOUT (FORMAT binary)').format(
                names, sql.Identifier(table)
            )
            buffer = bytearray()
            with conn.cursor() as cursor, cursor.copy(query) as copy:
                for block in copy:
                    buffer += block
            count = conn.execute(sql.SQL('SELECT count(*) FROM {}').format(sql.Identifier(table))).fetchone()[0]
            dumped[table] = (columns, bytes(buffer), count)
        sources = [(uid, name) for uid, name in conn.execute('SELECT uid, name FROM source')]
    return Dump(tables=dumped, sources=sources)


def copy_floor(url: str, dumped: Dump, data_format: str = 'binary', *, triggers: bool = True) -> dict[str, Any]:
    """Replay the dump (`data_format` 'binary' or 'text') into the fresh, migrated database at `url`.

    `triggers=False` disables location's location_stamp insert trigger first (its cost, measured apart; the
    stamps are then missing). Returns the seconds (in all and per table) and the rows per table.
    """
    seconds: dict[str, float] = {}
    with psycopg.connect(url) as conn:
        for uid, name in dumped.sources:
            conn.execute('INSERT INTO source (uid, name) VALUES (%s, %s) ON CONFLICT DO NOTHING', (uid, name))
        if not triggers:
            conn.execute('ALTER TABLE location DISABLE TRIGGER location_stamp_insert')
        conn.commit()
        started = time.perf_counter()
        with conn.transaction():
            for table in TABLES:
                columns, data, _ = dumped.tables[table]
                names = sql.SQL(', ').join(map(sql.Identifier, columns))
                query = sql.SQL('COPY {} ({}) FROM STDIN (FORMAT {})').format(
                    sql.Identifier(table), names, sql.SQL(data_format)
                )
                table_started = time.perf_counter()
                with conn.cursor() as cursor, cursor.copy(query) as copy:
                    view = memoryview(data)
                    for offset in range(0, len(view), CHUNK):
                        copy.write(view[offset : offset + CHUNK])
                seconds[table] = time.perf_counter() - table_started
            commit_started = time.perf_counter()
        seconds['commit'] = time.perf_counter() - commit_started
        total = time.perf_counter() - started
        for table in TABLES[:-1]:
            conn.execute(
                sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), (SELECT max(id) FROM {}))").format(
                    sql.Literal(table), sql.Identifier(table)
                )
            )
        conn.commit()
    return {'seconds': total, 'per_table': seconds, 'rows': {t: dumped.tables[t][2] for t in TABLES}}


def _text_dump(dump: Dump, url: str) -> Dump:
    """The same rows as text COPY data (the format a client writes without a binary encoder)."""
    tables = {}
    with psycopg.connect(url) as conn:
        for table, (columns, _, count) in dump.tables.items():
            names = sql.SQL(', ').join(map(sql.Identifier, columns))
            query = sql.SQL('COPY (SELECT {} FROM {} ORDER BY id) TO STDOUT').format(names, sql.Identifier(table))
            buffer = bytearray()
            with conn.cursor() as cursor, cursor.copy(query) as copy:
                for block in copy:
                    buffer += block
            tables[table] = (columns, bytes(buffer), count)
    return Dump(tables=tables, sources=dump.sources)


def main() -> None:
    """Binary against text COPY of the same rows, interleaved round by round, each into a fresh database.

    python -m bench.bnetza_floor SOURCE_URL TARGET_URL [ROUNDS]
    (SOURCE_URL holds an import's rows; TARGET_URL's database is dropped and migrated before each copy)
    """
    import json
    import os
    import sys

    from ocpdb_pipelines.db.migrations import recreate_database

    source, target = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    binary = dump_rows(source)
    text = _text_dump(binary, source)
    for round_ in range(1, rounds + 1):
        for name, dump in (('binary', binary), ('text', text)):
            recreate_database(target)
            load = os.getloadavg()[0]
            result = copy_floor(target, dump, name)
            per_table = {k: round(v, 2) for k, v in result['per_table'].items()}
            print(json.dumps({'round': round_, 'format': name, 'seconds': round(result['seconds'], 2),
                              'load': round(load, 2), 'per_table': per_table}), flush=True)  # fmt: skip


if __name__ == '__main__':
    main()

"""A source's first import: its rows COPYed straight into the real tables (issue 13, the import floor).

When nothing of a source is stored yet, the set-based apply (`store/static.py`) pays for work a first import
never needs: COPY into staging tables, temp tables mapping each level's uids to the ids just inserted, the
UPDATEs chaining `last_updated` up to stations and locations, and deletes and updates that find nothing. Here,
instead, the ids are reserved from the tables' sequences in bulk, parent ids and the `last_updated` chain are
computed in Python, and each level is one binary COPY into its table, parents first.

The rows equal the set-based path's (tests/foundation/test_first_import.py): the columns and their insert values
follow the same upsert lists (`store/upsert_columns.py`) and the catalogue's defaults, and a column whose SQL
insert value is overridden there needs a Python twin in `_OVERRIDES` (checked when this module loads). The
location_stamp trigger (0141) fires on the COPY as on the INSERT. Payloads with images or tariffs keep the
set-based path, as does everything once a source has rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

import orjson
import psycopg
from psycopg import sql
from psycopg.rows import tuple_row
from psycopg.types.json import set_json_dumps
from sqlalchemy import Table

from ocpdb_pipelines.db import catalogue
from ocpdb_pipelines.store import upsert_columns as upserts
from ocpdb_pipelines.store.businesses import apply_images_and_businesses
from ocpdb_pipelines.store.columns import copy_type, insert_default, kept, replaced
from ocpdb_pipelines.store.staging import STAGING_TABLES, StagedRows, copy_rows, create_staging_tables

# staging tables only the set-based path writes: a payload with rows in any of them takes that path
SET_BASED_ONLY = (
    'stg_image',
    'stg_location_image',
    'stg_evse_image',
    'stg_tariff',
    'stg_association',
    'stg_evse_tariff',
)

# Python twins of the insert values `store/upsert_columns.py` overrides, over `{column}` (the staged value,
# converted to the column's type) and `now` (the transaction's now())
_OVERRIDES: dict[str, dict[str, str]] = {
    'evse': {
        'status': "('UNKNOWN' if {status} is None else {status})",
        'status_last_updated': '({status_last_updated} if {status} is None or {status_last_updated} is not None '
        'else now)',
        'status_observed_at': 'now',
    },
}


def _array(value: str | None) -> list | None:
    """A staged array (JSON text) as the list a text[] COPY takes."""
    return None if value is None else orjson.loads(value)


def _decimal(value: Any) -> Decimal | None:
    if value is None or type(value) is Decimal:
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


_INT4 = range(-(2**31), 2**31)


def _int4(value: int | None) -> int | None:
    """psycopg's binary int4 dumper wraps a larger int around silently; PostgreSQL refuses it from text."""
    if value is None or value in _INT4:
        return value
    raise psycopg.errors.NumericValueOutOfRange(f'value {value} is out of range for type integer')


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _aware(value: datetime | None, tz: tzinfo) -> datetime | None:
    """A naive timestamp means the session's time zone, as PostgreSQL reads it from text."""
    return value if value is None or value.tzinfo is not None else value.replace(tzinfo=tz)


_CONVERTERS = {
    'int4': '_int4({})',
    'text[]': '_array({})',
    'numeric': '_decimal({})',
    'float8': '_float({})',
    'timestamptz': '_aware({}, tz)',
}


@dataclass(frozen=True)
class _Level:
    """One table written by COPY: its columns, their binary types, the defaults to fetch, the row function."""

    table: Table
    staging: str
    columns: list[str]
    types: list[str]
    defaults: list[tuple[str, str]]  # (SQL default, type to read it as) per d[k] of `row`
    row: Callable[..., tuple]  # (s, id, parent, last_updated, now, b, d, tz) -> the COPY row


def _level(
    table: Table, staging: str, fixed: str, replaced_: dict[str, str], kept_: dict[str, tuple[str, str]]
) -> _Level:
    """Derive a level from the upsert lists: `fixed` is the first key column (`source` or the parent id)."""
    positions = {name: i for i, (name, _) in enumerate(STAGING_TABLES[staging])}
    overrides = _OVERRIDES.get(table.name, {})
    generic = {**replaced(table), **{name: values[1] for name, values in kept(table).items()}}
    inserted = {**replaced_, **{name: values[1] for name, values in kept_.items()}}
    for name, expression in inserted.items():
        if expression != generic.get(name) and name not in overrides:
            raise RuntimeError(f'{table.name}.{name}: the SQL insert value is overridden; add its Python twin')

    def value(name: str) -> str:
        converter = _CONVERTERS.get(copy_type(table.columns[name]), '{}')
        return converter.format(f's[{positions[name]}]')

    defaults: list[tuple[str, str]] = []
    parts = ['id', 'parent', f's[{positions["uid"]}]']
    for name in inserted:
        column = table.columns[name]
        if name in overrides:
            parts.append(overrides[name].format(**{n: value(n) for n in positions if f'{{{n}}}' in overrides[name]}))
        elif column.foreign_keys:  # a business resolved by name (operator_id from operator_name)
            parts.append(f'b.get(s[{positions[name.removesuffix("_id") + "_name"]}])')
        elif (default := insert_default(column)) is not None:
            kind = copy_type(column)
            defaults.append((default, 'text' if kind == 'jsonb' else kind))
            parts.append(f'(d[{len(defaults) - 1}] if (x := {value(name)}) is None else x)')
        else:
            parts.append(value(name))
    parts.append('last_updated')
    columns = ['id', fixed, 'uid', *inserted, 'last_updated']
    namespace = {'_array': _array, '_decimal': _decimal, '_float': _float, '_aware': _aware, '_int4': _int4}
    source = f'def row(s, id, parent, last_updated, now, b, d, tz):\n    return ({", ".join(parts)},)\n'
    exec(compile(source, f'<first-import row of {table.name}>', 'exec'), namespace)  # catalogue names only
    types = [copy_type(table.columns[name]) for name in columns]
    return _Level(table, staging, columns, types, defaults, namespace['row'])


_LOCATION = _level(catalogue.location, 'stg_location', 'source', upserts.LOCATION_REPLACED, upserts.LOCATION_KEPT)
_STATION = _level(
    catalogue.charging_station, 'stg_station', 'location_id', upserts.STATION_REPLACED, upserts.STATION_KEPT
)
_EVSE = _level(catalogue.evse, 'stg_evse', 'charging_station_id', upserts.EVSE_REPLACED, upserts.EVSE_KEPT)
_CONNECTOR = _level(catalogue.connector, 'stg_connector', 'evse_id', upserts.CONNECTOR_REPLACED, {})
_LAST_UPDATED = {level.staging: [n for n, _ in STAGING_TABLES[level.staging]].index('last_updated')
                 for level in (_LOCATION, _STATION, _EVSE, _CONNECTOR)}  # fmt: skip
_BUSINESS_NAMES = [[n for n, _ in STAGING_TABLES['stg_location']].index(f'{role}_name')
                   for role in ('operator', 'suboperator', 'owner')]  # fmt: skip


def applies(conn: psycopg.Connection, source: str, staged: StagedRows) -> bool:
    """True when the COPY path can write this snapshot: no images or tariffs in it, none of the source stored.

    The caller has found no location of the source (under the source's lock).
    """
    if any(staged.count(table) for table in SET_BASED_ONLY):
        return False
    with conn.cursor(row_factory=tuple_row) as cursor:
        stored = cursor.execute(
            'SELECT EXISTS (SELECT 1 FROM tariff WHERE source = %(s)s)'
            ' OR EXISTS (SELECT 1 FROM tariff_association WHERE source = %(s)s)',
            {'s': source},
        ).fetchone()
    return not stored[0]


@dataclass
class _Rows:
    """One level's rows that have their parent, with reserved ids, parent ids and (chained) last_updated."""

    keys: list[Any]
    rows: list[tuple]
    parents: list[Any]
    ids: list[int]
    last_updated: list[datetime]


def copy_first_import(conn: psycopg.Connection, source: str, staged: StagedRows) -> dict[str, int]:
    """Write the snapshot of a source with no stored rows; returns the rows written per table."""
    with conn.cursor(row_factory=tuple_row) as cursor:
        now = cursor.execute('SELECT now()').fetchone()[0]
        tz = conn.info.timezone
        businesses = _businesses(conn, cursor, staged)
        tables = staged.tables
        locations = _with_parents(cursor, _LOCATION, tables['stg_location'], None, lambda key: source, now, tz)
        stations = _with_parents(cursor, _STATION, tables['stg_station'], locations, lambda key: key[0], now, tz)
        evses = _with_parents(cursor, _EVSE, tables['stg_evse'], stations, lambda key: key[:2], now, tz)
        connectors = _with_parents(cursor, _CONNECTOR, tables['stg_connector'], evses, lambda key: key[:3], now, tz)
        _chain(stations, evses, lambda key: key[:2])
        _chain(locations, stations, lambda key: key[0])
        set_json_dumps(lambda text: text, context=cursor)  # jsonb values are JSON text already
        for level, rows in ((_LOCATION, locations), (_STATION, stations)):
            _copy(cursor, level, rows, now, businesses, tz)
        history = _copy(cursor, _EVSE, evses, now, businesses, tz, history=True)
        _copy(cursor, _CONNECTOR, connectors, now, businesses, tz)
        _copy_history(cursor, history, now)
    return {
        'location': len(locations.ids),
        'charging_station': len(stations.ids),
        'evse': len(evses.ids),
        'connector': len(connectors.ids),
        'evse_status_history': len(history),
    }


def _businesses(conn: psycopg.Connection, cursor: psycopg.Cursor, staged: StagedRows) -> dict[str, int]:
    """Upsert the payload's businesses as the set-based path does; {name: id} of those the locations name."""
    create_staging_tables(conn, ('stg_business', 'stg_image'))
    copy_rows(conn, 'stg_business', STAGING_TABLES['stg_business'], staged.tables['stg_business'].values())
    apply_images_and_businesses(conn)
    conn.execute('DROP TABLE stg_business, stg_image')  # the set-based path creates its own
    names = {row[i] for row in staged.tables['stg_location'].values() for i in _BUSINESS_NAMES} - {None}
    found = cursor.execute('SELECT name, id FROM business WHERE name = ANY(%s)', (list(names),)).fetchall()
    return dict(found)


def _with_parents(
    cursor: psycopg.Cursor,
    level: _Level,
    staged: dict[Any, tuple],
    parents: _Rows | None,
    parent_key: Callable[[Any], Any],
    now: datetime,
    tz: tzinfo,
) -> _Rows:
    """The rows whose parent is written (as the set-based path's join keeps them), with ids reserved."""
    parent_ids = dict(zip(parents.keys, parents.ids, strict=True)) if parents is not None else None
    position = _LAST_UPDATED[level.staging]
    keys = list(staged)
    rows = list(staged.values())
    if parent_ids is None:
        parent_of = [parent_key(key) for key in keys]
    else:
        parent_of = [parent_ids.get(parent_key(key)) for key in keys]
        if None in parent_of:  # rows whose parent was not written are left out, as the join leaves them
            kept = [i for i, parent in enumerate(parent_of) if parent is not None]
            keys, rows, parent_of = [keys[i] for i in kept], [rows[i] for i in kept], [parent_of[i] for i in kept]
    stamps = [row[position] for row in rows]
    last_updated = [
        now if stamp is None else stamp if stamp.tzinfo is not None else _aware(stamp, tz) for stamp in stamps
    ]
    out = _Rows(keys, rows, parent_of, [], last_updated)
    out.ids = _reserve(cursor, level.table.name, len(out.rows))
    return out


def _reserve(cursor: psycopg.Cursor, table: str, count: int) -> list[int]:
    """`count` ids from the table's sequence: concurrent writers draw theirs between them, never the same."""
    if not count:
        return []
    sequence = cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()[0]
    query = 'SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)'
    return cursor.execute(query, (sequence, count)).fetchone()[0]


def _chain(parents: _Rows, children: _Rows, parent_key: Callable[[Any], Any]) -> None:
    """A parent is as fresh as its freshest child (`static._chain_last_updated`, before the rows are written)."""
    newest: dict[Any, datetime] = {}
    for key, stamp in zip(children.keys, children.last_updated, strict=True):
        parent = parent_key(key)
        if parent not in newest or stamp > newest[parent]:
            newest[parent] = stamp
    stamps = parents.last_updated
    for i, key in enumerate(parents.keys):
        child = newest.get(key)
        if child is not None and child > stamps[i]:
            stamps[i] = child


def _copy(
    cursor: psycopg.Cursor,
    level: _Level,
    rows: _Rows,
    now: datetime,
    businesses: dict[str, int],
    tz: tzinfo,
    *,
    history: bool = False,
) -> list[tuple]:
    """One binary COPY of the level's rows; with `history`, the (evse id, status, stamp) of each live status."""
    if not rows.ids:
        return []
    defaults = _defaults(cursor, level)
    query = sql.SQL('COPY {} ({}) FROM STDIN (FORMAT binary)').format(
        sql.Identifier(level.table.name), sql.SQL(', ').join(map(sql.Identifier, level.columns))
    )
    make = level.row
    statuses: list[tuple] = []
    status_at = level.columns.index('status') if history else 0
    stamp_at = level.columns.index('status_last_updated') if history else 0
    with cursor.copy(query) as copy:
        copy.set_types(level.types)
        for row, id_, parent, stamp in zip(rows.rows, rows.ids, rows.parents, rows.last_updated, strict=True):
            values = make(row, id_, parent, stamp, now, businesses, defaults, tz)
            copy.write_row(values)
            if history and values[status_at] != 'STATIC':
                statuses.append((id_, values[status_at], values[stamp_at]))
    return statuses


def _defaults(cursor: psycopg.Cursor, level: _Level) -> Sequence[Any]:
    """The column defaults the level's rows fall back to, as PostgreSQL evaluates them."""
    if not level.defaults:
        return ()
    selects = ', '.join(f'CAST({default} AS {kind})' for default, kind in level.defaults)
    return cursor.execute(f'SELECT {selects}').fetchone()  # catalogue defaults only


def _copy_history(cursor: psycopg.Cursor, statuses: list[tuple], now: datetime) -> None:
    """The status history the set-based path records for each new EVSE with a live status."""
    if not statuses:
        return
    query = 'COPY evse_status_history (evse_id, status, source_timestamp, observed_at) FROM STDIN (FORMAT binary)'
    with cursor.copy(query) as copy:
        copy.set_types(['int8', 'text', 'timestamptz', 'timestamptz'])
        for evse_id, status, stamp in statuses:
            copy.write_row((evse_id, status, stamp, now))

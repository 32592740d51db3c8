"""The benchmark's baseline: the flattener's rows COPYed straight into the real tables, no upsert logic.

Ids of locations, stations and EVSEs are assigned here so children can reference their parents; NOT NULL
columns the store fills with SQL defaults get the same defaults here. This is the floor for getting the
same rows into the same tables (with their indexes, constraints and generated geometry columns).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg

from ocpdb_pipelines.store.staging import (
    CONNECTOR_COLUMNS,
    EVSE_COLUMNS,
    LOCATION_COLUMNS,
    STATION_COLUMNS,
    StagedRows,
)

# staging columns that are parent keys or bookkeeping, not columns of the real table
_NOT_COPIED = {'location_uid', 'station_uid', 'evse_uid', 'images_given', 'operator_name', 'suboperator_name'}
_NOT_COPIED |= {'owner_name', 'logo_url'}


def _array(json_text: str | None) -> str | None:
    """A JSON list of strings as a PostgreSQL text[] literal."""
    if json_text is None:
        return None
    items = orjson.loads(json_text)
    return '{' + ','.join('"' + str(i).replace('\\', '\\\\').replace('"', '\\"') + '"' for i in items) + '}'


def _plan(columns: list[tuple[str, str]], defaults: dict[str, Any]) -> tuple[list[str], list[int], dict[int, Any]]:
    """Which staging positions go to which table columns, and the default for a None at a position."""
    names = [name for name, _ in columns if name not in _NOT_COPIED]
    index = {name: i for i, (name, _) in enumerate(columns)}
    positions = [index[name] for name in names]
    return names, positions, {names.index(n): v for n, v in defaults.items() if n in names}


def _copy(conn: psycopg.Connection, table: str, columns: list[str], rows: Any) -> int:
    count = 0
    with conn.cursor() as cursor, cursor.copy(f'COPY {table} ({", ".join(columns)}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _next_id(conn: psycopg.Connection, table: str) -> int:
    return conn.execute(f'SELECT COALESCE(max(id), 0) + 1 AS n FROM {table}').fetchone()['n']


def _with_defaults(values: list[Any], defaults: dict[int, Any]) -> list[Any]:
    for position, default in defaults.items():
        if values[position] is None:
            values[position] = default
    return values


def copy_flat_rows(conn: psycopg.Connection, source: str, staged: StagedRows) -> dict[str, int]:
    """COPY businesses, locations, stations, EVSEs and connectors; returns rows per table."""
    now = datetime.now(UTC)
    counts: dict[str, int] = {}
    tables = staged.tables

    business_ids: dict[str, int] = {}
    next_business = _next_id(conn, 'business')
    business_rows = []
    for name, website, emobility_uid, _logo in tables['stg_business'].values():
        business_ids[name] = next_business + len(business_rows)
        business_rows.append((business_ids[name], name, website, emobility_uid))
    counts['business'] = _copy(conn, 'business', ['id', 'name', 'website', 'emobility_uid'], business_rows)

    location_index = {name: i for i, (name, _) in enumerate(LOCATION_COLUMNS)}
    names, positions, defaults = _plan(
        LOCATION_COLUMNS,
        {'last_updated': now, 'parking_spaces': '[]', 'has_in_person_support': False, 'facility_description': ''},
    )
    facilities = names.index('facilities')
    location_ids: dict[str, int] = {}
    first = _next_id(conn, 'location')

    def location_rows() -> Any:
        for k, row in enumerate(tables['stg_location'].values()):
            location_ids[row[0]] = first + k
            values = _with_defaults([row[p] for p in positions], defaults)
            values[facilities] = _array(values[facilities]) or '{}'
            owners = [business_ids.get(row[location_index[f'{role}_name']]) for role in ('operator', 'suboperator')]
            owners.append(business_ids.get(row[location_index['owner_name']]))
            yield (first + k, source, *owners, *values)

    location_columns = ['id', 'source', 'operator_id', 'suboperator_id', 'owner_id', *names]
    counts['location'] = _copy(conn, 'location', location_columns, location_rows())

    names, positions, defaults = _plan(STATION_COLUMNS, {'last_updated': now, 'parking_spaces': '[]'})
    languages = names.index('user_interface_languages')
    station_ids: dict[tuple[str, str], int] = {}
    first = _next_id(conn, 'charging_station')

    def station_rows() -> Any:
        for k, (key, row) in enumerate(tables['stg_station'].items()):
            station_ids[key] = first + k
            values = _with_defaults([row[p] for p in positions], defaults)
            values[languages] = _array(values[languages])
            yield (first + k, location_ids[row[0]], *values)

    counts['charging_station'] = _copy(conn, 'charging_station', ['id', 'location_id', *names], station_rows())

    names, positions, defaults = _plan(EVSE_COLUMNS, {'last_updated': now, 'status': 'UNKNOWN', 'presence': 'PRESENT'})
    evse_ids: dict[tuple[str, str, str], int] = {}
    first = _next_id(conn, 'evse')

    def evse_rows() -> Any:
        for k, (key, row) in enumerate(tables['stg_evse'].items()):
            evse_ids[key] = first + k
            values = _with_defaults([row[p] for p in positions], defaults)
            yield (first + k, station_ids[key[:2]], now, *values)

    evse_columns = ['id', 'charging_station_id', 'status_observed_at', *names]
    counts['evse'] = _copy(conn, 'evse', evse_columns, evse_rows())

    names, positions, defaults = _plan(CONNECTOR_COLUMNS, {'last_updated': now})

    def connector_rows() -> Any:
        for key, row in tables['stg_connector'].items():
            yield (evse_ids[key[:3]], *_with_defaults([row[p] for p in positions], defaults))

    counts['connector'] = _copy(conn, 'connector', ['evse_id', *names], connector_rows())
    for table in ('business', 'location', 'charging_station', 'evse'):
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    return counts

"""Plain-SQL row builders for the downstream tests (no importer involved)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

T0 = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def source(db: psycopg.Connection, uid: str) -> None:
    db.execute('INSERT INTO source (uid, name) VALUES (%s, %s) ON CONFLICT (uid) DO NOTHING', (uid, uid))


def business(db: psycopg.Connection, name: str, emobility_uid: str | None = None) -> int:
    row = db.execute(
        'INSERT INTO business (name, emobility_uid) VALUES (%s, %s) '
        'ON CONFLICT (name) DO UPDATE SET emobility_uid = excluded.emobility_uid RETURNING id',
        (name, emobility_uid),
    ).fetchone()
    return _first(row)


def location(
    db: psycopg.Connection,
    src: str,
    uid: str,
    lat: float,
    lon: float,
    *,
    operator: str | None = None,
    owner: str | None = None,
    last_updated: datetime = T0,
    **columns: Any,
) -> int:
    source(db, src)
    values: dict[str, Any] = {'source': src, 'uid': uid, 'lat': lat, 'lon': lon, 'last_updated': last_updated}
    if operator:
        values['operator_id'] = business(db, operator)
    if owner:
        values['owner_id'] = business(db, owner)
    values.update(columns)
    return _insert(db, 'location', values)


def station(db: psycopg.Connection, location_id: int, uid: str, last_updated: datetime = T0, **columns: Any) -> int:
    return _insert(
        db, 'charging_station', {'location_id': location_id, 'uid': uid, 'last_updated': last_updated, **columns}
    )


def evse(
    db: psycopg.Connection,
    station_id: int,
    uid: str,
    status: str = 'AVAILABLE',
    last_updated: datetime = T0,
    **columns: Any,
) -> int:
    values = {'charging_station_id': station_id, 'uid': uid, 'status': status, 'last_updated': last_updated}
    return _insert(db, 'evse', {**values, **columns})


def connector(db: psycopg.Connection, evse_id: int, uid: str, last_updated: datetime = T0, **columns: Any) -> int:
    return _insert(db, 'connector', {'evse_id': evse_id, 'uid': uid, 'last_updated': last_updated, **columns})


def site_with_evses(
    db: psycopg.Connection, src: str, uid: str, lat: float, lon: float, n_evses: int = 1, **location_columns: Any
) -> int:
    """A location with one station holding n EVSEs, each with one Type 2 connector."""
    location_id = location(db, src, uid, lat, lon, **location_columns)
    station_id = station(db, location_id, f'{uid}-cs')
    for i in range(n_evses):
        evse_id = evse(db, station_id, f'{uid}-e{i}')
        connector(
            db,
            evse_id,
            f'{uid}-e{i}-c',
            standard='IEC_62196_T2',
            power_type='AC_3_PHASE',
            max_electric_power=22000,
            max_voltage=400,
            max_amperage=32,
            format='SOCKET',
        )
    return location_id


def _insert(db: psycopg.Connection, table: str, values: dict[str, Any]) -> int:
    names = list(values)
    query = sql.SQL('INSERT INTO {} ({}) VALUES ({}) RETURNING id').format(
        sql.Identifier(table),
        sql.SQL(', ').join(map(sql.Identifier, names)),
        sql.SQL(', ').join(sql.Placeholder() * len(names)),
    )
    return _first(db.execute(query, [_adapt(values[n]) for n in names]).fetchone())


def _adapt(value: Any) -> Any:
    """dicts and lists of dicts are jsonb; lists of scalars are arrays."""
    if isinstance(value, dict) or (isinstance(value, list) and value and all(isinstance(v, dict) for v in value)):
        return Jsonb(value)
    return value


def _first(row: Any) -> int:
    return row['id'] if isinstance(row, dict) else row[0]

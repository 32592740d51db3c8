"""Plain SQL inserts into the real schema for API tests (defaults follow predecessor §2.5 fixtures)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def _insert(db: psycopg.Connection, table: str, values: dict[str, Any]) -> int:
    cols = list(values)
    vals = [Jsonb(v) if isinstance(v, (dict, list)) and not _is_array(table, c) else v for c, v in values.items()]
    placeholders = ', '.join(['%s'] * len(cols))
    row = db.execute(f'INSERT INTO {table} ({", ".join(cols)}) VALUES ({placeholders}) RETURNING id', vals).fetchone()
    return row['id'] if isinstance(row, dict) else row[0]


_ARRAYS = {('location', 'facilities'), ('charging_station', 'user_interface_languages')}


def _is_array(table: str, column: str) -> bool:
    return (table, column) in _ARRAYS


def source(db, uid: str = 'SOURCE-1', **kw) -> int:
    return _insert(db, 'source', {'uid': uid, 'name': kw.pop('name', uid), **kw})


def business(db, name: str, **kw) -> int:
    return _insert(db, 'business', {'name': name, **kw})


def image(db, url: str, **kw) -> int:
    return _insert(db, 'image', {'external_url': url, **kw})


def location(db, uid: str = 'LOCATION-1', source_uid: str = 'SOURCE-1', **kw) -> int:
    values = {
        'uid': uid,
        'source': source_uid,
        'name': 'Test Location',
        'address': 'Test Street 123',
        'postal_code': '12345',
        'city': 'Test City',
        'country': 'DEU',
        'lat': 52.52003,
        'lon': 13.40489,
        'time_zone': 'Europe/Berlin',
        'twentyfourseven': True,
        'last_updated': T0,
    }
    values.update(kw)
    return _insert(db, 'location', values)


def station(db, location_id: int, uid: str = 'CS-1', **kw) -> int:
    return _insert(db, 'charging_station', {'location_id': location_id, 'uid': uid, 'last_updated': T0, **kw})


def evse(db, station_id: int, uid: str = 'EVSE-1', **kw) -> int:
    values = {'charging_station_id': station_id, 'uid': uid, 'evse_id': 'EVSE-1', 'status': 'AVAILABLE'}
    values['last_updated'] = T0
    values.update(kw)
    return _insert(db, 'evse', values)


AC = {'standard': 'IEC_62196_T2', 'format': 'SOCKET', 'power_type': 'AC_3_PHASE', 'max_voltage': 400,
      'max_amperage': 32, 'max_electric_power': 22000}  # fmt: skip
DC = {'standard': 'IEC_62196_T2_COMBO', 'format': 'CABLE', 'power_type': 'DC', 'max_voltage': 400,
      'max_amperage': 350, 'max_electric_power': 150000}  # fmt: skip


def connector(db, evse_id: int, uid: str = 'CONNECTOR-1', **kw) -> int:
    values = {'evse_id': evse_id, 'uid': uid, 'last_updated': T0, **AC}
    values.update(kw)
    return _insert(db, 'connector', values)


def tariff(db, uid: str = 'TARIFF-1', source_uid: str = 'SOURCE-1', **kw) -> int:
    return _insert(db, 'tariff', {'uid': uid, 'source': source_uid, 'currency': 'EUR', 'last_updated': T0, **kw})


def association(db, tariff_id: int, uid: str = 'TA-1', source_uid: str = 'SOURCE-1', **kw) -> int:
    values = {'tariff_id': tariff_id, 'uid': uid, 'source': source_uid, 'audience': 'AD_HOC_PAYMENT'}
    values.update({'start_date_time': T0, 'last_updated': T0})
    values.update(kw)
    return _insert(db, 'tariff_association', values)


def link_evse_tariff(db, evse_id: int, association_id: int) -> None:
    db.execute('INSERT INTO evse_tariff_association VALUES (%s, %s)', (evse_id, association_id))


def link_connector_tariff(db, connector_id: int, association_id: int) -> None:
    db.execute('INSERT INTO connector_tariff_association VALUES (%s, %s)', (connector_id, association_id))


def bump_version(db) -> None:
    db.execute('UPDATE data_version SET version = version + 1, changed_at = now()')


def predecessor_dataset(db) -> dict[str, list[int]]:
    """The integration-test data of predecessor §2.5: 3 locations, 6 EVSEs, 6 connectors."""
    source(db, 'SOURCE-1')
    source(db, 'SOURCE-2')
    b1 = business(db, 'Electro Inc')
    b2 = business(db, 'Power Inc')
    ids: dict[str, list[int]] = {'locations': [], 'stations': [], 'evses': [], 'connectors': []}
    n = 0
    for i, (src, op, conn) in enumerate([('SOURCE-1', b1, AC), ('SOURCE-1', b1, DC), ('SOURCE-2', b2, AC)], start=1):
        loc = location(db, f'LOCATION-{i}', src, operator_id=op)
        cs = station(db, loc, f'CS-{i}')
        ids['locations'].append(loc)
        ids['stations'].append(cs)
        for _ in range(2):
            n += 1
            e = evse(db, cs, f'EVSE-{n}')
            ids['evses'].append(e)
            ids['connectors'].append(connector(db, e, 'CONNECTOR-1', **conn))
    return ids

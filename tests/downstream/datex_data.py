"""A small but complete data set for the DATEX II export tests, inserted with plain SQL."""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg.types.json import Jsonb

from tests.downstream import rows

CAPABILITIES = 16 | 512 | 32768 | 4096  # credit card, RFID reader, ISO 15118, PUBLIC (no DATEX value)


def full_site(db: psycopg.Connection, uid: str = 'L1', *, observed_at: datetime | None = None) -> dict[str, int]:
    """One location with every mapped field: operator with eMobility id, owner, parking, helpdesk,
    a station with its own coordinates, a CCS + NEMA + Schuko EVSE with a tariff, and a STATIC EVSE."""
    loc = rows.location(
        db,
        'datex2_enbw',
        uid,
        48.7,
        9.1,
        operator='EnBW',
        owner='Stadt Stuttgart',
        name='Test Site',
        address='Test Street 123',
        postal_code='70173',
        city='Stuttgart',
        country='DEU',
        twentyfourseven=True,
        help_phone='+49 721 0',
        energy_mix={'is_green_energy': True},
        parking_spaces=[
            {
                'vehicle_types': ['m1', 'r'],
                'parking_space_count': 2,
                'max_weight': 3500,
                'max_height': 200,
                'has_roof': True,
                'is_illuminated': False,
                'is_accessible': True,
            }
        ],
    )
    db.execute("UPDATE business SET emobility_uid = 'DE*EBW' WHERE name = 'EnBW'")
    cs = rows.station(
        db,
        loc,
        f'{uid}-CS1',
        capabilities=CAPABILITIES,
        lat=48.7001,
        lon=9.1002,
        service_type='PHYSICAL_ATTENDANCE',
        user_interface_languages=['de', 'en'],
    )
    e1 = rows.evse(db, cs, f'{uid}-E1', status='CHARGING', status_last_updated=rows.T0, status_observed_at=observed_at)
    rows.connector(
        db,
        e1,
        'C1',
        standard='IEC_62196_T2_COMBO',
        format='CABLE',
        power_type='DC',
        max_electric_power=150000,
        max_voltage=400,
        max_amperage=375,
    )
    rows.connector(
        db,
        e1,
        'C2',
        standard='NEMA_5_20',
        format='SOCKET',
        power_type='AC_1_PHASE',
        max_electric_power=2400,
        max_voltage=120,
        max_amperage=20,
    )
    rows.connector(
        db,
        e1,
        'C3',
        standard='DOMESTIC_F',
        format='SOCKET',
        power_type='AC_1_PHASE',
        max_electric_power=3680,
        max_voltage=230,
        max_amperage=16,
    )
    e2 = rows.evse(db, cs, f'{uid}-E2', status='STATIC')
    rows.connector(
        db,
        e2,
        'C4',
        standard='IEC_62196_T2',
        format='SOCKET',
        power_type='AC_3_PHASE',
        max_electric_power=22000,
        max_voltage=400,
        max_amperage=32,
    )
    elements = [
        {
            'price_components': [
                {'type': 'ENERGY', 'price': 0.49, 'taxes': [{'name': 'VAT', 'percentage': 19}]},
                {'type': 'TIME', 'price': 0.1},
            ],
            'restrictions': {
                'start_time': '08:00',
                'min_duration': 3600,
                'max_duration': 7230,
                'min_energy': 1,
                'max_energy': 50,
            },
        }
    ]
    tariff = db.execute(
        'INSERT INTO tariff (uid, source, currency, elements, last_updated) '
        "VALUES (%s, 'datex2_enbw', 'EUR', %s, %s) RETURNING id",
        (f'{uid}:T1', Jsonb(elements), rows.T0),
    ).fetchone()
    tariff_id = tariff['id'] if isinstance(tariff, dict) else tariff[0]
    assoc = db.execute(
        'INSERT INTO tariff_association (tariff_id, uid, source, audience, start_date_time, last_updated) '
        "VALUES (%s, %s, 'datex2_enbw', 'EMSP_CONTRACT', %s, %s) RETURNING id",
        (tariff_id, f'{uid}-A1', rows.T0, rows.T0),
    ).fetchone()
    assoc_id = assoc['id'] if isinstance(assoc, dict) else assoc[0]
    db.execute('INSERT INTO evse_tariff_association VALUES (%s, %s)', (e1, assoc_id))
    return {'location': loc, 'station': cs, 'evse': e1, 'static_evse': e2}


def static_only_site(db: psycopg.Connection, uid: str = 'S1') -> int:
    loc = rows.location(db, 'bnetza_api', uid, 50.0, 8.0, name='Register entry')
    cs = rows.station(db, loc, f'{uid}-CS')
    rows.evse(db, cs, f'{uid}-E', status='STATIC')
    return loc

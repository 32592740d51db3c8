"""OCPI 2.2.1 Location / EVSE / Connector objects (Locations module, sender side), following the field rules.

Values without an OCPI 2.2.1 counterpart are left out (STATIC status becomes UNKNOWN, OCPI-3.0-only
connector standards, capabilities and parking restrictions are dropped, `facilities` holds DATEX-style
values and is omitted). EVSEs without a valid connector are left out, as OCPI requires at least one.

Field rules enforced here (OCPI 2.2.1 mod_locations):
- `time_zone` is the IANA zone at the location's coordinates (timezonefinder's offline boundary data;
  over the sea its `Etc/GMT±N` zone), never a stored offset such as `+01:00`.
- `evse_id` is sent only when it is an eMI3 EVSE ID (the field is optional; a made-up or DIN-style id is
  not one).
- `last_updated` of an EVSE is the newest of its own and its connectors', a Location's the newest of its own
  and its EVSEs' ("when this EVSE or one of its Connectors was last updated").
- Coordinates use 7 decimals where the string fits the spec's length (latitude 10, longitude 11
  characters), else as many of 5 to 7 decimals as fit.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from timezonefinder import TimezoneFinder

from ocpdb_api.render.common import bits, drop_empty, drop_nulls, ts
from ocpdb_pipelines.model.enums import Capability, ParkingRestriction

Row = dict[str, Any]

CONNECTOR_TYPES = frozenset(
    [
        'CHADEMO',
        'CHAOJI',
        'DOMESTIC_A',
        'DOMESTIC_B',
        'DOMESTIC_C',
        'DOMESTIC_D',
        'DOMESTIC_E',
        'DOMESTIC_F',
        'DOMESTIC_G',
        'DOMESTIC_H',
        'DOMESTIC_I',
        'DOMESTIC_J',
        'DOMESTIC_K',
        'DOMESTIC_L',
        'GBT_AC',
        'GBT_DC',
        'IEC_60309_2_single_16',
        'IEC_60309_2_three_16',
        'IEC_60309_2_three_32',
        'IEC_60309_2_three_64',
        'IEC_62196_T1',
        'IEC_62196_T1_COMBO',
        'IEC_62196_T2',
        'IEC_62196_T2_COMBO',
        'IEC_62196_T3A',
        'IEC_62196_T3C',
        'NEMA_5_20',
        'NEMA_6_30',
        'NEMA_6_50',
        'NEMA_10_30',
        'NEMA_10_50',
        'NEMA_14_30',
        'NEMA_14_50',
        'PANTOGRAPH_BOTTOM_UP',
        'PANTOGRAPH_TOP_DOWN',
        'TESLA_R',
        'TESLA_S',
    ]
)
CAPABILITIES = frozenset(
    [
        'CHARGING_PROFILE_CAPABLE',
        'CHARGING_PREFERENCES_CAPABLE',
        'CHIP_CARD_SUPPORT',
        'CONTACTLESS_CARD_SUPPORT',
        'CREDIT_CARD_PAYABLE',
        'DEBIT_CARD_PAYABLE',
        'PED_TERMINAL',
        'REMOTE_START_STOP_CAPABLE',
        'RESERVABLE',
        'RFID_READER',
        'START_SESSION_CONNECTOR_REQUIRED',
        'TOKEN_GROUP_CAPABLE',
        'UNLOCK_CAPABLE',
    ]
)
PARKING_RESTRICTIONS = frozenset({'EV_ONLY', 'PLUGGED', 'DISABLED', 'CUSTOMERS', 'MOTORCYCLES'})
PARKING_TYPES = frozenset(
    {'ALONG_MOTORWAY', 'PARKING_GARAGE', 'PARKING_LOT', 'ON_DRIVEWAY', 'ON_STREET', 'UNDERGROUND_GARAGE'}
)
IMAGE_CATEGORIES = frozenset({'CHARGER', 'ENTRANCE', 'LOCATION', 'NETWORK', 'OPERATOR', 'OTHER', 'OWNER'})

# ISO 3166 alpha-3 -> alpha-2 for the countries OCPDB sources cover (and neighbours)
ALPHA2 = {
    'DEU': 'DE', 'AUT': 'AT', 'CHE': 'CH', 'FRA': 'FR', 'NLD': 'NL', 'BEL': 'BE', 'LUX': 'LU', 'DNK': 'DK',
    'POL': 'PL', 'CZE': 'CZ', 'ITA': 'IT', 'ESP': 'ES', 'PRT': 'PT', 'GBR': 'GB', 'IRL': 'IE', 'SWE': 'SE',
    'NOR': 'NO', 'FIN': 'FI', 'ISL': 'IS', 'LIE': 'LI', 'SVN': 'SI', 'SVK': 'SK', 'HUN': 'HU', 'HRV': 'HR',
    'ROU': 'RO', 'BGR': 'BG', 'GRC': 'GR', 'EST': 'EE', 'LVA': 'LV', 'LTU': 'LT', 'MLT': 'MT', 'CYP': 'CY',
    'MCO': 'MC', 'AND': 'AD', 'SMR': 'SM', 'USA': 'US', 'CAN': 'CA', 'SRB': 'RS', 'BIH': 'BA', 'MNE': 'ME',
    'ALB': 'AL', 'MKD': 'MK', 'TUR': 'TR', 'UKR': 'UA',
}  # fmt: skip
PARTY = re.compile(r'^([A-Za-z]{2})\*?([A-Za-z0-9]{3})')
FALLBACK_PARTY_ID = 'OCP'
# eMI3 EVSE ID (eMI3 V1.0 part 2, as OCPI 2.2.1 refers to it): country, operator, `E`, power outlet id
EMI3_EVSE_ID = re.compile(r'^[A-Z]{2}\*?[A-Z0-9]{3}\*?E[A-Z0-9\*]{1,30}$')
LATITUDE_LENGTH, LONGITUDE_LENGTH = 10, 11
IANA_ZONES = frozenset(available_timezones())
# file-backed: in_memory=True costs 40 MB per process for 41 instead of 55 us per uncached lookup
_ZONE_FINDER = TimezoneFinder()


def _cut(value: Any, length: int) -> str | None:
    return None if value is None else str(value)[:length]


def party(row: Row) -> tuple[str, str]:
    """country_code/party_id from the operator's eMobility id or an EVSE id (`DE*EBW...`), else the country."""
    return party_of(row, [e.get('evse_id') for s in row.get('_stations', []) for e in s.get('_evses', [])])


def party_of(row: Row, evse_ids: list[str | None]) -> tuple[str, str]:
    """`party` with the location's EVSE ids given (in tree order)."""
    for value in [row.get('operator_emobility_uid'), *evse_ids]:
        match = PARTY.match(value or '')
        if match:
            return match.group(1).upper(), match.group(2).upper()
    return ALPHA2.get(row.get('country') or '', 'DE'), FALLBACK_PARTY_ID


def coordinate(value: Any, max_length: int) -> str:
    """A decimal string of 7 decimals, fewer (down to 5) when the spec's maximum length needs it."""
    number = float(value)
    for decimals in (7, 6):
        text = f'{number:.{decimals}f}'
        if len(text) <= max_length:
            return text
    return f'{number:.5f}'


def geo(lat: Any, lon: Any) -> Row | None:
    if lat is None or lon is None:
        return None
    return {'latitude': coordinate(lat, LATITUDE_LENGTH), 'longitude': coordinate(lon, LONGITUDE_LENGTH)}


def emi3_evse_id(value: str | None) -> str | None:
    return value if value is not None and EMI3_EVSE_ID.match(value) else None


@lru_cache(maxsize=65536)
def _zone_at(lat: float, lon: float) -> str | None:
    return _ZONE_FINDER.timezone_at(lng=lon, lat=lat)


def time_zone(row: Row) -> str:
    """The IANA zone at the coordinates; a stored IANA name only when the coordinates give none."""
    if row['lat'] is not None and row['lon'] is not None:
        zone = _zone_at(float(row['lat']), float(row['lon']))
        if zone:
            return zone
    stored = row.get('time_zone')
    return stored if stored in IANA_ZONES else 'UTC'


def newest(own: str | None, children: list[Row]) -> str | None:
    """The latest of `own` and the children's `last_updated` (all `YYYY-MM-DDTHH:MM:SSZ`, so text order is time
    order)."""
    stamps = [c['last_updated'] for c in children if c.get('last_updated')]
    if own:
        stamps.append(own)
    return max(stamps) if stamps else None


def image(row: Row, image_base: str) -> Row | None:
    if row.get('category') not in IMAGE_CATEGORIES or not row.get('type'):
        return None
    return drop_nulls(
        {
            'url': f'{image_base}/{row["id"]}.{row["type"]}',
            'category': row['category'],
            'type': row['type'][:4],
            'width': row['width'] if row['width'] and row['width'] < 100000 else None,
            'height': row['height'] if row['height'] and row['height'] < 100000 else None,
        }
    )


def connector(row: Row) -> Row | None:
    if row['standard'] not in CONNECTOR_TYPES or not row['format'] or not row['power_type']:
        return None
    if row['max_voltage'] is None or row['max_amperage'] is None:
        return None
    return drop_empty(
        {
            'id': str(row['id']),
            'standard': row['standard'],
            'format': row['format'],
            'power_type': row['power_type'],
            'max_voltage': row['max_voltage'],
            'max_amperage': row['max_amperage'],
            'max_electric_power': row['max_electric_power'],
            'tariff_ids': [t[:36] for t in row.get('tariff_ids') or []],
            'terms_and_conditions': row['terms_and_conditions'],
            'last_updated': ts(row['last_updated']),
        }
    )


def display_texts(value: Any) -> list[Row] | None:
    if not isinstance(value, list):
        return None
    out = [
        {'language': str(v['language'])[:2], 'text': str(v['text'])[:512]}
        for v in value
        if isinstance(v, dict) and v.get('language') and v.get('text') is not None
    ]
    return out or None


def evse(row: Row, station: Row, image_base: str) -> Row | None:
    connectors = [c for c in (connector(c) for c in row.get('_connectors', [])) if c is not None]
    if not connectors:
        return None
    status = row['status'] if row['status'] != 'STATIC' else 'UNKNOWN'
    images = [i for i in (image(i, image_base) for i in row.get('_images', [])) if i is not None]
    return drop_empty(
        {
            'uid': str(row['id']),
            'evse_id': emi3_evse_id(row['evse_id']),
            'status': status,
            'capabilities': [c for c in bits(station['capabilities'], Capability) if c in CAPABILITIES],
            'connectors': connectors,
            'floor_level': _cut(station['floor_level'], 4),
            'coordinates': geo(station['lat'], station['lon']),
            'physical_reference': _cut(row['physical_reference'] or station['physical_reference'], 16),
            'directions': display_texts(station['directions']),
            'parking_restrictions': [
                p for p in bits(row['parking_restrictions'], ParkingRestriction) if p in PARKING_RESTRICTIONS
            ],
            'images': images,
            'last_updated': newest(ts(row['last_updated']), connectors),
        }
    )


def business(prefix: str, row: Row) -> Row | None:
    name = row.get(f'{prefix}_name')
    if not name:
        return None
    return drop_nulls({'name': name[:100], 'website': row.get(f'{prefix}_website')})


def hours(row: Row) -> Row | None:
    """OCPI Hours; None when nothing is known (opening_times is optional, twentyfourseven is not)."""
    if row['twentyfourseven'] is None and not row['regular_hours']:
        return None
    out: Row = {'twentyfourseven': bool(row['twentyfourseven'])}
    if not out['twentyfourseven'] and row['regular_hours']:
        out['regular_hours'] = row['regular_hours']
    for key in ('exceptional_openings', 'exceptional_closings'):
        if row[key]:
            out[key] = row[key]
    return out


def _related(value: Any) -> Row | None:
    if not isinstance(value, dict):
        return None
    try:
        point = geo(value.get('latitude'), value.get('longitude'))
    except (TypeError, ValueError):
        return None
    if point is None:
        return None
    names = display_texts([value.get('name')])
    return {**point, 'name': names[0]} if names else point


def location(row: Row, image_base: str) -> Row:
    evses = [
        e
        for s in row.get('_stations', [])
        for e in (evse(e, s, image_base) for e in s.get('_evses', []))
        if e is not None
    ]
    return location_fields(row, evses, party(row), ts(row['last_updated']))


def location_fields(row: Row, evses: list[Row], parties: tuple[str, str], last_updated: str | None) -> Row:
    """The Location object of a location row, its EVSE objects, party and own `last_updated` already made
    (also by render/list_page.py, from rows whose values are in wire format)."""
    country_code, party_id = parties
    related = [_related(r) for r in row['related_locations'] or [] if _related(r) is not None]
    return drop_empty(
        {
            'country_code': country_code,
            'party_id': party_id,
            'id': str(row['id']),
            'publish': True,
            'name': _cut(row['name'], 255),
            'address': _cut(row['address'], 45) or '',
            'city': _cut(row['city'], 45) or '',
            'postal_code': _cut(row['postal_code'], 10),
            'state': _cut(row['state'], 20),
            'country': row['country'] or 'DEU',
            'coordinates': geo(row['lat'], row['lon']),
            'related_locations': related,
            'parking_type': row['parking_type'] if row['parking_type'] in PARKING_TYPES else None,
            'evses': evses,
            'directions': display_texts(row['directions']),
            'operator': business('operator', row),
            'suboperator': business('suboperator', row),
            'owner': business('owner', row),
            'time_zone': time_zone(row),
            'opening_times': hours(row),
            'charging_when_closed': row['charging_when_closed'],
            'energy_mix': row['energy_mix'] if isinstance(row['energy_mix'], dict) else None,
            'last_updated': newest(last_updated, evses),
        }
    )

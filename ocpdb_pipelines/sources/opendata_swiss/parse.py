"""opendata_swiss static: `{EVSEData: [{OperatorID, OperatorName, EVSEDataRecord: [...]}]}` -> locations.

Records are grouped per operator block by their exact `GeoCoordinates.Google` string; the first
record of a group gives the location (uid = its ChargingStationId). Fixes against the predecessor
(spec §8): correct plug standards; a facility's Amperage is kept and a missing Voltage no longer
nulls the voltage (V/A/W are completed by the connector defaults from what the source gave); the
facility's `powertype` is used when it fits the plug; the German name is preferred; EVSE
capabilities and floor level reach the charging station; a placeholder house number such as "." is
not appended to the street.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from ocpdb_pipelines.model.connector_defaults import DC_TYPES
from ocpdb_pipelines.model.enums import Capability, EvseStatus, ParkingType, PowerType
from ocpdb_pipelines.model.updates import (
    BusinessUpdate,
    ChargingStationUpdate,
    ConnectorUpdate,
    EvseUpdate,
    LocationUpdate,
    RegularHours,
    SkippedRecord,
)
from ocpdb_pipelines.sources.base import PayloadError, StaticBatch, skip
from ocpdb_pipelines.sources.common.values import (
    BERLIN,
    RecordError,
    as_dict,
    as_list,
    clean_text,
    coordinates,
    load_json,
    opt_bool,
    opt_str,
    parse_datetime,
    req_id,
    to_decimal,
    to_int,
)
from ocpdb_pipelines.sources.ocpi.parse import station_uid
from ocpdb_pipelines.sources.opendata_swiss.vocabulary import PLUGS

GOOGLE = re.compile(r'^\s*(-?\d{1,3}\.\d+)\s+(-?\d{1,3}\.\d+)\s*$')
PARKING = {
    'ParkingGarage': ParkingType.PARKING_GARAGE,
    'OnStreet': ParkingType.ON_STREET,
    'ParkingLot': ParkingType.PARKING_LOT,
    'UndergroundParkingGarage': ParkingType.UNDERGROUND_GARAGE,
}
ACCESSIBILITY = {
    'Free publicly accessible': 'FREE_PUBLIC',
    'Paying publicly accessible': 'PAYING_PUBLIC',
    'Restricted access': 'RESTRICTED',
    'Test Station': 'TEST_STATION',
}
CAPABILITIES = {
    'NFC RFID DESFire': Capability.RFID_READER,
    'NFC RFID Classic': Capability.RFID_READER,
    'REMOTE': Capability.REMOTE_START_STOP_CAPABLE,
}
WEEKDAYS = {
    'Monday': [1],
    'Tuesday': [2],
    'Wednesday': [3],
    'Thursday': [4],
    'Friday': [5],
    'Saturday': [6],
    'Sunday': [7],
    'Workdays': [1, 2, 3, 4, 5],
    'Weekend': [6, 7],
    'Everyday': [1, 2, 3, 4, 5, 6, 7],
}
TIME_ZONES = {
    'ARG': 'America/Argentina/Buenos_Aires',
    'AUS': 'Australia/Sydney',
    'AUT': 'Europe/Vienna',
    'BEL': 'Europe/Brussels',
    'BGR': 'Europe/Sofia',
    'CHE': 'Europe/Zurich',
    'CYP': 'Europe/Nicosia',
    'CZE': 'Europe/Prague',
    'DEU': 'Europe/Berlin',
    'EST': 'Europe/Tallinn',
    'FIN': 'Europe/Helsinki',
    'FRA': 'Europe/Paris',
    'ISR': 'Asia/Jerusalem',
    'LAO': 'Asia/Vientiane',
    'ITA': 'Europe/Rome',
    'LIE': 'Europe/Vaduz',
    'LTU': 'Europe/Vilnius',
    'NLD': 'Europe/Amsterdam',
    'POL': 'Europe/Warsaw',
    'SVK': 'Europe/Bratislava',
}
DEFAULT_TIME_ZONE = 'Europe/Zurich'


@dataclass
class Record:
    """One validated EVSEDataRecord, mapped to its EVSE plus what the location needs from it."""

    evse: EvseUpdate
    station_id: str
    google: str
    lat: Decimal
    lon: Decimal
    raw: dict
    capabilities: list[Capability]
    floor: str | None
    last_updated: datetime


def _address(address: dict) -> tuple[str, str | None, str, str | None]:
    street = opt_str(address, 'Street')
    city = opt_str(address, 'City')
    if street is None or city is None:
        raise RecordError('Address: Street and City are required')
    house = opt_str(address, 'HouseNum')
    if house and house != '0' and re.search(r'\w', house):
        street = f'{street} {house}'
    postal = opt_str(address, 'PostalCode')
    return (
        street,
        (None if postal in (None, '0') else postal.replace(' ', '') or None),
        city,
        opt_str(address, 'Country'),
    )


def _power_type(facility: dict, standard: Any) -> PowerType | None:
    value = facility.get('powertype') or facility.get('power_type')
    try:
        power_type = PowerType(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if power_type is None or (power_type == PowerType.DC) != (standard in DC_TYPES):
        return None  # contradicts the plug: let the plug decide
    return power_type


def _connector(index: int, plug: str, facility: Any, last_updated: datetime) -> ConnectorUpdate:
    standard, connector_format = PLUGS[plug]
    values: dict[str, Any] = {}
    if isinstance(facility, dict):
        power = facility.get('power')
        if power is not None:
            kilowatts = to_decimal(power, 'ChargingFacilities.power')
            if kilowatts < 0:
                raise RecordError('ChargingFacilities.power: negative')
            values['max_electric_power'] = int((kilowatts * 1000).to_integral_value()) or None
        values['max_voltage'] = to_int(facility.get('Voltage'), 'ChargingFacilities.Voltage') or None
        values['max_amperage'] = to_int(facility.get('Amperage'), 'ChargingFacilities.Amperage') or None
        values['power_type'] = _power_type(facility, standard)
    elif facility is not None:
        raise RecordError('ChargingFacilities: expected objects')
    return ConnectorUpdate(
        uid=str(index + 1), standard=standard, format=connector_format, last_updated=last_updated, **values
    )


def _record(raw: Any, now: datetime) -> Record:
    if not isinstance(raw, dict):
        raise RecordError('record: expected an object')
    evse_id = req_id(raw, 'EvseID', max_length=64)
    station_id = req_id(raw, 'ChargingStationId', max_length=255)
    geo = as_dict(raw, 'GeoCoordinates', required=True) or {}
    google = geo.get('Google')
    match = GOOGLE.match(google) if isinstance(google, str) else None
    if match is None:
        raise RecordError(f'GeoCoordinates.Google: not "lat lon" ({google!r})')
    lat, lon = coordinates(match.group(1), match.group(2))
    plugs = as_list(raw, 'Plugs')
    unknown = [p for p in plugs if p not in PLUGS]
    if unknown:
        raise RecordError(f'Plugs: unknown plug {unknown[0]!r}')
    facilities = as_list(raw, 'ChargingFacilities')
    last_updated = parse_datetime(raw.get('lastUpdate'), 'lastUpdate', naive_zone=BERLIN) or now
    connectors = [
        _connector(i, plug, facilities[i] if i < len(facilities) else None, last_updated)
        for i, plug in enumerate(plugs)
    ]
    capabilities: list[Capability] = []
    for mode in as_list(raw, 'AuthenticationModes'):
        capability = CAPABILITIES.get(mode)
        if capability is not None and capability not in capabilities:
            capabilities.append(capability)
    dynamic = raw.get('DynamicInfoAvailable')
    address = as_dict(raw, 'Address', required=True) or {}
    _address(address)  # validates Street / City per record
    return Record(
        evse=EvseUpdate(
            uid=evse_id,
            evse_id=evse_id,
            status=EvseStatus.STATIC if str(dynamic).lower() == 'false' else None,
            last_updated=last_updated,
            connectors=connectors,
        ),
        station_id=station_id,
        google=google,
        lat=lat,
        lon=lon,
        raw=raw,
        capabilities=capabilities,
        floor=opt_str(address, 'Floor', max_length=16),
        last_updated=last_updated,
    )


def _name(raw: dict) -> str | None:
    names = raw.get('ChargingStationNames')
    if isinstance(names, dict):
        names = [names]
    if not isinstance(names, list):
        return None
    texts = [(n.get('lang'), clean_text(n['value'])) for n in names if isinstance(n, dict) and n.get('value')]
    german = [text for lang, text in texts if lang == 'de' and text]
    return german[0] if german else next((text for _, text in texts if text), None)


def _regular_hours(raw: dict) -> list[RegularHours] | None:
    hours = []
    for entry in as_list(raw, 'OpeningTimes'):
        if not isinstance(entry, dict) or entry.get('on') not in WEEKDAYS:
            raise RecordError(f'OpeningTimes: unknown day {entry!r}')
        periods = entry.get('Period')
        for period in periods if isinstance(periods, list) else [periods]:
            if not isinstance(period, dict) or not period.get('begin') or not period.get('end'):
                raise RecordError('OpeningTimes: period without begin/end')
            hours += [
                RegularHours(weekday=day, period_begin=period['begin'], period_end=period['end'])
                for day in WEEKDAYS[entry['on']]
            ]
    return sorted(hours, key=lambda h: (h.weekday, h.period_begin)) or None


def _location(records: list[Record], operator: str | None) -> LocationUpdate:
    first = records[0]
    raw = first.raw
    street, postal, city, country = _address(raw['Address'])
    capabilities: list[Capability] = []
    for record in records:
        capabilities += [c for c in record.capabilities if c not in capabilities]
    floors = [r.floor for r in records if r.floor]
    station = ChargingStationUpdate(
        uid=station_uid(first.station_id),
        evses=[r.evse for r in records],
        capabilities=capabilities or None,
        floor_level=floors[0] if floors else None,
        last_updated=first.last_updated,
    )
    time_zone = opt_str(raw['Address'], 'TimeZone') or TIME_ZONES.get(country or '', DEFAULT_TIME_ZONE)
    return LocationUpdate(
        uid=first.station_id,
        lat=first.lat,
        lon=first.lon,
        time_zone=time_zone[:32],
        charging_pool=[station],
        name=_name(raw),
        address=street,
        postal_code=postal,
        city=city,
        country=country if country and len(country) == 3 else None,
        parking_type=PARKING.get(raw.get('AccessibilityLocation')),
        accessibility=ACCESSIBILITY.get(raw.get('Accessibility')),
        operator=BusinessUpdate(name=operator[:255]) if operator else None,
        twentyfourseven=opt_bool(raw, 'IsOpen24Hours'),
        regular_hours=_regular_hours(raw),
        help_phone=opt_str(raw, 'HotlinePhoneNumber', max_length=255),
        last_updated=first.last_updated,
    )


def blocks(body: bytes, key: str, records_key: str) -> list[dict]:
    payload = load_json(body, f'opendata_swiss {key}')
    if not isinstance(payload, dict) or not isinstance(payload.get(key), list):
        raise PayloadError(f'opendata_swiss: expected an object with a `{key}` list')
    for block in payload[key]:
        if not isinstance(block, dict) or not isinstance(block.get(records_key), list):
            raise PayloadError(f'opendata_swiss: every `{key}` entry needs a `{records_key}` list')
    return payload[key]


def parse(body: bytes, *, filter_countries: list[str] | None = None) -> StaticBatch:
    now = datetime.now(UTC)
    batch = StaticBatch(locations=[])
    countries = {c.upper() for c in filter_countries} if filter_countries else None
    for block in blocks(body, 'EVSEData', 'EVSEDataRecord'):
        operator = block.get('OperatorName') if isinstance(block.get('OperatorName'), str) else None
        groups: dict[str, list[Record]] = {}
        for raw in block['EVSEDataRecord']:
            if countries is not None and _country(raw) not in countries:
                continue
            try:
                record = _record(raw, now)
            except (RecordError, ValidationError) as exc:
                batch.skipped.append(_skip(raw, exc))
                continue
            groups.setdefault(record.google, []).append(record)
        for records in groups.values():
            try:
                batch.locations.append(_location(records, operator))
            except (RecordError, ValidationError) as exc:
                batch.skipped.append(_skip(records[0].raw, exc))
    return batch


def _country(raw: Any) -> str | None:
    address = raw.get('Address') if isinstance(raw, dict) else None
    country = address.get('Country') if isinstance(address, dict) else None
    return country.upper() if isinstance(country, str) else None


def _skip(raw: Any, exc: Exception) -> SkippedRecord:
    reference = raw.get('EvseID') if isinstance(raw, dict) else None
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        reason = f'invalid {".".join(str(p) for p in first["loc"])}: {first["msg"]}'
    else:
        reason = str(exc)
    return skip(f'EVSE {reference}', reason)

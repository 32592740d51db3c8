"""opendata_swiss samples: the BFE OICP-style static file `{EVSEData: [...]}` and status file `{EVSEStatuses: [...]}`.

One block per operator; every EVSE is its own EVSEDataRecord, the records of a site share the
`GeoCoordinates.Google` string and ChargingStationId (that is how the parser groups them). One small
operator publishes no live data (`DynamicInfoAvailable: "false"`, all statuses "Unknown"), as some
real operators do, so its EVSEs stay STATIC.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocpdb_pipelines.samples.areas import SWITZERLAND
from ocpdb_pipelines.samples.files import write_json
from ocpdb_pipelines.samples.sites import Evse, Plug, Site, generate_sites, later_statuses


@dataclass(frozen=True)
class SwissOperator:
    operator_id: str  # OICP OperatorID, e.g. CH*EVP
    name: str
    hotline: str
    count: int
    dynamic: bool = True


OPERATORS = (
    SwissOperator('CH*EVP', 'evpass', '+41225801616', 12),
    SwissOperator('CH*MOV', 'MOVE Mobility AG', '+41585802222', 10),
    SwissOperator('CH*GOF', 'GOFAST', '+41800250250', 6),
    SwissOperator('CH*REP', "PLUG'N ROLL", '+41814237070', 8),
    SwissOperator('CH*EWZ', 'ewz Elektrizitätswerk der Stadt Zürich', '+41584193111', 4, dynamic=False),
)
STATUS = {
    'AVAILABLE': 'Available',
    'CHARGING': 'Occupied',
    'OUTOFORDER': 'OutOfService',
    'RESERVED': 'Reserved',
    'INOPERATIVE': 'OutOfService',
}
ACCESSIBILITY = {
    'ON_STREET': 'OnStreet',
    'PARKING_LOT': 'ParkingLot',
    'PARKING_GARAGE': 'ParkingGarage',
    'UNDERGROUND_GARAGE': 'UndergroundParkingGarage',
}
SITE_NAMES = ('Parkplatz', 'Parkhaus', 'Bahnhof', 'Einkaufszentrum', 'Hotel', 'Gemeindehaus', 'Raststätte')


def _plug_name(plug: Plug) -> str:
    if plug.standard == 'IEC_62196_T2_COMBO':
        return 'CCS Combo 2 Plug (Cable Attached)'
    if plug.standard == 'CHADEMO':
        return 'CHAdeMO'
    if plug.standard == 'DOMESTIC_F':
        return 'Type J Swiss Standard'  # the Swiss household socket
    return 'Type 2 Connector (Cable Attached)' if plug.format == 'CABLE' else 'Type 2 Outlet'


def _facility(plug: Plug) -> dict[str, Any]:
    voltage, amperage = (230, 10) if plug.standard == 'DOMESTIC_F' else (plug.voltage, plug.amperage)
    power = 2.3 if plug.standard == 'DOMESTIC_F' else plug.power / 1000
    return {'Voltage': voltage, 'Amperage': amperage, 'power': power, 'powertype': plug.power_type}


def operator_sites(operator: SwissOperator, seed: int, index: int) -> list[Site]:
    rng = random.Random(f'opendata_swiss-{operator.operator_id}-{seed}')
    cities = SWITZERLAND[index:] + SWITZERLAND[:index]  # each operator starts in another city
    prefix = operator.operator_id
    return generate_sites(
        rng,
        cities,
        operator.count,
        mix=(('ac22', 6), ('ac_schuko', 1), ('dc50', 2), ('hpc150', 1)),
        evse_id=lambda site, station, i: f'{prefix}E{site.number:03d}{station.number}*{i + 1}',
    )


def _record(site: Site, evse: Evse, operator: SwissOperator, station_id: str, name: str) -> dict[str, Any]:
    return {
        'deltaType': 'insert',
        'lastUpdate': evse.last_updated.strftime('%Y-%m-%dT%H:%M:%SZ'),
        'EvseID': evse.evse_id,
        'ChargingStationNames': [{'lang': 'de', 'value': name}, {'lang': 'en', 'value': name}],
        'Address': {
            'Country': 'CHE',
            'City': site.city.name,
            'Street': site.street,
            'PostalCode': site.postcode,
            'HouseNum': site.house_number,
            'Floor': '-1' if site.parking_type == 'UNDERGROUND_GARAGE' else None,
            'Region': None,
            'ParkingSpot': None,
            'ParkingFacility': None,
        },
        'GeoCoordinates': {'Google': f'{site.lat:.6f} {site.lon:.6f}'},
        'Plugs': [_plug_name(plug) for plug in evse.plugs],
        'ChargingFacilities': [_facility(plug) for plug in evse.plugs],
        'RenewableEnergy': True,
        'CalibrationLawDataAvailability': 'Not Available',
        'AuthenticationModes': ['NFC RFID Classic', 'REMOTE'],
        'PaymentOptions': ['Direct', 'Contract'],
        'ValueAddedServices': ['None'],
        'Accessibility': 'Paying publicly accessible',
        'AccessibilityLocation': ACCESSIBILITY.get(site.parking_type, 'ParkingLot'),
        'HotlinePhoneNumber': operator.hotline,
        'IsOpen24Hours': site.twentyfourseven,
        'IsHubjectCompatible': True,
        'DynamicInfoAvailable': 'true' if operator.dynamic else 'false',
        'ChargingStationId': station_id,
        'ClearinghouseID': None,
        'OpeningTimes': None
        if site.twentyfourseven
        else [{'Period': [{'begin': '06:00', 'end': '22:00'}], 'on': 'Everyday'}],
    }


def static_payload(seed: int = 1) -> dict[str, Any]:
    blocks = []
    for index, operator in enumerate(OPERATORS):
        records = []
        for site in operator_sites(operator, seed, index):
            name = f'{SITE_NAMES[site.number % len(SITE_NAMES)]} {site.city.name} {site.street}'
            station_id = f'{operator.operator_id}S{site.number:04d}'
            records += [_record(site, evse, operator, station_id, name) for evse in site.evses]
        blocks.append({'OperatorID': operator.operator_id, 'OperatorName': operator.name, 'EVSEDataRecord': records})
    return {'EVSEData': blocks}


def realtime_payload(seed: int = 1) -> dict[str, Any]:
    blocks = []
    for index, operator in enumerate(OPERATORS):
        sites = later_statuses(operator_sites(operator, seed, index), seed)
        records = [
            {'EvseID': evse.evse_id, 'EVSEStatus': STATUS[evse.status] if operator.dynamic else 'Unknown'}
            for site in sites
            for evse in site.evses
        ]
        blocks.append({'OperatorID': operator.operator_id, 'OperatorName': operator.name, 'EVSEStatusRecord': records})
    return {'EVSEStatuses': blocks}


def write_static(path: str | Path, seed: int = 1) -> Path:
    return write_json(path, static_payload(seed))


def write_realtime(path: str | Path, seed: int = 1) -> Path:
    return write_json(path, realtime_payload(seed))

"""OCPI 2.2.1 Locations samples: `ocpi_stadtnavi` (Herrenberg, public file) and `eaaze_pbw` (PBW garages).

Both come in the OCPI envelope `{status_code, status_message, timestamp, data: [Location…]}`; the
realtime sample of these sources is the same file a few minutes later (statuses in the locations).
The Location renderer is shared with the chargecloud AFIR samples.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ocpdb_pipelines.samples.areas import (
    FREIBURG,
    HEIDELBERG,
    HERRENBERG,
    KARLSRUHE,
    MANNHEIM,
    STUTTGART,
    ULM,
)
from ocpdb_pipelines.samples.files import write_json
from ocpdb_pipelines.samples.sites import Site, Station, generate_sites, iso, later_statuses, reference_time

CAPABILITIES_AC = ['RFID_READER', 'REMOTE_START_STOP_CAPABLE']
CAPABILITIES_DC = ['RFID_READER', 'REMOTE_START_STOP_CAPABLE', 'CREDIT_CARD_PAYABLE']
GARAGE_NAMES = (
    'Parkhaus Hauptbahnhof',
    'Tiefgarage Schlossplatz',
    'Parkhaus Rathaus',
    'Tiefgarage Marktplatz',
    'Parkhaus Stadtmitte',
    'Tiefgarage Kongresszentrum',
    'Parkhaus Klinikum',
    'Parkhaus Theater',
)


@dataclass(frozen=True)
class Operator:
    name: str
    website: str | None
    party_id: str  # eMI3 operator id without country, e.g. 'SHB'
    phone: str


def ocpi_connector(evse_number: int, index: int, plug: Any, last_updated: datetime) -> dict[str, Any]:
    return {
        'id': str(evse_number * 10 + index + 1),
        'standard': plug.standard,
        'format': plug.format,
        'power_type': plug.power_type,
        'max_voltage': plug.voltage,
        'max_amperage': plug.amperage,
        'max_electric_power': plug.power,
        'last_updated': iso(last_updated),
    }


def ocpi_evse(site: Site, station: Station, evse: Any) -> dict[str, Any]:
    return {
        'uid': str(1_000_000 + evse.number),
        'evse_id': evse.evse_id,
        'status': evse.status,
        'capabilities': CAPABILITIES_DC if evse.is_dc else CAPABILITIES_AC,
        'connectors': [ocpi_connector(evse.number, i, plug, evse.last_updated) for i, plug in enumerate(evse.plugs)],
        'physical_reference': f'{station.number}-{evse.evse_id.rsplit("*", 1)[-1]}',
        'parking_restrictions': ['EV_ONLY'],
        'last_updated': iso(evse.last_updated),
    }


def opening_times(site: Site) -> dict[str, Any]:
    if site.twentyfourseven:
        return {'twentyfourseven': True}
    hours = [{'weekday': day, 'period_begin': '06:00', 'period_end': '23:00'} for day in range(1, 7)]
    return {'twentyfourseven': False, 'regular_hours': hours}


def ocpi_location(site: Site, operator: Operator, *, location_id: str, name: str) -> dict[str, Any]:
    return {
        'country_code': 'DE',
        'party_id': operator.party_id,
        'id': location_id,
        'publish': True,
        'name': name,
        'address': site.address,
        'city': site.city.name,
        'postal_code': site.postcode,
        'country': site.city.country,
        'coordinates': {'latitude': f'{site.lat:.6f}', 'longitude': f'{site.lon:.6f}'},
        'parking_type': site.parking_type,
        'evses': [ocpi_evse(site, station, evse) for station in site.stations for evse in station.evses],
        'operator': {'name': operator.name, 'website': operator.website}
        if operator.website
        else {'name': operator.name},
        'time_zone': 'Europe/Berlin',
        'opening_times': opening_times(site),
        'charging_when_closed': True,
        'help_phone': operator.phone,
        'last_updated': iso(max([site.last_updated] + [e.last_updated for e in site.evses])),
    }


def envelope(data: list[dict[str, Any]], at: datetime) -> dict[str, Any]:
    return {'status_code': 1000, 'status_message': 'Success', 'timestamp': iso(at), 'data': data}


# -- ocpi_stadtnavi: Herrenberg ------------------------------------------------------------------

HERRENBERG_OPERATORS = (
    Operator('Stadtwerke Herrenberg', 'https://www.stadtwerke-herrenberg.de', 'SWH', '+49 7032 9490'),
    Operator('EnBW mobility+ AG und Co.KG', 'https://www.enbw.com/elektromobilitaet', 'EBW', '+49 721 72586001'),
    Operator('Stadtwerke Tübingen GmbH', 'https://www.swtue.de', 'SWT', '+49 7071 157157'),
)


def stadtnavi_sites(seed: int, count: int = 24) -> list[Site]:
    rng = random.Random(f'stadtnavi-{seed}')
    return generate_sites(
        rng,
        [HERRENBERG],
        count,
        mix=(('ac22', 6), ('ac11', 3), ('dc50', 1), ('hpc150', 1)),
        evse_id=lambda site, station, index: f'DE*SWH*E{site.number:04d}{station.number}*{index + 1}',
        parking_types=(('ON_STREET', 5), ('PARKING_LOT', 4), ('PARKING_GARAGE', 1)),
    )


def stadtnavi_payload(seed: int = 1, *, realtime: bool = False, count: int = 24) -> dict[str, Any]:
    sites = stadtnavi_sites(seed, count)
    if realtime:
        sites = later_statuses(sites, seed)
    data = []
    for site in sites:
        operator = HERRENBERG_OPERATORS[site.number % len(HERRENBERG_OPERATORS)]
        data.append(ocpi_location(site, operator, location_id=f'herrenberg-{site.number:03d}', name=site.address))
    return envelope(data, reference_time())


# -- eaaze_pbw: Parkraumgesellschaft Baden-Württemberg garages --------------------------------------

PBW = Operator('Parkraumgesellschaft Baden-Württemberg mbH', 'https://www.pbw.de', 'PBW', '+49 711 2273590')


def pbw_sites(seed: int, count: int = 30) -> list[Site]:
    rng = random.Random(f'pbw-{seed}')
    return generate_sites(
        rng,
        [STUTTGART, KARLSRUHE, MANNHEIM, HEIDELBERG, FREIBURG, ULM],
        count,
        mix=(('wallbox', 8), ('ac22', 3), ('hpc150', 1)),
        evse_id=lambda site, station, index: f'DE*PBW*E{site.number:03d}{station.number:02d}{index + 1:02d}',
        stations_per_site=(1, 3),
        parking_types=(('PARKING_GARAGE', 3), ('UNDERGROUND_GARAGE', 2)),
    )


def pbw_payload(seed: int = 1, *, realtime: bool = False, count: int = 30) -> dict[str, Any]:
    sites = pbw_sites(seed, count)
    if realtime:
        sites = later_statuses(sites, seed)
    data = []
    for site in sites:
        garage = GARAGE_NAMES[site.number % len(GARAGE_NAMES)]
        location = ocpi_location(site, PBW, location_id=f'PBW{site.number:05d}', name=f'{garage} {site.city.name}')
        location['facilities'] = ['PARKING_LOT']
        data.append(location)
    return envelope(data, reference_time())


def write_stadtnavi(path: str | Path, seed: int = 1, *, realtime: bool = False) -> Path:
    return write_json(path, stadtnavi_payload(seed, realtime=realtime))


def write_pbw(path: str | Path, seed: int = 1, *, realtime: bool = False) -> Path:
    return write_json(path, pbw_payload(seed, realtime=realtime))

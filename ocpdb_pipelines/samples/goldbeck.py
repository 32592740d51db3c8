"""Goldbeck IPCM sample (`heilbronn_neckarbogen`): a JSON array of chargepoints in Heilbronn parking garages.

Each garage is one postal address (the parser makes it one location); each chargepoint is a wallbox
column with two outlets, an outlet being an EVSE with its `FORMAT` / `MAX_*` / `POWER_TYPE`
attributes and an OCPP-like `nativeStatus`. Timestamps are local wall-clock time without a zone,
as the real API sends them.
"""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ocpdb_pipelines.samples.areas import HEILBRONN
from ocpdb_pipelines.samples.files import write_json
from ocpdb_pipelines.samples.sites import Evse, Site, generate_sites, later_statuses

BERLIN = ZoneInfo('Europe/Berlin')
GARAGES = (
    'Heilbronn Quartiersgarage Neckarbogen',
    'Parkhaus Harmonie',
    'Tiefgarage Kiliansplatz',
    'Parkhaus Wilhelmstraße',
    'Parkhaus experimenta',
    'Tiefgarage Theaterforum K3',
    'Parkhaus Bahnhofsvorstadt',
    'Parkhaus Kaufland Zentrale',
)
NATIVE_STATUS = {
    'AVAILABLE': ('AVAILABLE',),
    'CHARGING': ('CHARGING', 'SUSPENDED_EV', 'PREPARING'),
    'OUTOFORDER': ('FAULTED',),
    'RESERVED': ('RESERVED',),
    'INOPERATIVE': ('UNAVAILABLE',),
}
MODELS = {
    11000: ('ALFEN Eve Double Pro-line', 'Typ 2 Buchse 11kW AC'),
    22000: ('Mennekes AMTRON 22', 'Typ 2 Buchse 22kW AC'),
}


def garage_sites(seed: int, count: int = len(GARAGES)) -> list[Site]:
    rng = random.Random(f'goldbeck-{seed}')
    return generate_sites(
        rng,
        [HEILBRONN],
        count,
        mix=(('ac11', 3), ('ac22', 1)),
        evse_id=lambda site, station, index: f'DESHNE{site.number:03d}{station.number:02d}{index + 1:02d}',
        stations_per_site=(3, 7),
        parking_types=(('PARKING_GARAGE', 2), ('UNDERGROUND_GARAGE', 1)),
        single_plug=True,
    )


def _local(moment: datetime) -> str:
    return moment.astimezone(BERLIN).replace(tzinfo=None).isoformat(timespec='milliseconds')


def _outlet(evse: Evse, connector_id: int) -> dict[str, Any]:
    plug = evse.plugs[0]
    choices = NATIVE_STATUS[evse.status]
    return {
        'attributes': [
            {'key': 'FORMAT', 'value': plug.format},
            {'key': 'MAX_ELECTRIC_POWER', 'value': str(plug.power)},
            {'key': 'MAX_VOLTAGE', 'value': str(plug.voltage)},
            {'key': 'MAX_AMPERAGE', 'value': str(plug.amperage)},
            {'key': 'POWER_TYPE', 'value': 'AC3'},
        ],
        'connectorId': connector_id,
        'evseId': evse.evse_id,
        'modelName': MODELS.get(plug.power, MODELS[11000])[1],
        'nativeStatus': choices[evse.number % len(choices)],
    }


def chargepoints(seed: int = 1, *, realtime: bool = False) -> list[dict[str, Any]]:
    sites = garage_sites(seed)
    if realtime:
        sites = later_statuses(sites, seed)
    result = []
    for site in sites:
        name = GARAGES[(site.number - 1) % len(GARAGES)]
        for station in site.stations:
            level = (station.number - 1) // 2 + 1
            first = station.evses[0]
            updated = max(evse.last_updated for evse in station.evses)
            result.append(
                {
                    'attributes': [
                        {'key': 'DEVICE_ID', 'value': f'SWHN_{site.number:04d}_{level:02d}_{station.number:02d}'},
                        {'key': 'RENEWABLE_ENERGY', 'value': 'true'},
                        {'key': 'ROAMING', 'value': 'true'},
                        {'key': 'FAST_CHARGER', 'value': 'false'},
                        {'key': 'TOKEN_PREFIX'},
                    ],
                    'id': 120_000 + first.number,
                    'lastUpdatedAt': _local(updated),
                    'modelName': MODELS.get(first.plugs[0].power, MODELS[11000])[0],
                    'name': f'Ebene {level} - Ladesäule {station.number:02d}',
                    'nativeStatus': 'AVAILABLE',
                    'outlets': [_outlet(evse, i + 1) for i, evse in enumerate(station.evses)],
                    # the columns of a garage stand a few metres apart
                    'position': {
                        'latitude': round(site.lat + station.number * 0.00002, 6),
                        'longitude': round(site.lon + station.number * 0.00003, 6),
                    },
                    'postalAddress': {
                        'id': 2900 + site.number,
                        'type': 'PostalAddress',
                        'city': site.city.name,
                        'country': 'DE',
                        'name': name,
                        'street1': site.street,
                        'street2': site.house_number,
                        'zip': site.postcode,
                    },
                    'roamingChargingStation': True,
                    'tenant': {'id': 1085, 'name': 'Stadtwerke Heilbronn'},
                }
            )
    return result


def write_chargepoints(path: str | Path, seed: int = 1, *, realtime: bool = False) -> Path:
    return write_json(path, chargepoints(seed, realtime=realtime))

"""Lichtblick sample: `{operator: {operatorName, operatorPlaces: [place…]}}` (chargeIT-style JSON).

A place is a location with `circuits`, each circuit one EVSE with one plug (`TYP2`, `CCS`, …), a
`powerInfo` such as `AC_022kW_032A` and an OCPP 1.6 status. Two places are unpublished (the parser
leaves them out without counting them as errors), as in the real feed.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from ocpdb_pipelines.samples.areas import GERMANY
from ocpdb_pipelines.samples.files import write_json
from ocpdb_pipelines.samples.sites import Evse, Plug, Site, generate_sites, later_statuses

OPERATOR = 'LichtBlick eMobility GmbH'
UNPUBLISHED = 2
STATUS = {
    'AVAILABLE': ('OCPP16_AVAILABLE',),
    'CHARGING': ('OCPP16_CHARGING', 'OCPP16_SUSPENDEDEV', 'OCPP16_PREPARING'),
    'OUTOFORDER': ('OCPP16_FAULTED',),
    'RESERVED': ('OCPP_OCCUPIED',),
    'INOPERATIVE': ('OCPP16_UNAVAILABLE',),
}
PLACE_NAMES = ('Kundenparkplatz', 'Ladepunkt', 'Quartiersgarage', 'Mobilitätsstation', 'Parkplatz Rathaus')


def _plug(plug: Plug) -> str:
    if plug.standard == 'IEC_62196_T2_COMBO':
        return 'CCS'
    if plug.standard == 'CHADEMO':
        return 'CHAdeMO'
    if plug.standard == 'DOMESTIC_F':
        return 'SCHUKO'
    if plug.format == 'CABLE':
        return 'TYP2_CABLE'
    return 'TYP2_11KW' if plug.power == 11000 else 'TYP2'


def _power_info(plug: Plug) -> str:
    kilowatts = plug.power // 1000
    if plug.is_dc:
        return f'DC_{kilowatts:03d}kW'
    return f'AC_{kilowatts:03d}kW_{plug.amperage:03d}A'


def _circuit(evse: Evse) -> dict[str, Any]:
    plug = evse.plugs[0]
    status = STATUS[evse.status][evse.number % len(STATUS[evse.status])]
    charging = evse.status == 'CHARGING'
    return {
        '_id': 50_000 + evse.number,
        'charging': charging,
        'ready': evse.status == 'AVAILABLE',
        'isReady': evse.status == 'AVAILABLE',
        'isCharging': charging,
        'powerInfo': _power_info(plug),
        'plug': _plug(plug),
        'evseId': evse.evse_id,
        'status': status,
        'power_type': 'DC' if plug.is_dc else 'AC',
        'max_electric_power': plug.power,
    }


def place_sites(seed: int, count: int = 36) -> list[Site]:
    rng = random.Random(f'lichtblick-{seed}')
    return generate_sites(
        rng,
        GERMANY,
        count,
        mix=(('ac22', 6), ('ac11', 3), ('hpc150', 1)),
        evse_id=lambda site, station, index: f'DE*LBE*E{site.number:04d}{station.number}{index + 1:02d}',
        single_plug=True,
    )


def payload(seed: int = 1, *, realtime: bool = False) -> dict[str, Any]:
    sites = place_sites(seed)
    if realtime:
        sites = later_statuses(sites, seed)
    places = []
    for site in sites:
        shortcode = f'{site.city.name[:3].upper()}{site.number:04d}'
        places.append(
            {
                'name': f'{PLACE_NAMES[site.number % len(PLACE_NAMES)]} {site.street}',
                'serviceTag': f'LB-{site.number:05d}',
                'shortcode': shortcode,
                'address': {'street': site.address, 'city': site.city.name, 'zipCode': site.postcode},
                'lat': site.lat,
                'lon': site.lon,
                'status': 'OK',
                'published': site.number > UNPUBLISHED,
                'accessibilityType': 'FREEPUBLIC',
                'hours': {'twentyfourseven': site.twentyfourseven},
                'operatorName': OPERATOR,
                'description': '',
                'circuits': [_circuit(evse) for evse in site.evses],
            }
        )
    return {
        'operator': {
            'placesCount': len(places),
            'operatorId': 7,
            'operatorName': OPERATOR,
            'amountStations': sum(len(site.stations) for site in sites),
            'amountIdentifications': 0,
            'amountUsers': 0,
            'operatorPlaces': places,
        }
    }


def published_count(seed: int = 1) -> int:
    return len(place_sites(seed)) - UNPUBLISHED


def write_payload(path: str | Path, seed: int = 1, *, realtime: bool = False) -> Path:
    return write_json(path, payload(seed, realtime=realtime))

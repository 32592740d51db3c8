"""giro-e (GLS Mobility) samples: a `charge-locations` page and a `charge-connectors` page (`{items, next_path}`).

Locations carry stations (uuid uids) with connectors; a connector is an EVSE whose `uid` is its
published EVSE id. The connectors page is what the realtime pull reads: every connector with its
current status and `modified` time. Both samples are one last page (`next_path` null).
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ocpdb_pipelines.samples.areas import RUHR_AND_RHINELAND
from ocpdb_pipelines.samples.files import write_json
from ocpdb_pipelines.samples.sites import Evse, Site, generate_sites, iso, later_statuses, reference_time

STATUS = {
    'AVAILABLE': ('available',),
    'CHARGING': ('charging', 'suspended_ev', 'preparing'),
    'OUTOFORDER': ('outoforder',),
    'RESERVED': ('reserved',),
    'INOPERATIVE': ('inoperative',),
}


def location_sites(seed: int, count: int = 32) -> list[Site]:
    rng = random.Random(f'giroe-{seed}')
    return generate_sites(
        rng,
        RUHR_AND_RHINELAND,
        count,
        mix=(('ac22', 6), ('ac11', 3), ('dc50', 1)),
        evse_id=lambda site, station, index: f'DEGLSE{site.number:04d}{station.number}{index + 1:02d}',
        stations_per_site=(1, 2),
        single_plug=True,
    )


def _station_uid(seed: int, site: Site, number: int) -> str:
    return str(uuid.UUID(int=random.Random(f'giroe-station-{seed}-{site.number}-{number}').getrandbits(128), version=4))


def _created(moment: datetime) -> str:
    return iso(moment - timedelta(days=500))


def connector(evse: Evse) -> dict[str, Any]:
    plug = evse.plugs[0]
    return {
        'id': 7000 + evse.number,
        'created': _created(evse.last_updated),
        'modified': iso(evse.last_updated),
        'uid': evse.evse_id,
        'ocpp_connector_id': 1,
        'status': STATUS[evse.status][evse.number % len(STATUS[evse.status])],
        'power': plug.power,
        'power_type': plug.power_type,
        'standard': plug.standard,
        'format': plug.format,
    }


def _location(seed: int, site: Site) -> dict[str, Any]:
    return {
        'id': 2600 + site.number,
        'created': _created(site.last_updated),
        'modified': iso(site.last_updated),
        'lat': f'{site.lat:.7f}',
        'lon': f'{site.lon:.7f}',
        'address': site.address,
        'postalcode': site.postcode,
        'locality': site.city.name,
        'country': 'DE',
        'public': True,
        'public_description': None,
        'stations': [
            {
                'id': 10_000 + site.number * 10 + station.number,
                'created': _created(site.last_updated),
                'modified': iso(site.last_updated),
                'uid': _station_uid(seed, site, station.number),
                'technical_backend': 'tcc',
                'hardware_id': f'GLS-{site.number:04d}-{station.number}',
                'connectors': [connector(evse) for evse in station.evses],
            }
            for station in site.stations
        ],
    }


def locations_page(seed: int = 1) -> dict[str, Any]:
    return {'items': [_location(seed, site) for site in location_sites(seed)], 'next_path': None}


def connectors_page(seed: int = 1) -> dict[str, Any]:
    sites = later_statuses(location_sites(seed), seed, at=reference_time())
    return {'items': [connector(evse) for site in sites for evse in site.evses], 'next_path': None}


def write_locations(path: str | Path, seed: int = 1) -> Path:
    return write_json(path, locations_page(seed))


def write_connectors(path: str | Path, seed: int = 1) -> Path:
    return write_json(path, connectors_page(seed))

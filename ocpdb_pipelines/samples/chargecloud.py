"""chargecloud samples: the public feed (Stuttgart, Pforzheim, Tübingen) and the AFIR cursor API (Ludwigsburg).

The public feed is an OCPI envelope with chargecloud's variants: the EVSE id in `id`, numeric text in
`voltage` / `ampere`, `max_power` in kW, chargecloud-only extras (`tariffZones`, `roaming`, …).
The AFIR API serves OCPI 2.2.1 Locations in `{next, items}` pages with EVSE tariffs; `afir_pages`
splits a sample into cursor-linked pages, `afir_single_page` is the whole sample as one last page
(what a replay of one file reads).
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocpdb_pipelines.samples.areas import LUDWIGSBURG, PFORZHEIM, STUTTGART, TUEBINGEN, City
from ocpdb_pipelines.samples.files import write_json
from ocpdb_pipelines.samples.ocpi import Operator, ocpi_location
from ocpdb_pipelines.samples.sites import Evse, Site, generate_sites, iso, later_statuses, reference_time


@dataclass(frozen=True)
class PublicFeed:
    city: City
    operator: str
    operator_id: str
    hotline: str
    count: int


PUBLIC_FEEDS: dict[str, PublicFeed] = {
    'chargecloud_stuttgart': PublicFeed(STUTTGART, 'Stadtwerke Stuttgart GmbH', 'STR', '+49711346501212', 48),
    'chargecloud_pforzheim': PublicFeed(PFORZHEIM, 'Stadtwerke Pforzheim GmbH & Co. KG', 'SWP', '+4972316091', 26),
    'chargecloud_tuebingen': PublicFeed(TUEBINGEN, 'Stadtwerke Tübingen GmbH', 'SWT', '+497071157157', 30),
}
DIRECTIONS = ('Zufahrt über den Hof', 'Im Parkhaus Ebene -1', 'Neben dem Haupteingang', 'Gegenüber der Bushaltestelle')


def public_sites(uid: str, seed: int) -> list[Site]:
    feed = PUBLIC_FEEDS[uid]
    rng = random.Random(f'{uid}-{seed}')
    party = feed.operator_id
    return generate_sites(
        rng,
        [feed.city],
        feed.count,
        mix=(('ac22', 8), ('ac11', 3), ('dc50', 1), ('hpc150', 1)),
        evse_id=lambda site, station, index: f'DE*{party}*E{10000 + site.number}{station.number}*{index + 1:03d}',
    )


def _public_connector(evse: Evse, index: int) -> dict[str, Any]:
    plug = evse.plugs[index]
    kilowatts = plug.power / 1000
    return {
        'id': str(189_000_000 + evse.number * 10 + index),
        'status': evse.status,
        'standard': plug.standard,
        'format': plug.format,
        'power_type': plug.power_type,
        'ampere': str(plug.amperage),
        'voltage': str(plug.voltage),
        'max_power': int(kilowatts) if kilowatts.is_integer() else kilowatts,
        'tariff_id': None,
    }


def _public_location(site: Site, feed: PublicFeed, rng: random.Random) -> dict[str, Any]:
    evses = []
    for station in site.stations:
        for evse in station.evses:
            capabilities = ['RFID_READER', 'REMOTE_START_STOP_CAPABLE']
            if evse.number % 3 == 0:
                capabilities.append('RESERVABLE')
            evses.append(
                {
                    'uid': str(1_140_000 + evse.number),
                    'id': evse.evse_id,
                    'status': evse.status,
                    'reservable': 'RESERVABLE' in capabilities,
                    'capabilities': capabilities,
                    'physical_reference': '',
                    'floor_level': 'Ebene -1' if site.parking_type == 'PARKING_GARAGE' else '',
                    'vehicle_type': 'four_wheeled',
                    'chargePointPosition': None,
                    'chargePointPublicComment': None,
                    'roaming': True,
                    'connectors': [_public_connector(evse, i) for i in range(len(evse.plugs))],
                }
            )
    opening = (
        {'twentyfourseven': True}
        if site.twentyfourseven
        else {
            'twentyfourseven': False,
            'regular_hours': [{'weekday': d, 'period_begin': '07:00', 'period_end': '22:00'} for d in range(1, 8)],
        }
    )
    return {
        'id': str(493_000 + site.number),
        'name': f'{site.address} LADE / {site.number:03d}',
        'status': 'active',
        'address': site.address,
        'city': site.city.name,
        'postal_code': site.postcode,
        'country': 'DEU',
        'directions': rng.choice(DIRECTIONS) if rng.random() < 0.2 else '',
        'comment': '',
        'coordinates': {'latitude': f'{site.lat:.6f}', 'longitude': f'{site.lon:.6f}'},
        'distance_in_m': '0',
        'operator': {'operatorId': feed.operator_id, 'name': feed.operator, 'hotline': feed.hotline},
        'opening_times': opening,
        'owner': None,
        'roaming': True,
        'evses': evses,
        'tariffZones': [str(2800 + site.number % 7)],
    }


def public_payload(uid: str, seed: int = 1, *, realtime: bool = False) -> dict[str, Any]:
    """The public feed of one chargecloud source; `realtime` gives the same feed with later statuses."""
    feed = PUBLIC_FEEDS[uid]
    sites = public_sites(uid, seed)
    if realtime:
        sites = later_statuses(sites, seed)
    rng = random.Random(f'{uid}-{seed}-texts')
    return {
        'currentLocale': 'de_DE',
        'status_code': 1000,
        'status_message': 'Success',
        'timestamp': iso(reference_time(), zulu=False),
        'data': [_public_location(site, feed, rng) for site in sites],
    }


# -- AFIR (Ludwigsburg) ----------------------------------------------------------------------------

SWLB = Operator('SWLB Mobilität GmbH', 'https://www.swlb-mobilitaet.de', 'SLB', '+4971419104799')


def _afir_tariff(dc: bool) -> dict[str, Any]:
    """Ad-hoc price: per kWh, free first hours, then a blocking fee per minute in the daytime."""
    blocking_after = 3600 * (1 if dc else 4) + 60
    return {
        'id': 'SLB-DC-ADHOC' if dc else 'SLB-AC-ADHOC',
        'currency': 'EUR',
        'elements': [
            {'price_components': [{'type': 'ENERGY', 'price': 0.69 if dc else 0.59, 'step_size': 1}]},
            {
                'price_components': [
                    {'type': 'TIME', 'price': 0, 'step_size': 60},
                    {'type': 'PARKING_TIME', 'price': 0, 'step_size': 60},
                ],
                'restrictions': [{'start_time': '08:00:00', 'end_time': '19:59:59'}],
            },
            {
                'price_components': [
                    {'type': 'TIME', 'price': 6.0 if dc else 4.8, 'step_size': 60},
                    {'type': 'PARKING_TIME', 'price': 6.0 if dc else 4.8, 'step_size': 60},
                ],
                'restrictions': [
                    {'start_time': '08:00:00', 'end_time': '19:59:59', 'min_duration': blocking_after},
                ],
            },
        ],
        'last_updated': iso(reference_time().replace(month=1, day=15)),
    }


def afir_sites(seed: int, count: int = 40) -> list[Site]:
    rng = random.Random(f'ludwigsburg-{seed}')
    return generate_sites(
        rng,
        [LUDWIGSBURG],
        count,
        mix=(('ac22', 7), ('ac11', 2), ('hpc150', 1)),
        evse_id=lambda site, station, index: f'DE*SLB*E{site.number:03d}L{station.number}0000*{index + 1:03d}',
    )


def afir_items(seed: int = 1, *, realtime: bool = False, count: int = 40) -> list[dict[str, Any]]:
    sites = afir_sites(seed, count)
    if realtime:
        sites = later_statuses(sites, seed)
    items = []
    for site in sites:
        item = ocpi_location(site, SWLB, location_id=str(1_588_600 + site.number), name=f'LB {site.address}')
        item['country_code'] = 'DE'
        item['directions'] = [{'text': 'öffentliche Ladestation', 'language': 'DE'}]
        for raw, evse in zip(item['evses'], site.evses, strict=True):
            raw['accepted_service_providers'] = ['unzer']
            raw['tariffs'] = [_afir_tariff(evse.is_dc)]
        items.append(item)
    return items


def _cursor(seed: int, page: int) -> str:
    return base64.b64encode(f'ludwigsburg:{seed}:page:{page}'.encode()).decode()


def afir_pages(seed: int = 1, *, realtime: bool = False, count: int = 40, pages: int = 2) -> list[dict[str, Any]]:
    """The sample as `pages` cursor pages: every page but the last carries an opaque `next` cursor."""
    items = afir_items(seed, realtime=realtime, count=count)
    size = -(-len(items) // pages)
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    return [
        {'next': _cursor(seed, number + 1) if number < len(chunks) - 1 else None, 'items': chunk}
        for number, chunk in enumerate(chunks)
    ]


def afir_single_page(seed: int = 1, *, realtime: bool = False, count: int = 40) -> dict[str, Any]:
    return {'next': None, 'items': afir_items(seed, realtime=realtime, count=count)}


def write_public(path: str | Path, uid: str, seed: int = 1, *, realtime: bool = False) -> Path:
    return write_json(path, public_payload(uid, seed, realtime=realtime))


def write_afir(path: str | Path, seed: int = 1, *, realtime: bool = False) -> Path:
    return write_json(path, afir_single_page(seed, realtime=realtime))


def write_afir_pages(directory: str | Path, seed: int = 1, *, realtime: bool = False) -> list[Path]:
    kind = 'realtime' if realtime else 'static'
    return [
        write_json(Path(directory) / f'chargecloud_ludwigsburg_{kind}_page{number}.json', page)
        for number, page in enumerate(afir_pages(seed, realtime=realtime), start=1)
    ]

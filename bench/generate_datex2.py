"""Generate DATEX II 3.5 AFIR payloads for benchmarks and offline demos (deterministic per seed).

    python -m bench.generate_datex2 --sites 20000 --out data/bench/datex2_static.json
    python -m bench.generate_datex2 --realtime 10000 --sites 20000 --out data/bench/datex2_realtime.json

A static publication has N sites, each with two stations of two refill points (4N EVSEs), a
handful of shared price sheets (so tariff grouping has real work), parking spaces and operators.
A realtime delta is a Mobilithek `messageContainer` with M refill point statuses of those EVSEs.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Any

import orjson

from ocpdb_pipelines.quality.coordinates import inside_country

STATUSES = ('available', 'charging', 'occupied', 'faulted', 'outOfOrder', 'reserved', 'unknown')
CITIES = ('Stuttgart', 'Karlsruhe', 'Ulm', 'Freiburg', 'Heidelberg', 'Mannheim', 'Tübingen', 'Konstanz')
OPERATORS = (('Bench Energie', 'BEN'), ('Lade AG', 'LAD'), ('Strom & Co', 'STC'), ('E-Mobil GmbH', 'EMO'))
PUBLISHED = '2026-03-19T00:00:00.011+01:00'


def _text(value: str) -> dict:
    return {'values': [{'lang': 'de', 'value': value}]}


def evse_id(site: int, station: int, point: int) -> str:
    return f'DE*BEN*E{site:06d}{station}*{point}'


def _rate(dc: bool, variant: int) -> dict:
    energy = 0.59 + 0.04 * variant + (0.1 if dc else 0)
    return {
        'idG': f'rate-{int(dc)}-{variant}',
        'ratePolicy': {'value': 'adHoc'},
        'lastUpdated': f'2026-02-{10 + variant:02d}T10:00:00+01:00',
        'applicableCurrency': ['EUR'],
        'energyPrice': [
            {'priceType': {'value': 'pricePerKWh'}, 'value': round(energy, 8), 'taxIncluded': False, 'taxRate': 19.0},
            {
                'priceType': {'value': 'pricePerMinute'},
                'value': 0.1,
                'taxIncluded': False,
                'taxRate': 19.0,
                'timeBasedApplicability': {'fromMinute': 120 if not dc else 30},
            },
        ],
    }


def _point(site: int, station: int, point: int, dc: bool, variant: int) -> dict:
    power = 150000.0 if dc else 22000.0
    return {
        'aegiElectricChargingPoint': {
            'idG': evse_id(site, station, point),
            'versionG': PUBLISHED,
            'deliveryUnit': {'value': 'kWh'},
            'currentType': {'value': 'dc' if dc else 'ac'},
            'numberOfConnectors': 1,
            'availableVoltage': [1000.0 if dc else 230.0],
            'availableChargingPower': [power],
            'connector': [
                {'connectorType': {'value': 'iec62196T2COMBO' if dc else 'iec62196T2'}, 'maxPowerAtSocket': power}
            ],
            'electricEnergy': [{'isGreenEnergy': variant % 2 == 0, 'energyRate': [_rate(dc, variant)]}],
        }
    }


def _location_reference(lat: float, lon: float, street: str, number: str, city: str) -> dict:
    return {
        'locPointLocation': {
            'coordinatesForDisplay': {'latitude': lat, 'longitude': lon},
            'locLocationExtensionG': {
                'FacilityLocation': {
                    'timeZone': 'Europe/Berlin',
                    'address': {
                        'postcode': f'7{lat * 1000 % 10000:04.0f}',
                        'city': _text(city),
                        'countryCode': 'DE',
                        'addressLine': [
                            {'order': 1, 'type': {'value': 'street'}, 'text': _text(street)},
                            {'order': 2, 'type': {'value': 'houseNumber'}, 'text': _text(number)},
                        ],
                    },
                }
            },
        }
    }


def _site(index: int, rng: random.Random) -> dict:
    while True:  # Baden-Württemberg's box reaches into Switzerland and France: the importer skips those
        lat = round(rng.uniform(47.6, 49.7), 7)
        lon = round(rng.uniform(7.6, 10.4), 7)
        if inside_country('DEU', lat, lon):
            break
    name, operator_id = OPERATORS[index % len(OPERATORS)]
    variant = rng.randrange(4)
    stations = []
    for station in range(2):
        dc = station == 0 and index % 3 == 0
        stations.append(
            {
                'idG': f'{index:06d}-{station}',
                'versionG': PUBLISHED,
                'totalMaximumPower': 300000.0 if dc else 44000.0,
                'numberOfRefillPoints': 2,
                'authenticationAndIdentificationMethods': [{'value': 'overTheAir'}, {'value': 'mifareClassic'}],
                'userInterfaceLanguage': ['de', 'en'],
                'serviceType': [{'serviceType': {'value': 'unattended'}}],
                'refillPoint': [_point(index, station, point, dc, variant) for point in (1, 2)],
            }
        )
    return {
        'idG': f'SITE{index:06d}',
        'versionG': PUBLISHED,
        'name': _text(f'Ladepark {index}'),
        'operatingHours': {'afacOpenAllHours': {}},
        'locationReference': _location_reference(lat, lon, 'Benchstraße', str(index % 200 + 1), rng.choice(CITIES)),
        'dedicatedParkingSpaces': [
            {
                'idG': 'PARKING',
                'versionG': PUBLISHED,
                'numberOfSpaces': 1,
                'applicableForVehicles': [
                    {
                        'comVehicleCharacteristicsExtensionG': {
                            'VehicleCharacteristicsExtended': {'euVehicleCategory': [{'value': 'm1'}]}
                        }
                    }
                ],
                'amenities': {'illuminated': True, 'roofed': False},
            }
        ]
        * 4,
        'operator': {
            'afacAnOrganisation': {
                'name': _text(name),
                'externalIdentifier': [
                    {
                        'identifier': operator_id,
                        'typeOfIdentifier': {'value': 'extendedG', 'extendedValueG': 'operatorId'},
                    }
                ],
            }
        },
        'helpdesk': {
            'afacReferenceableOrganisation': {
                'idG': 'HELP',
                'versionG': PUBLISHED,
                'name': _text(name),
                'organisationUnit': [
                    {'contactInformation': [{'afacContactInformation': {'telephoneNumber': '+49 711 0'}}]}
                ],
            }
        },
        'energyInfrastructureStation': stations,
    }


def static_publication(sites: int, seed: int = 1) -> dict[str, Any]:
    rng = random.Random(seed)
    return {
        'payload': {
            'versionG': '3.5',
            'modelBaseVersionG': '3',
            'profileNameG': 'AFIR Energy Infrastructure',
            'profileVersionG': '01-00-00',
            'aegiEnergyInfrastructureTablePublication': {
                'lang': 'de',
                'publicationTime': PUBLISHED,
                'publicationCreator': {'country': 'DE', 'nationalIdentifier': 'DE-BENCH'},
                'energyInfrastructureTable': [
                    {
                        'idG': 'bench',
                        'versionG': '1',
                        'energyInfrastructureSite': [_site(index, rng) for index in range(sites)],
                    }
                ],
            },
        }
    }


def realtime_delta(points: int, sites: int, seed: int = 1, protocol: str = 'deltaPush') -> dict[str, Any]:
    """A status publication for `points` refill points chosen from the static publication's EVSEs."""
    rng = random.Random(seed)
    chosen = sorted(rng.sample(range(sites * 4), min(points, sites * 4)))
    by_station: dict[tuple[int, int], list[int]] = {}
    for number in chosen:
        by_station.setdefault((number // 4, number % 4 // 2), []).append(number % 2 + 1)
    by_site: dict[int, list[dict]] = {}
    for (site, station), station_points in by_station.items():
        by_site.setdefault(site, []).append(
            {
                'reference': {'targetClass': 'FacilityObject', 'idG': f'{site:06d}-{station}', 'versionG': PUBLISHED},
                'refillPointStatus': [
                    {
                        'aegiRefillPointStatus': {
                            'reference': {'idG': evse_id(site, station, point), 'versionG': PUBLISHED},
                            'lastUpdated': '2026-03-19T06:51:57.079+01:00',
                            'status': {'value': rng.choice(STATUSES)},
                        }
                    }
                    for point in station_points
                ],
            }
        )
    return {
        'messageContainer': {
            'payload': [
                {
                    'versionG': '3.5',
                    'modelBaseVersionG': '3',
                    'aegiEnergyInfrastructureStatusPublication': {
                        'lang': 'de',
                        'publicationTime': '2026-03-19T07:00:00+01:00',
                        'publicationCreator': {'country': 'DE', 'nationalIdentifier': 'DE-BENCH'},
                        'energyInfrastructureSiteStatus': [
                            {
                                'reference': {'idG': f'SITE{site:06d}', 'versionG': PUBLISHED},
                                'energyInfrastructureStationStatus': stations,
                            }
                            for site, stations in by_site.items()
                        ],
                    },
                }
            ],
            'exchangeInformation': {
                'exchangeContext': {
                    'codedExchangeProtocol': {'value': protocol},
                    'exchangeSpecificationVersion': '3.5',
                    'supplierOrCisRequester': {'name': 'bench'},
                },
                'dynamicInformation': {
                    'exchangeStatus': {'value': 'online'},
                    'messageGenerationTimestamp': '2026-03-19T06:00:00+00:00',
                },
            },
        }
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sites', type=int, default=20_000)
    parser.add_argument('--realtime', type=int, default=0, help='write a realtime delta of this many points')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--out', type=Path, required=True)
    args = parser.parse_args()
    document = (
        realtime_delta(args.realtime, args.sites, args.seed)
        if args.realtime
        else static_publication(args.sites, args.seed)
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(orjson.dumps(document))
    print(f'wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)')


if __name__ == '__main__':
    main()

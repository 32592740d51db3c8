"""DATEX II AFIR energy infrastructure samples: 3.5 static and status publications, 3.7 static (giro-e).

A static sample is a bare `{"payload": {…TablePublication}}` body as Mobilithek hands it out: sites
with address and coordinates, stations with authentication methods, refill points with connectors
and ad-hoc / contract energy rates (per kWh, per minute after a free period, base fees, time-of-day
prices). A realtime sample is a 3.5 `messageContainer` status publication with the same EVSEs a few
minutes later. 3.5 samples follow the AFIR 3.5 JSON schema; the 3.7 sample is shaped like giro-e's real
feed (3.5 member prefixes, `AfirFacilityLocation`, `pointByCoordinates`, `energyProduct`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ocpdb_pipelines.samples.areas import BADEN_WUERTTEMBERG, GERMANY, RUHR_AND_RHINELAND, City
from ocpdb_pipelines.samples.files import write_json
from ocpdb_pipelines.samples.sites import Evse, Plug, Site, Station, generate_sites, later_statuses, reference_time

CONNECTOR_TYPES = {
    'IEC_62196_T2': 'iec62196T2',
    'IEC_62196_T2_COMBO': 'iec62196T2COMBO',
    'CHADEMO': 'chademo',
    'DOMESTIC_F': 'domesticF',
}
STATUS = {
    'AVAILABLE': ('available',),
    'CHARGING': ('charging', 'occupied'),
    'OUTOFORDER': ('outOfOrder', 'faulted'),
    'RESERVED': ('reserved',),
    'INOPERATIVE': ('inoperative',),
}


@dataclass(frozen=True)
class Price:
    price_type: str  # pricePerKWh | pricePerMinute | basePrice
    value: float
    from_minute: int | None = None
    period: tuple[str, str] | None = None  # time of day (start, end) the price applies


@dataclass(frozen=True)
class Rate:
    rate_id: str
    policy: str  # adHoc | contract
    prices: tuple[Price, ...]
    dc: bool | None = None  # None: for every EVSE, else only for DC (True) or AC (False) EVSEs


@dataclass(frozen=True)
class DatexSource:
    uid: str
    operator: str
    operator_id: str  # eMI3 operator id, e.g. DE*EBW
    helpdesk_phone: str
    cities: tuple[City, ...]
    mix: tuple[tuple[str, float], ...]
    count: int
    rates: tuple[Rate, ...]
    tax_rate: float = 19.0  # EnBW & co. send percent, giro-e a fraction
    stations_per_site: tuple[int, int] = (1, 2)
    parking_types: tuple[tuple[str, float], ...] = (('PARKING_LOT', 5), ('ON_STREET', 3), ('PARKING_GARAGE', 1))
    authentication: tuple[str, ...] = ('overTheAir', 'mifareClassic', 'nfc')
    site_names: tuple[str, ...] = field(default=())


SOURCES: dict[str, DatexSource] = {
    'datex2_enbw': DatexSource(
        uid='datex2_enbw',
        operator='EnBW mobility+ AG und Co.KG',
        operator_id='DE*EBW',
        helpdesk_phone='+49 721 72586001',
        cities=BADEN_WUERTTEMBERG,
        mix=(('ac22', 6), ('hpc150', 2), ('hpc300', 2)),
        count=36,
        rates=(
            Rate('ENBW-AC-ADHOC', 'adHoc', (Price('pricePerKWh', 0.59), Price('pricePerMinute', 0.1, 240)), False),
            Rate('ENBW-DC-ADHOC', 'adHoc', (Price('pricePerKWh', 0.69), Price('pricePerMinute', 0.1, 60)), True),
            Rate('ENBW-CONTRACT', 'contract', (Price('pricePerKWh', 0.59), Price('pricePerMinute', 0.1, 240))),
        ),
        site_names=('EnBW Ladestation', 'EnBW HyperNetz', 'Schnellladepark', 'Ladepark'),
    ),
    'datex2_ladebusiness': DatexSource(
        uid='datex2_ladebusiness',
        operator='Ladebusiness',
        operator_id='DE*LBU',
        helpdesk_phone='+49 800 5233287',
        cities=GERMANY,
        mix=(('ac22', 5), ('ac11', 3), ('dc50', 2)),
        count=28,
        rates=(
            Rate('LBU-AC', 'adHoc', (Price('basePrice', 0.5), Price('pricePerKWh', 0.55)), False),
            Rate('LBU-DC', 'adHoc', (Price('basePrice', 0.5), Price('pricePerKWh', 0.65)), True),
        ),
        site_names=('Kundenparkplatz', 'Hotelparkplatz', 'Firmenparkplatz'),
    ),
    'datex2_tesla': DatexSource(
        uid='datex2_tesla',
        operator='Tesla Germany GmbH',
        operator_id='DE*TSL',
        helpdesk_phone='+49 89 20301599',
        cities=GERMANY,
        mix=(('supercharger', 1),),
        count=20,
        rates=(
            Rate(
                'TSL-ADHOC',
                'adHoc',
                (
                    Price('pricePerKWh', 0.68, period=('16:00:00', '20:00:00')),
                    Price('pricePerKWh', 0.55, period=('20:00:00', '16:00:00')),
                ),
            ),
        ),
        stations_per_site=(1, 1),
        parking_types=(('ALONG_MOTORWAY', 3), ('PARKING_LOT', 2)),
        authentication=('apps', 'creditCard', 'plc'),
        site_names=('Supercharger',),
    ),
    'datex2_giroe': DatexSource(
        uid='datex2_giroe',
        operator='GLS Mobility GmbH',
        operator_id='DE*GLS',
        helpdesk_phone='+49 231 5869360',
        cities=RUHR_AND_RHINELAND,
        mix=(('ac22', 6), ('ac11', 2), ('dc50', 1)),
        count=30,
        rates=(Rate('GIROE-ADHOC', 'adHoc', (Price('basePrice', 0.35), Price('pricePerKWh', 0.49))),),
        tax_rate=0.19,
        authentication=('debitCard', 'nfc', 'creditCard'),
        site_names=('giro-e Ladepunkt',),
    ),
}
VERSIONS = {'datex2_giroe': '3.7'}


def source_of(uid: str) -> DatexSource:
    """The hand-made sample operator of `uid`, or a plain one for every other registered DATEX II source
    (so the demo materializes all of them)."""
    if uid in SOURCES:
        return SOURCES[uid]
    from ocpdb_pipelines.sources.registry import get_spec

    spec = get_spec(uid)
    key = uid.removeprefix('datex2_')
    code = (key.replace('_', '') + 'xxx')[:3].upper()
    return DatexSource(
        uid=uid,
        operator=spec.name.removesuffix(' Datex II'),
        operator_id=f'DE*{code}',
        helpdesk_phone='+49 800 0000000',
        cities=GERMANY,
        mix=(('ac22', 4), ('ac11', 2), ('dc50', 1)),
        count=8,
        rates=(Rate(f'{code}-ADHOC', 'adHoc', (Price('pricePerKWh', 0.55),)),),
        site_names=(f'{spec.name.removesuffix(" Datex II")} Ladepunkt',),
    )


def version_of(uid: str) -> str:
    if uid in VERSIONS:
        return VERSIONS[uid]
    from ocpdb_pipelines.sources.registry import get_spec

    return get_spec(uid).datex_version or '3.5'


def all_uids() -> list[str]:
    """Every registered DATEX II source, the hand-made samples first."""
    from ocpdb_pipelines.sources.registry import REGISTRY

    rest = [uid for uid, spec in REGISTRY.items() if spec.family == 'datex2' and uid not in SOURCES]
    return [*SOURCES, *rest]


VALID_FROM = '2025-01-01T00:00:00Z'


@dataclass(frozen=True)
class Spelling:
    """Where 3.5 and 3.7 differ on the wire."""

    version: str
    egi: str
    fac: str
    facility_location: str


SPELLINGS = {
    '3.5': Spelling('3.5', 'aegi', 'afac', 'FacilityLocation'),
    # giro-e's real 3.7 feed keeps the 3.5 member prefixes; only the location extension and energyProduct differ
    '3.7': Spelling('3.7', 'aegi', 'afac', 'AfirFacilityLocation'),
}


def _text(value: str) -> dict[str, Any]:
    return {'values': [{'lang': 'de', 'value': value}]}


def _time(moment: datetime) -> str:
    return moment.strftime('%Y-%m-%dT%H:%M:%S') + 'Z'


def source_sites(source: DatexSource, seed: int) -> list[Site]:
    rng = random.Random(f'{source.uid}-{seed}')
    prefix = source.operator_id
    return generate_sites(
        rng,
        source.cities,
        source.count,
        mix=source.mix,
        evse_id=lambda site, station, index: f'{prefix}*E{site.number:04d}{station.number}*{index + 1:02d}',
        stations_per_site=source.stations_per_site,
        parking_types=source.parking_types,
    )


def _price(price: Price, tax_rate: float) -> dict[str, Any]:
    entry: dict[str, Any] = {
        'priceType': {'value': price.price_type},
        'value': price.value,
        'taxIncluded': True,
        'taxRate': tax_rate,
    }
    if price.from_minute is not None:
        entry['timeBasedApplicability'] = {'fromMinute': price.from_minute}
    if price.period is not None:
        entry['overallPeriod'] = {
            'overallStartTime': VALID_FROM,
            'validPeriod': [
                {
                    'recurringTimePeriodOfDay': [
                        {'startTimeOfPeriod': price.period[0], 'endTimeOfPeriod': price.period[1]}
                    ]
                }
            ],
        }
    return entry


def _rate(rate: Rate, source: DatexSource, evse: Evse) -> dict[str, Any]:
    return {
        'idG': f'{rate.rate_id}-{evse.number}',  # per EVSE, as real feeds do; the parser groups by content
        'ratePolicy': {'value': rate.policy},
        'lastUpdated': _time(reference_time() - timedelta(days=30)),
        'applicableCurrency': ['EUR'],
        'energyPrice': [_price(price, source.tax_rate) for price in rate.prices],
    }


def _connector(plug: Plug) -> dict[str, Any]:
    connector: dict[str, Any] = {
        'connectorType': {'value': CONNECTOR_TYPES[plug.standard]},
        'maxPowerAtSocket': float(plug.power),
    }
    connector['connectorFormat'] = {'value': 'cableMode3' if plug.format == 'CABLE' else 'socket'}
    if plug.voltage:
        connector['voltage'] = plug.voltage
    if plug.amperage:
        connector['maximumCurrent'] = plug.amperage
    return connector


def _refill_point(source: DatexSource, evse: Evse, spelling: Spelling) -> dict[str, Any]:
    rates = [_rate(rate, source, evse) for rate in source.rates if rate.dc in (None, evse.is_dc)]
    energy = {'isGreenEnergy': True, 'energyRate': rates}
    point: dict[str, Any] = {
        'idG': evse.evse_id,
        'versionG': '1',
        'lastUpdated': _time(evse.last_updated),
        'deliveryUnit': {'value': 'kWh'},
        'currentType': {'value': 'dc' if evse.is_dc else 'ac'},
        'numberOfConnectors': len(evse.plugs),
        'availableVoltage': [float(max(plug.voltage for plug in evse.plugs))],
        'availableChargingPower': [float(evse.power)],
        'connector': [_connector(plug) for plug in evse.plugs],
    }
    if not evse.is_dc:
        point['chargingMode'] = {'value': 'mode3AC3p'}
    else:
        point['chargingMode'] = {'value': 'mode4DC'}
    if spelling.version == '3.7':
        point['energyProduct'] = [{f'{spelling.egi}ElectricEnergy': energy}]
    else:
        point['electricEnergy'] = [energy]
    return {f'{spelling.egi}ElectricChargingPoint': point}


def _location_reference(site: Site, spelling: Spelling) -> dict[str, Any]:
    address = {
        'postcode': site.postcode,
        'city': _text(site.city.name),
        'countryCode': 'DE',
        'addressLine': [
            {'order': 1, 'type': {'value': 'street'}, 'text': _text(site.street)},
            {'order': 2, 'type': {'value': 'houseNumber'}, 'text': _text(site.house_number)},
        ],
    }
    coordinates = {'latitude': site.lat, 'longitude': site.lon}
    facility: dict[str, Any] = {'address': address}
    if spelling.version == '3.5':
        facility['timeZone'] = 'Europe/Berlin'
        point: dict[str, Any] = {'coordinatesForDisplay': coordinates}
    else:
        point = {'pointByCoordinates': {'pointCoordinates': coordinates}}
    point['locLocationExtensionG'] = {spelling.facility_location: facility}
    return {'locPointLocation': point}


def _organisation(name: str, operator_id: str, spelling: Spelling) -> dict[str, Any]:
    return {
        f'{spelling.fac}AnOrganisation': {
            'name': _text(name),
            'externalIdentifier': [
                {'identifier': operator_id, 'typeOfIdentifier': {'value': 'extendedG', 'extendedValueG': 'operatorId'}}
            ],
        }
    }


def _operating_hours(site: Site, spelling: Spelling) -> dict[str, Any]:
    if site.twentyfourseven:
        return {f'{spelling.fac}OpenAllHours': {}}
    days = [{'value': day} for day in ('monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday')]
    return {
        f'{spelling.fac}OperatingHoursSpecification': {
            'idG': f'HOURS-{site.number}',
            'versionG': '1',
            'overallPeriod': {
                'overallStartTime': VALID_FROM,
                'validPeriod': [
                    {
                        'recurringTimePeriodOfDay': [{'startTimeOfPeriod': '06:00:00', 'endTimeOfPeriod': '22:00:00'}],
                        'recurringDayWeekMonthPeriod': [{'comDayWeekMonth': {'applicableDay': days}}],
                    }
                ],
            },
        }
    }


def _station(source: DatexSource, site: Site, station: Station, spelling: Spelling) -> dict[str, Any]:
    return {
        'idG': f'{source.operator_id.split("*")[1]}-{site.number:04d}-{station.number}',
        'versionG': '1',
        'lastUpdated': _time(site.last_updated),
        'totalMaximumPower': float(sum(evse.power for evse in station.evses)),
        'numberOfRefillPoints': len(station.evses),
        'authenticationAndIdentificationMethods': [{'value': method} for method in source.authentication],
        'userInterfaceLanguage': ['de', 'en'],
        'serviceType': [{'serviceType': {'value': 'unattended'}}],
        'refillPoint': [_refill_point(source, evse, spelling) for evse in station.evses],
    }


def _parking_spaces(site: Site) -> list[dict[str, Any]]:
    vehicles = [
        {
            'comVehicleCharacteristicsExtensionG': {
                'VehicleCharacteristicsExtended': {'euVehicleCategory': [{'value': 'm1'}]}
            }
        }
    ]
    roofed = site.parking_type in ('PARKING_GARAGE', 'UNDERGROUND_GARAGE')
    return [
        {
            'idG': 'PARKING',
            'versionG': '1',
            'numberOfSpaces': 1,
            'applicableForVehicles': vehicles,
            'amenities': {'illuminated': True, 'roofed': roofed},
        }
        for _ in site.evses
    ]


def _site(source: DatexSource, site: Site, spelling: Spelling) -> dict[str, Any]:
    name = source.site_names[site.number % len(source.site_names)] if source.site_names else source.operator
    result: dict[str, Any] = {
        'idG': f'{source.operator_id.replace("*", "")}-{site.number:05d}',
        'versionG': '1',
        'lastUpdated': _time(site.last_updated),
        'name': _text(f'{name} {site.city.name} {site.street}'),
        'operatingHours': _operating_hours(site, spelling),
        'locationReference': _location_reference(site, spelling),
        'operator': _organisation(source.operator, source.operator_id, spelling),
        'helpdesk': {
            f'{spelling.fac}ReferenceableOrganisation': {
                'idG': f'{source.operator_id.replace("*", "")}-HELPDESK',
                'versionG': '1',
                'name': _text(source.operator),
                'organisationUnit': [
                    {
                        'contactInformation': [
                            {f'{spelling.fac}ContactInformation': {'telephoneNumber': source.helpdesk_phone}}
                        ]
                    }
                ],
            }
        },
        'energyInfrastructureStation': [_station(source, site, station, spelling) for station in site.stations],
    }
    if spelling.version == '3.5':
        result['dedicatedParkingSpaces'] = _parking_spaces(site)
    return result


def static_payload(uid: str, seed: int = 1) -> dict[str, Any]:
    source = source_of(uid)
    spelling = SPELLINGS[version_of(uid)]
    sites = source_sites(source, seed)
    publication = {
        'lang': 'de',
        'publicationTime': _time(reference_time()),
        'publicationCreator': {'country': 'DE', 'nationalIdentifier': f'DE-{source.operator_id.split("*")[1]}'},
        'energyInfrastructureTable': [
            {
                'idG': f'{uid}-table',
                'versionG': '1',
                'energyInfrastructureSite': [_site(source, site, spelling) for site in sites],
            }
        ],
    }
    payload: dict[str, Any] = {'versionG': spelling.version, 'modelBaseVersionG': '3'}
    if spelling.version == '3.5':
        payload.update({'profileNameG': 'AFIR Energy Infrastructure', 'profileVersionG': '01-00-00'})
    payload[f'{spelling.egi}EnergyInfrastructureTablePublication'] = publication
    return {'payload': payload}


def _status_value(evse: Evse) -> str:
    choices = STATUS[evse.status]
    return choices[evse.number % len(choices)]


def status_publication(uid: str, seed: int = 1) -> dict[str, Any]:
    """The 3.5 status publication of the sample's EVSEs a few minutes after the static one."""
    source = source_of(uid)
    sites = later_statuses(source_sites(source, seed), seed)
    operator = source.operator_id.replace('*', '')
    site_statuses = []
    for site in sites:
        station_statuses = []
        for station in site.stations:
            station_statuses.append(
                {
                    'reference': {
                        'targetClass': 'FacilityObject',
                        'idG': f'{source.operator_id.split("*")[1]}-{site.number:04d}-{station.number}',
                        'versionG': '1',
                    },
                    'refillPointStatus': [
                        {
                            'aegiRefillPointStatus': {
                                'reference': {'targetClass': 'FacilityObject', 'idG': evse.evse_id, 'versionG': '1'},
                                'lastUpdated': _time(evse.last_updated),
                                'status': {'value': _status_value(evse)},
                            }
                        }
                        for evse in station.evses
                    ],
                }
            )
        site_statuses.append(
            {
                'reference': {'targetClass': 'FacilityObject', 'idG': f'{operator}-{site.number:05d}', 'versionG': '1'},
                'energyInfrastructureStationStatus': station_statuses,
            }
        )
    return {
        'versionG': '3.5',
        'modelBaseVersionG': '3',
        'profileNameG': 'AFIR Energy Infrastructure',
        'profileVersionG': '01-00-00',
        'aegiEnergyInfrastructureStatusPublication': {
            'lang': 'de',
            'publicationTime': _time(reference_time() + timedelta(minutes=6)),
            'publicationCreator': {'country': 'DE', 'nationalIdentifier': f'DE-{source.operator_id.split("*")[1]}'},
            'energyInfrastructureSiteStatus': site_statuses,
        },
    }


def realtime_payload(uid: str, seed: int = 1) -> dict[str, Any]:
    """A Mobilithek snapshot pull body: a `messageContainer` with the status publication."""
    return {
        'messageContainer': {
            'payload': [status_publication(uid, seed)],
            'exchangeInformation': {
                'exchangeContext': {
                    'codedExchangeProtocol': {'value': 'snapshotPull'},
                    'exchangeSpecificationVersion': '3.5',
                    'supplierOrCisRequester': {
                        'internationalIdentifier': {'country': 'DE', 'nationalIdentifier': 'DE-MDM'}
                    },
                },
                'dynamicInformation': {
                    'exchangeStatus': {'value': 'online'},
                    'messageGenerationTimestamp': _time(reference_time() + timedelta(minutes=6)),
                },
            },
        }
    }


def write_static(path: str | Path, uid: str, seed: int = 1) -> Path:
    return write_json(path, static_payload(uid, seed))


def write_realtime(path: str | Path, uid: str, seed: int = 1) -> Path:
    return write_json(path, realtime_payload(uid, seed))

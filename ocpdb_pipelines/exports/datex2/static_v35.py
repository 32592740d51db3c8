"""Static DATEX II 3.5 (AFIR profile): one energyInfrastructureSite per location (predecessor §6.2).

Fixed here: a station with its own coordinates gets a valid point reference with those coordinates
(the predecessor crashed); `totalMaximumPower` falls back to the highest connector power (not the last);
connectors with a standard that has no DATEX value are published as `other` (the schema requires a type).
"""

from __future__ import annotations

from typing import Any

from ocpdb_pipelines.exports.datex2 import wire
from ocpdb_pipelines.exports.datex2.common import address, compact, enum, has_own_coordinates, iso, ml

VERSION = '3.5'


def site(row: dict[str, Any]) -> dict[str, Any] | None:
    location = row['location']
    if location.get('lat') is None or location.get('lon') is None:
        return None
    version = iso(location['last_updated'])
    address_block = address(location)
    point = {'locLocationExtensionG': {'FacilityLocation': {'address': address_block}}} if address_block else None
    reference = compact(
        locAreaLocation={
            'coordinatesForDisplay': {'latitude': float(location['lat']), 'longitude': float(location['lon'])}
        },
        locPointLocation=point,
    )
    parking = [_parking_space(space, version) for space in location.get('parking_spaces') or []]
    return compact(
        idG=location['uid'],
        versionG=version,
        additionalInformation=[ml(location['name'])] if location.get('name') else None,
        operatingHours={'afacOpenAllHours': {}} if location.get('twentyfourseven') else None,
        locationReference=reference,
        operator=organisation(row.get('operator')),
        owner=organisation(row.get('owner')),
        helpdesk=_helpdesk(location, row.get('operator'), version),
        dedicatedParkingSpaces=parking or None,
        energyInfrastructureStation=[_station(s, location, address_block) for s in row['stations']],
    )


def organisation(business: dict[str, Any] | None) -> dict[str, Any] | None:
    if not business:
        return None
    identifier = None
    if business.get('emobility_uid'):
        identifier = [
            {
                'identifier': business['emobility_uid'],
                'typeOfIdentifier': {'value': 'extendedG', 'extendedValueG': 'operatorId'},
            }
        ]
    return {'afacAnOrganisation': compact(name=ml(business['name']), externalIdentifier=identifier)}


def _helpdesk(location: dict[str, Any], operator: dict[str, Any] | None, version: str) -> dict[str, Any] | None:
    if not location.get('help_phone'):
        return None
    return {
        'afacReferenceableOrganisation': {
            'idG': 'HELP',
            'versionG': version,
            'name': ml(operator['name'] if operator else 'Helpdesk'),
            'organisationUnit': [
                {'contactInformation': [{'afacContactInformation': {'telephoneNumber': location['help_phone']}}]}
            ],
        }
    }


def _parking_space(space: dict[str, Any], version: str) -> dict[str, Any]:
    categories = [enum(c) for c in space.get('vehicle_types') or [] if c not in wire.DROPPED_VEHICLE_CATEGORIES]
    vehicles = compact(
        comVehicleCharacteristicsExtensionG=(
            {'VehicleCharacteristicsExtended': {'euVehicleCategory': categories}} if categories else None
        ),
        grossWeightCharacteristic=_limit('grossVehicleWeight', space.get('max_weight'), 1000, weight=True),
        heightCharacteristic=_limit('vehicleHeight', space.get('max_height'), 100),
        lengthCharacteristic=_limit('vehicleLength', space.get('max_length'), 100),
        widthCharacteristic=_limit('vehicleWidth', space.get('max_width'), 100),
    )
    return compact(
        idG='PARKING',
        versionG=version,
        numberOfSpaces=int(space.get('parking_space_count') or 0),
        applicableForVehicles=[vehicles] if vehicles else None,
        amenities={'roofed': bool(space.get('has_roof')), 'illuminated': bool(space.get('is_illuminated'))},
        accessibility=[enum('barrierFreeAccessible')] if space.get('is_accessible') else None,
    )


def _limit(member: str, value: float | None, divisor: int, *, weight: bool = False) -> list[dict] | None:
    if not value:
        return None
    item: dict[str, Any] = {'comparisonOperator': enum('lessThanOrEqualTo'), member: value / divisor}
    if weight:
        item['typeOfWeight'] = enum('maximumPermitted')
    return [item]


def _station(station: dict[str, Any], location: dict[str, Any], address_block: dict | None) -> dict[str, Any]:
    evses = station['evses']
    reference = None
    if has_own_coordinates(station):
        point: dict[str, Any] = {
            'coordinatesForDisplay': {'latitude': float(station['lat']), 'longitude': float(station['lon'])}
        }
        if address_block:
            point['locLocationExtensionG'] = {'FacilityLocation': {'address': address_block}}
        reference = {'locPointLocation': point}
    methods = wire.auth_methods(station.get('capabilities'))
    service = wire.SERVICE_TYPES.get(station.get('service_type') or '', 'unattended')
    return compact(
        idG=station['uid'],
        versionG=iso(station['last_updated']),
        numberOfRefillPoints=len(evses),
        totalMaximumPower=_total_power(station),
        serviceType=[{'serviceType': enum(service)}],
        locationReference=reference,
        authenticationAndIdentificationMethods=[enum(m) for m in methods] or None,
        userInterfaceLanguage=list(station.get('user_interface_languages') or []) or None,
        refillPoint=[{'aegiElectricChargingPoint': charging_point(e, location)} for e in evses],
    )


def _total_power(station: dict[str, Any]) -> float:
    if station.get('max_power_value'):
        return float(station['max_power_value'])
    powers = [c['max_electric_power'] for e in station['evses'] for c in e['connectors'] if c.get('max_electric_power')]
    return float(max(powers)) if powers else 0.0


def charging_point(evse: dict[str, Any], location: dict[str, Any]) -> dict[str, Any]:
    connectors = evse['connectors']
    current = 'dc' if connectors and connectors[0].get('power_type') == 'DC' else 'ac'
    voltages = [int(c['max_voltage']) for c in connectors if c.get('max_voltage')]
    powers = [int(c['max_electric_power']) for c in connectors if c.get('max_electric_power')]
    green = (location.get('energy_mix') or {}).get('is_green_energy')
    rates = [energy_rate(t) for t in evse.get('tariffs') or []]
    energy = compact(isGreenEnergy=green, energyRate=rates or None)
    return compact(
        idG=evse['uid'],
        versionG=iso(evse['last_updated']),
        deliveryUnit=enum('kWh'),
        currentType=enum(current),
        numberOfConnectors=len(connectors),
        availableVoltage=voltages or None,
        availableChargingPower=powers or None,
        electricEnergy=[energy] if energy else None,
        connector=[c for c in (connector(c) for c in connectors) if c is not None],
    )


def connector(item: dict[str, Any]) -> dict[str, Any] | None:
    standard = item.get('standard')
    if not standard:
        return None
    wire_type = wire.CONNECTOR_TYPES[VERSION].get(standard, wire.UNMAPPED_CONNECTOR_3_5)
    return compact(
        connectorType=enum(wire_type),
        maxPowerAtSocket=float(item.get('max_electric_power') or 0.0),
        voltage=item.get('max_voltage') or None,
        maximumCurrent=item.get('max_amperage') or None,
        connectorFormat=enum(wire.CONNECTOR_FORMATS[item['format']]) if item.get('format') else None,
    )


def energy_rate(tariff: dict[str, Any]) -> dict[str, Any]:
    prices = []
    for element in tariff.get('elements') or []:
        restrictions = element.get('restrictions') or {}
        for component in element.get('price_components') or []:
            prices.append(_energy_price(component, restrictions, tariff))
    return compact(
        idG=tariff['uid'].rsplit(':', 1)[-1],
        ratePolicy=enum(wire.RATE_POLICIES.get(tariff.get('audience') or '', 'adHoc')),
        lastUpdated=iso(tariff['last_updated']),
        applicableCurrency=[tariff.get('currency') or 'EUR'],
        energyPrice=prices or None,
    )


LOCAL_TIME_NOTE = (
    'recurringTimePeriodOfDay start/end times are the local time of day without offset (xs:time), e.g. 20:00:00'
)


def _energy_price(component: dict[str, Any], restrictions: dict[str, Any], tariff: dict[str, Any]) -> dict:
    taxes = component.get('taxes') or []
    time_based = compact(
        fromMinute=int(restrictions['min_duration'] // 60) if restrictions.get('min_duration') is not None else None,
        toMinute=int(restrictions['max_duration'] // 60) if restrictions.get('max_duration') is not None else None,
    )
    energy_based = compact(
        fromKWh=int(restrictions['min_energy']) if restrictions.get('min_energy') is not None else None,
        toKWh=int(restrictions['max_energy']) if restrictions.get('max_energy') is not None else None,
    )
    period = None
    if restrictions.get('start_time') or restrictions.get('end_time'):
        period = {
            'overallStartTime': iso(tariff['start_date_time']),
            'validPeriod': [
                {
                    'recurringTimePeriodOfDay': [
                        {
                            'startTimeOfPeriod': _time(restrictions.get('start_time') or '00:00'),
                            'endTimeOfPeriod': _time(restrictions.get('end_time') or '23:59'),
                        }
                    ]
                }
            ],
        }
    return compact(
        priceType=enum(wire.PRICE_TYPES.get(component.get('type') or '', 'other')),
        value=float(component.get('price') or 0.0),
        taxRate=float(taxes[0]['percentage']) if taxes and taxes[0].get('percentage') is not None else None,
        timeBasedApplicability=time_based or None,
        overallPeriod=period,
        energyBasedApplicability=energy_based or None,
    )


def _time(value: str) -> str:
    """OCPI 'HH:MM' -> xs:time 'HH:MM:SS': the site's local time of day, without a UTC offset.

    DATEX II `Time` is "an instant of time that recurs every day" (xs:time, offset optional), and a tariff's
    period of day follows local clock time. A fixed offset would be wrong for half of the year (CET/CEST);
    the 3.5 JSON schema's `format: time` (RFC 3339 full-time, offset required) is stricter than the type it
    describes, so a JSON Schema FormatChecker reports these values; the XSD accepts them (LOCAL_TIME_NOTE).
    """
    return value if value.count(':') == 2 else f'{value}:00'

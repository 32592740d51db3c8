"""Static DATEX II 3.7, shaped for the 3.7 EnergyInfrastructure schema (egi/fac/loc namespaces).

The predecessor emitted AFIR-profile names (`aegi...`, `afacAnOrganisation`, `AfirFacilityLocation`,
`domesticXType`) under a 3.7 version string; those are not valid against the 3.7 schema we publish
against, so this mapper uses the schema's names. Also fixed: a station's point reference carries the
station's own coordinates (the predecessor repeated the location's).
"""

from __future__ import annotations

from typing import Any

from ocpdb_pipelines.exports.datex2 import wire
from ocpdb_pipelines.exports.datex2.common import address, compact, enum, has_own_coordinates, iso, ml, zulu

VERSION = '3.7'


def site(row: dict[str, Any]) -> dict[str, Any] | None:
    location = row['location']
    if location.get('lat') is None or location.get('lon') is None:
        return None
    version = iso(location['last_updated'])
    address_block = address(location)
    return compact(
        idG=location['uid'],
        versionG=version,
        name=ml(location['name']) if location.get('name') else None,
        lastUpdated=zulu(location['last_updated']),
        operatingHours={'facOpenAllHours': {}} if location.get('twentyfourseven') else None,
        locationReference=_point(location['lat'], location['lon'], address_block),
        owner=organisation(row.get('owner'), version),
        operator=organisation(row.get('operator'), version),
        energyInfrastructureStation=[_station(s, location, address_block) for s in row['stations']],
    )


def _point(lat: Any, lon: Any, address_block: dict | None) -> dict[str, Any]:
    point: dict[str, Any] = {
        'pointByCoordinates': {'pointCoordinates': {'latitude': float(lat), 'longitude': float(lon)}}
    }
    if address_block:
        point['locLocationReferenceExtensionG'] = {'FacilityLocation': {'address': address_block}}
    return {'locPointLocation': point}


def organisation(business: dict[str, Any] | None, version: str) -> dict[str, Any] | None:
    if not business:
        return None
    return {
        'facOrganisationSpecification': compact(
            idG=f'OP-{business["id"]}',
            versionG=version,
            name=ml(business['name']),
            externalCode=business.get('emobility_uid') or None,
            organisationUnit=[{}],
        )
    }


def _station(station: dict[str, Any], location: dict[str, Any], address_block: dict | None) -> dict[str, Any]:
    methods = wire.auth_methods(station.get('capabilities'))
    reference = _point(station['lat'], station['lon'], address_block) if has_own_coordinates(station) else None
    return compact(
        idG=station['uid'],
        versionG=iso(station['last_updated']),
        lastUpdated=zulu(station['last_updated']),
        authenticationAndIdentificationMethods=[enum(m) for m in methods] or None,
        locationReference=reference,
        refillPoint=[{'egiElectricChargingPoint': charging_point(e, location)} for e in station['evses']],
    )


def charging_point(evse: dict[str, Any], location: dict[str, Any]) -> dict[str, Any]:
    connectors = evse['connectors']
    voltages = [float(c['max_voltage']) for c in connectors if c.get('max_voltage')]
    powers = [float(c['max_electric_power']) for c in connectors if c.get('max_electric_power')]
    green = (location.get('energy_mix') or {}).get('is_green_energy')
    mapped = [c for c in (connector(c) for c in connectors) if c is not None]
    return compact(
        idG=evse['uid'],
        versionG=iso(evse['last_updated']),
        lastUpdated=zulu(evse['last_updated']),
        availableVoltage=voltages or None,
        availableChargingPower=powers or None,
        connector=mapped or None,
        electricEnergyMix=[{'energyMixIndex': 1, 'isGreenEnergy': bool(green)}] if green is not None else None,
    )


def connector(item: dict[str, Any]) -> dict[str, Any] | None:
    wire_type = wire.CONNECTOR_TYPES[VERSION].get(item.get('standard') or '')
    if wire_type is None:
        return None
    return compact(
        connectorType=enum(wire_type),
        connectorFormat=enum(wire.CONNECTOR_FORMATS[item['format']]) if item.get('format') else None,
        maxPowerAtSocket=float(item.get('max_electric_power') or 0.0),
        voltage=float(item['max_voltage']) if item.get('max_voltage') else None,
        maximumCurrent=float(item['max_amperage']) if item.get('max_amperage') else None,
    )

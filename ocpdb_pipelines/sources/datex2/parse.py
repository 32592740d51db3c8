"""DATEX II 3.5 / 3.7 energy infrastructure table publication -> StaticBatch (spec/sources.md §3.2).

One parser serves all 23 Mobilithek sources; `DatexVersion` holds the few places where 3.5 and
3.7 differ. Both versions accept either member prefix (`aegi`/`egi`, `afac`/`fac`) and either
facility-location name, because real 3.7 feeds still use the 3.5 spelling. A site that cannot be
mapped is skipped with a reason; a body that is no table publication at all is a PayloadError.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from ocpdb_pipelines.model.enums import ConnectorFormat, PowerType
from ocpdb_pipelines.model.updates import (
    BusinessUpdate,
    ChargingStationUpdate,
    ConnectorUpdate,
    EnergyMix,
    EvseUpdate,
    LocationUpdate,
    MaxPower,
    RegularHours,
    SkippedRecord,
)
from ocpdb_pipelines.sources.base import PayloadError, StaticBatch, skip
from ocpdb_pipelines.sources.common.values import datetime_or_none, dict_or_empty, list_or_empty
from ocpdb_pipelines.sources.datex2.countries import alpha3
from ocpdb_pipelines.sources.datex2.parking import parking_spaces
from ocpdb_pipelines.sources.datex2.tariffs import TariffGrouper
from ocpdb_pipelines.sources.datex2.values import enum_value, first, number, positive_int, prefixed, text
from ocpdb_pipelines.sources.datex2.vocabulary import (
    CAPABILITIES,
    CONNECTOR_TYPES,
    SERVICE_TYPES,
    SINGLE_PHASE_STANDARDS,
    WEEKDAYS,
)

DEFAULT_TIME_ZONE = 'Europe/Berlin'
_FACILITY_LOCATIONS = ('FacilityLocation', 'AfirFacilityLocation')


@dataclass(frozen=True)
class DatexVersion:
    name: str
    # 3.5 requires totalMaximumPower and publishes 0 as a real value; 3.7 leaves 0 out
    keep_zero_station_power: bool


VERSIONS = {
    '3.5': DatexVersion(name='3.5', keep_zero_station_power=True),
    '3.7': DatexVersion(name='3.7', keep_zero_station_power=False),
}


def unwrap_payload(document: Any) -> list[dict]:
    """The publication payload(s): `{"payload": {...}}`, `{"payload": [...]}` or a messageContainer."""
    if not isinstance(document, dict):
        raise PayloadError('DATEX II body is not a JSON object')
    container = document.get('messageContainer')
    if isinstance(container, dict):
        document = container
    payload = document.get('payload')
    payloads = payload if isinstance(payload, list) else [payload]
    payloads = [p for p in payloads if isinstance(p, dict)]
    if not payloads:
        raise PayloadError('DATEX II body has no payload object')
    return payloads


def parse_static_document(document: Any, *, source_uid: str, version: str) -> StaticBatch:
    rules = VERSIONS.get(version)
    if rules is None:
        raise PayloadError(f'unsupported DATEX II version {version!r}')
    publications = [prefixed(p, 'egi', 'EnergyInfrastructureTablePublication') for p in unwrap_payload(document)]
    publications = [p for p in publications if isinstance(p, dict)]
    if not publications:
        raise PayloadError('DATEX II payload holds no EnergyInfrastructureTablePublication')
    parser = _SiteParser(source_uid, rules)
    tables = [
        table for publication in publications for table in list_or_empty(publication.get('energyInfrastructureTable'))
    ]
    if not tables:
        raise PayloadError('DATEX II publication has no energyInfrastructureTable')
    for index, table in enumerate(tables):
        sites = list_or_empty(dict_or_empty(table).get('energyInfrastructureSite'))
        if not sites:
            parser.skipped.append(skip(f'table {dict_or_empty(table).get("idG", index)}', 'table has no sites'))
            continue
        for site in sites:
            parser.add_site(site)
    return StaticBatch(locations=parser.locations, skipped=parser.skipped)


class _SiteParser:
    def __init__(self, source_uid: str, rules: DatexVersion):
        self.rules = rules
        self.grouper = TariffGrouper(source_uid)
        self.locations: list[LocationUpdate] = []
        self.skipped: list[SkippedRecord] = []

    def add_site(self, site: Any) -> None:
        reference = dict_or_empty(site).get('idG') or '?'
        try:
            location = self._location(site)
        except _Skip as exc:
            self.skipped.append(skip(f'site {reference}', str(exc)))
            return
        except (ValidationError, ValueError, TypeError, ArithmeticError) as exc:
            self.skipped.append(skip(f'site {reference}', f'invalid site: {exc}'))
            return
        self.locations.append(location)

    # -- site -> location ------------------------------------------------------------------
    def _location(self, site: Any) -> LocationUpdate:
        if not isinstance(site, dict):
            raise _Skip('site is not an object')
        uid = site.get('idG')
        if not isinstance(uid, str) or not uid:
            raise _Skip('site without idG')
        stations = [s for s in list_or_empty(site.get('energyInfrastructureStation')) if isinstance(s, dict)]
        first_station = stations[0] if stations else {}
        references = (
            dict_or_empty(site.get('locationReference')),
            dict_or_empty(first_station.get('locationReference')),
        )
        coordinates = next((c for c in map(_coordinates, references) if c is not None), None)
        if coordinates is None:
            raise _Skip('no coordinates')
        facility = next((f for f in map(_facility_location, references) if f), None)
        address = dict_or_empty(facility.get('address')) if facility else {}
        if not address or not list_or_empty(address.get('addressLine')):
            raise _Skip('no address')
        site_updated = datetime_or_none(site.get('lastUpdated'))
        location: dict[str, Any] = {
            'uid': uid,
            'lat': coordinates[0],
            'lon': coordinates[1],
            'name': text(site.get('name')),
            'address': _address_line(address),
            'postal_code': (address.get('postcode') or '').strip() or None,
            'city': text(address.get('city')),
            'country': alpha3(address.get('countryCode')),
            'time_zone': _time_zone(facility),
            'last_updated': site_updated,
        }
        location['operator'] = self._business(site, stations, 'operator')
        location['owner'] = self._business(site, stations, 'owner')
        location.update(_opening_hours(dict_or_empty(site.get('operatingHours'))))
        location['help_phone'] = _help_phone(dict_or_empty(site.get('helpdesk')))
        site_amenities = dict_or_empty(site.get('amenities'))
        location['parking_spaces'] = parking_spaces(site.get('dedicatedParkingSpaces'), site_amenities)
        energy_mix: list[EnergyMix] = []
        site_service = _service_type(site)
        location['charging_pool'] = [
            station
            for station in (
                self._safe_station(raw, site_updated, site_amenities, site_service, energy_mix) for raw in stations
            )
            if station is not None
        ]
        if energy_mix:
            location['energy_mix'] = energy_mix[-1]
        return LocationUpdate(**location)

    def _business(self, site: dict, stations: list[dict], role: str) -> BusinessUpdate | None:
        for holder in (site, *stations):
            business = _organisation(dict_or_empty(holder.get(role)))
            if business is not None:
                return business
        return None

    # -- station -> charging station -------------------------------------------------------
    def _safe_station(self, station: dict, *args: Any) -> ChargingStationUpdate | None:
        try:
            return self._station(station, *args)
        except _Skip as exc:
            reason = str(exc)
        except (ValidationError, ValueError, TypeError, ArithmeticError) as exc:
            reason = f'invalid station: {exc}'
        self.skipped.append(skip(f'station {station.get("idG", "?")}', reason))
        return None

    def _station(
        self,
        station: dict,
        site_updated: datetime | None,
        site_amenities: dict,
        site_service: Any,
        energy_mix: list[EnergyMix],
    ) -> ChargingStationUpdate | None:
        points = list_or_empty(station.get('refillPoint'))
        if not points:
            return None
        uid = station.get('idG')
        if not isinstance(uid, str) or not uid:
            raise _Skip('station without idG')
        if len(uid) > 36:
            raise _Skip(f'station id {uid!r} is longer than 36 characters')
        updated = datetime_or_none(station.get('lastUpdated')) or site_updated
        evses: list[EvseUpdate] = []
        seen: set[str] = set()
        for point in points:
            evse = self._evse(prefixed(point, 'egi', 'ElectricChargingPoint'), updated, energy_mix)
            if evse is not None and evse.uid not in seen:
                seen.add(evse.uid)
                evses.append(evse)
        result: dict[str, Any] = {
            'uid': uid,
            'evses': evses,
            'last_updated': updated,
            'capabilities': _capabilities(station),
            'service_type': _service_type(station) or site_service,
            'user_interface_languages': [
                lang for lang in list_or_empty(station.get('userInterfaceLanguage')) if isinstance(lang, str)
            ]
            or None,
            'parking_spaces': parking_spaces(
                station.get('dedicatedParkingSpaces'), dict_or_empty(station.get('amenities')) or site_amenities
            ),
        }
        power = number(station.get('totalMaximumPower'))
        if power is not None and power >= 0 and (power > 0 or self.rules.keep_zero_station_power):
            result['max_power'] = MaxPower(value=float(power), unit='W')
        own = _coordinates(dict_or_empty(station.get('locationReference')))
        if own is not None:
            result['lat'], result['lon'] = own
        return ChargingStationUpdate(**result)

    # -- refill point -> EVSE --------------------------------------------------------------
    def _evse(self, point: Any, station_updated: datetime | None, energy_mix: list[EnergyMix]) -> EvseUpdate | None:
        if not isinstance(point, dict):
            return None  # not an electric charging point (e.g. hydrogen): nothing to map
        uid = point.get('idG')
        if not isinstance(uid, str) or not uid:
            self.skipped.append(skip(f'station point {point.get("versionG", "?")}', 'refill point without idG'))
            return None
        if len(uid) > 64:
            self.skipped.append(skip(uid, 'refill point id longer than 64 characters'))
            return None
        updated = datetime_or_none(point.get('lastUpdated')) or station_updated
        energies = [dict_or_empty(e) for e in list_or_empty(point.get('electricEnergy'))]
        energies += [
            dict_or_empty(prefixed(product, 'egi', 'ElectricEnergy'))
            for product in list_or_empty(point.get('energyProduct'))
        ]
        green = next((e['isGreenEnergy'] for e in energies if isinstance(e.get('isGreenEnergy'), bool)), None)
        if green is not None:
            energy_mix.append(EnergyMix(is_green_energy=green))
        rates = [rate for energy in energies for rate in list_or_empty(energy.get('energyRate'))]
        return EvseUpdate(
            uid=uid,
            evse_id=uid,
            last_updated=updated,
            connectors=[
                _connector(str(index), dict_or_empty(connector), point, updated)
                for index, connector in enumerate(list_or_empty(point.get('connector')))
            ],
            tariff_associations=self.grouper.evse_associations(uid, rates, self.skipped),
        )


class _Skip(Exception):
    """This site cannot be mapped; the message is the reason."""


# -- small field readers ----------------------------------------------------------------------


def _coordinates(reference: dict) -> tuple[Any, Any] | None:
    area = dict_or_empty(reference.get('locAreaLocation'))
    point = dict_or_empty(reference.get('locPointLocation'))
    candidates = (
        area.get('coordinatesForDisplay'),
        point.get('coordinatesForDisplay'),
        dict_or_empty(point.get('pointByCoordinates')).get('pointCoordinates'),
    )
    for candidate in candidates:
        candidate = dict_or_empty(candidate)
        lat, lon = number(candidate.get('latitude')), number(candidate.get('longitude'))
        if lat is not None and lon is not None:
            return lat, lon
    return None


def _facility_location(reference: dict) -> dict | None:
    for key in ('locPointLocation', 'locAreaLocation'):
        extension = dict_or_empty(dict_or_empty(reference.get(key)).get('locLocationExtensionG'))
        for name in _FACILITY_LOCATIONS:
            facility = extension.get(name)
            if isinstance(facility, dict):
                return facility
    return None


def _address_line(address: dict) -> str | None:
    parts = []
    for line in list_or_empty(address.get('addressLine')):
        line = dict_or_empty(line)
        if enum_value(line.get('type')) in ('street', 'houseNumber'):
            value = text(line.get('text'))
            if value:
                parts.append(value)
    return ' '.join(parts) or None


def _time_zone(facility: dict | None) -> str:
    zone = (facility or {}).get('timeZone')
    return zone if isinstance(zone, str) and 0 < len(zone) <= 32 else DEFAULT_TIME_ZONE


def _organisation(holder: dict) -> BusinessUpdate | None:
    organisation = prefixed(holder, 'fac', 'AnOrganisation') or prefixed(holder, 'fac', 'ReferenceableOrganisation')
    organisation = dict_or_empty(organisation)
    name = text(organisation.get('name'))
    if not name:
        return None
    emobility_uid = None
    for identifier in list_or_empty(organisation.get('externalIdentifier')):
        identifier = dict_or_empty(identifier)
        kind = dict_or_empty(identifier.get('typeOfIdentifier'))
        if kind.get('value') == 'extendedG' and kind.get('extendedValueG') == 'operatorId':
            emobility_uid = identifier.get('identifier') if isinstance(identifier.get('identifier'), str) else None
            break
    return BusinessUpdate(name=name[:255], emobility_uid=emobility_uid)


def _help_phone(helpdesk: dict) -> str | None:
    organisation = prefixed(helpdesk, 'fac', 'ReferenceableOrganisation') or prefixed(helpdesk, 'fac', 'AnOrganisation')
    for unit in list_or_empty(dict_or_empty(organisation).get('organisationUnit')):
        for contact in list_or_empty(dict_or_empty(unit).get('contactInformation')):
            phone = dict_or_empty(prefixed(contact, 'fac', 'ContactInformation')).get('telephoneNumber')
            if isinstance(phone, str) and phone.strip():
                return phone.strip()
    return None


def _opening_hours(hours: dict) -> dict[str, Any]:
    """OpenAllHours -> 24/7; a recurring weekly specification -> regular_hours."""
    if prefixed(hours, 'fac', 'OpenAllHours') is not None:
        return {'twentyfourseven': True}
    specification = dict_or_empty(prefixed(hours, 'fac', 'OperatingHoursSpecification'))
    regular: list[RegularHours] = []
    for period in list_or_empty(dict_or_empty(specification.get('overallPeriod')).get('validPeriod')):
        period = dict_or_empty(period)
        days = [
            WEEKDAYS[day]
            for recurring in list_or_empty(period.get('recurringDayWeekMonthPeriod'))
            for day in (
                enum_value(item)
                for item in list_or_empty(
                    dict_or_empty(dict_or_empty(recurring).get('comDayWeekMonth')).get('applicableDay')
                )
            )
            if day in WEEKDAYS
        ]
        for time_period in list_or_empty(period.get('recurringTimePeriodOfDay')):
            time_period = dict_or_empty(time_period)
            begin = _clock(time_period.get('startTimeOfPeriod'))
            end = _clock(time_period.get('endTimeOfPeriod'))
            if begin and end:
                regular += [RegularHours(weekday=day, period_begin=begin, period_end=end) for day in days]
    if not regular:
        return {}
    return {'twentyfourseven': False, 'regular_hours': regular}


def _clock(value: Any) -> str | None:
    if isinstance(value, str) and len(value) >= 5 and value[2] == ':' and value[:2].isdigit():
        return value[:5]
    return None


def _capabilities(station: dict) -> list[Any] | None:
    found = {
        CAPABILITIES[value]
        for value in map(enum_value, list_or_empty(station.get('authenticationAndIdentificationMethods')))
        if value in CAPABILITIES
    }
    return sorted(found, key=lambda capability: capability.value) or None


def _service_type(holder: dict) -> Any:
    for entry in list_or_empty(holder.get('serviceType')):
        mapped = SERVICE_TYPES.get(enum_value(dict_or_empty(entry).get('serviceType')) or '')
        if mapped is not None:
            return mapped
    return None


def _connector(uid: str, connector: dict, point: dict, updated: datetime | None) -> ConnectorUpdate:
    standard = CONNECTOR_TYPES.get(enum_value(connector.get('connectorType')) or '')
    current = enum_value(point.get('currentType'))
    if current == 'dc':
        power_type = PowerType.DC
    elif current == 'ac':
        mode = enum_value(point.get('chargingMode')) or ''
        if standard in SINGLE_PHASE_STANDARDS or mode.endswith('AC1p'):
            power_type = PowerType.AC_1_PHASE
        else:
            power_type = PowerType.AC_3_PHASE
    elif current is not None:
        power_type = PowerType.AC_3_PHASE
    else:
        power_type = None
    cable_format = enum_value(connector.get('connectorFormat')) or ''
    if cable_format == 'socket':
        connector_format = ConnectorFormat.SOCKET
    elif cable_format.startswith('cable') or cable_format == 'otherCable':
        connector_format = ConnectorFormat.CABLE
    else:
        connector_format = ConnectorFormat.CABLE if power_type == PowerType.DC else ConnectorFormat.SOCKET
    power = positive_int(connector.get('maxPowerAtSocket')) or positive_int(first(point.get('availableChargingPower')))
    voltage = positive_int(connector.get('voltage')) or positive_int(first(point.get('availableVoltage')))
    amperage = positive_int(connector.get('maximumCurrent'))  # when absent, the model derives it from P and V
    return ConnectorUpdate(
        uid=uid,
        standard=standard,
        format=connector_format,
        power_type=power_type,
        max_electric_power=power,
        max_voltage=voltage,
        max_amperage=amperage,
        last_updated=updated,
    )

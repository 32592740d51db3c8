"""BNetzA JSON API (`chargingStations[]`) -> locations (spec/sources.md §3.3).

Installations at exactly the same coordinates form one location; each installation is a
charging station with one EVSE per register charge point. Every EVSE status is STATIC (the
register has no live data) or INOPERATIVE when the installation is in maintenance.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

import orjson
from pydantic import ValidationError

from ocpdb_pipelines.model.enums import ChargingRateUnit, EvseStatus
from ocpdb_pipelines.model.updates import (
    BusinessUpdate,
    ChargingStationUpdate,
    ConnectorUpdate,
    EvseUpdate,
    LocationUpdate,
    MaxPower,
    RegularHours,
    SkippedRecord,
)
from ocpdb_pipelines.quality.coordinates import CoordinateScreen
from ocpdb_pipelines.sources.base import PayloadError, StaticBatch, skip
from ocpdb_pipelines.sources.bnetza import vocabulary

OPERATIONAL = {'In Betrieb': EvseStatus.STATIC, 'In Wartung': EvseStatus.INOPERATIVE}
OPENING_SPECS = {'247', 'Eingeschränkt', 'Keine Angabe'}
INSTALLATION_TYPES = {'Normalladeeinrichtung', 'Schnellladeeinrichtung'}
REQUIRED_STRINGS = ('district_independent_city', 'postal_code', 'city', 'state')


class RecordError(ValueError):
    """One installation cannot be mapped; it is skipped and counted."""


def load(body: bytes) -> list[dict[str, Any]]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PayloadError(f'BNetzA API payload is not JSON: {exc}') from exc
    if not isinstance(document, dict) or not isinstance(document.get('chargingStations'), list):
        raise PayloadError('BNetzA API payload has no "chargingStations" list')
    return document['chargingStations']


def parse(
    bodies: Iterable[bytes], ignore_operators: Iterable[str] = (), screen: CoordinateScreen | None = None
) -> StaticBatch:
    ignored = set(ignore_operators)
    skipped: list[SkippedRecord] = []
    # per coordinate pair: the location fields of its first installation, and every member's station
    groups: dict[tuple[Any, Any], tuple[dict[str, Any], list[ChargingStationUpdate]]] = {}
    # identical connectors (same position, plug and power) are one shared instance: a register has a few
    # dozen distinct ones among 300,000, and the models are not changed after parsing
    connectors: dict[tuple[Any, ...], ConnectorUpdate] = {}
    for body in bodies:
        records: list[Any] = load(body)
        for index, record in enumerate(records):
            records[index] = None  # drop each raw record once mapped, so the models reuse its memory
            reference = record.get('id') if isinstance(record, dict) else None
            try:
                checked = _check(record)
                if checked['operator']['companyName'] in ignored:
                    continue
                station = _station(checked, skipped, connectors)
            except (RecordError, ValidationError, KeyError, TypeError, ValueError) as exc:
                skipped.append(skip(f'installation {reference}', _reason(exc)))
                continue
            key = (checked['coordinates']['latitude'], checked['coordinates']['longitude'])
            group = groups.get(key)
            if group is None:
                groups[key] = (_location_fields(checked), [station])
            else:
                group[1].append(station)
        del records
    if screen is not None:
        _merge_swapped(groups, screen)
    return StaticBatch(locations=_locations(groups, skipped), skipped=skipped)


def _merge_swapped(
    groups: dict[tuple[Any, Any], tuple[dict[str, Any], list[ChargingStationUpdate]]], screen: CoordinateScreen
) -> None:
    """Installations with swapped axes move to their real coordinates, joining the location there if any."""
    keys = list(groups)
    for index in screen.swapped(keys):
        lat, lon = keys[index]
        fields, stations = groups.pop((lat, lon))
        fields['lat'], fields['lon'] = lon, lat
        if (lon, lat) in groups:
            groups[(lon, lat)][1].extend(stations)
        else:
            groups[(lon, lat)] = (fields, stations)


def _locations(
    groups: dict[tuple[Any, Any], tuple[dict[str, Any], list[ChargingStationUpdate]]], skipped: list[SkippedRecord]
) -> Iterator[LocationUpdate]:
    """Built one at a time as the store consumes them: only one location's models are alive at once."""
    operators: dict[str, BusinessUpdate] = {}  # one shared instance per operator name
    for key in list(groups):
        fields, stations = groups.pop(key)
        try:
            yield _location(fields, stations, operators)
        except ValidationError as exc:
            skipped.append(skip(f'installation {fields["id"]}', _reason(exc)))


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f'invalid {".".join(str(p) for p in first["loc"])}: {first["msg"]}'
    return str(exc) or type(exc).__name__


def _require(record: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = record.get(key)
    if value is None or not isinstance(value, kind):
        raise RecordError(f'{key} missing or not {getattr(kind, "__name__", kind)}')
    return value


def _check(record: Any) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise RecordError('installation is not an object')
    if not isinstance(record.get('id'), int) or isinstance(record.get('id'), bool):
        raise RecordError('id missing or not an integer')
    for key in REQUIRED_STRINGS:
        _require(record, key, str)
    coordinates = _require(record, 'coordinates', dict)
    for axis, bound in (('latitude', 90), ('longitude', 180)):
        value = coordinates.get(axis)
        if not isinstance(value, int | float) or isinstance(value, bool) or not -bound <= value <= bound:
            raise RecordError(f'coordinates.{axis} missing or out of range')
    _require(record, 'evses', list)
    _require(record, 'opening_days', list)
    _require(record, 'payment_systems', list)
    if record.get('opening_hours_specification') not in OPENING_SPECS:
        raise RecordError(f'unknown opening_hours_specification {record.get("opening_hours_specification")!r}')
    operator = _require(record, 'operator', dict)
    if not isinstance(operator.get('companyName'), str) or not operator['companyName'].strip():
        raise RecordError('operator.companyName missing')
    status = _require(record, 'status', dict)
    if status.get('operational') not in OPERATIONAL:
        raise RecordError(f'unknown status.operational {status.get("operational")!r}')
    if record.get('type') not in INSTALLATION_TYPES:
        raise RecordError(f'unknown type {record.get("type")!r}')
    _go_live(record)
    return record


def _go_live(record: dict[str, Any]) -> date:
    raw = record.get('go_live_date')
    try:
        return _day(str(raw))
    except ValueError:
        raise RecordError(f'go_live_date {raw!r} is not dd.mm.yyyy') from None


@functools.lru_cache(maxsize=8192)
def _day(text: str) -> date:
    """strptime is slow and a register has only a few thousand distinct dates: cache them."""
    return datetime.strptime(text, '%d.%m.%Y').date()


def _station(
    record: dict[str, Any], skipped: list[SkippedRecord], shared: dict[tuple[Any, ...], ConnectorUpdate]
) -> ChargingStationUpdate:
    installation_id = record['id']
    capabilities, unknown_payments = vocabulary.capabilities(record['payment_systems'])
    for name in unknown_payments:
        skipped.append(skip(f'installation {installation_id}', f'unknown payment system {name!r} ignored'))
    evses = []
    for k, evse in enumerate(record['evses'], start=1):
        built = _evse(installation_id, k, evse, OPERATIONAL[record['status']['operational']], skipped, shared)
        if built is not None:
            evses.append(built)
    station_power = record.get('max_electric_power_station')
    return ChargingStationUpdate(
        uid=str(installation_id),
        evses=evses,
        capabilities=capabilities,
        go_live_date=_go_live(record),
        max_power=MaxPower(value=float(station_power), unit=ChargingRateUnit.KW)
        if isinstance(station_power, int | float)
        else None,
    )


def _evse(
    installation_id: int,
    k: int,
    evse: Any,
    status: EvseStatus,
    skipped: list[SkippedRecord],
    shared: dict[tuple[Any, ...], ConnectorUpdate],
) -> EvseUpdate | None:
    uid = f'BNETZA*{installation_id}*{k}'
    if not isinstance(evse, dict) or not isinstance(evse.get('connectors', []), list):
        skipped.append(skip(uid, 'EVSE is not an object with a connector list'))
        return None
    connectors = []
    for j, connector in enumerate(evse.get('connectors') or []):
        built = _connector(uid, j, connector, skipped, shared)
        if built is not None:
            connectors.append(built)
    if not connectors:
        skipped.append(skip(uid, 'EVSE has no connector we can map'))
        return None
    evse_id = evse.get('evse_id')
    return EvseUpdate(
        uid=uid,
        evse_id=evse_id if isinstance(evse_id, str) and 0 < len(evse_id) <= 48 else uid,
        status=status,
        connectors=connectors,
    )


def _connector(
    evse_uid: str,
    j: int,
    connector: Any,
    skipped: list[SkippedRecord],
    shared: dict[tuple[Any, ...], ConnectorUpdate],
) -> ConnectorUpdate | None:
    if not isinstance(connector, dict):
        skipped.append(skip(f'{evse_uid} connector {j + 1}', 'connector is not an object'))
        return None
    name = connector.get('connector_type')
    if not name:
        return None
    try:
        mapped = vocabulary.plug(str(name))
    except KeyError:
        skipped.append(skip(f'{evse_uid} connector {j + 1}', f'unknown connector type {name!r}'))
        return None
    if mapped is None:
        return None
    standard, connector_format = mapped
    kilowatt = connector.get('max_electric_power_connector')
    kilowatt = float(kilowatt) if isinstance(kilowatt, int | float) and not isinstance(kilowatt, bool) else None
    key = (j, standard, connector_format, kilowatt)
    built = shared.get(key)
    if built is None:
        built = shared[key] = ConnectorUpdate(
            uid=str(j + 1),
            standard=standard,
            format=connector_format,
            power_type=vocabulary.power_type_for(standard, kilowatt),
            max_electric_power=vocabulary.watt(standard, kilowatt),
        )
    return built


def _location_fields(record: dict[str, Any]) -> dict[str, Any]:
    """What the location takes from its first installation (the rest of the record can be freed)."""
    return {
        'id': record['id'],
        'lat': record['coordinates']['latitude'],
        'lon': record['coordinates']['longitude'],
        'street': record.get('street'),
        'house_no': record.get('house_no'),
        'postal_code': record['postal_code'],
        'city': record['city'],
        'state': record['state'],
        'operator': record['operator']['companyName'].strip(),
        'opening_hours_specification': record['opening_hours_specification'],
        'opening_days': record['opening_days'],
    }


def _location(
    first: dict[str, Any], stations: list[ChargingStationUpdate], operators: dict[str, BusinessUpdate]
) -> LocationUpdate:
    twentyfourseven: bool | None = None
    regular_hours: list[RegularHours] | None = None
    if first['opening_hours_specification'] == '247':
        twentyfourseven = True
    elif first['opening_days']:
        twentyfourseven = False
        regular_hours = [
            RegularHours(
                weekday=vocabulary.WEEKDAYS[day['weekday']],
                period_begin=day['open_from'],
                period_end=day['open_to'],
            )
            for day in first['opening_days']
            if isinstance(day, dict) and day.get('weekday') in vocabulary.WEEKDAYS
        ]
    operator = operators.get(first['operator'])
    if operator is None:
        operator = operators[first['operator']] = BusinessUpdate(name=first['operator'])
    return LocationUpdate(
        uid=str(first['id']),
        lat=first['lat'],
        lon=first['lon'],
        address=vocabulary.join_address(first['street'], first['house_no']),
        postal_code=first['postal_code'],
        city=first['city'],
        state=first['state'],
        country='DEU',
        time_zone='Europe/Berlin',
        operator=operator,
        twentyfourseven=twentyfourseven,
        regular_hours=regular_hours,
        charging_pool=stations,
    )

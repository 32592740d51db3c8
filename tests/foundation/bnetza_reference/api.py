"""BNetzA JSON API (`chargingStations[]`) -> locations (spec/sources.md §3.3).

Installations at exactly the same coordinates form one location; each installation is a
charging station with one EVSE per register charge point. Every EVSE status is STATIC (the
register has no live data) or INOPERATIVE when the installation is in maintenance.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import orjson
from pydantic import ValidationError

from ocpdb_pipelines.model.enums import ChargingRateUnit, EvseStatus
from ocpdb_pipelines.model.updates import RegularHours, SkippedRecord, quantize_coordinate
from ocpdb_pipelines.sources.base import PayloadError, StaticBatch, skip
from ocpdb_pipelines.sources.bnetza import vocabulary
from ocpdb_pipelines.sources.bnetza.register import EvseRows, Register, StationRows, Values
from ocpdb_pipelines.sources.common.values import skip_reason

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


def parse(bodies: Iterable[bytes], ignore_operators: Iterable[str] = ()) -> StaticBatch:
    """Installations checked one by one and grouped by coordinates; rows are built once screened."""
    ignored = set(ignore_operators)
    skipped: list[SkippedRecord] = []
    register = Register()
    # identical connectors (same plug and power) share their columns: a register has a few dozen among 300,000
    connectors: dict[tuple[Any, ...], Values] = {}
    operators: dict[str, str | ValidationError] = {}
    for body in bodies:
        records: list[Any] = load(body)
        for index, record in enumerate(records):
            records[index] = None  # drop each raw record once mapped
            reference = record.get('id') if isinstance(record, dict) else None
            try:
                checked = _check(record)
                if checked['operator']['companyName'] in ignored:
                    continue
                station = _station(checked, skipped, connectors)
            except (RecordError, ValidationError, KeyError, TypeError, ValueError) as exc:
                skipped.append(skip(f'installation {reference}', skip_reason(exc)))
                continue
            register.add(
                (checked['coordinates']['latitude'], checked['coordinates']['longitude']),
                functools.partial(_location, _location_fields(checked), operators),
                functools.partial(_invalid_location, checked['id']),
                station,
            )
        del records
    return StaticBatch(locations=[], skipped=skipped, tabular=register)


def _invalid_location(installation_id: int, exc: Exception) -> SkippedRecord:
    return skip(f'installation {installation_id}', skip_reason(exc))


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
    record: dict[str, Any], skipped: list[SkippedRecord], shared: dict[tuple[Any, ...], Values]
) -> StationRows:
    installation_id = record['id']
    capabilities, unknown_payments = vocabulary.capabilities(record['payment_systems'])
    for name in unknown_payments:
        skipped.append(skip(f'installation {installation_id}', f'unknown payment system {name!r} ignored'))
    status = OPERATIONAL[record['status']['operational']].value
    evses = []
    for k, evse in enumerate(record['evses'], start=1):
        built = _evse(installation_id, k, evse, status, skipped, shared)
        if built is not None:
            evses.append(built)
    mask = 0
    for capability in capabilities:
        mask |= int(capability)
    values: Values = {'capabilities': mask, 'go_live_date': _go_live(record)}
    station_power = record.get('max_electric_power_station')
    if isinstance(station_power, int | float):
        values['max_power_unit'] = ChargingRateUnit.KW.value
        values['max_power_value'] = float(station_power)
    return StationRows(uid=str(installation_id), values=values, evses=evses)


def _evse(
    installation_id: int,
    k: int,
    evse: Any,
    status: str,
    skipped: list[SkippedRecord],
    shared: dict[tuple[Any, ...], Values],
) -> EvseRows | None:
    uid = f'BNETZA*{installation_id}*{k}'
    if not isinstance(evse, dict) or not isinstance(evse.get('connectors', []), list):
        skipped.append(skip(uid, 'EVSE is not an object with a connector list'))
        return None
    connectors = []
    for j, connector in enumerate(evse.get('connectors') or []):
        built = _connector(uid, j, connector, skipped, shared)
        if built is not None:
            connectors.append((str(j + 1), built))
    if not connectors:
        skipped.append(skip(uid, 'EVSE has no connector we can map'))
        return None
    evse_id = evse.get('evse_id')
    evse_id = evse_id if isinstance(evse_id, str) and 0 < len(evse_id) <= 48 else uid
    return EvseRows(uid=uid, values={'evse_id': evse_id, 'status': status}, connectors=connectors)


def _connector(
    evse_uid: str,
    j: int,
    connector: Any,
    skipped: list[SkippedRecord],
    shared: dict[tuple[Any, ...], Values],
) -> Values | None:
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
    return vocabulary.connector_values(
        shared,
        standard=standard,
        format=connector_format,
        power_type=vocabulary.power_type_for(standard, kilowatt),
        max_electric_power=vocabulary.watt(standard, kilowatt),
    )


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


def _location(first: dict[str, Any], operators: dict[str, str | ValidationError]) -> Values:
    """The stg_location columns from the group's first installation; ValidationError as the model raises it."""
    values: Values = {}
    if first['opening_hours_specification'] == '247':
        values['twentyfourseven'] = True
    elif first['opening_days']:
        values['twentyfourseven'] = False
        hours = [
            RegularHours(
                weekday=vocabulary.WEEKDAYS[day['weekday']], period_begin=day['open_from'], period_end=day['open_to']
            ).model_dump(mode='json', exclude_none=True)
            for day in first['opening_days']
            if isinstance(day, dict) and day.get('weekday') in vocabulary.WEEKDAYS
        ]
        values['regular_hours'] = orjson.dumps(hours).decode()
    address = vocabulary.join_address(first['street'], first['house_no'])
    values.update(
        uid=str(first['id']),
        lat=quantize_coordinate(first['lat']),
        lon=quantize_coordinate(first['lon']),
        address=address[:255] if address else address,
        postal_code=first['postal_code'][:255],
        city=first['city'][:255],
        state=first['state'][:255],
        country='DEU',
        time_zone='Europe/Berlin',
        operator_name=vocabulary.operator_name(operators, first['operator']),
    )
    return values

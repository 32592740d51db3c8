"""Goldbeck IPCM: a JSON array of chargepoints -> one location per postal address (spec §3.8).

Fixes against the predecessor (§8): the outlet's FORMAT attribute is used; RESERVED maps to
RESERVED (not None); a missing MAX_* attribute no longer crashes the run (the connector defaults
fill the gap); the postal address name becomes the location name. Values the source gives
(e.g. 11000 W at 32 A) are stored as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from ocpdb_pipelines.model.enums import ConnectorFormat, ConnectorType, EvseStatus, PowerType
from ocpdb_pipelines.model.updates import (
    BusinessUpdate,
    ChargingStationUpdate,
    ConnectorUpdate,
    EvseRealtimeUpdate,
    EvseUpdate,
    LocationUpdate,
    SkippedRecord,
)
from ocpdb_pipelines.sources.base import PayloadError, RealtimeBatch, StaticBatch, skip
from ocpdb_pipelines.sources.common.values import (
    BERLIN,
    RecordError,
    as_dict,
    as_list,
    coordinates,
    country_alpha3,
    load_json,
    opt_str,
    parse_datetime,
    req_id,
    skip_reason,
    to_int,
)

STATUS = {
    'AVAILABLE': EvseStatus.AVAILABLE,
    'PREPARING': EvseStatus.CHARGING,
    'CHARGING': EvseStatus.CHARGING,
    'SUSPENDED_EVSE': EvseStatus.CHARGING,
    'SUSPENDED_EV': EvseStatus.CHARGING,
    'FINISHING': EvseStatus.CHARGING,
    'UNAVAILABLE': EvseStatus.INOPERATIVE,
    'FAULTED': EvseStatus.OUTOFORDER,
    'RESERVED': EvseStatus.RESERVED,
}
POWER_TYPES = {
    'AC3': (ConnectorType.IEC_62196_T2, PowerType.AC_3_PHASE),
    'AC1': (ConnectorType.IEC_62196_T2, PowerType.AC_1_PHASE),
    'DC': (None, PowerType.DC),
}


def outlet_status(outlet: dict) -> EvseStatus:
    """No nativeStatus means the outlet has no live data (STATIC); an unknown value is UNKNOWN."""
    native = outlet.get('nativeStatus')
    if native is None:
        return EvseStatus.STATIC
    return STATUS.get(str(native).upper(), EvseStatus.UNKNOWN)


def _attributes(raw: dict) -> dict[str, str]:
    values = {}
    for item in as_list(raw, 'attributes'):
        if not isinstance(item, dict) or not isinstance(item.get('key'), str):
            raise RecordError('attributes: expected {key, value} objects')
        value = item.get('value')
        if value is not None and not isinstance(value, str):
            raise RecordError(f'attribute {item["key"]}: expected a text value, got {type(value).__name__}')
        values[item['key']] = value
    return values


def _connector(outlet: dict, last_updated: datetime) -> ConnectorUpdate:
    attributes = _attributes(outlet)
    standard, power_type = POWER_TYPES.get(attributes.get('POWER_TYPE') or '', (None, None))
    try:
        connector_format = ConnectorFormat(attributes['FORMAT']) if attributes.get('FORMAT') else None
    except ValueError:
        connector_format = None
    return ConnectorUpdate(
        uid='1',
        standard=standard,
        format=connector_format,
        power_type=power_type or PowerType.AC_3_PHASE,
        max_voltage=to_int(attributes.get('MAX_VOLTAGE'), 'MAX_VOLTAGE'),
        max_amperage=to_int(attributes.get('MAX_AMPERAGE'), 'MAX_AMPERAGE'),
        max_electric_power=to_int(attributes.get('MAX_ELECTRIC_POWER'), 'MAX_ELECTRIC_POWER'),
        last_updated=last_updated,
    )


@dataclass
class Chargepoint:
    address: dict
    tenant: str | None
    lat: Decimal
    lon: Decimal
    evses: list[EvseUpdate]


def _chargepoint(raw: Any, now: datetime, skipped: list[SkippedRecord]) -> Chargepoint:
    if not isinstance(raw, dict):
        raise RecordError('chargepoint: expected an object')
    position = as_dict(raw, 'position', required=True) or {}
    if position.get('latitude') is None or position.get('longitude') is None:
        raise RecordError('position: latitude and longitude are required')
    for key in ('latitude', 'longitude'):
        if isinstance(position[key], bool) or not isinstance(position[key], int | float):
            raise RecordError(f'position.{key}: expected a number, got {position[key]!r}')
    lat, lon = coordinates(position['latitude'], position['longitude'])
    address = as_dict(raw, 'postalAddress', required=True) or {}
    req_id(address, 'id', max_length=36)
    last_updated = parse_datetime(raw.get('lastUpdatedAt'), 'lastUpdatedAt', naive_zone=BERLIN) or now
    evses = []
    for outlet in as_list(raw, 'outlets'):
        try:
            if not isinstance(outlet, dict):
                raise RecordError('outlet: expected an object')
            evse_id = req_id(outlet, 'evseId', max_length=64)
            evses.append(
                EvseUpdate(
                    uid=evse_id,
                    evse_id=evse_id,
                    status=outlet_status(outlet),
                    last_updated=last_updated,
                    status_last_updated=last_updated,
                    connectors=[_connector(outlet, last_updated)],
                )
            )
        except (RecordError, ValidationError) as exc:
            ref = outlet.get('evseId') if isinstance(outlet, dict) else None
            skipped.append(skip(f'chargepoint {raw.get("id")} outlet {ref}', skip_reason(exc)))
    tenant = as_dict(raw, 'tenant') or {}
    return Chargepoint(address, opt_str(tenant, 'name', max_length=255), lat, lon, evses)


def _location(uid: str, chargepoints: list[Chargepoint]) -> LocationUpdate:
    first = chargepoints[0]
    address = first.address
    street = ' '.join(s for s in (opt_str(address, 'street1'), opt_str(address, 'street2')) if s) or None
    evses = [evse for chargepoint in chargepoints for evse in chargepoint.evses]
    last_updated = max((e.last_updated for e in evses if e.last_updated), default=None)
    return LocationUpdate(
        uid=uid,
        lat=first.lat,
        lon=first.lon,
        name=opt_str(address, 'name'),
        address=street,
        postal_code=opt_str(address, 'zip'),
        city=opt_str(address, 'city'),
        country=country_alpha3(address.get('country')),
        operator=BusinessUpdate(name=first.tenant) if first.tenant else None,
        charging_pool=[ChargingStationUpdate(uid=uid, evses=evses, last_updated=last_updated)],
        last_updated=last_updated,
    )


def chargepoints(body: bytes) -> list[Any]:
    payload = load_json(body, 'Goldbeck charging-stations')
    if not isinstance(payload, list):
        raise PayloadError(f'Goldbeck charging-stations: expected a JSON array, got {type(payload).__name__}')
    return payload


def parse_static(body: bytes) -> StaticBatch:
    now = datetime.now(UTC)
    batch = StaticBatch(locations=[])
    groups: dict[str, list[Chargepoint]] = {}
    for raw in chargepoints(body):
        try:
            chargepoint = _chargepoint(raw, now, batch.skipped)
        except (RecordError, ValidationError) as exc:
            batch.skipped.append(
                skip(f'chargepoint {raw.get("id") if isinstance(raw, dict) else raw!r}', skip_reason(exc))
            )
            continue
        groups.setdefault(str(chargepoint.address['id']).strip(), []).append(chargepoint)
    for uid, members in groups.items():
        try:
            batch.locations.append(_location(uid, members))
        except (RecordError, ValidationError) as exc:
            batch.skipped.append(skip(f'postal address {uid}', skip_reason(exc)))
    return batch


def parse_realtime(body: bytes) -> RealtimeBatch:
    now = datetime.now(UTC)
    batch = RealtimeBatch(updates=[])
    for raw in chargepoints(body):
        if not isinstance(raw, dict):
            batch.skipped.append(skip(repr(raw), 'chargepoint: expected an object'))
            continue
        try:
            last_updated = parse_datetime(raw.get('lastUpdatedAt'), 'lastUpdatedAt', naive_zone=BERLIN) or now
        except RecordError as exc:
            batch.skipped.append(skip(f'chargepoint {raw.get("id")}', str(exc)))
            continue
        for outlet in raw.get('outlets') or []:
            evse_id = outlet.get('evseId') if isinstance(outlet, dict) else None
            if not isinstance(evse_id, str) or not evse_id.strip() or len(evse_id) > 64:
                batch.skipped.append(skip(f'chargepoint {raw.get("id")}', 'outlet without a usable evseId'))
                continue
            batch.updates.append(
                EvseRealtimeUpdate(
                    uid=evse_id,
                    evse_id=evse_id,
                    status=outlet_status(outlet),
                    last_updated=last_updated,
                    status_last_updated=last_updated,
                )
            )
    return batch

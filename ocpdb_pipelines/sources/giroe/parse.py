"""giro-e location payload -> LocationUpdate (spec §3.6); also used by the push receivers.

Location and connector uids are derived from the numeric ids with OBJECT_ID_SECRET so they are stable
and not guessable: first 32 hex characters of sha256("location-{id}-{secret}") / ("connector-…").
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from ocpdb_pipelines.model.enums import Capability, ConnectorFormat, ConnectorType, EvseStatus, PowerType
from ocpdb_pipelines.model.updates import (
    ChargingStationUpdate,
    ConnectorUpdate,
    EvseRealtimeUpdate,
    EvseUpdate,
    LocationUpdate,
)
from ocpdb_pipelines.sources.common.values import (
    RecordError,
    as_list,
    coordinates,
    country_alpha3,
    opt_str,
    parse_datetime,
    req_id,
    to_int,
)

STATION_CAPABILITIES = [
    Capability.UNLOCK_CAPABLE,
    Capability.RFID_READER,
    Capability.CONTACTLESS_CARD_SUPPORT,
    Capability.DEBIT_CARD_PAYABLE,
    Capability.REMOTE_START_STOP_CAPABLE,
]
_CHARGING_LIKE = {'PREPARING', 'SUSPENDED_EVSE', 'SUSPENDED_EV', 'FINISHING'}


def object_uid(kind: str, object_id: int | str, secret: str) -> str:
    return hashlib.sha256(f'{kind}-{object_id}-{secret}'.encode()).hexdigest()[:32]


def location_uid(location_id: int | str, secret: str) -> str:
    return object_uid('location', location_id, secret)


def connector_status(value: Any) -> EvseStatus:
    """giro-e ChargeConnectorStatus in any case; the four session states count as CHARGING."""
    if not isinstance(value, str) or not value.strip():
        raise RecordError(f'status: expected a connector status, got {value!r}')
    name = value.strip().upper()
    if name in _CHARGING_LIKE:
        return EvseStatus.CHARGING
    try:
        return EvseStatus[name]
    except KeyError:
        raise RecordError(f'status: unknown connector status {value!r}') from None


def _positive_id(raw: dict, key: str = 'id') -> int:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RecordError(f'{key}: expected a positive integer, got {value!r}')
    return value


def _enum(enum: type, value: Any, field: str) -> Any:
    if value is None:
        return None
    try:
        return enum(value.upper() if isinstance(value, str) and enum is not ConnectorType else value)
    except ValueError:
        raise RecordError(f'{field}: unknown value {value!r}') from None


def _evse(raw: Any, secret: str, now: datetime) -> EvseUpdate:
    if not isinstance(raw, dict):
        raise RecordError('connector: expected an object')
    connector_id = _positive_id(raw)
    uid = req_id(raw, 'uid', max_length=64)
    modified = parse_datetime(raw.get('modified'), 'connector modified') or now
    standard = _enum(ConnectorType, raw.get('standard'), f'connector {uid} standard')
    if raw.get('standard') is not None and standard is None:
        raise RecordError(f'connector {uid}: unknown standard')
    return EvseUpdate(
        uid=uid,
        evse_id=uid,
        status=connector_status(raw.get('status')),
        last_updated=modified,
        status_last_updated=modified,
        connectors=[
            ConnectorUpdate(
                uid=object_uid('connector', connector_id, secret),
                standard=standard,
                format=_enum(ConnectorFormat, raw.get('format'), f'connector {uid} format'),
                power_type=_enum(PowerType, raw.get('power_type'), f'connector {uid} power_type'),
                max_electric_power=to_int(raw.get('power'), f'connector {uid} power'),
                last_updated=modified,
            )
        ],
    )


def map_location(raw: Any, secret: str, *, now: datetime | None = None) -> LocationUpdate:
    """One giro-e location; any invalid part raises RecordError / ValidationError (the push answers 400)."""
    now = now or datetime.now(UTC)
    if not isinstance(raw, dict):
        raise RecordError('location: expected an object')
    location_id = _positive_id(raw)
    lat, lon = coordinates(raw.get('lat'), raw.get('lon'))
    modified = parse_datetime(raw.get('modified'), 'modified') or now
    stations = []
    for station in as_list(raw, 'stations'):
        if not isinstance(station, dict):
            raise RecordError('station: expected an object')
        stations.append(
            ChargingStationUpdate(
                uid=req_id(station, 'uid', max_length=36),
                capabilities=list(STATION_CAPABILITIES),
                last_updated=parse_datetime(station.get('modified'), 'station modified') or modified,
                evses=[_evse(c, secret, now) for c in as_list(station, 'connectors')],
            )
        )
    return LocationUpdate(
        uid=location_uid(location_id, secret),
        lat=lat,
        lon=lon,
        address=opt_str(raw, 'address'),
        postal_code=opt_str(raw, 'postalcode'),
        city=opt_str(raw, 'locality'),
        country=country_alpha3(raw.get('country')),
        time_zone='Europe/Berlin',
        charging_pool=stations,
        last_updated=modified,
    )


def connector_realtime(raw: Any) -> EvseRealtimeUpdate:
    """A connector record of the charge-connectors list -> the status of its EVSE (uid = connector uid)."""
    if not isinstance(raw, dict):
        raise RecordError('connector: expected an object')
    uid = req_id(raw, 'uid', max_length=64)
    modified = parse_datetime(raw.get('modified'), 'connector modified')
    return EvseRealtimeUpdate(
        uid=uid,
        evse_id=uid,
        status=connector_status(raw.get('status')),
        last_updated=modified,
        status_last_updated=modified,
    )

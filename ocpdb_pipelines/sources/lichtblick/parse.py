"""Lichtblick: `{operator: {operatorName, operatorPlaces: [place…]}}` -> locations (spec §3.7).

Fixes against the predecessor (§8): every circuit becomes its own EVSE (the predecessor kept only the
last one); GBT plugs map to GBT_AC / GBT_DC instead of falling back to T2; DC plugs are cables;
`powerInfo` (e.g. AC_022kW_032A) gives the power when the circuit does not. An undocumented
`max_electric_power` below 1000 is read as kW. Unpublished places are left out (not errors).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
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
    RecordError,
    as_dict,
    as_list,
    coordinates,
    load_json,
    opt_bool,
    opt_str,
    req_id,
    skip_reason,
    to_int,
)

T2 = ConnectorType.IEC_62196_T2
PLUGS: dict[str, tuple[ConnectorType | None, ConnectorFormat]] = {
    'SCHUKO': (ConnectorType.DOMESTIC_F, ConnectorFormat.SOCKET),
    'TYP2': (T2, ConnectorFormat.SOCKET),
    'TYP2_11KW': (T2, ConnectorFormat.SOCKET),
    'TYP2_14KW': (T2, ConnectorFormat.SOCKET),
    'TYP2_39KW': (T2, ConnectorFormat.SOCKET),
    'TYP2_CABLE': (T2, ConnectorFormat.CABLE),
    'CCS': (ConnectorType.IEC_62196_T2_COMBO, ConnectorFormat.CABLE),
    'CHAdeMO': (ConnectorType.CHADEMO, ConnectorFormat.CABLE),
    'GBT_AC': (ConnectorType.GBT_AC, ConnectorFormat.SOCKET),
    'GBT_DC': (ConnectorType.GBT_DC, ConnectorFormat.CABLE),
    'CEE': (ConnectorType.IEC_60309_2_three_32, ConnectorFormat.SOCKET),
    'UNKNOWN': (None, ConnectorFormat.SOCKET),
}
_CHARGING = [
    'OCPP16_PREPARING',
    'OCPP16_CHARGING',
    'OCPP16_SUSPENDEDEV',
    'OCPP16_SUSPENDEDEVSE',
    'OCPP16_FINISHING',
    'OCPP16_FINSISHING',
    'CHARGING',
    'STATE_CHARGING_PLUG_REMOVE',
    'CHARGING_PAUSE',
    'IDLE',
]
STATUS: dict[str, EvseStatus] = {
    'OCPP_AVAILABLE': EvseStatus.AVAILABLE,
    'OCPP16_AVAILABLE': EvseStatus.AVAILABLE,
    'OCPP_OCCUPIED': EvseStatus.BLOCKED,
    'OCPP_UNAVAILABLE': EvseStatus.INOPERATIVE,
    'OCPP16_UNAVAILABLE': EvseStatus.INOPERATIVE,
    'OCPP_FAULTED': EvseStatus.OUTOFORDER,
    'OCPP16_FAULTED': EvseStatus.OUTOFORDER,
    **dict.fromkeys(_CHARGING, EvseStatus.CHARGING),
}
POWER_INFO = re.compile(r'^(AC|DC)_(\d+)kW(?:_(\d+)A)?$')


def circuit_status(circuit: dict) -> EvseStatus:
    return STATUS.get(str(circuit.get('status') or '').upper(), EvseStatus.UNKNOWN)


def _connector(circuit: dict) -> ConnectorUpdate:
    uid = req_id(circuit, '_id', max_length=64)
    plug = circuit.get('plug')
    if plug not in PLUGS:
        raise RecordError(f'circuit {uid}: unknown plug {plug!r}')
    standard, connector_format = PLUGS[plug]
    power = to_int(circuit.get('max_electric_power'), 'max_electric_power')
    if power is not None and 0 < power < 1000:
        power *= 1000
    # powerInfo such as AC_022kW_032A: the power when the circuit gives none (V and A follow from it)
    info = POWER_INFO.match(circuit.get('powerInfo') or '')
    if info and not power:
        power = int(info.group(2)) * 1000
    power_type = None
    if circuit.get('power_type') == 'DC' or (info and info.group(1) == 'DC'):
        power_type = PowerType.DC
    return ConnectorUpdate(
        uid=uid,
        standard=standard,
        format=connector_format,
        power_type=power_type,
        max_electric_power=power or None,
    )


def _location(place: Any, operator: str | None, now: datetime, skipped: list[SkippedRecord]) -> LocationUpdate:
    if not isinstance(place, dict):
        raise RecordError('place: expected an object')
    uid = req_id(place, 'shortcode', max_length=36)
    lat, lon = coordinates(place.get('lat'), place.get('lon'))
    address = as_dict(place, 'address') or {}
    evses = []
    for circuit in as_list(place, 'circuits'):
        try:
            if not isinstance(circuit, dict):
                raise RecordError('circuit: expected an object')
            evse_id = req_id(circuit, 'evseId', max_length=64)
            evses.append(
                EvseUpdate(
                    uid=evse_id,
                    evse_id=evse_id,
                    status=circuit_status(circuit),
                    last_updated=now,
                    connectors=[_connector(circuit)],
                )
            )
        except (RecordError, ValidationError) as exc:
            ref = circuit.get('evseId') if isinstance(circuit, dict) else None
            skipped.append(skip(f'place {uid} circuit {ref}', skip_reason(exc)))
    hours = as_dict(place, 'hours') or {}
    operator_name = operator or opt_str(place, 'operatorName', max_length=255)
    return LocationUpdate(
        uid=uid,
        lat=lat,
        lon=lon,
        name=opt_str(place, 'name'),
        address=opt_str(address, 'street'),
        postal_code=opt_str(address, 'zipCode'),
        city=opt_str(address, 'city'),
        country='DEU',
        operator=BusinessUpdate(name=operator_name) if operator_name else None,
        twentyfourseven=opt_bool(hours, 'twentyfourseven'),
        charging_pool=[ChargingStationUpdate(uid=uid, evses=evses, last_updated=now)],
        last_updated=now,
    )


def places(body: bytes) -> tuple[list[Any], str | None]:
    payload = load_json(body, 'Lichtblick')
    operator = payload.get('operator') if isinstance(payload, dict) else None
    if not isinstance(operator, dict) or not isinstance(operator.get('operatorPlaces'), list):
        raise PayloadError('Lichtblick: expected {operator: {operatorPlaces: [...]}}')
    name = operator.get('operatorName')
    return operator['operatorPlaces'], name.strip()[:255] if isinstance(name, str) and name.strip() else None


def parse_static(body: bytes) -> StaticBatch:
    now = datetime.now(UTC)
    batch = StaticBatch(locations=[])
    raw_places, operator = places(body)
    for place in raw_places:
        if isinstance(place, dict) and place.get('published') is False:
            continue
        try:
            batch.locations.append(_location(place, operator, now, batch.skipped))
        except (RecordError, ValidationError) as exc:
            ref = place.get('shortcode') if isinstance(place, dict) else None
            batch.skipped.append(skip(f'place {ref}', skip_reason(exc)))
    return batch


def parse_realtime(body: bytes) -> RealtimeBatch:
    batch = RealtimeBatch(updates=[])
    raw_places, _ = places(body)
    for place in raw_places:
        if not isinstance(place, dict) or place.get('published') is False:
            continue
        for circuit in place.get('circuits') or []:
            evse_id = circuit.get('evseId') if isinstance(circuit, dict) else None
            if not isinstance(evse_id, str) or not evse_id.strip() or len(evse_id) > 64:
                batch.skipped.append(skip(f'place {place.get("shortcode")}', 'circuit without a usable evseId'))
                continue
            batch.updates.append(EvseRealtimeUpdate(uid=evse_id, evse_id=evse_id, status=circuit_status(circuit)))
    return batch

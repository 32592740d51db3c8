"""OCPI 2.2 / 2.2.1 Locations -> LocationUpdate and StaticBatch / RealtimeBatch (spec §3.1), shared by chargecloud,
eaaze_pbw and stadtnavi.

Deliberate differences to the predecessor (spec §8 and OCPI itself):
- a broken EVSE (unknown connector standard, a non-numeric voltage, …) skips that EVSE, not the
  whole location; a location is skipped only when its own fields are unusable (id, coordinates);
- EVSE capabilities and floor levels reach the charging station (they were never persisted);
- OCPI location fields the predecessor dropped are mapped: charging_when_closed, energy_mix,
  facilities, images; numeric coordinates and timestamps with an offset are accepted;
- `publish: false` locations are left out (OCPDB publishes everything it stores).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from ocpdb_pipelines.model.enums import (
    Capability,
    ConnectorFormat,
    ConnectorType,
    EvseStatus,
    ImageCategory,
    ParkingRestriction,
    ParkingType,
    PowerType,
)
from ocpdb_pipelines.model.updates import (
    BusinessUpdate,
    ChargingStationUpdate,
    ConnectorUpdate,
    DisplayText,
    EnergyMix,
    EvseRealtimeUpdate,
    EvseUpdate,
    ExceptionalPeriod,
    ImageUpdate,
    LocationUpdate,
    RegularHours,
    RelatedLocation,
    SkippedRecord,
)
from ocpdb_pipelines.sources.base import RealtimeBatch, StaticBatch, skip
from ocpdb_pipelines.sources.common.values import (
    RecordError,
    as_dict,
    as_list,
    clean_text,
    coordinates,
    country_alpha3,
    opt_bool,
    opt_str,
    parse_datetime,
    req_id,
    skip_reason,
    to_int,
)
from ocpdb_pipelines.sources.ocpi.tariffs import map_tariffs

STATION_UID_MAX = 36


@dataclass
class MapResult:
    locations: list[LocationUpdate] = field(default_factory=list)
    skipped: list[SkippedRecord] = field(default_factory=list)


def station_uid(location_uid: str) -> str:
    """The single charging station of an OCPI location carries the location id (hashed if too long)."""
    if len(location_uid) <= STATION_UID_MAX:
        return location_uid
    return hashlib.sha256(location_uid.encode()).hexdigest()[:32]


def _enum(enum: type, value: Any) -> Any:
    try:
        return enum(value) if value is not None else None
    except ValueError:
        return None


def display_texts(value: Any, field_name: str) -> list[DisplayText] | None:
    """A DisplayText list (a bare string is accepted as one German text); blank texts are dropped."""
    if value is None or value == '':
        return None
    if isinstance(value, str):
        value = [{'language': 'de', 'text': value}]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise RecordError(f'{field_name}: expected a list of texts')
    texts = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get('text'), str):
            raise RecordError(f'{field_name}: a text entry without text')
        text = clean_text(item['text'])
        if not text:
            continue
        language = item.get('language')
        language = language.strip().lower()[:2] if isinstance(language, str) and language.strip() else None
        texts.append(DisplayText(language=language, text=text[:512]))
    return texts or None


def image(raw: Any) -> ImageUpdate | None:
    if not isinstance(raw, dict) or not isinstance(raw.get('url'), str) or not raw['url'].strip():
        return None
    return ImageUpdate(
        external_url=raw['url'].strip()[:1024],
        category=_enum(ImageCategory, raw.get('category')),
        type=raw['type'][:4] if isinstance(raw.get('type'), str) else None,
        width=raw['width'] if isinstance(raw.get('width'), int) else None,
        height=raw['height'] if isinstance(raw.get('height'), int) else None,
    )


def business(raw: Any, field_name: str) -> BusinessUpdate | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise RecordError(f'{field_name}: expected an object')
    name = opt_str(raw, 'name', max_length=255)
    if name is None:
        return None
    return BusinessUpdate(name=name, website=opt_str(raw, 'website', max_length=255), logo=image(raw.get('logo')))


def _hours(opening_times: dict | None) -> dict[str, Any]:
    if not opening_times:
        return {}
    out: dict[str, Any] = {'twentyfourseven': opt_bool(opening_times, 'twentyfourseven')}
    regular = []
    for item in as_list(opening_times, 'regular_hours'):
        if not isinstance(item, dict):
            raise RecordError('regular_hours: expected objects')
        weekday = to_int(item.get('weekday'), 'regular_hours.weekday')
        begin, end = opt_str(item, 'period_begin'), opt_str(item, 'period_end')
        if weekday is None or not 1 <= weekday <= 7 or begin is None or end is None:
            raise RecordError(f'regular_hours: invalid entry {item!r}')
        regular.append(RegularHours(weekday=weekday, period_begin=begin, period_end=end))
    if regular:
        out['regular_hours'] = sorted(regular, key=lambda h: (h.weekday, h.period_begin))
    for key in ('exceptional_openings', 'exceptional_closings'):
        periods = []
        for item in as_list(opening_times, key):
            if not isinstance(item, dict):
                raise RecordError(f'{key}: expected objects')
            begin = parse_datetime(item.get('period_begin'), f'{key}.period_begin')
            end = parse_datetime(item.get('period_end'), f'{key}.period_end')
            if begin is None or end is None:
                raise RecordError(f'{key}: period without begin or end')
            periods.append(ExceptionalPeriod(period_begin=begin, period_end=end))
        if periods:
            out[key] = periods
    return out


def _related_locations(raw: dict) -> list[RelatedLocation] | None:
    related = []
    for item in as_list(raw, 'related_locations'):
        if not isinstance(item, dict):
            continue
        try:
            lat, lon = coordinates(item.get('latitude'), item.get('longitude'))
        except RecordError:
            continue
        names = display_texts(item.get('name'), 'related_locations.name')
        related.append(RelatedLocation(latitude=float(lat), longitude=float(lon), name=names[0] if names else None))
    return related or None


def _energy_mix(raw: dict) -> EnergyMix | None:
    value = raw.get('energy_mix')
    if not isinstance(value, dict) or not isinstance(value.get('is_green_energy'), bool):
        return None
    try:
        return EnergyMix.model_validate(
            {k: v for k, v in value.items() if k in EnergyMix.model_fields and v is not None}
        )
    except ValidationError:
        return None


def connector(raw: Any, *, now: datetime) -> ConnectorUpdate:
    if not isinstance(raw, dict):
        raise RecordError('connector: expected an object')
    uid = req_id(raw, 'id', max_length=64)
    standard_raw = raw.get('standard')
    standard = _enum(ConnectorType, standard_raw)
    if standard is None:
        raise RecordError(f'connector {uid}: unknown connector standard {standard_raw!r}')
    power_type_raw = raw.get('power_type')
    power_type = _enum(PowerType, power_type_raw)
    if power_type_raw is not None and power_type is None:
        raise RecordError(f'connector {uid}: unknown power_type {power_type_raw!r}')
    return ConnectorUpdate(
        uid=uid,
        standard=standard,
        format=_enum(ConnectorFormat, raw.get('format')),
        power_type=power_type,
        max_voltage=to_int(raw.get('max_voltage'), f'connector {uid} max_voltage'),
        max_amperage=to_int(raw.get('max_amperage'), f'connector {uid} max_amperage'),
        max_electric_power=to_int(raw.get('max_electric_power'), f'connector {uid} max_electric_power'),
        last_updated=parse_datetime(raw.get('last_updated'), 'connector last_updated') or now,
        terms_and_conditions=opt_str(raw, 'terms_and_conditions', max_length=255),
    )


def evse_uid(raw: dict) -> str:
    """OCPDB's EVSE uid is the published EVSE id (eMI3), falling back to the OCPI `uid`."""
    if raw.get('evse_id') not in (None, ''):
        return req_id(raw, 'evse_id', max_length=64)
    return req_id(raw, 'uid', max_length=64)


def evse_status(raw: dict) -> EvseStatus | None:
    value = raw.get('status')
    if value is None:
        return None
    return _enum(EvseStatus, value.upper() if isinstance(value, str) else value) or EvseStatus.UNKNOWN


@dataclass
class _Evse:
    update: EvseUpdate
    capabilities: list[Capability]
    floor_level: str | None


def evse(raw: Any, *, now: datetime, skipped: list[SkippedRecord]) -> _Evse:
    if not isinstance(raw, dict):
        raise RecordError('evse: expected an object')
    uid = evse_uid(raw)
    connectors_raw = as_list(raw, 'connectors')
    if not connectors_raw:
        raise RecordError(f'evse {uid}: no connectors')
    connectors = [connector(item, now=now) for item in connectors_raw]
    last_updated = parse_datetime(raw.get('last_updated'), f'evse {uid} last_updated') or now
    restrictions = [r for r in (_enum_name(ParkingRestriction, v) for v in as_list(raw, 'parking_restrictions')) if r]
    capabilities = [c for c in (_enum_name(Capability, v) for v in as_list(raw, 'capabilities')) if c]
    images = [img for img in (image(item) for item in as_list(raw, 'images')) if img]
    update = EvseUpdate(
        uid=uid,
        evse_id=uid if raw.get('evse_id') not in (None, '') else None,
        status=evse_status(raw),
        physical_reference=opt_str(raw, 'physical_reference', max_length=255),
        last_updated=last_updated,
        status_last_updated=last_updated if raw.get('status') is not None else None,
        parking_restrictions=restrictions or None,
        images=images or None,
        connectors=connectors,
        tariff_associations=map_tariffs(raw.get('tariffs'), evse_uid=uid, skipped=skipped, now=now),
    )
    return _Evse(update, capabilities, opt_str(raw, 'floor_level', max_length=16))


def _enum_name(flag: type, value: Any) -> Any:
    return flag[value] if isinstance(value, str) and value in flag.__members__ else None


def location(raw: Any, *, now: datetime, default_time_zone: str = 'Europe/Berlin') -> MapResult:
    """Map one OCPI Location; the result holds 0 or 1 location plus what was skipped inside it."""
    result = MapResult()
    reference = raw.get('id') if isinstance(raw, dict) else None
    try:
        if not isinstance(raw, dict):
            raise RecordError('location: expected an object')
        if raw.get('publish') is False:
            return result
        uid = req_id(raw, 'id', max_length=255)
        coords = as_dict(raw, 'coordinates', required=True) or {}
        lat, lon = coordinates(coords.get('latitude'), coords.get('longitude'))
        last_updated = parse_datetime(raw.get('last_updated'), 'last_updated') or now
        evses: list[_Evse] = []
        for item in as_list(raw, 'evses'):
            ref = f'location {uid} evse {item.get("evse_id") or item.get("uid")}' if isinstance(item, dict) else uid
            try:
                evses.append(evse(item, now=now, skipped=result.skipped))
            except (RecordError, ValidationError) as exc:
                result.skipped.append(skip(ref, skip_reason(exc)))
        capabilities: list[Capability] = []
        for item in evses:
            capabilities += [c for c in item.capabilities if c not in capabilities]
        floor_levels = [item.floor_level for item in evses if item.floor_level]
        station = ChargingStationUpdate(
            uid=station_uid(uid),
            evses=[item.update for item in evses],
            capabilities=capabilities or None,
            floor_level=floor_levels[0] if floor_levels else None,
            last_updated=last_updated,
        )
        time_zone = opt_str(raw, 'time_zone') or default_time_zone
        images = [img for img in (image(item) for item in as_list(raw, 'images')) if img]
        facilities = [f for f in as_list(raw, 'facilities') if isinstance(f, str)]
        result.locations.append(
            LocationUpdate(
                uid=uid,
                lat=lat,
                lon=lon,
                time_zone=time_zone[:32],
                charging_pool=[station],
                name=opt_str(raw, 'name'),
                address=opt_str(raw, 'address'),
                postal_code=opt_str(raw, 'postal_code'),
                city=opt_str(raw, 'city'),
                state=opt_str(raw, 'state'),
                country=country_alpha3(raw.get('country')),
                directions=display_texts(raw.get('directions'), 'directions'),
                related_locations=_related_locations(raw),
                parking_type=_enum(ParkingType, raw.get('parking_type')),
                operator=business(raw.get('operator'), 'operator'),
                suboperator=business(raw.get('suboperator'), 'suboperator'),
                owner=business(raw.get('owner'), 'owner'),
                energy_mix=_energy_mix(raw),
                charging_when_closed=opt_bool(raw, 'charging_when_closed'),
                help_phone=opt_str(raw, 'help_phone', max_length=255),
                images=images or None,
                facilities=facilities or None,
                last_updated=last_updated,
                **_hours(as_dict(raw, 'opening_times')),
            )
        )
    except (RecordError, ValidationError) as exc:
        result.locations.clear()
        result.skipped.append(skip(f'location {reference}', skip_reason(exc)))
    return result


def realtime(raw: Any, *, now: datetime) -> tuple[list[EvseRealtimeUpdate], list[SkippedRecord]]:
    """EVSE statuses of one OCPI location (for sources whose realtime travels in the static payload)."""
    updates: list[EvseRealtimeUpdate] = []
    skipped: list[SkippedRecord] = []
    if not isinstance(raw, dict) or raw.get('publish') is False:
        return updates, skipped
    for item in raw.get('evses') or []:
        if not isinstance(item, dict) or item.get('status') is None:
            continue
        try:
            uid = evse_uid(item)
            last_updated = parse_datetime(item.get('last_updated'), 'evse last_updated') or now
            updates.append(
                EvseRealtimeUpdate(
                    uid=uid,
                    status=evse_status(item) or EvseStatus.UNKNOWN,
                    evse_id=uid if item.get('evse_id') not in (None, '') else None,
                    last_updated=last_updated,
                    status_last_updated=last_updated,
                )
            )
        except (RecordError, ValidationError) as exc:
            skipped.append(skip(f'location {raw.get("id")} evse {item.get("evse_id")}', skip_reason(exc)))
    return updates, skipped


def static_batch(raw_locations: Iterable[Any], *, default_time_zone: str = 'Europe/Berlin') -> StaticBatch:
    """A list of OCPI locations -> StaticBatch (shared by every OCPI-like family)."""
    now = datetime.now(UTC)
    batch = StaticBatch(locations=[])
    for raw in raw_locations:
        result = location(raw, now=now, default_time_zone=default_time_zone)
        batch.locations += result.locations
        batch.skipped += result.skipped
    return batch


def realtime_batch(raw_locations: Iterable[Any]) -> RealtimeBatch:
    """A list of OCPI locations -> the RealtimeBatch of their EVSE statuses."""
    now = datetime.now(UTC)
    batch = RealtimeBatch(updates=[])
    for raw in raw_locations:
        updates, skipped = realtime(raw, now=now)
        batch.updates += updates
        batch.skipped += skipped
    return batch

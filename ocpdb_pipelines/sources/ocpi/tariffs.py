"""EVSE-embedded tariffs (chargecloud AFIR `evses[].tariffs`, OCPI Tariff shape) -> tariff associations.

The predecessor validated these and then dropped them; here they are stored. One tariff and one
association per tariff id, shared by every EVSE that lists it (ad-hoc prices, AFIR). AFIR sends
`restrictions` as a list: each entry becomes its own element with the same price components.
Times come as HH:MM:SS; an end time with seconds (19:59:59) means "until the next minute" (20:00).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from ocpdb_pipelines.model.enums import TariffAudience, TariffType
from ocpdb_pipelines.model.updates import (
    PriceComponent,
    SkippedRecord,
    TariffAssociationUpdate,
    TariffElement,
    TariffRestrictions,
    TariffUpdate,
)
from ocpdb_pipelines.sources.base import skip
from ocpdb_pipelines.sources.common.values import RecordError, parse_datetime, req_id, to_int


def _time(value: Any, field: str, *, end: bool) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f'{field}: expected HH:MM[:SS]')
    parts = value.strip().split(':')
    if len(parts) not in (2, 3) or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise RecordError(f'{field}: expected HH:MM[:SS], got {value!r}')
    hours, minutes = int(parts[0]), int(parts[1])
    seconds = int(parts[2]) if len(parts) == 3 else 0
    if hours > 23 or minutes > 59 or seconds > 59:
        raise RecordError(f'{field}: {value!r} is not a time of day')
    if end and seconds:
        minutes += 1
        hours, minutes = (hours + minutes // 60) % 24, minutes % 60
    return f'{hours:02d}:{minutes:02d}'


def _restrictions(raw: Any) -> TariffRestrictions | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise RecordError('restrictions: expected an object')
    values = {
        'start_time': _time(raw.get('start_time'), 'start_time', end=False),
        'end_time': _time(raw.get('end_time'), 'end_time', end=True),
        'min_duration': to_int(raw.get('min_duration'), 'min_duration'),
        'max_duration': to_int(raw.get('max_duration'), 'max_duration'),
    }
    for key in ('min_energy', 'max_energy', 'min_current', 'max_current', 'min_power', 'max_power'):
        if isinstance(raw.get(key), int | float) and not isinstance(raw.get(key), bool):
            values[key] = float(raw[key])
    if isinstance(raw.get('day_of_week'), list):
        values['day_of_week'] = [d for d in raw['day_of_week'] if isinstance(d, str)]
    values = {k: v for k, v in values.items() if v is not None}
    return TariffRestrictions(**values) if values else None


def _elements(raw: Any) -> list[TariffElement]:
    if not isinstance(raw, list) or not raw:
        raise RecordError('elements: expected a non-empty list')
    elements = []
    for item in raw:
        if not isinstance(item, dict):
            raise RecordError('element: expected an object')
        components_raw = item.get('price_components')
        if not isinstance(components_raw, list) or not components_raw:
            raise RecordError('element without price_components')
        components = []
        for component in components_raw:
            if not isinstance(component, dict):
                raise RecordError('price component: expected an object')
            price = component.get('price')
            if isinstance(price, bool) or not isinstance(price, int | float | str):
                raise RecordError(f'price component: price {price!r} is not a number')
            components.append(PriceComponent(type=component.get('type'), price=price))
        restrictions = item.get('restrictions')
        if isinstance(restrictions, list):
            variants = [_restrictions(r) for r in restrictions] or [None]
        else:
            variants = [_restrictions(restrictions)]
        elements += [TariffElement(price_components=components, restrictions=r) for r in variants]
    return elements


def map_tariffs(
    raw: Any, *, evse_uid: str, skipped: list[SkippedRecord], now: datetime
) -> list[TariffAssociationUpdate] | None:
    """The EVSE's tariffs; a malformed tariff is skipped (and counted), the EVSE stays."""
    if raw is None:
        return None
    if not isinstance(raw, list):
        skipped.append(skip(f'evse {evse_uid} tariffs', 'tariffs: expected a list'))
        return None
    associations = []
    for item in raw:
        try:
            if not isinstance(item, dict):
                raise RecordError('tariff: expected an object')
            uid = req_id(item, 'id', max_length=64)
            currency = item.get('currency')
            if not isinstance(currency, str) or len(currency.strip()) != 3:
                raise RecordError(f'tariff {uid}: currency must be a 3-letter code')
            last_updated = parse_datetime(item.get('last_updated'), 'tariff last_updated')
            tariff = TariffUpdate(
                uid=uid,
                currency=currency.strip().upper(),
                type=TariffType.AD_HOC_PAYMENT,
                elements=_elements(item.get('elements')),
                last_updated=last_updated or now,
            )
            associations.append(
                TariffAssociationUpdate(
                    uid=uid,
                    tariff=tariff,
                    audience=TariffAudience.AD_HOC_PAYMENT,
                    last_updated=last_updated or now,
                )
            )
        except (RecordError, ValidationError) as exc:
            reference = item.get('id') if isinstance(item, dict) else None
            skipped.append(skip(f'evse {evse_uid} tariff {reference}', str(exc).splitlines()[0]))
    return associations

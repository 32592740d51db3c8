"""DATEX II energy rates -> tariffs, grouped by content fingerprint (predecessor §7.6).

DATEX publishes one rate per EVSE; identical rates collapse into one tariff and one association
whose uids are content fingerprints (32 hex characters of SHA-256). The fingerprint covers the
source uid and every tariff field except uid and last_updated, with prices as exact decimal strings
(the predecessor's float noise is gone), so uids are stable across runs and scoped to the source.
Building the pydantic objects only once per distinct fingerprint keeps big feeds fast.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from ocpdb_pipelines.model.updates import SkippedRecord, TariffAssociationUpdate, TariffUpdate
from ocpdb_pipelines.sources.base import skip
from ocpdb_pipelines.sources.common.values import datetime_or_none, dict_or_empty, list_or_empty
from ocpdb_pipelines.sources.datex2.values import enum_value, first, number
from ocpdb_pipelines.sources.datex2.vocabulary import AUDIENCES, PRICE_TYPES, TARIFF_TYPES

_EIGHT_PLACES = Decimal('0.00000001')


def fingerprint(content: Any) -> str:
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


def _price(value: Any) -> str | None:
    parsed = number(value)
    if parsed is None:
        return None
    return str(parsed.quantize(_EIGHT_PLACES).normalize())


def _tax_percentage(value: Any) -> float | None:
    """taxRate as percent: EnBW sends 19.0, giro-e 0.19; a rate below 1 is read as a fraction."""
    parsed = number(value)
    if parsed is None or parsed < 0:
        return None
    if parsed < 1:
        parsed *= 100
    return float(parsed.normalize())


def _time_of_day(value: Any) -> str | None:
    """'08:00:00+01:00' -> '08:00' (local wall-clock time, the offset is dropped)."""
    if not isinstance(value, str) or len(value) < 5 or value[2] != ':':
        return None
    return value[:5]


def _restrictions(price: dict) -> dict | None:
    restrictions: dict[str, Any] = {}
    applicability = dict_or_empty(price.get('timeBasedApplicability'))
    from_minute = number(applicability.get('fromMinute'))
    to_minute = number(applicability.get('toMinute'))
    if from_minute is not None and from_minute > 0:
        restrictions['min_duration'] = int(from_minute * 60)
    # toMinute 0 (EnBW) means "no upper bound", not "at most 0 s"
    if to_minute is not None and to_minute > 0 and (from_minute is None or to_minute > from_minute):
        restrictions['max_duration'] = int(to_minute * 60)
    periods = [
        period
        for valid in list_or_empty(dict_or_empty(price.get('overallPeriod')).get('validPeriod'))
        for period in list_or_empty(dict_or_empty(valid).get('recurringTimePeriodOfDay'))
    ]
    if len(periods) == 1:
        start = _time_of_day(dict_or_empty(periods[0]).get('startTimeOfPeriod'))
        end = _time_of_day(dict_or_empty(periods[0]).get('endTimeOfPeriod'))
        if start and end:
            restrictions['start_time'] = start
            restrictions['end_time'] = end
    return restrictions or None


class TariffGrouper:
    """Collects the rates of one static run and hands out shared, grouped associations."""

    def __init__(self, source_uid: str):
        self.source_uid = source_uid
        self.tariffs: dict[str, TariffUpdate] = {}
        self.associations: dict[str, TariffAssociationUpdate] = {}
        self._mapped: dict[bytes, tuple[dict, str]] = {}

    def evse_associations(
        self, evse_uid: str, rates: list[dict], skipped: list[SkippedRecord]
    ) -> list[TariffAssociationUpdate] | None:
        """The grouped associations of one EVSE, de-duplicated in first-seen order (None if no rates)."""
        result: list[TariffAssociationUpdate] = []
        seen_rates: set[str] = set()
        seen_associations: set[str] = set()
        for rate in rates:
            if not isinstance(rate, dict):
                continue
            rate_id = str(rate.get('idG') or '')
            if rate_id in seen_rates:
                continue  # a repeated rate id on one EVSE: the first wins
            seen_rates.add(rate_id)
            association = self._association(evse_uid, rate, skipped)
            if association is not None and association.uid not in seen_associations:
                seen_associations.add(association.uid)
                result.append(association)
        return result or None

    def _content(self, evse_uid: str, rate: dict, policy: str | None, skipped: list[SkippedRecord]) -> dict:
        elements = []
        for index, price in enumerate(list_or_empty(rate.get('energyPrice'))):
            price = dict_or_empty(price)
            price_type = enum_value(price.get('priceType'))
            dimension = PRICE_TYPES.get(price_type or '')
            value = '0' if price_type == 'free' else _price(price.get('value'))
            if dimension is None or value is None:
                skipped.append(
                    skip(
                        f'{evse_uid}/rate {rate.get("idG")}/price {index}',
                        f'energy price not mappable (priceType {price_type!r}, value {price.get("value")!r})',
                    )
                )
                continue
            component: dict[str, Any] = {'type': dimension.value, 'price': value}
            tax = _tax_percentage(price.get('taxRate'))
            if tax is not None:
                component['taxes'] = [{'name': 'VAT', 'percentage': tax}]
            element: dict[str, Any] = {'price_components': [component]}
            restrictions = _restrictions(price)
            if restrictions:
                element['restrictions'] = restrictions
            elements.append(element)
        tariff_type = TARIFF_TYPES.get(policy or '')
        return {
            'source': self.source_uid,
            'currency': first(rate.get('applicableCurrency')),
            'type': tariff_type.value if tariff_type else None,
            'elements': elements,
        }

    def _association(self, evse_uid: str, rate: dict, skipped: list[SkippedRecord]) -> TariffAssociationUpdate | None:
        policy = enum_value(rate.get('ratePolicy'))
        # rates repeat per EVSE with only idG/lastUpdated differing: map each distinct content once
        key = orjson.dumps(
            {k: v for k, v in rate.items() if k not in ('idG', 'lastUpdated', 'versionG')},
            option=orjson.OPT_SORT_KEYS,
        )
        cached = self._mapped.get(key)
        if cached is None:
            problems: list[SkippedRecord] = []
            content = self._content(evse_uid, rate, policy, problems)
            cached = (content, fingerprint(content))
            if problems:
                skipped += problems  # not cached, so every EVSE reports its broken price
            else:
                self._mapped[key] = cached
        content, tariff_uid = cached
        tariff_type = TARIFF_TYPES.get(policy or '')
        elements = content['elements']
        updated = datetime_or_none(rate.get('lastUpdated'))
        tariff = self.tariffs.get(tariff_uid)
        if tariff is None:
            tariff = TariffUpdate(
                uid=tariff_uid,
                currency=content['currency'] if isinstance(content['currency'], str) else None,
                type=tariff_type,
                elements=elements,
                last_updated=updated,
            )
            self.tariffs[tariff_uid] = tariff
        else:
            tariff.last_updated = _newest(tariff.last_updated, updated)
        audience = AUDIENCES.get(policy or '')
        association_uid = fingerprint(
            {
                'source': self.source_uid,
                'audience': audience.value if audience else None,
                'tariff': tariff_uid,
            }
        )
        association = self.associations.get(association_uid)
        if association is None:
            association = TariffAssociationUpdate(
                uid=association_uid,
                tariff=tariff,
                audience=audience,
                start_date_time=updated,
                last_updated=updated,
            )
            self.associations[association_uid] = association
        else:
            association.last_updated = _newest(association.last_updated, updated)
            association.start_date_time = _oldest(association.start_date_time, updated)
        return association


def _newest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


def _oldest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return min(a, b)

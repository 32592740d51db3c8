"""DATEX II energy infrastructure status publication -> RealtimeBatch (spec/sources.md §3.2 "Realtime").

Shared by the Mobilithek realtime pull, the push receiver and replays: `parse_realtime_push` takes
the raw request body (maybe gzip) and also reports the exchange protocol and the number of station
status entries, which decide whether the receiver applies a push at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from ocpdb_pipelines.model.updates import EvseRealtimeUpdate, SkippedRecord
from ocpdb_pipelines.sources.base import PayloadError, RealtimeBatch, skip
from ocpdb_pipelines.sources.common.values import datetime_or_none, dict_or_empty, list_or_empty, load_json
from ocpdb_pipelines.sources.datex2.parse import unwrap_payload
from ocpdb_pipelines.sources.datex2.values import enum_value, prefixed
from ocpdb_pipelines.sources.datex2.vocabulary import REFILL_POINT_STATUS


@dataclass
class StatusDocument:
    updates: dict[str, EvseRealtimeUpdate]
    skipped: list[SkippedRecord]
    protocol: str
    station_status_count: int
    publication_time: datetime | None


def read_status_document(document: Any) -> StatusDocument:
    """Walk site -> station -> refill point statuses; later entries for one EVSE win."""
    protocol = 'undefined'
    if isinstance(document, dict) and isinstance(document.get('messageContainer'), dict):
        context = dict_or_empty(
            dict_or_empty(document['messageContainer'].get('exchangeInformation')).get('exchangeContext')
        )
        protocol = enum_value(context.get('codedExchangeProtocol')) or protocol
    publications = [prefixed(p, 'egi', 'EnergyInfrastructureStatusPublication') for p in unwrap_payload(document)]
    publications = [p for p in publications if isinstance(p, dict) and 'energyInfrastructureSiteStatus' in p]
    if not publications:
        raise PayloadError('DATEX II payload holds no EnergyInfrastructureStatusPublication with site statuses')
    result = StatusDocument({}, [], protocol, 0, None)
    for publication in publications:
        published = datetime_or_none(publication.get('publicationTime'))
        if published is not None and (result.publication_time is None or published > result.publication_time):
            result.publication_time = published
        for site in list_or_empty(publication.get('energyInfrastructureSiteStatus')):
            for station in list_or_empty(dict_or_empty(site).get('energyInfrastructureStationStatus')):
                result.station_status_count += 1
                for entry in list_or_empty(dict_or_empty(station).get('refillPointStatus')):
                    _add_status(entry, result)
    return result


def _add_status(entry: Any, result: StatusDocument) -> None:
    status_entry = prefixed(entry, 'egi', 'RefillPointStatus') or prefixed(entry, 'egi', 'ElectricChargingPointStatus')
    if not isinstance(status_entry, dict):
        result.skipped.append(skip(str(entry)[:80], 'refill point status without a known variant'))
        return
    uid = dict_or_empty(status_entry.get('reference')).get('idG')
    if not isinstance(uid, str) or not uid:
        result.skipped.append(skip(str(status_entry)[:80], 'refill point status without reference idG'))
        return
    value = enum_value(status_entry.get('status'))
    status = REFILL_POINT_STATUS.get(value or '')
    if status is None:
        result.skipped.append(skip(uid, f'unknown refill point status {value!r}'))
        return
    updated = datetime_or_none(status_entry.get('lastUpdated'))
    try:
        update = EvseRealtimeUpdate(
            uid=uid, evse_id=uid, status=status, last_updated=updated, status_last_updated=updated
        )
    except ValidationError as exc:
        result.skipped.append(skip(uid, f'invalid status: {exc.errors()[0]["msg"]}'))
        return
    result.updates.pop(uid, None)  # re-insert so the order follows the latest occurrence
    result.updates[uid] = update


def parse_status_bodies(bodies: list[bytes]) -> RealtimeBatch:
    """Several pulled pages in order: de-duplicated per EVSE, later pages win."""
    updates: dict[str, EvseRealtimeUpdate] = {}
    skipped: list[SkippedRecord] = []
    published: datetime | None = None
    for body in bodies:
        document = read_status_document(load_json(body))
        for uid, update in document.updates.items():
            updates.pop(uid, None)
            updates[uid] = update
        skipped += document.skipped
        published = document.publication_time or published
    return RealtimeBatch(updates=list(updates.values()), skipped=skipped, source_timestamp=published)


def parse_realtime_push(body: bytes) -> tuple[RealtimeBatch, str, int]:
    """A pushed body -> (batch, codedExchangeProtocol, number of station status entries).

    The batch's source_timestamp is the publicationTime (None if absent: the caller uses now).
    An empty, non-JSON or non-DATEX body raises PayloadError (the receiver answers 400).
    """
    if not body:
        raise PayloadError('empty body')
    document = read_status_document(load_json(body))
    batch = RealtimeBatch(
        updates=list(document.updates.values()),
        skipped=document.skipped,
        source_timestamp=document.publication_time,
    )
    return batch, document.protocol, document.station_status_count

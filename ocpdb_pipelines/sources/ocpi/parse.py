"""Lists of OCPI locations -> StaticBatch / RealtimeBatch (shared by every OCPI-like family)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ocpdb_pipelines.sources.base import RealtimeBatch, StaticBatch
from ocpdb_pipelines.sources.ocpi import mapper


def static_batch(raw_locations: Iterable[Any], *, default_time_zone: str = 'Europe/Berlin') -> StaticBatch:
    now = datetime.now(UTC)
    batch = StaticBatch(locations=[])
    for raw in raw_locations:
        result = mapper.location(raw, now=now, default_time_zone=default_time_zone)
        batch.locations += result.locations
        batch.skipped += result.skipped
    return batch


def realtime_batch(raw_locations: Iterable[Any]) -> RealtimeBatch:
    now = datetime.now(UTC)
    batch = RealtimeBatch(updates=[])
    for raw in raw_locations:
        updates, skipped = mapper.realtime(raw, now=now)
        batch.updates += updates
        batch.skipped += skipped
    return batch

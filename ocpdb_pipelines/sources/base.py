"""What a source family provides: fetch (transport, pagination, auth) and parse (bytes -> model).

A fetch returns the raw pages it received (already written to the raw archive by the HTTP client);
a parse turns pages into the common model. Replaying a file (`--from-file`) skips the fetch and
hands the same parser one page, so recorded payloads and live ones take one code path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from ocpdb_pipelines.model.updates import EvseRealtimeUpdate, LocationUpdate, SkippedRecord

if TYPE_CHECKING:
    from ocpdb_pipelines.config import Settings, SourceConfig
    from ocpdb_pipelines.http.client import SourceHttpClient
    from ocpdb_pipelines.sources.registry import SourceSpec


class PayloadError(ValueError):
    """The payload as a whole cannot be read: the run fails and the database stays as it was."""


class SourceNotImplemented(NotImplementedError):
    """The family is registered but its importer does not exist yet."""


class NotModified(Exception):
    """The upstream says nothing changed since the last fetch (ETag/Last-Modified/hash)."""


@dataclass
class Page:
    """One raw response body with what we need of its HTTP metadata."""

    body: bytes
    url: str = ''
    status_code: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: datetime | None = None


@dataclass
class StaticBatch:
    locations: list[LocationUpdate]
    skipped: list[SkippedRecord] = field(default_factory=list)
    source_timestamp: datetime | None = None  # e.g. Last-Modified; becomes static_data_updated_at


@dataclass
class RealtimeBatch:
    updates: list[EvseRealtimeUpdate]
    skipped: list[SkippedRecord] = field(default_factory=list)
    source_timestamp: datetime | None = None


@dataclass
class SourceContext:
    """Everything a fetch or parse may look at for one source."""

    spec: SourceSpec
    config: SourceConfig
    settings: Settings
    http: SourceHttpClient | None = None
    # change-detection state from the previous run (etag, last_modified, content_hash)
    previous_state: dict[str, str | None] = field(default_factory=dict)
    # state the fetch learned this time, stored by the import after a successful apply
    new_state: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Family:
    """The callables of one protocol family. Missing callables mean "this family has no such mode"."""

    name: str
    fetch_static: Callable[[SourceContext], list[Page]] | None = None
    parse_static: Callable[[SourceContext, list[Page]], StaticBatch] | None = None
    fetch_realtime: Callable[[SourceContext], list[Page]] | None = None
    parse_realtime: Callable[[SourceContext, list[Page]], RealtimeBatch] | None = None


def skip(reference: object, reason: str) -> SkippedRecord:
    return SkippedRecord(reference=str(reference)[:200], reason=reason[:500])

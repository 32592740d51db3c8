"""What a source family provides: fetch (transport, pagination, auth) and parse (bytes -> model).

A fetch describes the protocol only (URLs, pagination, auth kind): it asks `ctx.http`, the fetcher
(ocpdb_pipelines.http.fetcher), for pages; the fetcher owns the client, auth, conditional requests,
content hash, the raw-archive snapshot and the fetch state. A parse turns pages into the common
model. Replaying a snapshot (`--from-file`) skips the fetch and hands the same parser the archived
pages, so recorded payloads and live ones take one code path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ocpdb_pipelines.model.updates import EvseRealtimeUpdate, LocationUpdate, SkippedRecord

if TYPE_CHECKING:
    from ocpdb_pipelines.config import Settings
    from ocpdb_pipelines.quality.coordinates import CoordinateScreen
    from ocpdb_pipelines.sources.options import SourceConfig
    from ocpdb_pipelines.sources.registry import SourceSpec
    from ocpdb_pipelines.store.staging import StagedRows


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
    requested_at: datetime | None = None
    method: str = 'GET'


class TabularSnapshot(Protocol):
    """A parsed snapshot that builds its staging rows itself, without the per-object models.

    For big tabular payloads (the BNetzA register): the import hands it the coordinate screen, and it
    returns the rows `Flattener` would have produced from the equivalent `LocationUpdate`s, with the
    screen's skips appended to `skipped`.
    """

    def staged(self, screen: CoordinateScreen, skipped: list[SkippedRecord]) -> StagedRows: ...


@dataclass
class StaticBatch:
    locations: list[LocationUpdate]
    skipped: list[SkippedRecord] = field(default_factory=list)
    source_timestamp: datetime | None = None  # e.g. Last-Modified; becomes static_data_updated_at
    tabular: TabularSnapshot | None = None  # set instead of `locations` by parsers that skip the models


@dataclass
class RealtimeBatch:
    updates: list[EvseRealtimeUpdate]
    skipped: list[SkippedRecord] = field(default_factory=list)
    source_timestamp: datetime | None = None


class Http(Protocol):
    """What a family's fetch may ask of `ctx.http` (ocpdb_pipelines.http.fetcher.Fetcher is the one).

    Declared here so that sources need nothing of `http`: http depends on sources, never the reverse.
    """

    @property
    def static_url(self) -> str: ...

    @property
    def realtime_url(self) -> str: ...

    @property
    def cursor(self) -> str | None: ...

    def get(self, url: str, *, conditional: bool = False, **kwargs: Any) -> Page: ...

    def post(self, url: str, **kwargs: Any) -> Page: ...


@dataclass
class SourceContext:
    """Everything a fetch or parse may look at for one source."""

    spec: SourceSpec
    config: SourceConfig
    settings: Settings
    http: Http | None = None
    # the import's coordinate screen, for a parser that must swap axes back before it groups records (BNetzA Excel)
    coordinates: CoordinateScreen | None = None


@dataclass(frozen=True)
class Family:
    """The callables of one protocol family. Missing callables mean "this family has no such mode"."""

    name: str
    fetch_static: Callable[[SourceContext], list[Page]] | None = None
    parse_static: Callable[[SourceContext, list[Page]], StaticBatch] | None = None
    fetch_realtime: Callable[[SourceContext], list[Page]] | None = None
    parse_realtime: Callable[[SourceContext, list[Page]], RealtimeBatch] | None = None
    # bump when the mapping changes: an unchanged payload is skipped only under the same parser version
    parser_version: str = '1'
    # (static path, realtime path) appended to a configured `url` that names a base, not an endpoint
    base_paths: tuple[str, str] | None = None
    # a protocol cursor (e.g. "changed since") the next realtime fetch starts from, derived from the
    # pages and the previous cursor; the fetcher stores it, the family never writes state
    next_cursor: Callable[[list[Page], str | None], str | None] | None = None


def skip(reference: object, reason: str) -> SkippedRecord:
    return SkippedRecord(reference=str(reference)[:200], reason=reason[:500])

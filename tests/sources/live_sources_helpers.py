"""Helpers for the live-source tests (chargecloud, OCPI, opendata_swiss, Goldbeck, Lichtblick, giro-e).

HTTP is mocked only at the transport: a `Recorder` is an httpx.MockTransport handler that answers
from a list of responses (or a function) and keeps every request for assertions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import orjson

from ocpdb_pipelines.config import Settings, load_settings
from ocpdb_pipelines.http.archive import content_hash
from ocpdb_pipelines.http.fetcher import Fetcher, build_client
from ocpdb_pipelines.sources.base import SourceContext
from ocpdb_pipelines.sources.families import get_family
from ocpdb_pipelines.sources.options import options_for
from ocpdb_pipelines.sources.registry import get_spec
from ocpdb_pipelines.store.fetch_state import FetchState


class Recorder:
    """A MockTransport handler: returns the responses in order (the last one repeats) and records requests."""

    def __init__(self, *responses: httpx.Response | Callable[[httpx.Request], httpx.Response]):
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        index = min(len(self.requests), len(self.responses)) - 1
        answer = self.responses[index]
        return answer(request) if callable(answer) else answer

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def json_response(payload: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status_code, content=orjson.dumps(payload), headers=headers or {})


def raw_response(body: bytes, status_code: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status_code, content=body, headers=headers or {})


def timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout('timed out', request=request)


def context(
    uid: str,
    transport: httpx.BaseTransport | None = None,
    *,
    settings: Settings | None = None,
    previous_state: dict[str, str | None] | None = None,
    retries: int = 2,
    **config: Any,
) -> SourceContext:
    """A SourceContext whose fetcher (the real one, no snapshot) talks to the given transport (tiny backoff).

    `previous_state` is the fetch state of the last applied fetch (etag, last_modified, cursor, ...).
    """
    spec = get_spec(uid)
    source_config = options_for(spec, config)
    settings = settings or load_settings(config_file='/dev/null', environ={})
    http = None
    if transport is not None:
        client = build_client(settings, spec, source_config, transport=transport, retries=retries, backoff=0.001)
        http = Fetcher(
            spec, source_config, client, family=get_family(spec), previous=FetchState(**(previous_state or {}))
        )
    return SourceContext(spec=spec, config=source_config, settings=settings, http=http)


def next_state(ctx: SourceContext) -> dict[str, str | None]:
    """What the import would store after applying this fetch (see ocpdb_pipelines.http.fetcher.fetch)."""
    fetcher = ctx.http
    assert fetcher is not None
    family = fetcher.family
    cursor = family.next_cursor(fetcher.pages, fetcher.cursor) if family and family.next_cursor else None
    single = len(fetcher.pages) == 1
    return {
        'etag': fetcher.validators.get('etag') if single else None,
        'last_modified': fetcher.validators.get('last_modified') if single else None,
        'cursor': cursor,
        'content_hash': content_hash(fetcher.pages),
    }


def with_source(settings: Settings, uid: str, **config: Any) -> Settings:
    """The test settings with sources.<uid> configured (and no HTTP retries for fast failure tests)."""
    sources = dict(settings.sources)
    sources[uid] = dict(config)
    return settings.with_values(http={'retries': 0}, sources=sources)


def server_context(
    uid: str, settings: Settings, values: dict[str, Any], previous: FetchState | None = None
) -> SourceContext:
    """A SourceContext whose fetcher talks real HTTP(S) to a local server, client built from the settings."""
    spec = get_spec(uid)
    config = options_for(spec, values)
    client = build_client(settings, spec, config)
    fetcher = Fetcher(spec, config, client, family=get_family(spec), previous=previous or FetchState())
    return SourceContext(spec=spec, config=config, settings=settings, http=fetcher)

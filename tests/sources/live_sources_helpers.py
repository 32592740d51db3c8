"""Helpers for the live-source tests (chargecloud, OCPI, opendata_swiss, Goldbeck, Lichtblick, giro-e).

HTTP is mocked only at the transport: a `Recorder` is an httpx.MockTransport handler that answers
from a list of responses (or a function) and keeps every request for assertions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import orjson

from ocpdb_pipelines.config import Settings, SourceConfig, load_settings
from ocpdb_pipelines.http.client import SourceHttpClient
from ocpdb_pipelines.sources.base import SourceContext
from ocpdb_pipelines.sources.registry import get_spec


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
    """A SourceContext with a real SourceHttpClient on the given transport (tiny backoff)."""
    http = SourceHttpClient(uid, transport=transport, retries=retries, backoff=0.001) if transport else None
    return SourceContext(
        spec=get_spec(uid),
        config=SourceConfig(**config),
        settings=settings or load_settings(config_file='/dev/null', environ={}),
        http=http,
        previous_state=dict(previous_state or {}),
    )


def with_source(settings: Settings, uid: str, **config: Any) -> Settings:
    """The test settings with SOURCES.<uid> configured (and no HTTP retries for fast failure tests)."""
    sources = dict(settings.SOURCES)
    sources[uid] = SourceConfig(**config)
    return settings.model_copy(update={'SOURCES': sources, 'HTTP_RETRIES': 0})

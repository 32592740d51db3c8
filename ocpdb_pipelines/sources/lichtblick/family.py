"""lichtblick: one GET of the configured URL with HTTP Basic auth (the predecessor never sent the
credentials); realtime re-fetches it (conditional GET / payload hash) and applies statuses only."""

from __future__ import annotations

from ocpdb_pipelines.sources.base import Family, Page, PayloadError, RealtimeBatch, SourceContext, StaticBatch
from ocpdb_pipelines.sources.common.pull import basic_auth, get_single, static_url
from ocpdb_pipelines.sources.lichtblick import parse


def _fetch(ctx: SourceContext, kind: str) -> list[Page]:
    return get_single(ctx, static_url(ctx), kind=kind, auth=basic_auth(ctx), headers={'Accept': 'application/json'})


def _one(pages: list[Page]) -> bytes:
    if len(pages) != 1:
        raise PayloadError(f'lichtblick: expected one payload, got {len(pages)}')
    return pages[0].body


def fetch_static(ctx: SourceContext) -> list[Page]:
    return _fetch(ctx, 'static')


def fetch_realtime(ctx: SourceContext) -> list[Page]:
    return _fetch(ctx, 'realtime')


def parse_static(ctx: SourceContext, pages: list[Page]) -> StaticBatch:
    return parse.parse_static(_one(pages))


def parse_realtime(ctx: SourceContext, pages: list[Page]) -> RealtimeBatch:
    return parse.parse_realtime(_one(pages))


FAMILY = Family(
    name='lichtblick',
    fetch_static=fetch_static,
    parse_static=parse_static,
    fetch_realtime=fetch_realtime,
    parse_realtime=parse_realtime,
)

"""heilbronn_neckarbogen (Goldbeck IPCM): `?maxResults=1000` with HTTP Basic auth; realtime re-fetches
the same list (conditional GET / payload hash) and applies the outlet statuses only."""

from __future__ import annotations

from ocpdb_pipelines.sources.base import Family, Page, PayloadError, RealtimeBatch, SourceContext, StaticBatch
from ocpdb_pipelines.sources.common.pull import basic_auth, get_single, static_url
from ocpdb_pipelines.sources.goldbeck import parse

MAX_RESULTS = 1000


def _fetch(ctx: SourceContext, kind: str) -> list[Page]:
    return get_single(
        ctx,
        static_url(ctx),
        kind=kind,
        params={'maxResults': MAX_RESULTS},
        auth=basic_auth(ctx),
        headers={'Accept': 'application/json'},
    )


def _one(pages: list[Page]) -> bytes:
    if len(pages) != 1:
        raise PayloadError(f'goldbeck: expected one payload, got {len(pages)}')
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
    name='goldbeck',
    fetch_static=fetch_static,
    parse_static=parse_static,
    fetch_realtime=fetch_realtime,
    parse_realtime=parse_realtime,
)

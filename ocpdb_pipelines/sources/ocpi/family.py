"""OCPI 2.2 / 2.2.1 pull sources: eaaze_pbw (CPO Locations module, Token auth) and ocpi_stadtnavi (public file).

eaaze: `Authorization: Token <token>`, a fresh uuid4 in X-Request-ID and X-Correlation-ID on every
request, `limit=1000`, and every page via the Link header (rel="next"); the predecessor read only
the first page. Realtime re-fetches the same locations and applies the EVSE statuses only.
"""

from __future__ import annotations

import uuid

from ocpdb_pipelines.sources.base import Family, Page, PayloadError, RealtimeBatch, SourceContext, StaticBatch
from ocpdb_pipelines.sources.common.pull import MAX_PAGES, get_single, http_of, next_link, static_url
from ocpdb_pipelines.sources.ocpi.parse import realtime_batch, static_batch
from ocpdb_pipelines.sources.ocpi.wire import envelope_data

PAGE_LIMIT = 1000


def _request_headers() -> dict[str, str]:
    """The token header is the fetcher's (auth kind `token`); each request gets fresh ids."""
    return {
        'X-Request-ID': str(uuid.uuid4()),
        'X-Correlation-ID': str(uuid.uuid4()),
        'Accept': 'application/json',
    }


def fetch(ctx: SourceContext, kind: str) -> list[Page]:
    url = static_url(ctx)
    if ctx.spec.auth != 'token':
        return get_single(ctx, url, headers={'Accept': 'application/json'})
    http = http_of(ctx)
    pages = [http.get(url, params={'limit': PAGE_LIMIT}, headers=_request_headers())]
    seen = {pages[0].url}
    while (following := next_link(pages[-1])) and following not in seen:
        if len(pages) >= MAX_PAGES:
            raise PayloadError(f'{ctx.spec.uid}: more than {MAX_PAGES} pages, giving up')
        seen.add(following)
        pages.append(http.get(following, headers=_request_headers()))
    return pages


def fetch_static(ctx: SourceContext) -> list[Page]:
    return fetch(ctx, 'static')


def fetch_realtime(ctx: SourceContext) -> list[Page]:
    return fetch(ctx, 'realtime')


def parse_static(ctx: SourceContext, pages: list[Page]) -> StaticBatch:
    raw = [item for page in pages for item in envelope_data(page.body, f'{ctx.spec.uid} locations')]
    return static_batch(raw, default_time_zone=ctx.spec.timezone)


def parse_realtime(ctx: SourceContext, pages: list[Page]) -> RealtimeBatch:
    raw = [item for page in pages for item in envelope_data(page.body, f'{ctx.spec.uid} locations')]
    return realtime_batch(raw)


FAMILY = Family(
    name='ocpi',
    fetch_static=fetch_static,
    parse_static=parse_static,
    fetch_realtime=fetch_realtime,
    parse_realtime=parse_realtime,
)

"""chargecloud AFIR API (Ludwigsburg): OCPI 2.2.1 Locations in cursor pages `{next, items}`.

Every request sends `X-Api-Key` (the fetcher's, auth kind `api_key`) and `limit=100`, from the
second page on also `cursor=<next>` (opaque, passed through). Reading stops when `next` is empty or
a page has no items. A page without `items` is unreadable (PayloadError). EVSE tariffs are stored
(see ocpi.tariffs).
"""

from __future__ import annotations

from typing import Any

from ocpdb_pipelines.sources.base import Family, Page, PayloadError, RealtimeBatch, SourceContext, StaticBatch
from ocpdb_pipelines.sources.common.pull import MAX_PAGES, http_of, items_page, static_url
from ocpdb_pipelines.sources.ocpi.parse import realtime_batch, static_batch

PAGE_LIMIT = 100


def read_page(body: bytes, what: str) -> tuple[list[Any], str | None]:
    return items_page(body, what, 'next')


def fetch(ctx: SourceContext, kind: str) -> list[Page]:
    url, http = static_url(ctx), http_of(ctx)
    headers = {'Accept': 'application/json'}
    pages: list[Page] = []
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        params: dict[str, Any] = {'limit': PAGE_LIMIT}
        if cursor:
            params['cursor'] = cursor
        page = http.get(url, params=params, headers=headers)
        pages.append(page)
        items, cursor = read_page(page.body, f'{ctx.spec.uid} page {len(pages)}')
        if not items or not cursor or cursor in seen:
            break
        if len(pages) >= MAX_PAGES:
            raise PayloadError(f'{ctx.spec.uid}: more than {MAX_PAGES} pages, giving up')
        seen.add(cursor)
    return pages


def _items(ctx: SourceContext, pages: list[Page]) -> list[Any]:
    items: list[Any] = []
    for number, page in enumerate(pages, start=1):
        items += read_page(page.body, f'{ctx.spec.uid} page {number}')[0]
    return items


def fetch_static(ctx: SourceContext) -> list[Page]:
    return fetch(ctx, 'static')


def fetch_realtime(ctx: SourceContext) -> list[Page]:
    return fetch(ctx, 'realtime')


def parse_static(ctx: SourceContext, pages: list[Page]) -> StaticBatch:
    return static_batch(_items(ctx, pages), default_time_zone=ctx.spec.timezone)


def parse_realtime(ctx: SourceContext, pages: list[Page]) -> RealtimeBatch:
    return realtime_batch(_items(ctx, pages))


FAMILY = Family(
    name='chargecloud_afir',
    fetch_static=fetch_static,
    parse_static=parse_static,
    fetch_realtime=fetch_realtime,
    parse_realtime=parse_realtime,
)

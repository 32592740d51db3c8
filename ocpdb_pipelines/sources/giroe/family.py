"""giroe pull: `<url>/api/server/v1/charge-locations` and `…/charge-connectors` (Basic auth), every page
via `next_path` (appended to the configured base URL) until it is absent.

Realtime works (the predecessor's pull crashed): it reads the connector list and applies each
connector's status to the EVSE of the same uid. It asks only for what changed since the newest
`modified` it saw last time (`modified_since`: the fetch state's cursor, derived by `next_cursor`);
an empty answer to such a question is NotModified.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from ocpdb_pipelines.sources.base import (
    Family,
    NotModified,
    Page,
    PayloadError,
    RealtimeBatch,
    SourceContext,
    StaticBatch,
    skip,
)
from ocpdb_pipelines.sources.common.pull import MAX_PAGES, http_of, items_page
from ocpdb_pipelines.sources.common.values import RecordError, parse_datetime, skip_reason
from ocpdb_pipelines.sources.giroe.parse import connector_realtime, map_location

LOCATIONS_PATH = '/api/server/v1/charge-locations'
CONNECTORS_PATH = '/api/server/v1/charge-connectors'
BASE_PARAMS = {'technical_backend': 'tcc', 'public': 'True'}


def read_page(body: bytes, what: str) -> tuple[list[Any], str | None]:
    return items_page(body, what, 'next_path')


def _pull(ctx: SourceContext, kind: str, params: dict[str, str]) -> list[Page]:
    http = http_of(ctx)
    path = CONNECTORS_PATH if kind == 'realtime' else LOCATIONS_PATH
    url = http.realtime_url if kind == 'realtime' else http.static_url
    base = url.removesuffix(path)  # next_path is relative to the configured base
    headers = {'Accept': 'application/json'}
    pages = [http.get(url, params=params, headers=headers)]
    seen: set[str] = set()
    while True:
        _, next_path = read_page(pages[-1].body, f'giroe page {len(pages)}')
        if not next_path or next_path in seen:
            return pages
        if len(pages) >= MAX_PAGES:
            raise PayloadError(f'giroe: more than {MAX_PAGES} pages, giving up')
        seen.add(next_path)
        url = next_path if next_path.startswith(('http://', 'https://')) else f'{base}/{next_path.lstrip("/")}'
        pages.append(http.get(url, headers=headers))


def fetch_static(ctx: SourceContext) -> list[Page]:
    return _pull(ctx, 'static', dict(BASE_PARAMS))


def fetch_realtime(ctx: SourceContext) -> list[Page]:
    params = dict(BASE_PARAMS)
    since = http_of(ctx).cursor
    if since:
        params['modified_since'] = since
    pages = _pull(ctx, 'realtime', params)
    if since and _newest_modified(pages) is None:
        raise NotModified(f'giroe: no connector changed since {since}')
    return pages


def next_cursor(pages: list[Page], previous: str | None) -> str | None:
    """The newest `modified` seen: the next pull asks only for what changed after it."""
    newest = _newest_modified(pages)
    return newest.isoformat() if newest else previous


def _newest_modified(pages: list[Page]) -> datetime | None:
    newest = None
    for page in pages:
        for item in read_page(page.body, 'giroe connectors')[0]:
            try:
                modified = parse_datetime(item.get('modified'), 'modified') if isinstance(item, dict) else None
            except RecordError:
                modified = None
            if modified and (newest is None or modified > newest):
                newest = modified
    return newest


def parse_static(ctx: SourceContext, pages: list[Page]) -> StaticBatch:
    now = datetime.now(UTC)
    secret = ctx.settings.giroe.object_id_secret.get_secret_value()
    batch = StaticBatch(locations=[])
    for number, page in enumerate(pages, start=1):
        for raw in read_page(page.body, f'giroe page {number}')[0]:
            if isinstance(raw, dict) and raw.get('public') is False:
                continue
            try:
                batch.locations.append(map_location(raw, secret, now=now))
            except (RecordError, ValidationError) as exc:
                batch.skipped.append(
                    skip(f'location {raw.get("id") if isinstance(raw, dict) else raw!r}', skip_reason(exc))
                )
    return batch


def parse_realtime(ctx: SourceContext, pages: list[Page]) -> RealtimeBatch:
    batch = RealtimeBatch(updates=[])
    for number, page in enumerate(pages, start=1):
        for raw in read_page(page.body, f'giroe connectors page {number}')[0]:
            try:
                batch.updates.append(connector_realtime(raw))
            except (RecordError, ValidationError) as exc:
                batch.skipped.append(
                    skip(f'connector {raw.get("uid") if isinstance(raw, dict) else raw!r}', skip_reason(exc))
                )
    return batch


FAMILY = Family(
    name='giroe',
    fetch_static=fetch_static,
    parse_static=parse_static,
    fetch_realtime=fetch_realtime,
    parse_realtime=parse_realtime,
    base_paths=(LOCATIONS_PATH, CONNECTORS_PATH),
    next_cursor=next_cursor,
)

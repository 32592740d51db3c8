"""Mobilithek subscription pulls over mutual TLS (spec/sources.md §4.2).

Static: one GET; its Last-Modified becomes the source timestamp (now when absent). The fetcher
builds the mTLS client (auth kind `mtls`).
Realtime: GET with If-Modified-Since (the fetch state's cursor, see `next_cursor`), then again
with each new Last-Modified until the answer's Last-Modified equals the one sent. Every page is
applied. A page without Last-Modified fails the run (nothing is saved); a 304 ends the loop
(before any page: NotModified).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from ocpdb_pipelines.config import ConfigError
from ocpdb_pipelines.sources.base import NotModified, Page, PayloadError, SourceContext
from ocpdb_pipelines.sources.common.pull import http_of

MAX_REALTIME_REQUESTS = 25_000


def parse_http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def format_http_date(value: datetime) -> str:
    """RFC 2822 GMT with whole seconds, e.g. 'Tue, 11 Aug 2026 10:00:00 GMT'."""
    return format_datetime(value.astimezone(UTC).replace(microsecond=0), usegmt=True)


def page_last_modified(page: Page) -> datetime | None:
    return parse_http_date(page.headers.get('last-modified'))


def _subscription_id(ctx: SourceContext, key: str) -> str:
    value = getattr(ctx.config, key, None)
    if not value:
        raise ConfigError(f'sources.{ctx.spec.uid}.{key} is required for the Mobilithek pull')
    return str(value)


def fetch_static(ctx: SourceContext) -> list[Page]:
    subscription = _subscription_id(ctx, 'static_subscription_id')
    http = http_of(ctx)
    return [http.get(http.static_url, params={'subscriptionID': subscription})]


def fetch_realtime(ctx: SourceContext) -> list[Page]:
    subscription = _subscription_id(ctx, 'realtime_subscription_id')
    http = http_of(ctx)
    since = parse_http_date(http.cursor) or (datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1))
    pages: list[Page] = []
    for _ in range(MAX_REALTIME_REQUESTS):
        page = http.get(
            http.realtime_url,
            params={'subscriptionID': subscription},
            headers={'If-Modified-Since': format_http_date(since)},
            ok_status=frozenset({304}),
        )
        if page.status_code == 304:
            if not pages:
                raise NotModified(f'{ctx.spec.uid}: nothing new since {format_http_date(since)}')
            break
        last_modified = page_last_modified(page)
        if last_modified is None:
            raise PayloadError(
                f'{ctx.spec.uid}: Mobilithek answered without a readable Last-Modified header; nothing is applied'
            )
        pages.append(page)
        if last_modified == since:
            break
        since = last_modified
    return pages


def next_cursor(pages: list[Page], previous: str | None) -> str | None:
    """The Last-Modified of the newest page: the next pull's If-Modified-Since."""
    newest = page_last_modified(pages[-1]) if pages else None
    return format_http_date(newest) if newest else previous

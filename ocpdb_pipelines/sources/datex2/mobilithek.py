"""Mobilithek subscription pulls over mutual TLS (spec/sources.md §4.2).

Static: one GET; its Last-Modified becomes the source timestamp (now when absent).
Realtime: GET with If-Modified-Since, then again with each new Last-Modified until the answer's
Last-Modified equals the one sent. Every page is applied. A page without Last-Modified fails the
run (nothing is saved); a 304 ends the loop (before any page: NotModified).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from ocpdb_pipelines.config import ConfigError
from ocpdb_pipelines.http.archive import RawArchive
from ocpdb_pipelines.http.client import SourceHttpClient
from ocpdb_pipelines.sources.base import NotModified, Page, PayloadError, SourceContext

MAX_REALTIME_REQUESTS = 25_000
STATE_KEY = 'last_modified'


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
        raise ConfigError(f'SOURCES.{ctx.spec.uid}.{key} is required for the Mobilithek pull')
    return str(value)


def _url(ctx: SourceContext, realtime: bool) -> str:
    # config `url` / `realtime_url` override the subscription endpoint (a proxy, or a test server)
    if realtime:
        return ctx.config.realtime_url or ctx.config.url or ctx.spec.realtime_url or ''
    return ctx.config.url or ctx.spec.static_url or ''


def build_client(ctx: SourceContext) -> SourceHttpClient:
    """An mTLS client from the source's certificate and key (and MOBILITHEK_CA_FILE if set)."""
    cert, key = ctx.config.mobilithek_cert_path, ctx.config.mobilithek_key_path
    if not cert or not key:
        raise ConfigError(f'SOURCES.{ctx.spec.uid}: mobilithek_cert_path and mobilithek_key_path are required')
    settings = ctx.settings
    archive = RawArchive(
        settings.path(settings.RAW_ARCHIVE_DIR),
        retention_days=settings.RAW_ARCHIVE_RETENTION_DAYS,
        max_files_per_source=settings.RAW_ARCHIVE_MAX_FILES_PER_SOURCE,
    )
    return SourceHttpClient(
        ctx.spec.uid,
        archive=archive,
        timeout=settings.HTTP_TIMEOUT,
        retries=settings.HTTP_RETRIES,
        cert=(cert, key),
        verify=settings.MOBILITHEK_CA_FILE or True,
    )


@contextmanager
def _client(ctx: SourceContext) -> Iterator[SourceHttpClient]:
    """The context's client if the import built one (tests, mTLS set up by the caller), else our own."""
    if ctx.http is not None:
        yield ctx.http
        return
    client = build_client(ctx)
    try:
        yield client
    finally:
        client.close()


def fetch_static(ctx: SourceContext) -> list[Page]:
    subscription = _subscription_id(ctx, 'static_subscription_id')
    with _client(ctx) as http:
        page = http.get(_url(ctx, realtime=False), params={'subscriptionID': subscription}, kind='static')
    return [page]


def fetch_realtime(ctx: SourceContext) -> list[Page]:
    subscription = _subscription_id(ctx, 'realtime_subscription_id')
    since = parse_http_date(ctx.previous_state.get(STATE_KEY)) or (
        datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    )
    pages: list[Page] = []
    url = _url(ctx, realtime=True)
    with _client(ctx) as http:
        for _ in range(MAX_REALTIME_REQUESTS):
            page = http.get(
                url,
                params={'subscriptionID': subscription},
                headers={'If-Modified-Since': format_http_date(since)},
                kind='realtime',
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
    ctx.new_state[STATE_KEY] = format_http_date(since)
    return pages

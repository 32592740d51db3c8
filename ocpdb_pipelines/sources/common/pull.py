"""HTTP pull helpers shared by the JSON families: URLs, credentials, conditional GET, change detection.

Change detection: a realtime fetch sends If-None-Match / If-Modified-Since from the previous state and
raises NotModified on 304 or when the payload hash equals the previous one. A static fetch never
raises NotModified (a static run is a full snapshot) but still records what it learned.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from ocpdb_pipelines.config import ConfigError, SourceConfig
from ocpdb_pipelines.sources.base import NotModified, Page

if TYPE_CHECKING:
    from ocpdb_pipelines.http.client import SourceHttpClient
    from ocpdb_pipelines.sources.base import SourceContext

MAX_PAGES = 10_000


def config_of(ctx: SourceContext) -> SourceConfig:
    return ctx.config if ctx.config is not None else SourceConfig()


def http_of(ctx: SourceContext) -> SourceHttpClient:
    if ctx.http is None:
        raise RuntimeError(f'source {ctx.spec.uid}: no HTTP client in the context')
    return ctx.http


def static_url(ctx: SourceContext) -> str:
    url = config_of(ctx).url or ctx.spec.static_url
    if not url:
        raise ConfigError(f'SOURCES.{ctx.spec.uid}.url: no URL configured')
    return url


def realtime_url(ctx: SourceContext) -> str:
    config = config_of(ctx)
    url = config.realtime_url or ctx.spec.realtime_url or config.url or ctx.spec.static_url
    if not url:
        raise ConfigError(f'SOURCES.{ctx.spec.uid}.realtime_url: no URL configured')
    return url


def require(ctx: SourceContext, *keys: str) -> list[str]:
    """The values of required config keys, or a ConfigError naming the missing ones."""
    config = config_of(ctx)
    missing = [key for key in keys if not getattr(config, key, None)]
    if missing:
        raise ConfigError(f'SOURCES.{ctx.spec.uid}: missing required key(s) {", ".join(missing)}')
    return [getattr(config, key) for key in keys]


def basic_auth(ctx: SourceContext) -> tuple[str, str]:
    user, password = require(ctx, 'user', 'password')
    return (user, password)


def content_hash(pages: Iterable[Page]) -> str:
    """sha256 over the bodies in order (the same digest the import runner compares)."""
    digest = hashlib.sha256()
    for page in pages:
        digest.update(page.body)
    return digest.hexdigest()


def conditional_headers(ctx: SourceContext) -> dict[str, str]:
    headers = {}
    if etag := ctx.previous_state.get('etag'):
        headers['If-None-Match'] = etag
    if last_modified := ctx.previous_state.get('last_modified'):
        headers['If-Modified-Since'] = last_modified
    return headers


def get_single(
    ctx: SourceContext,
    url: str,
    *,
    kind: str,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    auth: Any = None,
) -> list[Page]:
    """One GET of a whole payload, conditional for realtime; returns [page] or raises NotModified."""
    request_headers = dict(headers or {})
    if kind == 'realtime':
        request_headers.update(conditional_headers(ctx))
    kwargs: dict[str, Any] = {'headers': request_headers, 'kind': kind, 'ok_status': frozenset({304})}
    if params:
        kwargs['params'] = params
    if auth is not None:
        kwargs['auth'] = auth
    page = http_of(ctx).get(url, **kwargs)
    if page.status_code == 304:
        raise NotModified(f'{ctx.spec.uid}: {url} answered 304 Not Modified')
    return finish(ctx, [page], kind=kind)


def finish(ctx: SourceContext, pages: list[Page], *, kind: str) -> list[Page]:
    """Record etag / last_modified / content hash; a realtime payload identical to the last one is NotModified."""
    digest = content_hash(pages)
    last = pages[-1] if pages else None
    ctx.new_state.update(
        {
            'etag': last.headers.get('etag') if last and len(pages) == 1 else None,
            'last_modified': last.headers.get('last-modified') if last and len(pages) == 1 else None,
            'content_hash': digest,
        }
    )
    if kind == 'realtime' and ctx.previous_state.get('content_hash') == digest:
        raise NotModified(f'{ctx.spec.uid}: payload unchanged (sha256 {digest[:12]}…)')
    return pages


_LINK = re.compile(r'<([^>]*)>\s*((?:;\s*[^;,]+)*)')


def next_link(page: Page) -> str | None:
    """The absolute URL of the Link header's rel="next" (RFC 8288), if any."""
    header = page.headers.get('link')
    if not header:
        return None
    for match in _LINK.finditer(header):
        target, params = match.group(1), match.group(2)
        for param in params.split(';'):
            name, _, value = param.strip().partition('=')
            if name.strip().lower() == 'rel' and 'next' in value.strip().strip('"').lower().split():
                return urljoin(page.url, target.strip())
    return None

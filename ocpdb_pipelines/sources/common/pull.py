"""Pull helpers shared by the JSON families: the fetcher of the context, URLs, one-document GETs, links.

State, validators, content hashes and auth headers are the fetcher's (ocpdb_pipelines.http.fetcher);
what is left here is protocol: which URL, which config key, which page comes next.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from ocpdb_pipelines.config import ConfigError
from ocpdb_pipelines.sources.base import Http, Page, PayloadError
from ocpdb_pipelines.sources.common.values import load_json
from ocpdb_pipelines.sources.options import SourceConfig, options_for

if TYPE_CHECKING:
    from ocpdb_pipelines.sources.base import SourceContext

MAX_PAGES = 10_000


def config_of(ctx: SourceContext) -> SourceConfig:
    return ctx.config if ctx.config is not None else options_for(ctx.spec)


def http_of(ctx: SourceContext) -> Http:
    if ctx.http is None:
        raise RuntimeError(f'source {ctx.spec.uid}: no fetcher in the context')
    return ctx.http


def static_url(ctx: SourceContext) -> str:
    return http_of(ctx).static_url


def realtime_url(ctx: SourceContext) -> str:
    return http_of(ctx).realtime_url


def require(ctx: SourceContext, *keys: str) -> list[str]:
    """The values of required config keys, or a ConfigError naming the missing ones."""
    config = config_of(ctx)
    missing = [key for key in keys if not config.value(key)]
    if missing:
        raise ConfigError(f'sources.{ctx.spec.uid}: missing required key(s) {", ".join(missing)}')
    return [config.value(key) for key in keys]


def get_single(
    ctx: SourceContext, url: str, *, headers: dict[str, str] | None = None, params: dict[str, Any] | None = None
) -> list[Page]:
    """One conditional GET of a whole payload: [page], or NotModified (raised by the fetcher) on 304."""
    kwargs: dict[str, Any] = {'headers': dict(headers or {})}
    if params:
        kwargs['params'] = params
    return [http_of(ctx).get(url, conditional=True, **kwargs)]


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


def items_page(body: bytes, what: str, link: str) -> tuple[list[Any], str | None]:
    """A page `{items: [...], <link>: "..." | null}` -> (items, link); anything else is a PayloadError."""
    payload = load_json(body, what)
    if not isinstance(payload, dict) or not isinstance(payload.get('items'), list):
        raise PayloadError(f'{what}: expected an object with an `items` list')
    value = payload.get(link)
    if value is not None and not isinstance(value, str):
        raise PayloadError(f'{what}: `{link}` must be a string or null')
    return payload['items'], value or None

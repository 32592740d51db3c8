"""A family whose static and realtime data are one JSON document behind one authenticated GET.

Realtime re-fetches the same document (conditional GET / payload hash) and applies statuses only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpdb_pipelines.sources.base import Family, Page, PayloadError, RealtimeBatch, SourceContext, StaticBatch
from ocpdb_pipelines.sources.common.pull import get_single, static_url


def single_document_family(
    name: str,
    parse_static: Callable[[bytes], StaticBatch],
    parse_realtime: Callable[[bytes], RealtimeBatch],
    *,
    params: dict[str, Any] | None = None,
) -> Family:
    def fetch(ctx: SourceContext) -> list[Page]:
        # Basic auth is the fetcher's (the spec's auth kind)
        return get_single(ctx, static_url(ctx), params=params, headers={'Accept': 'application/json'})

    def one(pages: list[Page]) -> bytes:
        if len(pages) != 1:
            raise PayloadError(f'{name}: expected one payload, got {len(pages)}')
        return pages[0].body

    return Family(
        name=name,
        fetch_static=fetch,
        parse_static=lambda ctx, pages: parse_static(one(pages)),
        fetch_realtime=fetch,
        parse_realtime=lambda ctx, pages: parse_realtime(one(pages)),
    )

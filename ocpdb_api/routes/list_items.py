"""The items of a location list page: from the item cache where a location's rows are unchanged, rendered
from its rows where not (ocpdb_api/itemcache.py). Used by `/api/public/v1/locations`, its OCPI 2.2 alias and
`/ocpi/2.2.1/locations`; the bytes are those of rendering every item (tests/api/test_list_items.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from ocpdb_api.db import Resources
from ocpdb_api.itemcache import ItemCache, code_digest
from ocpdb_api.queries import list_page

Render = Callable[[list_page.Tuple, list_page.Page], dict[str, Any]]

# the code an item's bytes depend on: a change to any of these starts a new key scope
RENDER_MODULES = (
    'ocpdb_api.queries.list_page',
    'ocpdb_api.render.common',
    'ocpdb_api.render.extensions',
    'ocpdb_api.render.list_page',
    'ocpdb_api.render.ocpi221',
    'ocpdb_pipelines.model.enums',
)


def item_cache_of(res: Resources) -> ItemCache | None:
    """The API's item cache, made on first use; None without Redis or with `api.list_item_cache_seconds` 0."""
    found = getattr(res, '_item_cache', False)
    if found is False:
        ttl = res.settings.list_item_cache_seconds
        found = None
        if res.redis is not None and ttl > 0:
            found = ItemCache(res.redis, ttl, code_digest(RENDER_MODULES), res.redis_pause)
        res._item_cache = found  # type: ignore[attr-defined]
    return found


@dataclass
class Lookup:
    """What the database and the cache gave for a page's ids: cached bytes, and the rows of the rest."""

    kind: str
    ids: list[int]
    cache: ItemCache | None
    stamps: dict[int, int]
    hits: dict[int, bytes]
    page: list_page.Page
    fresh: dict[int, bytes] = field(default_factory=dict)

    def items(self, render: Render) -> list[Any]:
        """The page's items in id order: cached bytes as they are, the rest rendered now."""
        if self.cache is None:
            return [render(row, self.page) for row in self.page.locations]
        self.fresh = {row[0]: orjson.dumps(render(row, self.page)) for row in self.page.locations}
        out = []
        for ident in self.ids:
            body = self.hits.get(ident) or self.fresh.get(ident)
            if body is not None:
                out.append(orjson.Fragment(body))
        return out

    async def store(self) -> None:
        """Keep what `items` rendered, under the stamps read before its rows."""
        if self.cache is not None and self.fresh:
            await self.cache.put_many(self.kind, [(i, self.stamps[i], body) for i, body in self.fresh.items()])


async def lookup(res: Resources, conn: Any, ids: list[int], kind: str) -> Lookup:
    """The stamps (the cache is read meanwhile), then the rows of the misses: an item rendered from these rows
    is at least as new as its stamp, so a change landing in between only costs a re-render next time."""
    cache = item_cache_of(res)
    if cache is None or not ids:
        return Lookup(kind, ids, None, {}, {}, await list_page.fetch(conn, ids))
    # the MGET runs while PostgreSQL computes the stamps: an entry stored meanwhile under a newer stamp is
    # only a miss; one that matches the stamps read is their items
    stamps, stored = await asyncio.gather(list_page.stamps(conn, ids), cache.stored(kind, ids))
    hits = cache.current(stored, stamps)
    missing = [i for i in ids if i in stamps and i not in hits]
    return Lookup(kind, ids, cache, stamps, hits, await list_page.fetch(conn, missing))

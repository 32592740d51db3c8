"""Rendered list-page locations in Redis, each served only while the rows it was rendered from are unchanged.

A list page spent most of its time above its SQL turning ~1,000 rows into JSON (bench/RESULTS-api.md,
issue 13). Here every location's item is rendered once and kept as JSON bytes under its id, together with
the location's stamp (`queries/list_page.STAMPS`: a hash of the id and xmin of every row it is rendered
from). A page asks PostgreSQL for the stamps of its ids, takes the items whose stored stamp is the current
one from one MGET, and renders only the rest, from rows read after the stamps: an item is never newer than
its stamp claims, so it is never served stale, and a change re-renders exactly the locations it touched.
There is no staleness window and no writer-side invalidation.

Keys are scoped by what else decides the bytes: the shape (and `strict`), the image base URL (from the
request's host) and the code of the renderers and queries. The database is in the stamp itself (its oid and
its server's start time): a restored or different database never matches another's entries. Entries live
`ttl_seconds` (Redis memory: ~2.3 kB per location and shape); a Redis outage costs the cache, never the page;
after a failed call the cache leaves Redis alone for a few seconds (`db.RedisPause`), so a Redis that hangs
does not cost every page its socket timeout.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CACHE_PREFIX = 'ocpdb:item'


def code_digest(modules: Iterable[str]) -> str:
    """A digest of these modules' source: a deployment that changes a renderer never reads the old items."""
    digest = hashlib.blake2b(digest_size=8)
    for name in modules:
        digest.update(Path(sys.modules[name].__file__ or '').read_bytes())
    return digest.hexdigest()


class ItemCache:
    """Rendered items by (kind, location id): `stored` reads them, `current` keeps those whose stamp is the
    caller's, `put_many` writes them."""

    def __init__(self, redis: Any, ttl_seconds: int, code: str, pause: Any = None) -> None:
        self.redis = redis
        self.pause = pause  # db.RedisPause: Redis left alone for a while after a failure
        self.ttl_seconds = ttl_seconds
        self.code = code
        self.hits = 0  # items served from the cache, and items asked for but not there (or stale)
        self.misses = 0

    def prefix(self, kind: str) -> str:
        scope = hashlib.blake2b(f'{self.code}|{kind}'.encode(), digest_size=8).hexdigest()
        return f'{CACHE_PREFIX}:{scope}:'

    async def stored(self, kind: str, ids: list[int]) -> dict[int, bytes]:
        """What is stored for these ids, stamps included (needs no stamps: it can run while they are read)."""
        if not ids or (self.pause is not None and self.pause.paused()):
            return {}
        prefix = self.prefix(kind)
        try:
            values = await self.redis.mget([f'{prefix}{i}' for i in ids])
        except Exception as exc:  # a cache outage must not fail the page
            log.warning('list item cache read failed: %s', exc)
            if self.pause is not None:
                self.pause.failed()
            return {}
        return {ident: value for ident, value in zip(ids, values, strict=True) if value is not None}

    def current(self, stored: dict[int, bytes], stamps: dict[int, int]) -> dict[int, bytes]:
        """The stored items whose stamp is the one given, without it."""
        found = {}
        for ident, stamp in stamps.items():
            value = stored.get(ident)
            if value is not None and value[:8] == stamp.to_bytes(8, 'big', signed=True):
                found[ident] = value[8:]
        self.hits += len(found)
        self.misses += len(stamps) - len(found)
        return found

    async def put_many(self, kind: str, items: list[tuple[int, int, bytes]]) -> None:
        """Store (id, stamp, body) entries; the stamp must be one read before the rows the body came from."""
        if not items or (self.pause is not None and self.pause.paused()):
            return
        prefix = self.prefix(kind)
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for ident, stamp, body in items:
                    pipe.set(f'{prefix}{ident}', stamp.to_bytes(8, 'big', signed=True) + body, ex=self.ttl_seconds)
                await pipe.execute()
        except Exception as exc:
            log.warning('list item cache write failed: %s', exc)
            if self.pause is not None:
                self.pause.failed()

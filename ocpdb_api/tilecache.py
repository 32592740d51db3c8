"""The tile cache: one Redis entry per tile and query, judged fresh against what changed since it was made.

An entry holds the static data version and the live change number of its tile (ocpdb_api/freshness.py)
from before its body was computed, when it was computed, the body's ETag and the body. It is served while
  * no static change happened since (every import, match or region run invalidates at once), and
  * no live change touched its tile since, or - below `exact_from_zoom`, where nearly every tick touches
    a tile - it is younger than `max_stale` seconds (bounded staleness).
A stale entry is recomputed and overwritten under the same key, so Redis holds one entry per tile and
query (with a TTL), never one per data version. The ETag is a hash of the body: a tile whose content did
not change keeps its ETag across unrelated changes, and a browser's If-None-Match gets a 304.
Concurrent misses of one tile in this process share one computation.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import struct
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ocpdb_api.freshness import Versions

log = logging.getLogger(__name__)

CACHE_PREFIX = 'ocpdb:tile'
_HEADER = struct.Struct('>qqd16s')  # static version, live seq, computed at (epoch seconds), ETag (hex)


def cache_key(z: int, x: int, y: int, query: Iterable[tuple[str, Any]]) -> str:
    """The Redis key of a tile under a normalized query: every parsed parameter (defaults included) joins it,
    so a new tile parameter is part of the key without touching this function."""
    variant = '&'.join(f'{name}={_norm(value)}' for name, value in sorted(query))
    return f'{CACHE_PREFIX}:{z}/{x}/{y}?{variant}'


def _norm(value: Any) -> str:
    if value is None:
        return '-'
    if isinstance(value, bool):
        return 't' if value else 'f'
    if isinstance(value, (list, tuple, set, frozenset)):
        return ','.join(sorted(_norm(v) for v in value))
    return str(value)


def content_etag(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=8).hexdigest().encode()


@dataclass(frozen=True)
class TileEntry:
    static: int
    live: int
    computed_at: float
    etag: bytes
    body: bytes

    def pack(self) -> bytes:
        return _HEADER.pack(self.static, self.live, self.computed_at, self.etag) + self.body

    @classmethod
    def unpack(cls, raw: bytes) -> TileEntry | None:
        if len(raw) < _HEADER.size:
            return None
        static, live, computed_at, etag = _HEADER.unpack_from(raw)
        return cls(static, live, computed_at, etag, raw[_HEADER.size :])


@dataclass(frozen=True)
class TilePolicy:
    max_stale: float
    exact_from_zoom: int
    ttl_seconds: int

    def fresh(self, entry: TileEntry, versions: Versions, z: int, x: int, y: int, now: float) -> bool:
        # >= : another process may have read newer versions than this one
        if entry.static < versions.static:
            return False
        if entry.live >= versions.areas.seq(z, x, y):
            return True
        return z < self.exact_from_zoom and now - entry.computed_at < self.max_stale


class TileCache:
    """Redis get/set of TileEntry (a Redis outage only costs the cache) and per-process single flight."""

    def __init__(self, redis: Any, policy: TilePolicy, pause: Any = None) -> None:
        self.redis = redis
        self.pause = pause  # db.RedisPause: Redis left alone for a while after a failure
        self.policy = policy
        self._inflight: dict[str, asyncio.Future[TileEntry]] = {}

    async def get(self, key: str) -> TileEntry | None:
        if self.redis is None or (self.pause is not None and self.pause.paused()):
            return None
        try:
            raw = await self.redis.get(key)
        except Exception as exc:  # a cache outage must not fail tiles
            log.warning('tile cache read failed: %s', exc)
            if self.pause is not None:
                self.pause.failed()
            return None
        return TileEntry.unpack(raw) if raw is not None else None

    async def put(self, key: str, entry: TileEntry) -> None:
        if self.redis is None or (self.pause is not None and self.pause.paused()):
            return
        try:
            await self.redis.set(key, entry.pack(), ex=self.policy.ttl_seconds)
        except Exception as exc:
            log.warning('tile cache write failed: %s', exc)
            if self.pause is not None:
                self.pause.failed()

    async def compute(
        self, key: str, versions: Versions, z: int, x: int, y: int, render: Callable[[], Awaitable[bytes]]
    ) -> tuple[TileEntry, bool]:
        """The tile's entry from one `render()` shared by every concurrent caller; True for the caller that
        rendered it (it stores the entry)."""
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending), False
        future: asyncio.Future[TileEntry] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            # the versions are those from before the query: a change landing meanwhile makes the entry stale
            body = await render()
            entry = TileEntry(versions.static, versions.areas.seq(z, x, y), time.time(), content_etag(body), body)
            future.set_result(entry)
            return entry, True
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waited
            raise
        finally:
            del self._inflight[key]


def tile_cache_of(res: Any) -> TileCache:
    """The TileCache of an API's Resources, made on first use."""
    found = getattr(res, '_tile_cache', None)
    if found is None:
        s = res.settings
        policy = TilePolicy(
            max_stale=s.tile_max_stale_seconds,
            exact_from_zoom=s.tile_exact_from_zoom,
            ttl_seconds=max(s.tile_cache_seconds, int(s.tile_max_stale_seconds) + 1, 60),
        )
        found = TileCache(res.redis, policy, res.redis_pause)
        res._tile_cache = found
    return found

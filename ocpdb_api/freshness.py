"""What changed since a cache entry was made: the static data version and where live data changed.

Two counters exist (sql/migrations/0030): `data_version` moves on every static change (imports, matching,
regional codes, deletions) and invalidates everything; `live_version` moves on every realtime apply, and
`live_change_area` says which area tiles (zoom `ocpdb_live_area_zoom()`, 14) each live change touched.
This process reads both at most every `version_ttl_seconds` (one query for all of it, shared by the
requests that arrive meanwhile) and keeps, per zoom up to the area zoom, the newest change sequence number
per tile, so a tile cache entry can ask "did anything under me change since you were computed?" without a
database round trip. Above the area zoom a tile inherits its area's number: a change elsewhere in Germany
never touches it.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

REFRESH_SQL = """
SELECT (SELECT version FROM data_version WHERE id = 1) AS static_version,
       COALESCE((SELECT version FROM live_version WHERE id = 1), 0) AS live_version,
       ocpdb_live_area_zoom() AS area_zoom,
       ARRAY(SELECT ARRAY[x::bigint, y::bigint, seq] FROM live_change_area WHERE seq > %(since)s) AS areas
"""

# the tile functions widen each tile by 64/4096 of its width; an area row already holds that margin at the
# area zoom, a lower zoom adds its own (a little wider here too, as in the SQL)
_MARGIN = 65.0 / 4096

# columns a realtime apply writes (store/realtime.py): a count whose query reads one of them depends on live
# data; any other count only on static data
_LIVE_COLUMNS = re.compile(r'\b(status\w*|last_updated|evse_id|modified)\b')


@dataclass
class LiveAreas:
    """Newest live change per tile: `by_zoom[z][(x, y)]` for z <= area_zoom (area_zoom holds the rows)."""

    area_zoom: int = 14
    by_zoom: list[dict[tuple[int, int], int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.by_zoom:
            self.by_zoom = [{} for _ in range(self.area_zoom + 1)]

    def add(self, ax: int, ay: int, seq: int) -> None:
        top = self.area_zoom
        self._raise(top, ax, ay, seq)
        for z in range(top):
            scale = 2.0 ** (z - top)  # one area in z-tile units
            grow = _MARGIN + _MARGIN * scale
            limit = 2**z - 1
            x0, x1 = ax * scale - grow, (ax + 1) * scale + grow
            y0, y1 = ay * scale - grow, (ay + 1) * scale + grow
            for tx in range(max(0, math.floor(x0)), min(limit, math.floor(x1)) + 1):
                for ty in range(max(0, math.floor(y0)), min(limit, math.floor(y1)) + 1):
                    self._raise(z, tx, ty, seq)

    def _raise(self, z: int, x: int, y: int, seq: int) -> None:
        tiles = self.by_zoom[z]
        if tiles.get((x, y), -1) < seq:
            tiles[(x, y)] = seq

    def seq(self, z: int, x: int, y: int) -> int:
        """The newest live change that can have touched tile z/x/y (0: none seen)."""
        if z > self.area_zoom:
            shift = z - self.area_zoom
            return self.by_zoom[self.area_zoom].get((x >> shift, y >> shift), 0)
        return self.by_zoom[z].get((x, y), 0)


@dataclass(frozen=True)
class Versions:
    static: int
    live: int
    areas: LiveAreas


class Freshness:
    """The versions this process knows, re-read at most every `ttl` seconds by one request at a time."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._read_at = -math.inf
        self._versions: Versions | None = None
        self._lock = asyncio.Lock()

    async def current(self, res: Any, conn: Any = None) -> Versions:
        if self._versions is not None and time.monotonic() - self._read_at < self.ttl:
            return self._versions
        async with self._lock:
            # another request may have refreshed while this one waited
            if self._versions is not None and time.monotonic() - self._read_at < self.ttl:
                return self._versions
            read_at = time.monotonic()
            self._versions = await self._read(res, conn)
            self._read_at = read_at
            return self._versions

    async def _read(self, res: Any, conn: Any) -> Versions:
        known = self._versions
        since = known.live if known is not None else -1
        row = await _fetchone(res, conn, REFRESH_SQL, {'since': since})
        live = int(row['live_version'])
        zoom = int(row['area_zoom'])
        if known is None or live < known.live or zoom != known.areas.area_zoom:
            # first read, or the counter went back (a restored or emptied database): start over
            if known is not None:
                row = await _fetchone(res, conn, REFRESH_SQL, {'since': -1})
                live = int(row['live_version'])
            areas = LiveAreas(area_zoom=zoom)
        else:
            areas = known.areas  # only this task writes it, under the lock
        for ax, ay, seq in row['areas']:
            areas.add(int(ax), int(ay), int(seq))
        return Versions(static=int(row['static_version'] or 0), live=live, areas=areas)


async def _fetchone(res: Any, conn: Any, query: str, params: dict[str, Any]) -> dict[str, Any]:
    if conn is None:
        return await res.fetchone(query, params)
    return await (await conn.execute(query, params)).fetchone()


def freshness_of(res: Any) -> Freshness:
    """The Freshness of an API's Resources, made on first use."""
    found = getattr(res, '_freshness', None)
    if found is None:
        found = Freshness(res.settings.version_ttl_seconds)
        res._freshness = found
    return found


async def count_key(res: Any, conn: Any, query: str) -> tuple[int, int]:
    """What a memoised total count depends on: static data always, live data if its query reads live columns."""
    versions = await freshness_of(res).current(res, conn)
    return versions.static, versions.live if _LIVE_COLUMNS.search(query) else 0

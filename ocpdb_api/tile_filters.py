"""The tile filters as one value: parsed from the query string, passed to `ocpdb_tile`, and keyed for caches.

`static` and `filter_duplicates` come from `params.TILE_PARAMS`; the map's filters are declared here with the
same `Param` mechanism (and listed in the OpenAPI document from here). `TileFilters.key()` is the stable,
normalized form that tile cache keys and ETags must contain: lists are sorted and deduplicated, so
`?source_uids=b,a` and `?source_uids=a,b,a` share one cached tile.

Staleness is decided in SQL against `stale_before`, the start of the current time bucket minus the bound,
so a tile is a pure function of its key and the data version; the bucket is part of the key.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.datastructures import QueryParams

from ocpdb_api import params as prm
from ocpdb_api.errors import ParamError
from ocpdb_pipelines.model.enums import ConnectorType

CONNECTOR_STANDARDS = tuple(t.value for t in ConnectorType)
MAX_POWER_KW = 10_000
# stale_before moves in steps of this many seconds (at most the bound itself)
STALE_BUCKET_SECONDS = 300
# keys longer than this are hashed (a long source list must not make a huge Redis key or ETag)
MAX_PLAIN_KEY = 120
# what may stand in an ETag and a Redis key as it is; anything else (a quote in a uid) is hashed
_PLAIN = re.compile(r'[A-Za-z0-9_.,:|-]*')

PARAMS: list[prm.Param] = [
    prm.Param(
        'connector_standards',
        'enum_list',
        'Count only EVSEs with a connector of one of these standards; drops locations without one.',
        choices=CONNECTOR_STANDARDS,
    ),
    prm.Param(
        'min_power_kw',
        'decimal',
        'Count only EVSEs with a connector (of one of connector_standards, if given) of at least this power in kW.',
        minimum=0,
        maximum=MAX_POWER_KW,
    ),
    prm.Param('operator_ids', 'str_list', 'Only locations of these operators (business ids).', max_length=19),
    prm.Param('source_uids', 'str_list', 'Only locations of these sources (uids).', max_length=256),
]


@dataclass(frozen=True)
class TileFilters:
    only_static: bool | None = None
    filter_duplicates: bool = True
    standards: tuple[str, ...] | None = None
    min_power_w: int | None = None
    operator_ids: tuple[int, ...] | None = None
    source_uids: tuple[str, ...] | None = None
    stale_before: datetime | None = None

    def sql_args(self) -> tuple:
        """Arguments 4.. of `ocpdb_tile(z, x, y, ...)` in their declared order."""
        return (
            self.only_static,
            self.filter_duplicates,
            list(self.standards) if self.standards is not None else None,
            self.min_power_w,
            list(self.operator_ids) if self.operator_ids is not None else None,
            list(self.source_uids) if self.source_uids is not None else None,
            self.stale_before,
        )

    def key(self) -> str:
        """Every filter (and the staleness bucket) in one short stable string, for cache keys and ETags."""
        flag = '-' if self.only_static is None else 't' if self.only_static else 'f'
        parts = [flag + ('t' if self.filter_duplicates else 'f')]
        if self.standards is not None:
            parts.append('c' + ','.join(self.standards))
        if self.min_power_w is not None:
            parts.append(f'p{self.min_power_w}')
        if self.operator_ids is not None:
            parts.append('o' + ','.join(map(str, self.operator_ids)))
        if self.source_uids is not None:
            parts.append('s' + ','.join(self.source_uids))
        if self.stale_before is not None:
            parts.append(f'x{int(self.stale_before.timestamp())}')
        plain = '|'.join(parts)
        if len(plain) <= MAX_PLAIN_KEY and _PLAIN.fullmatch(plain):
            return plain
        return parts[0] + '|h' + hashlib.sha256(plain.encode()).hexdigest()[:32]


def stale_before(stale_seconds: int, now: float | None = None) -> datetime | None:
    """The bound for "stale" at `now`, stepped to a bucket so that tiles stay cacheable; None if disabled."""
    if stale_seconds <= 0:
        return None
    bucket = min(STALE_BUCKET_SECONDS, stale_seconds)
    now = time.time() if now is None else now
    return datetime.fromtimestamp((now // bucket) * bucket - stale_seconds, UTC)


def _operator_ids(raw: list[str]) -> tuple[int, ...]:
    spec = prm.Param('operator_ids', 'int', '', minimum=0, maximum=prm.MAX_ID)
    return tuple(sorted({prm.parse_int(spec, item) for item in raw}))


def _uids(raw: list[str]) -> tuple[str, ...]:
    if any(item == '' for item in raw):
        raise ParamError('source_uids', 'invalid_string', 'Source uids must not be empty.')
    return tuple(sorted(set(raw)))


def parse(query: QueryParams, stale_seconds: int, now: float | None = None) -> TileFilters:
    """The filters of one tile request; 400 (ParamError) naming the first bad parameter."""
    p = prm.parse(query, [*prm.TILE_PARAMS, *PARAMS])
    power = p.get('min_power_kw')
    return TileFilters(
        only_static=p.get('static'),
        filter_duplicates=p['filter_duplicates'],
        standards=tuple(sorted(set(p['connector_standards']))) if 'connector_standards' in p else None,
        min_power_w=round(power * 1000) if power else None,
        operator_ids=_operator_ids(p['operator_ids']) if 'operator_ids' in p else None,
        source_uids=_uids(p['source_uids']) if 'source_uids' in p else None,
        stale_before=stale_before(stale_seconds, now),
    )


def from_query_string(query_string: bytes, stale_seconds: int, now: float | None = None) -> TileFilters:
    """Like `parse`, from the raw ASGI query string (the tile endpoint has no Request object)."""
    if not query_string:
        return TileFilters(stale_before=stale_before(stale_seconds, now))
    return parse(QueryParams(query_string), stale_seconds, now)

"""What the API needs from the project configuration, per concern (database, cache, tiles, public URLs)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import psycopg

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.db.roles import INGEST_ROLE, READER_ROLE

__all__ = ['INGEST_ROLE', 'READER_ROLE', 'ApiSettings', 'ingest_url', 'reader_url']


def _normalize(url: str) -> str:
    for prefix in ('postgresql+psycopg://', 'postgresql+psycopg2://', 'postgis://'):
        if url.startswith(prefix):
            return 'postgresql://' + url[len(prefix) :]
    return url


def _as_role(url: str, role: str) -> str:
    """`url` with `role` swapped in and its password dropped (the role authenticates by trust/peer/pgpass)."""
    info = psycopg.conninfo.conninfo_to_dict(_normalize(url))
    info.pop('password', None)
    info['user'] = role
    return psycopg.conninfo.make_conninfo(**info)


def reader_url(settings: Settings) -> str:
    """database.api_url, or database.url as the read-only role ocpdb_reader (without its password)."""
    if settings.database.api_url:
        return _normalize(settings.database.api_url.get_secret_value())
    return _as_role(settings.database.url.get_secret_value(), READER_ROLE)


def ingest_url(settings: Settings) -> str:
    """database.ingest_url, or database.url as the push receivers' role ocpdb_ingest (without its password).

    Either way the API process never connects with database.url's own (writer) credentials.
    """
    if settings.database.ingest_url:
        return _normalize(settings.database.ingest_url.get_secret_value())
    return _as_role(settings.database.url.get_secret_value(), INGEST_ROLE)


def default_pool_size() -> int:
    """Twice the CPU count, at least 4 (API_POOL_SIZE = 0)."""
    return max(4, 2 * (os.cpu_count() or 1))


@dataclass(frozen=True)
class ApiSettings:
    database_url: str
    redis_url: str | None
    project_url: str
    public_image_path: str
    tile_cache_seconds: int
    show_map: bool
    evse_status_metrics: bool
    mobilithek_name: str | None = None
    map_style_url: str | None = None
    status_stale_seconds: int = 3600
    # where products/dumps writes its generations (served by routes/dumps.py); None: no dumps
    dumps_dir: str | None = None
    pool_min_size: int = 2
    # PostgreSQL runs about one query per core at a time: more connections than that only make queries
    # queue inside PostgreSQL instead of in the pool (measured in bench/RESULTS-api.md: 16 -> 4 on two
    # cores raised uncached tile throughput at 64 connections by 40 % and halved p99)
    pool_max_size: int = 0
    # data_version is re-read at most this often per process (tile ETag / cache key)
    version_ttl_seconds: float = 1.0
    # database faults: a request waits at most pool_timeout_seconds for a connection (then 503), a
    # connection attempt at most connect_timeout_seconds (libpq counts whole seconds; 5, not 2: on a
    # saturated machine a backend's start alone took over 2 s, and a pool that times out every attempt never
    # reconnects), a query at most statement_timeout_seconds; /health answers within health_timeout_seconds
    pool_timeout_seconds: float = 5.0
    connect_timeout_seconds: int = 5
    statement_timeout_seconds: float = 10.0
    reconnect_timeout_seconds: float = 2.0
    health_timeout_seconds: float = 1.5
    # bounded staleness of tiles (ocpdb_api/tilecache.py)
    tile_max_stale_seconds: int = 30
    tile_exact_from_zoom: int = 14
    # rendered list-page locations in Redis (ocpdb_api/itemcache.py); 0: off
    list_item_cache_seconds: int = 3600
    # proxies whose X-Forwarded-Proto/-Host/-For are believed (TRUSTED_PROXIES; uvicorn's default)
    trusted_proxies: str = '127.0.0.1'

    def __post_init__(self) -> None:
        if self.pool_max_size <= 0:
            object.__setattr__(self, 'pool_max_size', default_pool_size())
        if self.pool_min_size > self.pool_max_size:
            object.__setattr__(self, 'pool_min_size', self.pool_max_size)

    @property
    def base_path(self) -> str:
        """Path part of PROJECT_URL (the predecessor prefixes next_path with it)."""
        return urlsplit(self.project_url).path.rstrip('/')

    @property
    def base_url(self) -> str:
        return self.project_url.rstrip('/')

    @classmethod
    def from_settings(cls, settings: Settings, **overrides) -> ApiSettings:
        values = {
            'database_url': reader_url(settings),
            'redis_url': settings.redis.url.get_secret_value() or None,
            'project_url': settings.api.project_url,
            'public_image_path': settings.images.public_path,
            'tile_cache_seconds': settings.tiles.cache_seconds,
            'tile_max_stale_seconds': settings.tiles.max_stale_seconds,
            'tile_exact_from_zoom': settings.tiles.exact_from_zoom,
            'list_item_cache_seconds': settings.api.list_item_cache_seconds,
            'show_map': settings.map.show,
            'evse_status_metrics': settings.api.evse_status_metrics,
            'mobilithek_name': settings.mobilithek.name,
            'pool_max_size': settings.api.pool_size,
            'pool_timeout_seconds': settings.api.pool_timeout,
            'statement_timeout_seconds': settings.api.statement_timeout,
            'trusted_proxies': settings.api.trusted_proxies,
            'map_style_url': settings.map.style_url or None,
            'status_stale_seconds': settings.map.status_stale_seconds,
            'dumps_dir': str(settings.path(settings.exports.dir) / 'dumps'),
        }
        values.update(overrides)
        return cls(**values)

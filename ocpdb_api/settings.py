"""What the API needs from the project configuration, per concern (database, cache, tiles, public URLs)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import psycopg

from ocpdb_pipelines.config import Settings

READER_ROLE = 'ocpdb_reader'


def _normalize(url: str) -> str:
    for prefix in ('postgresql+psycopg://', 'postgresql+psycopg2://', 'postgis://'):
        if url.startswith(prefix):
            return 'postgresql://' + url[len(prefix) :]
    return url


def reader_url(settings: Settings) -> str:
    """API_DATABASE_URL, or DATABASE_URL with the read-only role swapped in (no password: trust/peer/pgpass)."""
    if settings.API_DATABASE_URL:
        return _normalize(settings.API_DATABASE_URL)
    info = psycopg.conninfo.conninfo_to_dict(_normalize(settings.DATABASE_URL))
    info.pop('password', None)
    info['user'] = READER_ROLE
    return psycopg.conninfo.make_conninfo(**info)


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
    # where products/dumps writes its generations (served by routes/dumps.py); None: no dumps
    dumps_dir: str | None = None
    pool_min_size: int = 2
    # PostgreSQL runs about one query per core at a time: more connections than that only make queries
    # queue inside PostgreSQL instead of in the pool (measured in bench/RESULTS-api.md: 16 -> 4 on two
    # cores raised uncached tile throughput at 64 connections by 40 % and halved p99)
    pool_max_size: int = 0
    # data_version is re-read at most this often per process (tile ETag / cache key)
    version_ttl_seconds: float = 1.0

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
            'redis_url': settings.REDIS_URL or None,
            'project_url': settings.PROJECT_URL,
            'public_image_path': settings.PUBLIC_IMAGE_PATH,
            'tile_cache_seconds': settings.TILE_CACHE_SECONDS,
            'show_map': settings.SHOW_MAP,
            'evse_status_metrics': settings.EVSE_STATUS_METRICS,
            'mobilithek_name': settings.MOBILITHEK_NAME,
            'pool_max_size': settings.API_POOL_SIZE,
            'dumps_dir': str(settings.path(settings.EXPORT_DIR) / 'dumps'),
        }
        values.update(overrides)
        return cls(**values)

"""What the API needs from the project configuration, per concern (database, cache, tiles, public URLs)."""

from __future__ import annotations

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
    pool_min_size: int = 2
    pool_max_size: int = 16
    # data_version is re-read at most this often per process (tile ETag / cache key)
    version_ttl_seconds: float = 1.0

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
        }
        values.update(overrides)
        return cls(**values)

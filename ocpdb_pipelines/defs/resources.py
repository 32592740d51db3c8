"""Resources: how Dagster code reaches configuration, PostGIS, Redis and the Mobilithek."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import psycopg
import redis

from ocpdb_pipelines.config import Settings, current_settings, load_settings
from ocpdb_pipelines.db.connection import connect


class OcpdbConfig(dg.ConfigurableResource):
    """The OCPDB settings (config.yaml + environment), optionally with other resources' URLs on top."""

    config_file: str | None = None
    database_url: str | None = None
    redis_url: str | None = None

    def settings(self) -> Settings:
        settings = load_settings(self.config_file) if self.config_file else current_settings()
        updates = {
            key: value for key, value in (('DATABASE_URL', self.database_url), ('REDIS_URL', self.redis_url)) if value
        }
        return settings.model_copy(update=updates) if updates else settings


class PostgisResource(dg.ConfigurableResource):
    database_url: str

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        with connect(self.database_url) as conn:
            yield conn


class RedisResource(dg.ConfigurableResource):
    url: str

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    return {
        'ocpdb': OcpdbConfig(database_url=settings.DATABASE_URL, redis_url=settings.REDIS_URL),
        'postgis': PostgisResource(database_url=settings.DATABASE_URL),
        'redis': RedisResource(url=settings.REDIS_URL),
    }

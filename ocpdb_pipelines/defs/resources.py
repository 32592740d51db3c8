"""Resources: how Dagster code reaches configuration, PostGIS, Redis and the sources' HTTP.

`postgis` and `redis` hold their URLs as `EnvVar`s, so the Resources page shows the variable's name,
never the URL with its password. `ocpdb` (the settings: config.yaml + environment) is composed of
both: the domain code it hands settings to connects to exactly the database the `postgis` resource names,
and a test swaps the resources (`make_resources`) instead of editing the environment. `http` holds the
outgoing HTTP limits (timeout, retries, a sensor tick's budget) every fetch of a run or tick uses.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import dagster as dg
import psycopg

from ocpdb_pipelines.config import Settings, current_settings, load_settings
from ocpdb_pipelines.db.connection import connect

if TYPE_CHECKING:
    import redis

# a URL taken from config.yaml (not the environment) is handed to the resource under this prefix
RESOURCE_ENV_PREFIX = 'OCPDB_RESOURCE_'


class PostgisResource(dg.ConfigurableResource):
    """The PostGIS database the pipelines write."""

    database_url: str

    @contextmanager
    def connection(self, *, autocommit: bool = False) -> Iterator[psycopg.Connection]:
        with connect(self.database_url, autocommit=autocommit) as conn:
            yield conn


class RedisResource(dg.ConfigurableResource):
    """The Redis of caches and push watermarks."""

    url: str

    def client(self) -> redis.Redis:
        import redis  # imported on use: a source import (the CLI's fixed cost) never needs Redis

        return redis.Redis.from_url(self.url)


class HttpResource(dg.ConfigurableResource):
    """Outgoing HTTP of source fetches: the limits a run or sensor tick fetches with (config `http.*`)."""

    timeout: float = 120.0
    retries: int = 3
    realtime_tick_budget_seconds: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpResource:
        http = settings.http
        return cls(
            timeout=http.timeout, retries=http.retries, realtime_tick_budget_seconds=http.realtime_tick_budget_seconds
        )

    def values(self) -> dict[str, object]:
        return {
            'timeout': self.timeout,
            'retries': self.retries,
            'realtime_tick_budget_seconds': self.realtime_tick_budget_seconds,
        }


class OcpdbConfig(dg.ConfigurableResource):
    """The OCPDB settings (config.yaml + environment) with the database and Redis of the resources on top."""

    config_file: str | None = None
    postgis: PostgisResource | None = None
    redis: RedisResource | None = None
    http: HttpResource | None = None
    # plain overrides kept for callers that predate the nested resources; build_resources never sets them
    database_url: str | None = None
    redis_url: str | None = None

    def settings(self) -> Settings:
        settings = load_settings(self.config_file) if self.config_file else current_settings()
        database_url = self.postgis.database_url if self.postgis else self.database_url
        redis_url = self.redis.url if self.redis else self.redis_url
        if self.http is not None:
            settings = settings.with_values(http=self.http.values())
        if not database_url and not redis_url:
            return settings
        return settings.with_values(
            database={'url': database_url or settings.database.url},
            redis={'url': redis_url or settings.redis.url},
        )

    @contextmanager
    def connection(self, *, autocommit: bool = False) -> Iterator[psycopg.Connection]:
        with connect(self.settings().database.url.get_secret_value(), autocommit=autocommit) as conn:
            yield conn


def _secret(name: str, value: str) -> dg.EnvVar:
    """The value as an EnvVar: the variable itself when the environment set it, else (config.yaml)
    handed over through OCPDB_RESOURCE_<name> in this process's environment."""
    if os.environ.get(name) == value:
        return dg.EnvVar(name)
    os.environ[RESOURCE_ENV_PREFIX + name] = value
    return dg.EnvVar(RESOURCE_ENV_PREFIX + name)


def make_resources(
    database_url: str, redis_url: str, config_file: str | None = None, http: HttpResource | None = None
) -> dict[str, object]:
    """The resource set over given services (tests: swap these instead of the environment). Without `http`,
    the HTTP limits are the configuration's (config_file or the environment)."""
    return _compose(PostgisResource(database_url=database_url), RedisResource(url=redis_url), config_file, http)


def build_resources(settings: Settings) -> dict[str, object]:
    postgis = PostgisResource(database_url=_secret('DATABASE_URL', settings.database.url.get_secret_value()))
    redis_resource = RedisResource(url=_secret('REDIS_URL', settings.redis.url.get_secret_value()))
    return _compose(postgis, redis_resource, None, HttpResource.from_settings(settings))


def _compose(
    postgis: PostgisResource, redis_resource: RedisResource, config_file: str | None, http: HttpResource | None
) -> dict[str, object]:
    resources: dict[str, object] = {
        'ocpdb': OcpdbConfig(config_file=config_file, postgis=postgis, redis=redis_resource, http=http),
        'postgis': postgis,
        'redis': redis_resource,
    }
    if http is not None:
        resources['http'] = http
    return resources

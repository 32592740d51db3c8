"""create_app(settings): the read-only Starlette application (plus the push receivers). Never imports Dagster."""

from __future__ import annotations

from psycopg_pool import PoolTimeout
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from ocpdb_api import server_api
from ocpdb_api.db import lifespan_for
from ocpdb_api.errors import (
    ApiError,
    api_error_handler,
    http_exception_handler,
    overload_handler,
    server_error_handler,
)
from ocpdb_api.middleware import CorsMiddleware, OcpiAliasMiddleware
from ocpdb_api.routes import compat, datex, docs, dumps, health, metrics, ocpi_221, statistics, tiles
from ocpdb_api.settings import ApiSettings
from ocpdb_pipelines.config import Settings, get_settings


def create_app(
    settings: Settings | ApiSettings | None = None, *, server_settings: Settings | None = None, **overrides
) -> Starlette:
    """The API app. Given project `Settings`, the push receivers of `/api/server/v1` are mounted too
    (they need the full settings); given only `ApiSettings`, the app is the public read API alone."""
    if settings is None:
        settings = get_settings()
    if isinstance(settings, Settings):
        server_settings = server_settings or settings
        api = ApiSettings.from_settings(settings, **overrides)
    else:
        api = settings
    routes: list[BaseRoute] = [
        # tiles first: a map asks for many per view and Starlette tries routes in order
        *tiles.routes(),
        *compat.routes(),
        *datex.routes(),
        *dumps.routes(),
        *statistics.routes(),
        *ocpi_221.routes(),
        *metrics.routes(),
        *health.routes(),
        *docs.routes(),
    ]
    if server_settings is not None:
        routes += server_api.routes
    app = Starlette(
        routes=routes,
        middleware=[Middleware(CorsMiddleware), Middleware(OcpiAliasMiddleware)],
        exception_handlers={
            ApiError: api_error_handler,
            HTTPException: http_exception_handler,
            PoolTimeout: overload_handler,
            Exception: server_error_handler,
        },
        lifespan=lifespan_for(api),
    )
    app.state.settings = api
    app.state.server_settings = server_settings
    return app

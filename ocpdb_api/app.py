"""create_app(settings): the read-only Starlette application (plus the push receivers). Never imports Dagster."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from ocpdb_api import server_api
from ocpdb_api.compression import IsalGZipMiddleware
from ocpdb_api.db import lifespan_for
from ocpdb_api.handlers import exception_handlers
from ocpdb_api.instrumentation import RequestMetrics, RequestMetricsMiddleware
from ocpdb_api.middleware import CorsMiddleware, ForwardedHostMiddleware, OcpiAliasMiddleware
from ocpdb_api.routes import compat, datex, docs, dumps, health, map_page, metrics, ocpi_221, statistics, tiles
from ocpdb_api.settings import ApiSettings
from ocpdb_pipelines.config import Settings, get_settings
from ocpdb_pipelines.sources.options import check_sources

GZIP_THREAD_MINIMUM = 1024 * 1024
GZIP_EXCLUDED = ('text/event-stream', 'application/x-protobuf', 'application/vnd.mapbox-vector-tile')


def create_app(
    settings: Settings | ApiSettings | None = None, *, server_settings: Settings | None = None, **overrides
) -> Starlette:
    """The API app. Given project `Settings`, the push receivers of `/api/server/v1` are mounted too
    (they need the full settings); given only `ApiSettings`, the app is the public read API alone."""
    if settings is None:
        settings = check_sources(get_settings())
    if isinstance(settings, Settings):
        server_settings = server_settings or settings
        api = ApiSettings.from_settings(settings, **overrides)
    else:
        api = settings
    routes: list[BaseRoute] = [
        # tiles first: a map asks for many per view and Starlette tries routes in order
        *tiles.routes(),
        *map_page.routes(),
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
    request_metrics = RequestMetrics()
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(ForwardedHostMiddleware, trusted=api.trusted_proxies),
            Middleware(ProxyHeadersMiddleware, trusted_hosts=api.trusted_proxies),
            Middleware(CorsMiddleware),
            # tiles are left uncompressed: gzip costs 1.7-3.5 ms per dense tile, more than serving a cached one;
            # bodies up to 1 MiB (a list page of 100 is ~230 kB, 0.10 ms with ISA-L) are compressed inline: the
            # worker thread hop cost more than that under load (bench/RESULTS-api.md)
            Middleware(
                IsalGZipMiddleware,
                minimum_size=1000,
                compresslevel=1,
                thread_minimum_size=GZIP_THREAD_MINIMUM,
                exclude_content_types=GZIP_EXCLUDED,
            ),
            Middleware(OcpiAliasMiddleware),
            Middleware(RequestMetricsMiddleware, metrics=request_metrics, routes=routes),
        ],
        # OCPI 2.2.1 answers every error in its envelope; all else in the predecessor's error body
        exception_handlers=exception_handlers({'/ocpi': ocpi_221.ocpi_error_response}),
        lifespan=lifespan_for(api),
    )
    app.state.settings = api
    app.state.request_metrics = request_metrics
    app.state.server_settings = server_settings
    return app

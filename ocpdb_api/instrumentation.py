"""Request metrics (prometheus_client): rate, latency and status by route template, one registry per app."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = 'unmatched'
# an API answer takes 1 ms (cached tile) to seconds (a 5000-location page)
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class RequestMetrics:
    """The request metrics of one app: `ocpdb_http_requests_total{method,route,status}` and
    `ocpdb_http_request_duration_seconds{method,route}`; errors are the requests with a 4xx/5xx status."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            'ocpdb_http_requests',
            'HTTP requests answered, by route template, method and status code',
            ['method', 'route', 'status'],
            registry=self.registry,
        )
        self.duration = Histogram(
            'ocpdb_http_request_duration_seconds',
            'Time from request to the end of the response body, by route template',
            ['method', 'route'],
            buckets=BUCKETS,
            registry=self.registry,
        )


def route_template(routes: list[BaseRoute], scope: Scope) -> str:
    """The path template of the route that serves `scope` (`/api/public/v1/locations/{id}`), bounded cardinality."""
    for route in routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return getattr(route, 'path', UNMATCHED)
    return UNMATCHED


class RequestMetricsMiddleware:
    """Pure ASGI: times each HTTP request and counts it with its final status."""

    def __init__(self, app: ASGIApp, metrics: RequestMetrics, routes: list[BaseRoute]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message['type'] == 'http.response.start':
                status = message['status']
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            route = route_template(self.routes, scope)
            self.metrics.requests.labels(scope['method'], route, str(status)).inc()
            self.metrics.duration.labels(scope['method'], route).observe(time.perf_counter() - started)

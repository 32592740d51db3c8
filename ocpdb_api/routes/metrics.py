"""Prometheus `/metrics` through prometheus_client: the predecessor's source/EVSE gauges (names, HELP texts and
order of §9.3) followed by the request metrics of `ocpdb_api.instrumentation` and the list item cache's counts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocpdb_api.db import Resources
from ocpdb_api.itemcache import ItemCache
from ocpdb_api.queries import metrics as metrics_sql
from ocpdb_api.routes.list_items import item_cache_of

Row = dict[str, Any]
INACTIVE = ('DISABLED', 'PROVISIONED')


def _age(now: datetime, value: datetime | None) -> int | None:
    return None if value is None else int((now - value).total_seconds())


def _static(row: Row) -> bool:
    return row['static_status'] not in INACTIVE


def _realtime(row: Row) -> bool:
    return _static(row) and row['realtime_status'] not in INACTIVE


SOURCE_METRICS: list[tuple[str, str, Callable[[Row], bool], Callable[[Row, datetime], int | None]]] = [
    ('app_ocpdb_source_last_modified', 'Last modification in seconds from now', _static,
     lambda r, now: _age(now, r['modified'])),
    ('app_ocpdb_static_source_failed', 'Completely failed static sources', _static,
     lambda r, now: int(r['static_status'] == 'FAILED')),
    ('app_ocpdb_source_last_static_update', 'Last static update in seconds from now', _static,
     lambda r, now: _age(now, r['static_data_updated_at'])),
    ('app_static_ocpdb_source_errors', 'Static errors by source', _static,
     lambda r, now: r['static_error_count']),
    ('app_ocpdb_realtime_source_failed', 'Completely failed realtime sources', _realtime,
     lambda r, now: int(r['realtime_status'] == 'FAILED')),
    ('app_ocpdb_source_last_realtime_update', 'Last realtime update in seconds from now', _realtime,
     lambda r, now: _age(now, r['realtime_data_updated_at'])),
    ('app_realtime_ocpdb_source_errors', 'Realtime error by source', _realtime,
     lambda r, now: r['realtime_error_count']),
]  # fmt: skip

EVSE_METRICS = [
    ('app_ocpdb_evse_status_available', 'EVSEs with status AVAILABLE', ('AVAILABLE',)),
    ('app_ocpdb_evse_status_taken', 'EVSEs with status CHARGING, RESERVED', ('CHARGING', 'RESERVED')),
    (
        'app_ocpdb_evse_status_error',
        'EVSEs with status INOPERATIVE, OUTOFORDER, REMOVED, PLANNED, BLOCKED, UNKNOWN',
        ('INOPERATIVE', 'OUTOFORDER', 'REMOVED', 'PLANNED', 'BLOCKED', 'UNKNOWN'),
    ),
]


class SourceCollector(Collector):
    """The gauges of one scrape, from rows read before (collectors are synchronous, the database is not)."""

    def __init__(self, sources: list[Row], evses: list[Row] | None, now: datetime) -> None:
        self.sources, self.evses, self.now = sources, evses, now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for name, help_text, include, value in SOURCE_METRICS:
            family = GaugeMetricFamily(name, help_text, labels=['source'])
            for row in self.sources:
                if include(row):
                    v = value(row, self.now)
                    if v is not None:
                        family.add_metric([row['uid']], v)
            yield family
        for name, help_text, statuses in EVSE_METRICS if self.evses is not None else ():
            family = GaugeMetricFamily(name, help_text, labels=['source', 'evse', 'location'])
            for e in self.evses or ():
                family.add_metric([e['source'], e['evse'], e['location']], int(e['status'] in statuses))
            yield family


class ItemCacheCollector(Collector):
    """`ocpdb_list_items_total{result}`: list-page items this process served from the item cache (hit) or had
    to render (miss: not cached, or its rows changed since)."""

    def __init__(self, cache: ItemCache) -> None:
        self.cache = cache

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            'ocpdb_list_items', 'Location list-page items served from the item cache or rendered', labels=['result']
        )
        family.add_metric(['hit'], self.cache.hits)
        family.add_metric(['miss'], self.cache.misses)
        yield family


def render(
    sources: list[Row],
    evses: list[Row] | None,
    now: datetime,
    requests: CollectorRegistry | None = None,
    items: ItemCache | None = None,
) -> bytes:
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(SourceCollector(sources, evses, now))
    body = generate_latest(scrape)
    if requests is not None:
        body += generate_latest(requests)
    if items is not None:
        cache = CollectorRegistry(auto_describe=False)
        cache.register(ItemCacheCollector(items))
        body += generate_latest(cache)
    return body


async def metrics(request: Request) -> Response:
    res: Resources = request.app.state.resources
    sources = await metrics_sql.sources(res)
    evses = await metrics_sql.live_evses(res) if res.settings.evse_status_metrics else None
    body = render(sources, evses, datetime.now(UTC), request.app.state.request_metrics.registry, item_cache_of(res))
    # text format 0.0.4, as the predecessor announced: every Prometheus version scrapes it
    return Response(body, headers={'Content-Type': CONTENT_TYPE_PLAIN_0_0_4})


def routes() -> list[Route]:
    return [Route('/metrics', metrics)]

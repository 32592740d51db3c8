"""The `ochp` family: SOAP POSTs with a WS-Security UsernameToken, parsed with lxml."""

from __future__ import annotations

from datetime import UTC, datetime

from ocpdb_pipelines.config import ConfigError
from ocpdb_pipelines.model.updates import EvseRealtimeUpdate
from ocpdb_pipelines.sources.base import Family, Page, RealtimeBatch, SourceContext, StaticBatch
from ocpdb_pipelines.sources.common.pull import http_of
from ocpdb_pipelines.sources.ochp.parse import ChargePointListMapper, check_result, status_update
from ocpdb_pipelines.sources.ochp.wire import (
    ACTION_CHARGE_POINT_LIST,
    ACTION_STATUS,
    children,
    envelope,
    response_element,
)

STATIC_PATH = '/service/ochp/v1.4'
LIVE_PATH = '/live/ochp/v1.4'
# the predecessor hard-codes the operator of ochp_albwerk; ochp_ladenetz publishes none
OPERATORS = {'ochp_albwerk': 'Albwerk'}


def _credentials(ctx: SourceContext) -> tuple[str, str]:
    user, password = ctx.config.value('user'), ctx.config.value('password')
    if not user or not password:
        raise ConfigError(f'sources.{ctx.spec.uid}: user and password are required for OCHP')
    return user, password


def _post(ctx: SourceContext, realtime: bool, body: bytes, action: str) -> Page:
    http = http_of(ctx)
    return http.post(
        http.realtime_url if realtime else http.static_url,
        content=body,
        headers={'Content-Type': 'text/xml; charset=utf-8', 'SOAPAction': action},
    )


def fetch_static(ctx: SourceContext) -> list[Page]:
    user, password = _credentials(ctx)
    return [_post(ctx, False, envelope(user, password, 'GetChargePointListRequest'), ACTION_CHARGE_POINT_LIST)]


def fetch_realtime(ctx: SourceContext) -> list[Page]:
    """GetStatus since the start of the last successful run (omitted on the first run: full sync)."""
    user, password = _credentials(ctx)
    since = http_of(ctx).cursor
    return [_post(ctx, True, envelope(user, password, 'GetStatusRequest', since), ACTION_STATUS)]


def next_cursor(pages: list[Page], previous: str | None) -> str | None:
    """When the status request was sent: the next GetStatus asks for what changed since."""
    started = pages[0].requested_at if pages and pages[0].requested_at else datetime.now(UTC)
    return started.replace(microsecond=0).strftime('%Y-%m-%dT%H:%M:%SZ')


def parse_static(ctx: SourceContext, pages: list[Page]) -> StaticBatch:
    mapper = ChargePointListMapper(operator=OPERATORS.get(ctx.spec.uid))
    for page in pages:
        response = response_element(page.body, 'GetChargePointListResponse')
        check_result(response)
        for record in children(response, 'chargePointInfoArray'):
            mapper.add(record)
    return StaticBatch(locations=mapper.locations(), skipped=mapper.skipped)


def parse_realtime(ctx: SourceContext, pages: list[Page]) -> RealtimeBatch:
    batch = RealtimeBatch(updates=[])
    latest: dict[str, EvseRealtimeUpdate] = {}
    for page in pages:
        for element in children(response_element(page.body, 'GetStatusResponse'), 'evse'):
            result = status_update(element)
            if isinstance(result, EvseRealtimeUpdate):
                latest.pop(result.uid, None)
                latest[result.uid] = result
            else:
                batch.skipped.append(result)
    batch.updates = list(latest.values())
    return batch


FAMILY = Family(
    name='ochp',
    fetch_static=fetch_static,
    parse_static=parse_static,
    fetch_realtime=fetch_realtime,
    parse_realtime=parse_realtime,
    base_paths=(STATIC_PATH, LIVE_PATH),
    next_cursor=next_cursor,
)

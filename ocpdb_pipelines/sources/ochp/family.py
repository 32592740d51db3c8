"""The `ochp` family: SOAP POSTs with a WS-Security UsernameToken, parsed with lxml."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from ocpdb_pipelines.config import ConfigError
from ocpdb_pipelines.http.archive import RawArchive
from ocpdb_pipelines.http.client import SourceHttpClient
from ocpdb_pipelines.model.updates import EvseRealtimeUpdate
from ocpdb_pipelines.sources.base import Family, Page, RealtimeBatch, SourceContext, StaticBatch
from ocpdb_pipelines.sources.ochp.mapping import ChargePointListMapper, check_result, status_update
from ocpdb_pipelines.sources.ochp.soap import (
    ACTION_CHARGE_POINT_LIST,
    ACTION_STATUS,
    children,
    envelope,
    response_element,
)

STATIC_PATH = '/service/ochp/v1.4'
LIVE_PATH = '/live/ochp/v1.4'
STATE_KEY = 'last_modified'  # the fetch-state column the import persists
# the predecessor hard-codes the operator of ochp_albwerk; ochp_ladenetz publishes none
OPERATORS = {'ochp_albwerk': 'Albwerk'}


def _credentials(ctx: SourceContext) -> tuple[str, str]:
    if not ctx.config.user or not ctx.config.password:
        raise ConfigError(f'SOURCES.{ctx.spec.uid}: user and password are required for OCHP')
    return ctx.config.user, ctx.config.password


def _url(ctx: SourceContext, realtime: bool) -> str:
    """Config `url` is the base (no double slash, unlike the predecessor); else the registry URLs."""
    if ctx.config.url:
        return ctx.config.url.rstrip('/') + (LIVE_PATH if realtime else STATIC_PATH)
    return (ctx.spec.realtime_url if realtime else ctx.spec.static_url) or ''


@contextmanager
def _client(ctx: SourceContext) -> Iterator[SourceHttpClient]:
    if ctx.http is not None:
        yield ctx.http
        return
    settings = ctx.settings
    client = SourceHttpClient(
        ctx.spec.uid,
        archive=RawArchive(
            settings.path(settings.RAW_ARCHIVE_DIR),
            retention_days=settings.RAW_ARCHIVE_RETENTION_DAYS,
            max_files_per_source=settings.RAW_ARCHIVE_MAX_FILES_PER_SOURCE,
        ),
        timeout=settings.HTTP_TIMEOUT,
        retries=settings.HTTP_RETRIES,
    )
    try:
        yield client
    finally:
        client.close()


def _post(ctx: SourceContext, realtime: bool, body: bytes, action: str) -> Page:
    with _client(ctx) as http:
        return http.post(
            _url(ctx, realtime),
            content=body,
            headers={'Content-Type': 'text/xml; charset=utf-8', 'SOAPAction': action},
            kind='realtime' if realtime else 'static',
        )


def fetch_static(ctx: SourceContext) -> list[Page]:
    user, password = _credentials(ctx)
    return [_post(ctx, False, envelope(user, password, 'GetChargePointListRequest'), ACTION_CHARGE_POINT_LIST)]


def fetch_realtime(ctx: SourceContext) -> list[Page]:
    """GetStatus since the start of the last successful run (omitted on the first run: full sync)."""
    user, password = _credentials(ctx)
    started = datetime.now(UTC).replace(microsecond=0)
    since = ctx.previous_state.get(STATE_KEY)
    page = _post(ctx, True, envelope(user, password, 'GetStatusRequest', since), ACTION_STATUS)
    ctx.new_state[STATE_KEY] = started.strftime('%Y-%m-%dT%H:%M:%SZ')
    return [page]


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
)

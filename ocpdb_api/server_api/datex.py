"""DATEX II v3.5 realtime push receiver (spec/sources.md §5.2), `HEAD|POST …/datex/v3.5/<uid>/realtime?key=`.

Every accepted body is landed durably before the 200. A small `deltaPush` (at most
DATEX2_ASYNC_STATION_STATUS_THRESHOLD station statuses) is then applied at once, as the predecessor
does; everything else (snapshots, large deltas, bodies above DATEX2_SYNC_MAX_CONTENT_LENGTH, which are
landed unparsed) is applied by the source's sensor. The answer on acceptance is always 200 with an
empty body: Mobilithek treats anything else, even 204, as a failure.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import format_datetime

import psycopg
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ocpdb_api.responses import bad_request, empty, not_found, unavailable
from ocpdb_api.server_api.auth import check_api_key
from ocpdb_api.server_api.bodies import BodyError, body_error, body_limit, read_body
from ocpdb_api.server_api.context import ServerContext, server_context
from ocpdb_api.server_api.landing import land
from ocpdb_pipelines.push.kinds import REALTIME
from ocpdb_pipelines.push.realtime import apply_landed_now
from ocpdb_pipelines.sources.base import PayloadError
from ocpdb_pipelines.sources.datex2.realtime import parse_realtime_push
from ocpdb_pipelines.sources.options import source_options
from ocpdb_pipelines.sources.registry import REGISTRY

logger = logging.getLogger(__name__)
VERSION = '3.5'


def rfc2822(moment: datetime) -> str:
    """`Thu, 12 Mar 2026 00:00:00 +0000`, the predecessor's Last-Modified form."""
    return format_datetime(moment.astimezone(UTC))


async def realtime(request: Request) -> Response:
    context = server_context(request)
    uid: str = request.path_params['source_uid']
    spec = REGISTRY.get(uid)
    if spec is None or spec.family != 'datex2' or spec.datex_version != VERSION:
        return not_found(f'no DATEX II {VERSION} source {uid!r}')
    config = source_options(context.settings, uid)
    denied = check_api_key(request.query_params.get('key'), config.value('api_key') if config else None)
    if denied is not None:
        return denied
    if request.method == 'HEAD':
        return await _head(context, uid)
    try:
        body = await read_body(request, body_limit(context.settings, 'datex'))
    except BodyError as exc:
        return body_error(exc)
    if not body.strip():
        return bad_request('no realtime payload')
    meta: dict = {'received_at': datetime.now(UTC).isoformat(), 'bytes': len(body)}
    apply_now = False
    if len(body) <= context.settings.server.datex2_sync_max_content_length:
        try:
            _, protocol, stations = await run_in_threadpool(parse_realtime_push, body)
        except PayloadError as exc:
            return bad_request(f'invalid realtime payload: {exc}')
        meta.update(protocol=protocol, station_statuses=stations)
        apply_now = (
            protocol == 'deltaPush' and stations <= context.settings.server.datex2_async_station_status_threshold
        )
    landed = await land(context, uid, REALTIME, body, meta)
    if isinstance(landed, Response):
        return landed
    if apply_now:
        await run_in_threadpool(apply_landed_now, context.settings, uid, landed)
    return empty(200)


async def _head(context: ServerContext, uid: str) -> Response:
    try:
        updated_at = await context.realtime_updated_at(uid)
    except (psycopg.Error, TimeoutError):
        logger.exception('realtime_data_updated_at look-up of %s failed', uid)
        return unavailable('The source could not be looked up; please retry.')
    return empty(200, {'Last-Modified': rfc2822(updated_at)} if updated_at else None)

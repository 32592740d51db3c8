"""giro-e push receivers (spec/sources.md §5.1): validate, land durably, then answer 204.

Nothing is written to the database here; the giroe sensor applies the landed requests in order.
The 404 of DELETE/PATCH is decided now, from the database and from requests still waiting to be
applied (a DELETE right after a PUT finds the location the PUT will create).
"""

from __future__ import annotations

import logging

import psycopg
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ocpdb_api.responses import empty, not_found, unavailable, validation_error
from ocpdb_api.server_api.auth import check_basic
from ocpdb_api.server_api.bodies import BodyError, body_error, body_limit, read_body
from ocpdb_api.server_api.context import ServerContext, server_context
from ocpdb_api.server_api.landing import land
from ocpdb_pipelines.push.giroe_requests import (
    PushRequestError,
    delete_meta,
    parse_connector_patch,
    parse_location_put,
    patch_meta,
    pending_view,
)
from ocpdb_pipelines.push.kinds import GIROE_UID, PUSH
from ocpdb_pipelines.sources.giroe.parse import location_uid

ROLE = 'giroe'
logger = logging.getLogger(__name__)


async def _land_and_ack(context: ServerContext, body: bytes, meta: dict) -> Response:
    landed = await land(context, GIROE_UID, PUSH, body, meta)
    return landed if isinstance(landed, Response) else empty(204)


async def location(request: Request) -> Response:
    """PUT (upsert, or delete when `public` is false) and DELETE of one location."""
    context = server_context(request)
    denied = check_basic(request, context.settings, ROLE)
    if denied is not None:
        return denied
    location_id: int = request.path_params['location_id']
    secret = context.settings.giroe.object_id_secret.get_secret_value()
    if request.method == 'DELETE':
        return await _delete(context, location_id, secret)
    try:
        body = await read_body(request, body_limit(context.settings, 'giroe'))
        put = parse_location_put(location_id, body, secret)
    except BodyError as exc:
        return body_error(exc)
    except PushRequestError as exc:
        return validation_error(str(exc))
    return await _land_and_ack(context, body, put.meta())


async def _delete(context: ServerContext, location_id: int, secret: str) -> Response:
    uid = location_uid(location_id, secret)
    try:
        waiting = (await run_in_threadpool(pending_view, context.landing)).locations.get(uid)
        known = waiting if waiting is not None else await context.location_exists(GIROE_UID, uid)
    except (psycopg.Error, TimeoutError):
        logger.exception('giro-e location look-up failed')
        return unavailable('The location could not be looked up; please retry.')
    if not known:
        return not_found(f'location {location_id} not found')
    return await _land_and_ack(context, b'', delete_meta(location_id, secret))


async def connector(request: Request) -> Response:
    """PATCH of one connector (= EVSE) status; without `status` only `last_updated` moves."""
    context = server_context(request)
    denied = check_basic(request, context.settings, ROLE)
    if denied is not None:
        return denied
    evse_uid: str = request.path_params['connector_uid']
    try:
        body = await read_body(request, body_limit(context.settings, 'giroe'))
        parse_connector_patch(evse_uid, body)
    except BodyError as exc:
        return body_error(exc)
    except PushRequestError as exc:
        return validation_error(str(exc))
    try:
        waiting = evse_uid in (await run_in_threadpool(pending_view, context.landing)).evse_uids
        known = waiting or await context.evse_exists(GIROE_UID, evse_uid)
    except (psycopg.Error, TimeoutError):
        logger.exception('giro-e connector look-up failed')
        return unavailable('The connector could not be looked up; please retry.')
    if not known:
        return not_found(f'connector {evse_uid} not found')
    return await _land_and_ack(context, body, patch_meta(evse_uid))

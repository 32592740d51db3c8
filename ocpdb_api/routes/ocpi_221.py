"""OCPI 2.2.1 Locations module (sender interface, public): versions, version details, locations.

Pagination per OCPI: `date_from` (inclusive) / `date_to` (exclusive) on last_updated, `offset`/`limit`,
`X-Total-Count`, `X-Limit`, and a `Link: <...>; rel="next"` that keeps every filter. Order is by id; the
next link also carries `after` (the last id), which the server uses as a keyset cursor instead of OFFSET.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocpdb_api import params as prm
from ocpdb_api.db import Resources
from ocpdb_api.errors import ApiError
from ocpdb_api.middleware import public_base_url
from ocpdb_api.queries import pages, trees
from ocpdb_api.queries.compat import LOCATION_FROM
from ocpdb_api.queries.filters import ocpi_location_where
from ocpdb_api.render import list_page as fast
from ocpdb_api.render import ocpi221 as shapes
from ocpdb_api.routes import list_items

VERSION = '2.2.1'
MAX_LIMIT = 1000
LOCATION_PARAMS: list[prm.Param] = [
    prm.Param('date_from', 'datetime', 'Only locations with last_updated at or after this time.'),
    prm.Param('date_to', 'datetime', 'Only locations with last_updated before this time.'),
    prm.Param('offset', 'int', 'Items to skip.', minimum=0, maximum=prm.MAX_ID, default=0),
    # OCPI: a limit above the server's maximum is capped (and X-Limit says so), not rejected
    prm.Param('limit', 'int', f'Page size; values above {MAX_LIMIT} are capped to {MAX_LIMIT} (see X-Limit).',
              minimum=1, maximum=prm.MAX_ID, default=100),
    prm.Param('after', 'int', 'Keyset cursor: only ids greater than this (set by the next link).', minimum=0,
            maximum=prm.MAX_ID),
]  # fmt: skip


class OcpiError(ApiError):
    def __init__(self, http_status: int, status_code: int, message: str) -> None:
        super().__init__(http_status, 'ocpi', message)
        self.ocpi_status = status_code


def now_ts() -> str:
    return datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def envelope(data: Any, status_code: int = 1000, message: str = 'Success') -> dict[str, Any]:
    return {'data': data, 'status_code': status_code, 'status_message': message, 'timestamp': now_ts()}


def ocpi_response(data: Any, status: int = 200, headers: dict[str, str] | None = None, **kw) -> Response:
    return Response(orjson.dumps(envelope(data, **kw)), status, headers=headers, media_type='application/json')


def ocpi_error_response(exc: ApiError) -> Response:
    if isinstance(exc, OcpiError):
        return ocpi_response(None, exc.status, status_code=exc.ocpi_status, message=exc.message)
    if isinstance(exc, prm.ParamError):
        return ocpi_response(None, 400, status_code=2001, message=f'Invalid or missing parameter: {exc.param}')
    return ocpi_response(None, exc.status, status_code=2000 if exc.status < 500 else 3000, message=exc.message)


def _res(request: Request) -> Resources:
    return request.app.state.resources


def _image_base(request: Request) -> str:
    return public_base_url(request) + _res(request).settings.public_image_path.rstrip('/')


async def versions(request: Request) -> Response:
    base = public_base_url(request)
    return ocpi_response([{'version': VERSION, 'url': f'{base}/ocpi/{VERSION}'}])


async def version_details(request: Request) -> Response:
    base = public_base_url(request)
    endpoints = [{'identifier': 'locations', 'role': 'SENDER', 'url': f'{base}/ocpi/{VERSION}/locations'}]
    return ocpi_response({'version': VERSION, 'endpoints': endpoints})


async def locations(request: Request) -> Response:
    p = prm.parse(request.query_params, LOCATION_PARAMS)
    res = _res(request)
    w, page = ocpi_location_where(p)
    offset, limit = p['offset'], min(p['limit'], MAX_LIMIT)
    async with res.pool.connection() as conn:
        total = await pages.total(res, conn, LOCATION_FROM, w)
        skip = 0 if 'after' in p else offset
        ids = await pages.ids(conn, LOCATION_FROM, 'l', page, ('l.id', []), limit, skip)
        base = _image_base(request)
        found = await list_items.lookup(res, conn, ids, f'ocpi221|{base}')
    data = found.items(lambda row, rows: fast.location_221(row, rows, base))
    headers = {'X-Total-Count': str(total), 'X-Limit': str(limit)}
    if ids and offset + len(ids) < total:
        query = {k: request.query_params[k] for k in ('date_from', 'date_to') if request.query_params.get(k)}
        query.update({'offset': str(offset + len(ids)), 'limit': str(limit), 'after': str(ids[-1])})
        headers['Link'] = f'<{public_base_url(request)}{request.url.path}?{urlencode(query)}>; rel="next"'
    response = ocpi_response(data, headers=headers)
    response.background = BackgroundTask(found.store)  # after the body is sent
    return response


def _path_int(request: Request, name: str) -> int:
    value = prm.path_id(request.path_params[name])
    if value is None:
        raise OcpiError(404, 2003, 'Unknown Location')
    return value


async def _location_row(request: Request) -> dict[str, Any]:
    ident = _path_int(request, 'location_id')
    async with _res(request).pool.connection() as conn:
        rows = await trees.locations(conn, [ident])
    if not rows:
        raise OcpiError(404, 2003, 'Unknown Location')
    return rows[0]


async def location(request: Request) -> Response:
    row = await _location_row(request)
    return ocpi_response(shapes.location(row, _image_base(request)))


async def _evse(request: Request) -> dict[str, Any]:
    row = await _location_row(request)
    rendered = shapes.location(row, _image_base(request))
    uid = request.path_params['evse_uid']
    for item in rendered.get('evses', []):
        if item['uid'] == uid:
            return item
    raise OcpiError(404, 2003, 'Unknown EVSE')


async def evse(request: Request) -> Response:
    return ocpi_response(await _evse(request))


async def connector(request: Request) -> Response:
    item = await _evse(request)
    cid = request.path_params['connector_id']
    for c in item['connectors']:
        if c['id'] == cid:
            return ocpi_response(c)
    raise OcpiError(404, 2003, 'Unknown Connector')


def routes() -> list[Route]:
    base = f'/ocpi/{VERSION}'
    return [
        Route('/ocpi/versions', versions),
        Route(base, version_details),
        Route(f'{base}/locations', locations),
        Route(f'{base}/locations/{{location_id}}', location),
        Route(f'{base}/locations/{{location_id}}/{{evse_uid}}', evse),
        Route(f'{base}/locations/{{location_id}}/{{evse_uid}}/{{connector_id}}', connector),
    ]

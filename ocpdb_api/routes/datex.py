"""DATEX II GET endpoints (predecessor §6.3) over the export mappers of ocpdb_pipelines.exports.datex2.

Kept: LocationSearch parameters with pagination (default 100 sites, no pagination members in the
body, predecessor quirk §10.12); realtime selections force exclude_evse_status=STATIC.
Added: `X-Total-Count` header so callers can tell when to stop paging.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocpdb_api.db import Resources
from ocpdb_api.queries import datex as datex_sql
from ocpdb_api.queries import pages
from ocpdb_api.queries.compat import LOCATION_FROM
from ocpdb_api.queries.filters import location_where, order_by
from ocpdb_api.render.common import deep_drop_nulls
from ocpdb_api.responses import json_response
from ocpdb_api.routes.compat import location_params
from ocpdb_pipelines.exports.datex2 import realtime, static_v35, static_v37
from ocpdb_pipelines.exports.datex2.document import Kind, Protocol, exchange_information, payload

VERSIONS = ('3.5', '3.7')


async def _page(request: Request, *, force_live: bool) -> tuple[list[int], int]:
    p, where, limit = location_params(request)
    if force_live:
        p['exclude_evse_status'] = ['STATIC']
        where = location_where(p)
    res: Resources = request.app.state.resources
    async with res.pool.connection() as conn:
        total = await pages.total(res, conn, LOCATION_FROM, where)
        ids = await pages.ids(conn, LOCATION_FROM, 'l', where, (order_by(p, 'l'), []), limit, p['offset'])
    request.state.datex_params = p
    return ids, total


async def _rows(request: Request, ids: list[int], *, detail: bool) -> list[dict[str, Any]]:
    res: Resources = request.app.state.resources
    async with res.pool.connection() as conn:
        return await datex_sql.location_rows(conn, ids, detail=detail)


def static(version: str):
    mapper = static_v37.site if version == '3.7' else static_v35.site

    async def handler(request: Request) -> Response:
        ids, total = await _page(request, force_live=False)
        sites = [s for s in map(mapper, await _rows(request, ids, detail=True)) if s is not None]
        body: Any = {'payload': payload(version, Kind.STATIC, sites)}
        if version == '3.7':
            body = deep_drop_nulls(body)
        return json_response(body, headers={'X-Total-Count': str(total)})

    return handler


def realtime_status(version: str, *, mobilithek: bool):
    async def handler(request: Request) -> Response:
        ids, total = await _page(request, force_live=True)
        rows = await _rows(request, ids, detail=False)
        items = [s for s in (realtime.site_status(r, version) for r in rows) if s is not None]
        body: Any = {'payload': payload(version, Kind.REALTIME, items)}
        if mobilithek:
            delta = 'evse_status_last_updated_since' in request.state.datex_params
            protocol = Protocol.DELTA if delta else Protocol.SNAPSHOT
            name = request.app.state.resources.settings.mobilithek_name
            info = exchange_information(version, protocol, name)
            body = deep_drop_nulls({'messageContainer': {'payload': [body['payload']], 'exchangeInformation': info}})
        elif version == '3.7':
            body = deep_drop_nulls(body)
        return json_response(body, headers={'X-Total-Count': str(total)})

    return handler


def routes() -> list[Route]:
    out = []
    for version in VERSIONS:
        base = f'/api/public/datex/v{version}/json'
        out += [
            Route(f'{base}/static', static(version)),
            Route(f'{base}/realtime', realtime_status(version, mobilithek=False)),
            Route(f'{base}/mobilithek/realtime', realtime_status(version, mobilithek=True)),
        ]
    return out

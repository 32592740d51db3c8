"""The predecessor's public API (§2.2): /api/public/v1, /api/public/ocpi/2.2 and /api/public/ocpi/3.0."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocpdb_api import params as prm
from ocpdb_api.db import Resources
from ocpdb_api.errors import NotFound
from ocpdb_api.middleware import public_base_url
from ocpdb_api.queries import compat as sql
from ocpdb_api.queries import pages, trees
from ocpdb_api.queries.filters import (
    Where,
    association_where,
    connector_where,
    evse_where,
    has_bbox,
    location_where,
    name_where,
    order_by,
    radius_order,
    station_where,
    tariff_where,
)
from ocpdb_api.render import compat as shapes
from ocpdb_api.render import list_page as fast
from ocpdb_api.responses import json_response, list_envelope
from ocpdb_api.routes import list_items

Row = dict[str, Any]
Loader = Callable[[Any, list[int]], Awaitable[list[Row]]]


def _res(request: Request) -> Resources:
    return request.app.state.resources


def _ctx(request: Request, strict: bool) -> shapes.Ctx:
    s = _res(request).settings
    return shapes.Ctx(strict, public_base_url(request) + s.public_image_path.rstrip('/'))


async def _total_and_ids(
    res: Resources,
    conn: Any,
    p: dict[str, Any],
    from_sql: str,
    alias: str,
    where: Where,
    limit: int,
    order: tuple[str, list[Any]] | None,
) -> tuple[int, list[int]]:
    """A list page's total (memoised) and the ids of its rows."""
    total = await pages.total(res, conn, from_sql, where)
    if p['offset'] >= total:
        return total, []
    return total, await pages.ids(conn, from_sql, alias, where, order or (order_by(p, alias), []), limit, p['offset'])


def _list_response(
    request: Request, res: Resources, items: list[Any], total: int, p: dict[str, Any], limit: int
) -> Response:
    body = list_envelope(request, res.settings.base_path, items, total, p['offset'], limit)
    return json_response(body, headers={'X-Total-Count': str(total)})


async def _page(
    request: Request,
    *,
    p: dict[str, Any],
    from_sql: str,
    alias: str,
    where: Where,
    limit: int,
    load: Loader,
    render: Callable[[Row], Row],
    order: tuple[str, list[Any]] | None = None,
) -> Response:
    res = _res(request)
    async with res.pool.connection() as conn:
        total, ids = await _total_and_ids(res, conn, p, from_sql, alias, where, limit, order)
        rows = await load(conn, ids)
    return _list_response(request, res, [render(r) for r in rows], total, p, limit)


async def _location_items(request: Request, p: dict[str, Any], where: Where, limit: int, ctx: shapes.Ctx) -> Response:
    """`_page` for the location list in the OCPI 2.2 shape, its items through the item cache."""
    res = _res(request)
    async with res.pool.connection() as conn:
        order = location_order(request, p)
        total, ids = await _total_and_ids(res, conn, p, sql.LOCATION_FROM, 'l', where, limit, order)
        found = await list_items.lookup(res, conn, ids, f'v1|{ctx.strict}|{ctx.image_base}')
    items = found.items(lambda row, page: fast.location_22(row, page, ctx.image_base, ctx.strict))
    response = _list_response(request, res, items, total, p, limit)
    response.background = BackgroundTask(found.store)  # after the body is sent
    return response


async def _item(request: Request, load: Loader, message: str, render: Callable[[Row], Row]) -> Response:
    raw = request.path_params['id']
    ident = prm.path_id(raw)
    if ident is not None:
        async with _res(request).pool.connection() as conn:
            rows = await load(conn, [ident])
        if rows:
            return json_response(render(rows[0]))
    raise NotFound(message.format(id=raw))


# ---- locations ----


def location_params(request: Request) -> tuple[dict[str, Any], Where, int]:
    p = prm.parse(request.query_params, prm.LOCATION_SEARCH)
    limit = p.get('limit') or (1000 if has_bbox(p) else 100)
    return p, location_where(p), limit


def location_order(request: Request, p: dict[str, Any]) -> tuple[str, list[Any]] | None:
    """Radius searches are ordered by distance unless `sorted_by` is given."""
    return None if request.query_params.get('sorted_by') else radius_order(p)


async def _locations(
    request: Request, load: Loader, render_with: Callable[[shapes.Ctx], Callable[[Any], Row]]
) -> Response:
    p, where, limit = location_params(request)
    ctx = _ctx(request, p.get('strict', False))
    return await _page(
        request,
        p=p,
        from_sql=sql.LOCATION_FROM,
        alias='l',
        where=where,
        limit=limit,
        load=load,
        render=render_with(ctx),
        order=location_order(request, p),
    )


def locations_list(renderer: Callable[[Row, shapes.Ctx], Row]):
    async def handler(request: Request) -> Response:
        return await _locations(request, trees.locations, lambda ctx: lambda r: renderer(r, ctx))

    return handler


async def locations_22_list(request: Request) -> Response:
    """`locations_list(shapes.location_22)` from tuple rows in wire format (queries/list_page.py), each item
    rendered once per change of its rows (routes/list_items.py): the same bytes at a fraction of the cost
    (bench/RESULTS-api.md, issue 13)."""
    p, where, limit = location_params(request)
    return await _location_items(request, p, where, limit, _ctx(request, p.get('strict', False)))


def locations_item(renderer: Callable[[Row, shapes.Ctx], Row]):
    async def handler(request: Request) -> Response:
        p = prm.parse(request.query_params, prm.ITEM_STRICT)
        ctx = _ctx(request, p.get('strict', False))
        return await _item(request, trees.locations, 'Location with ID {id} was not found.', lambda r: renderer(r, ctx))

    return handler


# ---- EVSEs, connectors, charging stations ----


async def evses_list(request: Request) -> Response:
    p = prm.parse(request.query_params, prm.EVSE_SEARCH)
    ctx = _ctx(request, p.get('strict', False))
    return await _page(
        request,
        p=p,
        from_sql=sql.EVSE_FROM,
        alias='e',
        where=evse_where(p),
        limit=p['limit'],
        load=trees.evses,
        render=lambda r: shapes.evse(r, r['_station'], ctx),
    )


async def evses_item(request: Request) -> Response:
    ctx = _ctx(request, prm.parse(request.query_params, prm.ITEM_STRICT).get('strict', False))
    return await _item(
        request, trees.evses, 'evse with id {id} not found', lambda r: shapes.evse(r, r['_station'], ctx)
    )


async def connectors_list(request: Request) -> Response:
    p = prm.parse(request.query_params, prm.CONNECTOR_SEARCH)
    ctx = _ctx(request, p.get('strict', False))
    return await _page(
        request,
        p=p,
        from_sql=sql.CONNECTOR_FROM,
        alias='c',
        where=connector_where(p),
        limit=p['limit'],
        load=sql.connectors,
        render=lambda r: shapes.connector(r, ctx),
    )


async def connectors_item(request: Request) -> Response:
    ctx = _ctx(request, prm.parse(request.query_params, prm.ITEM_STRICT).get('strict', False))
    return await _item(request, sql.connectors, 'connector with id {id} not found', lambda r: shapes.connector(r, ctx))


async def stations_list(request: Request) -> Response:
    p = prm.parse(request.query_params, prm.CHARGING_STATION_SEARCH)
    ctx = _ctx(request, p.get('strict', False))
    return await _page(
        request,
        p=p,
        from_sql=sql.STATION_FROM,
        alias='cs',
        where=station_where(p),
        limit=p['limit'],
        load=trees.stations,
        render=lambda r: shapes.station(r, ctx),
    )


async def stations_item(request: Request) -> Response:
    ctx = _ctx(request, prm.parse(request.query_params, prm.ITEM_STRICT).get('strict', False))
    return await _item(
        request, trees.stations, 'charging station with id {id} not found', lambda r: shapes.station(r, ctx)
    )


# ---- businesses and sources ----


async def businesses_list(request: Request) -> Response:
    p = prm.parse(request.query_params, prm.BUSINESS_SEARCH)
    ctx = _ctx(request, False)
    return await _page(
        request,
        p=p,
        from_sql=sql.BUSINESS_FROM,
        alias='b',
        where=name_where(p, 'b'),
        limit=p['limit'],
        load=sql.businesses,
        render=lambda r: shapes.business_item(r, ctx),
    )


async def businesses_item(request: Request) -> Response:
    ctx = _ctx(request, False)
    return await _item(
        request, sql.businesses, 'Business with ID {id} was not found.', lambda r: shapes.business_item(r, ctx)
    )


async def sources_list(request: Request) -> Response:
    p = prm.parse(request.query_params, prm.SOURCE_SEARCH)
    return await _page(
        request,
        p=p,
        from_sql=sql.SOURCE_FROM,
        alias='s',
        where=name_where(p, 's'),
        limit=p['limit'],
        load=sql.sources,
        render=shapes.source,
    )


async def sources_item(request: Request) -> Response:
    return await _item(request, sql.sources, 'Source with ID {id} was not found.', shapes.source)


# ---- tariffs and tariff associations ----


async def tariffs_30_list(request: Request) -> Response:
    p = prm.parse(request.query_params, prm.TARIFF_SEARCH)
    return await _page(
        request,
        p=p,
        from_sql=sql.TARIFF_FROM,
        alias='t',
        where=tariff_where(p),
        limit=p['limit'],
        load=sql.tariffs,
        render=shapes.tariff_30,
    )


async def tariffs_30_item(request: Request) -> Response:
    return await _item(request, sql.tariffs, 'tariff with id {id} not found', shapes.tariff_30)


def associations_list(renderer: Callable[[Row], Row]):
    async def handler(request: Request) -> Response:
        p = prm.parse(request.query_params, prm.TARIFF_ASSOCIATION_SEARCH)
        return await _page(
            request,
            p=p,
            from_sql=sql.ASSOCIATION_FROM,
            alias='ta',
            where=association_where(p),
            limit=p['limit'],
            load=sql.associations,
            render=renderer,
        )

    return handler


def associations_item(renderer: Callable[[Row], Row], message: str):
    async def handler(request: Request) -> Response:
        return await _item(request, sql.associations, message, renderer)

    return handler


def routes() -> list[Route]:
    v1, o22, o30 = '/api/public/v1', '/api/public/ocpi/2.2', '/api/public/ocpi/3.0'
    out = [
        Route(f'{v1}/locations', locations_22_list),
        Route(f'{v1}/locations/{{id}}', locations_item(shapes.location_22)),
        Route(f'{v1}/evses', evses_list),
        Route(f'{v1}/evses/{{id}}', evses_item),
        Route(f'{v1}/businesses', businesses_list),
        Route(f'{v1}/businesses/{{id}}', businesses_item),
        Route(f'{v1}/sources', sources_list),
        Route(f'{v1}/sources/{{id}}', sources_item),
        Route(f'{o22}/locations', locations_22_list),
        # fixed: the item route honours strict
        Route(f'{o22}/locations/{{id}}', locations_item(shapes.location_22)),
        Route(f'{o22}/location/{{id}}', locations_item(shapes.location_22)),
        Route(f'{o22}/tariffs', associations_list(shapes.tariff_22)),
        Route(f'{o22}/tariffs/{{id}}', associations_item(shapes.tariff_22, 'tariff with id {id} not found')),
        Route(f'{o30}/locations', locations_list(shapes.location_30)),
        Route(f'{o30}/locations/{{id}}', locations_item(shapes.location_30)),
        Route(f'{o30}/charge-stations', stations_list),
        Route(f'{o30}/charge-stations/{{id}}', stations_item),
        Route(f'{o30}/tariffs', tariffs_30_list),
        Route(f'{o30}/tariffs/{{id}}', tariffs_30_item),
        Route(f'{o30}/tariff-associations', associations_list(shapes.tariff_association)),
        Route(
            f'{o30}/tariff-associations/{{id}}',
            associations_item(shapes.tariff_association, 'tariff association with id {id} not found'),
        ),
    ]
    for prefix in (o22, o30):
        out += [
            Route(f'{prefix}/evses', evses_list),
            Route(f'{prefix}/evses/{{id}}', evses_item),
            Route(f'{prefix}/connectors', connectors_list),
            Route(f'{prefix}/connectors/{{id}}', connectors_item),
            Route(f'{prefix}/businesses', businesses_list),
            Route(f'{prefix}/businesses/{{id}}', businesses_item),
        ]
    return out

"""The predecessor's public API (§2.2): /api/public/v1, /api/public/ocpi/2.2 and /api/public/ocpi/3.0."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocpdb_api import params as prm
from ocpdb_api.db import Resources
from ocpdb_api.errors import NotFound
from ocpdb_api.middleware import public_base_url
from ocpdb_api.queries import trees
from ocpdb_api.queries.filters import Where, add_source_filters, has_bbox, like, location_where, radius_order
from ocpdb_api.render import compat as shapes
from ocpdb_api.responses import json_response, list_envelope

Row = dict[str, Any]
Loader = Callable[[Any, list[int]], Awaitable[list[Row]]]


def _res(request: Request) -> Resources:
    return request.app.state.resources


def _ctx(request: Request, strict: bool) -> shapes.Ctx:
    s = _res(request).settings
    return shapes.Ctx(strict, public_base_url(request) + s.public_image_path.rstrip('/'))


def _order(p: dict[str, Any], alias: str) -> str:
    direction = p['sorting_direction']
    return f'{alias}.{p["sorted_by"]} {direction}, {alias}.id {direction}'


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
    offset = p['offset']
    res = _res(request)
    order_sql, order_params = order or (_order(p, alias), [])
    async with res.pool.connection() as conn:
        total = await res.count(conn, f'SELECT count(*) AS n FROM {from_sql} WHERE {where.sql()}', where.params)
        ids: list[int] = []
        if offset < total:
            cur = await conn.execute(
                f'SELECT {alias}.id FROM {from_sql} WHERE {where.sql()} ORDER BY {order_sql} LIMIT %s OFFSET %s',
                [*where.params, *order_params, limit, offset],
            )
            ids = [r['id'] for r in await cur.fetchall()]
        rows = await load(conn, ids)
    items = [render(r) for r in rows]
    body = list_envelope(request, res.settings.base_path, items, total, offset, limit)
    return json_response(body, headers={'X-Total-Count': str(total)})


async def _item(request: Request, load: Loader, message: str, render: Callable[[Row], Row]) -> Response:
    raw = request.path_params['id']
    ident = prm.path_id(raw)
    if ident is not None:
        async with _res(request).pool.connection() as conn:
            rows = await load(conn, [ident])
        if rows:
            return json_response(render(rows[0]))
    raise NotFound(message.format(id=raw))


async def _rows(conn: Any, query: str, ids: list[int]) -> list[Row]:
    if not ids:
        return []
    cur = await conn.execute(query, (ids,))
    found = {r['id']: r for r in await cur.fetchall()}
    return [found[i] for i in ids if i in found]


# ---- locations ----

LOCATION_FROM = 'location l'


def location_params(request: Request) -> tuple[dict[str, Any], Where, int]:
    p = prm.parse(request.query_params, prm.LOCATION_SEARCH)
    limit = p.get('limit') or (1000 if has_bbox(p) else 100)
    return p, location_where(p), limit


def location_order(request: Request, p: dict[str, Any]) -> tuple[str, list[Any]] | None:
    """Radius searches are ordered by distance unless `sorted_by` is given."""
    return None if request.query_params.get('sorted_by') else radius_order(p)


def locations_list(renderer: Callable[[Row, shapes.Ctx], Row]):
    async def handler(request: Request) -> Response:
        p, where, limit = location_params(request)
        ctx = _ctx(request, p.get('strict', False))
        return await _page(
            request,
            p=p,
            from_sql=LOCATION_FROM,
            alias='l',
            where=where,
            limit=limit,
            load=trees.locations,
            render=lambda r: renderer(r, ctx),
            order=location_order(request, p),
        )

    return handler


def locations_item(renderer: Callable[[Row, shapes.Ctx], Row]):
    async def handler(request: Request) -> Response:
        p = prm.parse(request.query_params, prm.ITEM_STRICT)
        ctx = _ctx(request, p.get('strict', False))
        return await _item(request, trees.locations, 'Location with ID {id} was not found.', lambda r: renderer(r, ctx))

    return handler


# ---- EVSEs, connectors, charging stations ----

EVSE_FROM = 'evse e JOIN charging_station cs ON cs.id = e.charging_station_id JOIN location l ON l.id = cs.location_id'
CONNECTOR_FROM = f'connector c JOIN {EVSE_FROM} ON e.id = c.evse_id'
STATION_FROM = 'charging_station cs JOIN location l ON l.id = cs.location_id'


def _since(w: Where, p: dict[str, Any], column: str) -> None:
    if 'last_updated_since' in p:
        w.add(f'{column} > %s', p['last_updated_since'])


async def evses_list(request: Request) -> Response:
    p = prm.parse(request.query_params, prm.EVSE_SEARCH)
    w = Where()
    if 'status' in p:
        w.add('e.status = %s', p['status'])
    if 'statuses' in p:
        w.add('e.status = ANY(%s::"EvseStatus"[])', p['statuses'])
    add_source_filters(w, p, 'l.source')
    if 'location_id' in p:
        w.add('cs.location_id = %s', p['location_id'])
    _since(w, p, 'e.last_updated')
    ctx = _ctx(request, p.get('strict', False))
    return await _page(
        request,
        p=p,
        from_sql=EVSE_FROM,
        alias='e',
        where=w,
        limit=p['limit'],
        load=trees.evses,
        render=lambda r: shapes.evse(r, r['_station'], ctx),
    )


async def evses_item(request: Request) -> Response:
    ctx = _ctx(request, prm.parse(request.query_params, prm.ITEM_STRICT).get('strict', False))
    return await _item(
        request, trees.evses, 'evse with id {id} not found', lambda r: shapes.evse(r, r['_station'], ctx)
    )


async def _connectors(conn: Any, ids: list[int]) -> list[Row]:
    found = {r['id']: r for r in await trees.connectors(conn, 'c.id = ANY(%s)', ids)} if ids else {}
    return [found[i] for i in ids if i in found]


async def connectors_list(request: Request) -> Response:
    p = prm.parse(request.query_params, prm.CONNECTOR_SEARCH)
    w = Where()
    add_source_filters(w, p, 'l.source')
    if 'evse_id' in p:
        w.add('c.evse_id = %s', p['evse_id'])
    if 'location_id' in p:
        w.add('cs.location_id = %s', p['location_id'])
    _since(w, p, 'c.last_updated')
    ctx = _ctx(request, p.get('strict', False))
    return await _page(
        request,
        p=p,
        from_sql=CONNECTOR_FROM,
        alias='c',
        where=w,
        limit=p['limit'],
        load=_connectors,
        render=lambda r: shapes.connector(r, ctx),
    )


async def connectors_item(request: Request) -> Response:
    ctx = _ctx(request, prm.parse(request.query_params, prm.ITEM_STRICT).get('strict', False))
    return await _item(request, _connectors, 'connector with id {id} not found', lambda r: shapes.connector(r, ctx))


async def stations_list(request: Request) -> Response:
    p = prm.parse(request.query_params, prm.CHARGING_STATION_SEARCH)
    w = Where()
    add_source_filters(w, p, 'l.source')
    if 'location_id' in p:
        w.add('cs.location_id = %s', p['location_id'])
    _since(w, p, 'cs.last_updated')
    ctx = _ctx(request, p.get('strict', False))
    return await _page(
        request,
        p=p,
        from_sql=STATION_FROM,
        alias='cs',
        where=w,
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

BUSINESS_SQL = """
SELECT b.id, b.name, b.website, b.emobility_uid, b.logo_id, i.external_url AS logo_external_url,
       i.type AS logo_type, i.category AS logo_category, i.width AS logo_width, i.height AS logo_height,
       i.last_download AS logo_last_download
  FROM business b LEFT JOIN image i ON i.id = b.logo_id
 WHERE b.id = ANY(%s)
"""


async def _businesses(conn: Any, ids: list[int]) -> list[Row]:
    return await _rows(conn, BUSINESS_SQL, ids)


async def businesses_list(request: Request) -> Response:
    p = prm.parse(request.query_params, prm.BUSINESS_SEARCH)
    w = Where()
    if 'name' in p:
        w.add('b.name LIKE %s', like(p['name']))
    ctx = _ctx(request, False)
    return await _page(
        request,
        p=p,
        from_sql='business b',
        alias='b',
        where=w,
        limit=p['limit'],
        load=_businesses,
        render=lambda r: shapes.business_item(r, ctx),
    )


async def businesses_item(request: Request) -> Response:
    ctx = _ctx(request, False)
    return await _item(
        request, _businesses, 'Business with ID {id} was not found.', lambda r: shapes.business_item(r, ctx)
    )


async def _sources(conn: Any, ids: list[int]) -> list[Row]:
    return await _rows(conn, 'SELECT * FROM source WHERE id = ANY(%s)', ids)


async def sources_list(request: Request) -> Response:
    p = prm.parse(request.query_params, prm.SOURCE_SEARCH)
    w = Where()
    if 'name' in p:
        w.add('s.name LIKE %s', like(p['name']))
    return await _page(
        request, p=p, from_sql='source s', alias='s', where=w, limit=p['limit'], load=_sources, render=shapes.source
    )


async def sources_item(request: Request) -> Response:
    return await _item(request, _sources, 'Source with ID {id} was not found.', shapes.source)


# ---- tariffs and tariff associations ----


async def _tariffs(conn: Any, ids: list[int]) -> list[Row]:
    return await _rows(conn, 'SELECT * FROM tariff WHERE id = ANY(%s)', ids)


TA_SQL = """
SELECT ta.*, t.currency AS t_currency, t.elements AS t_elements, t.tariff_alt_text AS t_tariff_alt_text,
       t.tariff_alt_url AS t_tariff_alt_url, t.min_price AS t_min_price, t.max_price AS t_max_price,
       t.energy_mix AS t_energy_mix,
       ARRAY(SELECT x.evse_id FROM evse_tariff_association x WHERE x.tariff_association_id = ta.id
             ORDER BY x.evse_id) AS evse_ids,
       ARRAY(SELECT x.connector_id FROM connector_tariff_association x WHERE x.tariff_association_id = ta.id
             ORDER BY x.connector_id) AS connector_ids
  FROM tariff_association ta JOIN tariff t ON t.id = ta.tariff_id
 WHERE ta.id = ANY(%s)
"""


async def _associations(conn: Any, ids: list[int]) -> list[Row]:
    return await _rows(conn, TA_SQL, ids)


async def tariffs_30_list(request: Request) -> Response:
    p = prm.parse(request.query_params, prm.TARIFF_SEARCH)
    w = Where()
    add_source_filters(w, p, 't.source')
    _since(w, p, 't.last_updated')
    return await _page(
        request, p=p, from_sql='tariff t', alias='t', where=w, limit=p['limit'], load=_tariffs, render=shapes.tariff_30
    )


async def tariffs_30_item(request: Request) -> Response:
    return await _item(request, _tariffs, 'tariff with id {id} not found', shapes.tariff_30)


def associations_list(renderer: Callable[[Row], Row]):
    async def handler(request: Request) -> Response:
        p = prm.parse(request.query_params, prm.TARIFF_ASSOCIATION_SEARCH)
        w = Where()
        add_source_filters(w, p, 'ta.source')
        if 'tariff_id' in p:
            w.add('ta.tariff_id = %s', p['tariff_id'])
        _since(w, p, 'ta.last_updated')
        return await _page(
            request,
            p=p,
            from_sql='tariff_association ta',
            alias='ta',
            where=w,
            limit=p['limit'],
            load=_associations,
            render=renderer,
        )

    return handler


def associations_item(renderer: Callable[[Row], Row], message: str):
    async def handler(request: Request) -> Response:
        return await _item(request, _associations, message, renderer)

    return handler


def routes() -> list[Route]:
    v1, o22, o30 = '/api/public/v1', '/api/public/ocpi/2.2', '/api/public/ocpi/3.0'
    out = [
        Route(f'{v1}/locations', locations_list(shapes.location_22)),
        Route(f'{v1}/locations/{{id}}', locations_item(shapes.location_22)),
        Route(f'{v1}/evses', evses_list),
        Route(f'{v1}/evses/{{id}}', evses_item),
        Route(f'{v1}/businesses', businesses_list),
        Route(f'{v1}/businesses/{{id}}', businesses_item),
        Route(f'{v1}/sources', sources_list),
        Route(f'{v1}/sources/{{id}}', sources_item),
        Route(f'{o22}/locations', locations_list(shapes.location_22)),
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

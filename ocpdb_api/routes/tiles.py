"""`/tiles/{z}/{x}/{y}.mvt` (ST_AsMVT via SQL function, Redis cache of ocpdb_api/tilecache.py) and `/tiles.json`."""

from __future__ import annotations

import logging
import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ocpdb_api import params as prm
from ocpdb_api import tile_filters
from ocpdb_api.db import Resources
from ocpdb_api.errors import ParamError
from ocpdb_api.freshness import freshness_of
from ocpdb_api.middleware import public_base_url
from ocpdb_api.queries import tiles as tile_sql
from ocpdb_api.responses import json_response
from ocpdb_api.tilecache import cache_key, tile_cache_of

log = logging.getLogger(__name__)

MAX_ZOOM = 22
CLUSTER_BELOW = 8
MEDIA_TYPE = b'application/x-protobuf'


def parse_tile(path_params: dict[str, str]) -> tuple[int, int, int]:
    z = _coord(path_params['z'], 'z', MAX_ZOOM)
    limit = 2**z - 1
    return z, _coord(path_params['x'], 'x', limit), _coord(path_params['y'], 'y', limit)


def _coord(raw: str, name: str, maximum: int) -> int:
    value = prm.parse_int(prm.Param(name, 'int', '', minimum=0, maximum=maximum), raw)
    if raw.startswith(('+', '-')) and value != 0:
        raise ParamError(name, 'invalid_integer', 'Value must be a plain integer.')
    return value


def _if_none_match(scope: Scope) -> list[bytes]:
    for name, value in scope['headers']:
        if name == b'if-none-match':
            return [tag.strip() for tag in value.split(b',')]
    return []


class TileEndpoint:
    """`/tiles/{z}/{x}/{y}.mvt` as a plain ASGI endpoint.

    A map view asks for dozens of tiles at once and an uncached tile at high zoom costs PostgreSQL about a
    millisecond, so the request path stays thin: no Request/Response objects, headers written as bytes, and
    the Redis store of a miss after the body is sent. Freshness and ETags: ocpdb_api/tilecache.py. Bad
    parameters raise ParamError like every other route (the exception middleware answers 400 with the
    error body).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        z, x, y = parse_tile(scope['path_params'])
        res: Resources = scope['app'].state.resources
        filters = tile_filters.from_query_string(scope['query_string'], res.settings.status_stale_seconds)
        cache = tile_cache_of(res)
        versions = await freshness_of(res).current(res)
        key = cache_key(z, x, y, [('filters', filters.key())])
        entry = await cache.get(key)
        state = b'hit'
        if entry is None or not cache.policy.fresh(entry, versions, z, x, y, time.time()):
            state = b'miss'
            entry, rendered = await cache.compute(key, versions, z, x, y, lambda: tile_sql.tile(res, z, x, y, filters))
        else:
            rendered = False
        headers = [
            (b'etag', b'"%s"' % entry.etag),
            (b'cache-control', b'public, max-age=%d' % res.settings.tile_max_stale_seconds),
            (b'x-tile-cache', state),
        ]
        if headers[0][1] in _if_none_match(scope):
            await send({'type': 'http.response.start', 'status': 304, 'headers': headers})
            await send({'type': 'http.response.body', 'body': b''})
        else:
            headers += [(b'content-type', MEDIA_TYPE), (b'content-length', b'%d' % len(entry.body))]
            await send({'type': 'http.response.start', 'status': 200, 'headers': headers})
            await send({'type': 'http.response.body', 'body': entry.body})
        if rendered:  # stored after the response is sent: the client does not wait for the Redis round trip
            await cache.put(key, entry)


def tilejson_document(base_url: str) -> dict:
    counts = {
        'c': 'EVSE count (EVSEs passing the filters)',
        'cs': 'STATIC EVSEs (no live status)',
        'cx': 'live EVSEs whose status is stale (unconfirmed for MAP_STATUS_STALE_SECONDS)',
        'ca': 'fresh AVAILABLE EVSEs',
        'co': 'fresh occupied EVSEs (CHARGING, BLOCKED, RESERVED)',
        'cu': 'fresh UNKNOWN EVSEs',
    }
    fields = {
        'id': 'Location id (use /api/public/ocpi/3.0/locations/{id})',
        'name': 'Location name, else address',
        'src': 'Source uid (attribution: /api/public/v1/sources)',
        **counts,
        'cb': 'EVSEs reserved for bicycles',
    }
    cluster_fields = {
        'count': 'Locations in the cluster',
        'available': 'Locations with a fresh AVAILABLE EVSE',
        'srcs': 'Comma-separated source uids of the locations',
        **counts,
    }
    return {
        'tilejson': '3.0.0',
        'name': 'OCPDB charge points',
        'attribution': 'OCPDB, data licences per source: /api/public/v1/sources',
        'scheme': 'xyz',
        'tiles': [f'{base_url}/tiles/{{z}}/{{x}}/{{y}}.mvt'],
        'minzoom': 0,
        'maxzoom': MAX_ZOOM,
        'bounds': [-180, -85.05112878, 180, 85.05112878],
        'center': [10.4541194, 51.1642292, 6],
        'vector_layers': [
            {'id': 'clusters', 'fields': cluster_fields, 'minzoom': 0, 'maxzoom': CLUSTER_BELOW - 1},
            {'id': 'chargepoints', 'fields': fields, 'minzoom': CLUSTER_BELOW, 'maxzoom': MAX_ZOOM},
        ],
    }


async def tilejson(request: Request) -> Response:
    return json_response(tilejson_document(public_base_url(request)))


def routes() -> list[Route]:
    return [Route('/tiles/{z}/{x}/{y}.mvt', TileEndpoint(), methods=['GET']), Route('/tiles.json', tilejson)]

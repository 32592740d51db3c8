"""`/tiles/{z}/{x}/{y}.mvt` (ST_AsMVT via SQL function, Redis cache keyed on data_version) and `/tiles.json`."""

from __future__ import annotations

import logging

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocpdb_api import params as prm
from ocpdb_api.db import Resources
from ocpdb_api.errors import ParamError
from ocpdb_api.queries import tiles as tile_sql
from ocpdb_api.responses import json_response

log = logging.getLogger(__name__)

MAX_ZOOM = 22
CLUSTER_BELOW = 8
MEDIA_TYPE = 'application/x-protobuf'
CACHE_PREFIX = 'ocpdb:tile'


def parse_tile(request: Request) -> tuple[int, int, int]:
    z = _coord(request.path_params['z'], 'z', MAX_ZOOM)
    limit = 2**z - 1
    return z, _coord(request.path_params['x'], 'x', limit), _coord(request.path_params['y'], 'y', limit)


def _coord(raw: str, name: str, maximum: int) -> int:
    value = prm.parse_int(prm.Param(name, 'int', '', minimum=0, maximum=maximum), raw)
    if raw.startswith(('+', '-')) and value != 0:
        raise ParamError(name, 'invalid_integer', 'Value must be a plain integer.')
    return value


def _flag(value: bool | None) -> str:
    return '-' if value is None else 't' if value else 'f'


async def _cache_get(res: Resources, key: str) -> bytes | None:
    if res.redis is None:
        return None
    try:
        return await res.redis.get(key)
    except Exception as exc:  # a cache outage must not fail tiles
        log.warning('tile cache read failed: %s', exc)
        return None


async def _cache_set(res: Resources, key: str, body: bytes) -> None:
    if res.redis is None:
        return
    try:
        await res.redis.set(key, body, ex=max(res.settings.tile_cache_seconds, 60))
    except Exception as exc:
        log.warning('tile cache write failed: %s', exc)


async def tile(request: Request) -> Response:
    z, x, y = parse_tile(request)
    p = prm.parse(request.query_params, prm.TILE_PARAMS)
    only_static, duplicates = p.get('static'), p['filter_duplicates']
    res: Resources = request.app.state.resources
    version = await tile_sql.data_version(res)
    variant = f'{_flag(only_static)}{_flag(duplicates)}'
    etag = f'"{version}-{variant}-{z}-{x}-{y}"'
    headers = {
        'ETag': etag,
        'Cache-Control': f'public, max-age={res.settings.tile_cache_seconds}',
    }
    if etag in [t.strip() for t in request.headers.get('if-none-match', '').split(',')]:
        return Response(status_code=304, headers=headers)
    key = f'{CACHE_PREFIX}:{version}:{variant}:{z}:{x}:{y}'
    body = await _cache_get(res, key)
    headers['X-Tile-Cache'] = 'hit' if body is not None else 'miss'
    background = None
    if body is None:
        body = await tile_sql.tile(res, z, x, y, only_static, duplicates)
        # stored after the response is sent: the client does not wait for the Redis round trip
        background = BackgroundTask(_cache_set, res, key, body) if res.redis is not None else None
    return Response(body, headers=headers, media_type=MEDIA_TYPE, background=background)


def tilejson_document(base_url: str) -> dict:
    fields = {
        'id': 'Location id (use /api/public/ocpi/3.0/locations/{id})',
        'name': 'Location name, else address',
        'c': 'EVSE count',
        'ca': 'AVAILABLE EVSEs',
        'cu': 'UNKNOWN EVSEs',
        'cs': 'STATIC EVSEs (no live status)',
        'cb': 'EVSEs reserved for bicycles',
    }
    cluster_fields = {
        'count': 'Locations in the cluster',
        'available': 'Locations with an AVAILABLE EVSE',
        'c': 'EVSE count',
        'ca': 'AVAILABLE EVSEs',
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
    res: Resources = request.app.state.resources
    return json_response(tilejson_document(res.settings.base_url))


def routes() -> list[Route]:
    return [Route('/tiles/{z}/{x}/{y}.mvt', tile), Route('/tiles.json', tilejson)]

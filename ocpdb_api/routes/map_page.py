"""The map page's own data: `/tiles/boundaries/{z}/{x}/{y}.mvt` (VG25 boundaries and places from PostGIS) and
`/map/config.json` (source attributions, filter choices, basemap settings), fetched once when the page loads.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocpdb_api.db import Resources
from ocpdb_api.queries import map_config as config_sql
from ocpdb_api.queries import tiles as tile_sql
from ocpdb_api.responses import json_response
from ocpdb_api.routes.tiles import MEDIA_TYPE, parse_tile

# boundaries change with a VG25 import only (once a year)
BOUNDARY_MAX_AGE = 86_400
CONFIG_MAX_AGE = 60
# the basemap's own sources, credited whenever the offline basemap is drawn
NATURAL_EARTH = {
    'name': 'Natural Earth',
    'license': 'public domain',
    'url': 'https://www.naturalearthdata.com/',
    'contributor': 'world-atlas',
}
BKG_LICENCE = 'dl-de/by-2-0'
BKG_LICENCE_URL = 'https://www.govdata.de/dl-de/by-2-0'


def bkg_attribution(imported_at: str | None) -> dict[str, str] | None:
    if imported_at is None:
        return None
    return {
        'name': 'VG25',
        'contributor': f'© GeoBasis-DE / BKG ({imported_at[:4]})',
        'license': BKG_LICENCE,
        'url': BKG_LICENCE_URL,
    }


async def boundary_tile(request: Request) -> Response:
    z, x, y = parse_tile(request.path_params)
    res: Resources = request.app.state.resources
    stamp = await config_sql.regions_stamp(res)
    etag = f'"b{stamp}-{z}-{x}-{y}"'
    headers = {'ETag': etag, 'Cache-Control': f'public, max-age={BOUNDARY_MAX_AGE}'}
    if etag in [tag.strip() for tag in request.headers.get('if-none-match', '').split(',')]:
        return Response(status_code=304, headers=headers)
    body = await tile_sql.boundary_tile(res, z, x, y)
    return Response(body, headers=headers, media_type=MEDIA_TYPE.decode())


class ConfigCache:
    """The config document per data version (source and operator counts change only with imports)."""

    def __init__(self) -> None:
        self.entry: tuple[int, float, dict] | None = None

    async def get(self, res: Resources) -> dict:
        version = await res.data_version()
        now = time.monotonic()
        if self.entry is not None and self.entry[0] == version and now - self.entry[1] < CONFIG_MAX_AGE:
            return self.entry[2]
        document = await config_sql.map_config(res)
        self.entry = (version, now, document)
        return document


def routes() -> list[Route]:
    cache = ConfigCache()

    async def config(request: Request) -> Response:
        res: Resources = request.app.state.resources
        data = await cache.get(res)
        basemap = [] if res.settings.map_style_url else [NATURAL_EARTH]
        bkg = bkg_attribution(data['regions_imported_at'])
        if bkg is not None and not res.settings.map_style_url:
            basemap.append(bkg)
        document = {
            'style_url': res.settings.map_style_url,
            'status_stale_seconds': res.settings.status_stale_seconds,
            'basemap_attribution': basemap,
            **data,
        }
        return json_response(document, headers={'Cache-Control': f'public, max-age={CONFIG_MAX_AGE}'})

    return [
        Route('/tiles/boundaries/{z}/{x}/{y}.mvt', boundary_tile, methods=['GET']),
        Route('/map/config.json', config, methods=['GET']),
    ]

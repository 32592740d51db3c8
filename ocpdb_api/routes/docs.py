"""`/` (map page or doc links), `/documentation/public.{json,html}`, and the locally served browser assets."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ocpdb_api.db import Resources
from ocpdb_api.middleware import public_base_url
from ocpdb_api.responses import json_response
from ocpdb_api.routes import openapi

PACKAGE = Path(__file__).resolve().parent.parent
STATIC = PACKAGE / 'static'
NODE_MODULES = PACKAGE / 'frontend' / 'node_modules'


async def index(request: Request) -> Response:
    res: Resources = request.app.state.resources
    if res.settings.show_map:
        return FileResponse(STATIC / 'map.html')
    base = public_base_url(request)
    return json_response(
        {
            'application': 'ocpdb',
            'documentation': {
                'public': f'{base}/documentation/public.html',
                'openapi': f'{base}/documentation/public.json',
            },
        }
    )


async def public_json(request: Request) -> Response:
    return json_response(openapi.document(public_base_url(request)))


async def public_html(request: Request) -> Response:
    return FileResponse(STATIC / 'docs.html')


VENDOR = {
    'maplibre-gl': NODE_MODULES / 'maplibre-gl' / 'dist',
    'swagger-ui': NODE_MODULES / 'swagger-ui-dist',
    # the offline basemap: Natural Earth land and countries as TopoJSON, converted in the browser
    'world-atlas': NODE_MODULES / 'world-atlas',
    'topojson-client': NODE_MODULES / 'topojson-client' / 'dist',
}


def routes() -> list[BaseRoute]:
    """Vendor assets come from `npm ci` in ocpdb_api/frontend; without it those paths are 404s."""
    out: list[BaseRoute] = [
        Route('/', index),
        Route('/documentation/public.json', public_json),
        Route('/documentation/public.html', public_html),
    ]
    for name, directory in VENDOR.items():
        if directory.is_dir():
            out.append(Mount(f'/static/vendor/{name}', StaticFiles(directory=directory)))
    out.append(Mount('/static', StaticFiles(directory=STATIC)))
    return out

"""Server REST API for push-based sources, under `/api/server/v1` (spec/predecessor.md §9.4).

`routes` are mounted into the main app; `build_server_app(settings)` serves them alone (tests, or a
separate receiver process). Handlers land requests durably and acknowledge only then.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from ocpdb_api.server_api import bnetza, datex, giroe
from ocpdb_api.server_api.app import build_server_app

PREFIX = '/api/server/v1'

routes: list[BaseRoute] = [
    Route(f'{PREFIX}/giroe/locations/{{location_id:int}}', giroe.location, methods=['PUT', 'DELETE']),
    Route(f'{PREFIX}/giroe/connectors/{{connector_uid}}', giroe.connector, methods=['PATCH']),
    Route(f'{PREFIX}/datex/v3.5/{{source_uid}}/realtime', datex.realtime, methods=['HEAD', 'POST']),
    Route(f'{PREFIX}/bnetza/', bnetza.upload, methods=['POST']),
]

__all__ = ['PREFIX', 'build_server_app', 'routes']

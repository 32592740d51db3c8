"""Open-data dumps: `/api/public/v1/dumps` (the index of the newest generation) and the files themselves.

Files are addressed by generation (`/dumps/{generation}/{name}`), so a download resumed with `Range`
keeps reading the same bytes even after a newer generation appeared; `latest` names the newest one.
ETag is the file's sha256 from the manifest; Starlette's FileResponse answers `Range` / `If-Range`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ocpdb_api.errors import NotFound
from ocpdb_api.responses import json_response
from ocpdb_pipelines.products.dumps import index

PREFIX = '/api/public/v1/dumps'


def _root(request: Request) -> Path | None:
    configured = request.app.state.settings.dumps_dir
    return Path(configured) if configured else None


def _file_url(request: Request, generation: str, name: str) -> str:
    return f'{request.app.state.settings.base_url}{PREFIX}/{generation}/{name}'


async def dumps_index(request: Request) -> Response:
    root = _root(request)
    found = index.latest(root) if root else None
    if found is None:
        raise NotFound('no dump has been generated yet')
    _, manifest = found
    files: list[dict[str, Any]] = [
        {**entry, 'url': _file_url(request, manifest['generation'], entry['name'])} for entry in manifest['files']
    ]
    body = {
        'generation': manifest['generation'],
        'generated_at': manifest['generated_at'],
        'locations': manifest['locations'],
        'evses': manifest['evses'],
        'files': files,
        'sources': manifest['sources'],
    }
    return json_response(body, headers={'cache-control': 'no-cache'})


def _matches(header: str | None, etag: str) -> bool:
    return header is not None and any(tag.strip() in (etag, '*') for tag in header.split(','))


async def dump_file(request: Request) -> Response:
    root = _root(request)
    generation, name = request.path_params['generation'], request.path_params['name']
    found = index.find_file(root, generation, name) if root else None
    if found is None:
        raise NotFound(f'no dump file {generation}/{name}')
    path, entry = found
    etag = f'"{entry["sha256"]}"'
    # a generation never changes; `latest` does
    cache = 'public, max-age=31536000, immutable' if generation != 'latest' else 'no-cache'
    headers = {'etag': etag, 'cache-control': cache}
    if _matches(request.headers.get('if-none-match'), etag):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type=entry['media_type'], filename=name, headers=headers)


def routes() -> list[Route]:
    return [
        Route(PREFIX, dumps_index),
        Route(f'{PREFIX}/{{generation}}/{{name}}', dump_file),
    ]


def openapi_paths() -> dict[str, Any]:
    """This module's entries of the OpenAPI document (merged by ocpdb_api.routes.openapi)."""
    not_found = {'description': 'No such dump (or none generated yet)'}
    name_params = [
        {'name': 'generation', 'in': 'path', 'required': True, 'description': "e.g. 20261201T030000Z, or 'latest'",
         'schema': {'type': 'string'}},
        {'name': 'name', 'in': 'path', 'required': True, 'description': 'a file name from the index',
         'schema': {'type': 'string'}},
    ]  # fmt: skip
    return {
        PREFIX: {
            'get': {
                'summary': 'Index of the newest open-data dump: URL, format, size, sha256, generated_at, licences',
                'tags': ['Dumps'],
                'responses': {'200': {'description': 'OK', 'content': {'application/json': {}}}, '404': not_found},
            }
        },
        f'{PREFIX}/{{generation}}/{{name}}': {
            'get': {
                'summary': 'One dump file (ETag = sha256, HTTP Range supported)',
                'tags': ['Dumps'],
                'parameters': name_params,
                'responses': {
                    '200': {'description': 'The file', 'content': {'application/octet-stream': {}}},
                    '206': {'description': 'The requested range'},
                    '304': {'description': 'Not modified'},
                    '404': not_found,
                },
            }
        },
    }

"""Every response body the API builds: JSON, the predecessor's list envelope, its error body
`{"error": {"code", "message", "data"?}}` (the one builder of it) and the server API's "empty JSON"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import orjson
from starlette.requests import Request
from starlette.responses import Response

JSON = 'application/json'


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers=headers, media_type=JSON)


def error_body(code: str, message: str, data: dict[str, Any] | None = None) -> bytes:
    error: dict[str, Any] = {'code': code, 'message': message}
    if data is not None:
        error['data'] = data
    return orjson.dumps({'error': error})


def error_response(
    status: int,
    code: str,
    message: str,
    data: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return Response(error_body(code, message, data), status, headers=headers, media_type=JSON)


def empty(status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """An empty body with Content-Type application/json (not `{}`; Mobilithek wants exactly 200)."""
    return Response(b'', status, headers=headers, media_type=JSON)


def bad_request(message: str) -> Response:
    return error_response(400, 'bad_request', message)


def too_large(message: str) -> Response:
    return error_response(413, 'payload_too_large', message)


def validation_error(message: str) -> Response:
    return error_response(400, 'validation_error', message)


def not_found(message: str) -> Response:
    return error_response(404, 'not_found', message)


def unavailable(message: str) -> Response:
    """A push could not be stored durably: not acknowledged, the pusher should retry."""
    return error_response(503, 'service_unavailable', message, headers={'Retry-After': '30'})


def _q(value: str) -> str:
    # fixed: the predecessor joined decoded values unescaped; keep common characters readable
    return quote(value, safe=",:*-_.~!'()")


def next_path(request: Request, base_path: str, offset: int, limit: int) -> str:
    """Original non-empty parameters in request order, offset/limit replaced in place or appended."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for key, value in request.query_params.multi_items():
        if value == '' or key in seen:
            continue
        seen.add(key)
        if key == 'offset':
            value = str(offset)
        elif key == 'limit':
            value = str(limit)
        pairs.append((key, value))
    if 'offset' not in seen:
        pairs.append(('offset', str(offset)))
    if 'limit' not in seen:
        pairs.append(('limit', str(limit)))
    query = '&'.join(f'{_q(k)}={_q(v)}' for k, v in pairs)
    return f'{base_path}{request.url.path}?{query}'


def list_envelope(
    request: Request, base_path: str, items: list[Any], total: int, offset: int, limit: int
) -> dict[str, Any]:
    body: dict[str, Any] = {'items': items, 'total_count': total}
    if items and offset + limit < total:
        body['next_offset'] = offset + limit
        body['next_path'] = next_path(request, base_path, offset + limit, limit)
    return body

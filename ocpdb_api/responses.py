"""JSON responses and the predecessor's list envelope."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson
from starlette.requests import Request
from starlette.responses import Response


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers=headers, media_type='application/json')


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

"""Responses of the server API: the predecessor's error body and its "empty JSON" (no body at all)."""

from __future__ import annotations

from collections.abc import Mapping

import orjson
from starlette.responses import Response

JSON = 'application/json'


def empty(status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """An empty body with Content-Type application/json (not `{}`; Mobilithek wants exactly 200)."""
    return Response(b'', status, headers=headers, media_type=JSON)


def error(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> Response:
    body = orjson.dumps({'error': {'code': code, 'message': message}})
    return Response(body, status, headers=headers, media_type=JSON)


def bad_request(message: str) -> Response:
    return error(400, 'bad_request', message)


def too_large(message: str) -> Response:
    return error(413, 'payload_too_large', message)


def body_error(exc: Exception) -> Response:
    """413 for a body over its limit, 400 for one that cannot be read."""
    from ocpdb_api.server_api.bodies import BodyTooLarge

    return too_large(str(exc)) if isinstance(exc, BodyTooLarge) else bad_request(str(exc))


def validation_error(message: str) -> Response:
    return error(400, 'validation_error', message)


def not_found(message: str) -> Response:
    return error(404, 'not_found', message)


def unavailable(message: str) -> Response:
    """The request could not be stored durably: not acknowledged, the pusher should retry."""
    return error(503, 'service_unavailable', message, headers={'Retry-After': '30'})

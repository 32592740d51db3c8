"""The predecessor's error body `{"error": {"code", "message", "data"?}}`, for every failure path."""

from __future__ import annotations

import logging
import re
from typing import Any

import orjson
from psycopg.errors import QueryCanceled
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

log = logging.getLogger(__name__)

VALIDATION_MESSAGE = 'Validation errors in query parameters.'


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.data = data


class NotFound(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(404, 'not_found', message)


class ParamError(ApiError):
    """A query or path parameter is invalid: 400 naming the parameter in `data.field_errors`."""

    def __init__(self, name: str, code: str, reason: str) -> None:
        data = {'code': 'field_errors', 'field_errors': {name: {'code': code, 'reason': reason}}}
        super().__init__(400, 'validation_error', VALIDATION_MESSAGE, data)
        self.param = name


class PostValidationError(ApiError):
    def __init__(self, reason: str) -> None:
        data = {'code': 'post_validation_errors', 'error': {'code': 'unknown_error', 'reason': reason}}
        super().__init__(400, 'validation_error', VALIDATION_MESSAGE, data)


def error_body(code: str, message: str, data: dict[str, Any] | None = None) -> bytes:
    error: dict[str, Any] = {'code': code, 'message': message}
    if data is not None:
        error['data'] = data
    return orjson.dumps({'error': error})


def error_response(status: int, code: str, message: str, data: dict[str, Any] | None = None, headers=None):
    return Response(error_body(code, message, data), status, headers=headers, media_type='application/json')


def _snake(phrase: str) -> str:
    return re.sub(r'[^a-z0-9]+', '_', phrase.lower()).strip('_')


_HTTP_DESCRIPTIONS = {
    404: (
        'The requested URL was not found on the server. If you entered the URL manually please check your '
        'spelling and try again.'
    ),
    405: 'The method is not allowed for the requested URL.',
}
_HTTP_NAMES = {400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 401: 'Unauthorized'}


def _is_ocpi(request: Request) -> bool:
    return request.url.path == '/ocpi' or request.url.path.startswith('/ocpi/')


def _ocpi(exc: ApiError) -> Response:
    from ocpdb_api.routes.ocpi_221 import ocpi_error_response

    return ocpi_error_response(exc)


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    if _is_ocpi(request):
        return _ocpi(exc)
    return error_response(exc.status, exc.code, exc.message, exc.data)


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    name = _HTTP_NAMES.get(exc.status_code, 'Error')
    message = _HTTP_DESCRIPTIONS.get(exc.status_code, exc.detail or name)
    headers = dict(exc.headers or {})
    if exc.status_code == 304:
        return Response(status_code=304, headers=headers)
    if _is_ocpi(request):
        response = _ocpi(ApiError(exc.status_code, _snake(name), message))
        response.headers.update(headers)
        return response
    return error_response(exc.status_code, _snake(name), message, headers=headers)


async def overload_handler(request: Request, exc: Exception) -> Response:
    """No database connection within the pool timeout: the server is overloaded, not broken."""
    log.warning('database pool exhausted on %s', request.url.path)
    return _unavailable(request, 'The server is overloaded, try again later.', retry_after=1)


def _unavailable(request: Request, message: str, *, retry_after: int) -> Response:
    """503 with `Retry-After`, in the OCPI envelope under /ocpi, else the error body."""
    if _is_ocpi(request):
        response = _ocpi(ApiError(503, 'service_unavailable', message))
        response.headers['Retry-After'] = str(retry_after)
        return response
    return error_response(503, 'service_unavailable', message, headers={'Retry-After': str(retry_after)})


async def database_unavailable_handler(request: Request, exc: Exception) -> Response:
    """The database is gone, restarting or cancelled the query (psycopg.OperationalError): 503, retry soon.

    Nothing is wrong with the request; the pool replaces the lost connections on the next checkout.
    """
    log.warning('database unavailable on %s: %s', request.url.path, type(exc).__name__)
    message = (
        'The request took too long, try again later.'
        if isinstance(exc, QueryCanceled)
        else 'The database is unavailable, try again later.'
    )
    return _unavailable(request, message, retry_after=2)


async def server_error_handler(request: Request, exc: Exception) -> Response:
    log.exception('unhandled exception on %s', request.url.path, exc_info=exc)
    if _is_ocpi(request):
        return _ocpi(ApiError(500, 'internal_server_error', 'There was an unhandled exception on the server side.'))
    return error_response(500, 'internal_server_error', 'There was an unhandled exception on the server side.')

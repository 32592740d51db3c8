"""Exception handlers of the app: one per exception kind, rendered by the mount the request is under.

A mount (a path prefix such as `/ocpi`) may bring its own renderer of an `ApiError` (the OCPI envelope);
everything else gets the predecessor's error body of ocpdb_api/responses.py. The app passes the mounts'
renderers in (`exception_handlers(...)`), so this module knows no route.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from psycopg import OperationalError
from psycopg.errors import QueryCanceled
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ocpdb_api.errors import ApiError
from ocpdb_api.responses import error_response

log = logging.getLogger(__name__)

Renderer = Callable[[ApiError], Response]
Handler = Callable[[Request, Exception], Any]


def default_renderer(exc: ApiError) -> Response:
    return error_response(exc.status, exc.code, exc.message, exc.data)


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
SERVER_ERROR = 'There was an unhandled exception on the server side.'


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + '/')


def exception_handlers(mounts: Mapping[str, Renderer] | None = None) -> dict[Any, Handler]:
    """The app's exception handlers; `mounts` maps a path prefix to the renderer of errors under it."""
    renderers = dict(mounts or {})

    def respond(request: Request, exc: ApiError, headers: Mapping[str, str] | None = None) -> Response:
        path = request.url.path
        render = next((r for prefix, r in renderers.items() if _under(path, prefix)), default_renderer)
        response = render(exc)
        response.headers.update(headers or {})
        return response

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return respond(request, exc)

    async def http_exception(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        headers = dict(exc.headers or {})
        if exc.status_code == 304:
            return Response(status_code=304, headers=headers)
        name = _HTTP_NAMES.get(exc.status_code, 'Error')
        message = _HTTP_DESCRIPTIONS.get(exc.status_code, exc.detail or name)
        return respond(request, ApiError(exc.status_code, _snake(name), message), headers)

    def unavailable(request: Request, message: str, *, retry_after: int) -> Response:
        """503 with `Retry-After`, rendered by the request's mount."""
        return respond(request, ApiError(503, 'service_unavailable', message), {'Retry-After': str(retry_after)})

    async def overload(request: Request, exc: Exception) -> Response:
        """No database connection within the pool timeout: the server is overloaded, not broken."""
        log.warning('database pool exhausted on %s', request.url.path)
        return unavailable(request, 'The server is overloaded, try again later.', retry_after=1)

    async def database_unavailable(request: Request, exc: Exception) -> Response:
        """The database is gone, restarting or cancelled the query (psycopg.OperationalError): 503, retry soon.

        Nothing is wrong with the request; the pool replaces the lost connections on the next checkout.
        """
        log.warning('database unavailable on %s: %s', request.url.path, type(exc).__name__)
        message = (
            'The request took too long, try again later.'
            if isinstance(exc, QueryCanceled)
            else 'The database is unavailable, try again later.'
        )
        return unavailable(request, message, retry_after=2)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception('unhandled exception on %s', request.url.path, exc_info=exc)
        return respond(request, ApiError(500, 'internal_server_error', SERVER_ERROR))

    return {
        ApiError: api_error,
        HTTPException: http_exception,
        PoolTimeout: overload,
        OperationalError: database_unavailable,
        Exception: server_error,
    }

"""A Starlette app serving only the server routes (tests; or a receiver process of its own)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ocpdb_api.responses import error_response
from ocpdb_pipelines.config import Settings

_MESSAGES = {404: 'The requested URL was not found on the server.', 405: 'The method is not allowed.'}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: 'not_found', 405: 'method_not_allowed'}.get(exc.status_code, 'error')
    return error_response(exc.status_code, code, _MESSAGES.get(exc.status_code, str(exc.detail)), headers=exc.headers)


def build_server_app(settings: Settings) -> Starlette:
    from ocpdb_api.server_api import routes

    app = Starlette(routes=list(routes), exception_handlers={HTTPException: _http_error})
    app.state.server_settings = settings
    return app

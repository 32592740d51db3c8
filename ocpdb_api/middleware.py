"""Pure ASGI middleware: the `/api/ocpi` path alias and the predecessor's global CORS."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EXPOSED = 'Link, X-Total-Count, X-Limit, ETag'


class OcpiAliasMiddleware:
    """`/api/ocpi[/...]` is served as `/api/public/ocpi[/...]` (identical responses)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] == 'http':
            path = scope['path']
            if path == '/api/ocpi' or path.startswith('/api/ocpi/'):
                scope = dict(scope)
                scope['path'] = '/api/public/ocpi' + path[len('/api/ocpi') :]
                scope['raw_path'] = scope['path'].encode()
        await self.app(scope, receive, send)


class CorsMiddleware:
    """Every origin, no credentials: echo Origin (with Vary) or `*`; answer preflights directly."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get('origin')
        if scope['method'] == 'OPTIONS' and origin and 'access-control-request-method' in headers:
            allow = {
                'Access-Control-Allow-Origin': origin,
                'Vary': 'Origin',
                'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
                'Access-Control-Max-Age': '600',
            }
            requested = headers.get('access-control-request-headers')
            if requested:
                allow['Access-Control-Allow-Headers'] = requested
            await Response(status_code=200, headers=allow)(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message['type'] == 'http.response.start':
                out = MutableHeaders(scope=message)
                out['Access-Control-Allow-Origin'] = origin or '*'
                out['Access-Control-Expose-Headers'] = EXPOSED
                if origin:
                    out.add_vary_header('Origin')
            await send(message)

        await self.app(scope, receive, send_with_cors)

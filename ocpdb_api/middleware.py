"""Pure ASGI middleware: the `/api/ocpi` path alias, the predecessor's global CORS, proxy headers."""

from __future__ import annotations

import ipaddress

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
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


FORWARDED = 'ocpdb.forwarded'


class TrustedProxies:
    """`*`, or a comma-separated list of addresses and networks (`127.0.0.1, 10.0.0.0/8`)."""

    def __init__(self, spec: str) -> None:
        items = [item.strip() for item in spec.split(',') if item.strip()]
        self.everyone = '*' in items
        self.networks = [ipaddress.ip_network(item, strict=False) for item in items if item != '*']

    def __contains__(self, host: str | None) -> bool:
        if self.everyone:
            return True
        try:
            address = ipaddress.ip_address(host or '')
        except ValueError:
            return False
        return any(address in network for network in self.networks)


class ForwardedHostMiddleware:
    """Behind a trusted proxy: `X-Forwarded-Host` becomes the Host, and the scope is marked so that links use the
    request's origin. `X-Forwarded-Proto`/`-For` are uvicorn's ProxyHeadersMiddleware's job (it runs next)."""

    def __init__(self, app: ASGIApp, trusted: str) -> None:
        self.app = app
        self.trusted = TrustedProxies(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] == 'http' and (scope.get('client') or (None,))[0] in self.trusted:
            headers = Headers(scope=scope)
            host = headers.get('x-forwarded-host')
            if host or 'x-forwarded-proto' in headers:
                scope = dict(scope)
                scope[FORWARDED] = True
                if host:
                    raw = [(k, v) for k, v in scope['headers'] if k != b'host']
                    scope['headers'] = [*raw, (b'host', host.split(',')[0].strip().encode('latin-1'))]
        await self.app(scope, receive, send)


def public_base_url(request: Request) -> str:
    """Origin for links: the request's when it came through a trusted proxy that said so, else PROJECT_URL."""
    settings = request.app.state.settings
    if request.scope.get(FORWARDED):
        return f'{request.url.scheme}://{request.url.netloc}{settings.base_path}'
    return settings.base_url

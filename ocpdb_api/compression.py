"""Starlette's gzip middleware with ISA-L's deflate (python-isal) in place of zlib.

A list page of 100 locations is ~230 kB of JSON. zlib at level 6 took 1.56 ms to compress it, as much as a
sixth of the page; ISA-L at level 1 takes 0.10 ms and its output is the size of zlib's level 1 (18.0 kB
against 12.9 kB at zlib 6; bench/RESULTS-api.md). Everything else (which responses are compressed, Vary,
Content-Length, streaming) is Starlette's: only the compressor changes. The bytes on the wire differ from
zlib's; what they inflate to does not.
"""

from __future__ import annotations

from isal import isal_zlib
from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware, GZipResponder, IdentityResponder
from starlette.types import ASGIApp, Receive, Scope, Send

# ISA-L's levels are 0-3; 1 and 2 measured the same speed and size on list pages, 3 is 4x slower
LEVEL = 1


class IsalGZipResponder(GZipResponder):
    @property
    def compressor(self):  # type: ignore[override]
        if self._compressor is None:
            self._compressor = isal_zlib.compressobj(self.compresslevel, isal_zlib.DEFLATED, 16 + isal_zlib.MAX_WBITS)
        return self._compressor

    def _compress_body(self, body: bytes, more_body: bool) -> bytes:
        if more_body:
            return self.compressor.compress(body) + self.compressor.flush(isal_zlib.Z_SYNC_FLUSH)
        return self.compressor.compress(body) + self.compressor.flush()


class IsalGZipMiddleware(GZipMiddleware):
    def __init__(self, app: ASGIApp, minimum_size: int = 500, compresslevel: int = LEVEL, **kwargs) -> None:
        super().__init__(app, minimum_size, compresslevel, **kwargs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        responder: ASGIApp
        if 'gzip' in Headers(scope=scope).get('Accept-Encoding', ''):
            responder = IsalGZipResponder(
                self.app,
                self.minimum_size,
                compresslevel=self.compresslevel,
                thread_minimum_size=self.thread_minimum_size,
                exclude_content_types=self.exclude_content_types,
            )
        else:
            responder = IdentityResponder(self.app, self.minimum_size, exclude_content_types=self.exclude_content_types)
        await responder(scope, receive, send)

"""Request bodies of the push receivers: read as a stream under a per-endpoint limit, and gunzipped in a
worker thread under a size and a ratio cap, so neither a huge body nor a gzip bomb reaches memory whole
or stalls the event loop (the public API and /health share it).

The limit counts the body as the handler gets it (decompressed); a declared Content-Length above it is
refused before a byte is read. `SERVER_MAX_BODY_BYTES` overrides a default per endpoint.
"""

from __future__ import annotations

import zlib

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ocpdb_api.responses import bad_request, too_large
from ocpdb_pipelines.config import Settings

MiB = 1024 * 1024
# a giro-e request is one location; a DATEX II push a snapshot of every station status of a source; the
# BNetzA register as XLSX is ~30 MB
DEFAULT_LIMITS = {'giroe': 1 * MiB, 'datex': 64 * MiB, 'bnetza': 128 * MiB}
# gzip of real payloads (JSON, DATEX XML) inflates 5-40x; beyond the first MiB more than this is a bomb
MAX_RATIO = 100
RATIO_FREE_BYTES = 1 * MiB


class BodyError(ValueError):
    """The body cannot be read (broken gzip, unsupported encoding): 400."""


class BodyTooLarge(BodyError):
    """The body exceeds its endpoint's limit or the compression ratio cap: 413."""


def body_limit(settings: Settings, endpoint: str) -> int:
    return settings.server.max_body_bytes.get(endpoint, DEFAULT_LIMITS[endpoint])


def gunzip(data: bytes, limit: int, max_ratio: int = MAX_RATIO) -> bytes:
    """Inflate a gzip body (every member), producing at most what the size and ratio caps allow."""
    cap = min(limit, max(RATIO_FREE_BYTES, len(data) * max_ratio))
    parts: list[bytes] = []
    produced = 0
    rest = data
    while rest:
        inflater = zlib.decompressobj(wbits=31)  # gzip framing only
        try:
            part = inflater.decompress(rest, cap + 1 - produced)
        except zlib.error as exc:
            raise BodyError(f'invalid gzip body: {exc}') from None
        parts.append(part)
        produced += len(part)
        if produced > cap or inflater.unconsumed_tail:
            if cap < limit:
                raise BodyTooLarge(f'gzip body above the compression ratio cap ({max_ratio}x)')
            raise BodyTooLarge(f'body larger than {limit} bytes')
        if not inflater.eof:
            raise BodyError('invalid gzip body: truncated')
        rest = inflater.unused_data  # a further gzip member (concatenated gzip is one valid body)
    return parts[0] if len(parts) == 1 else b''.join(parts)


def _encodings(request: Request) -> list[str]:
    header = request.headers.get('content-encoding', '')
    return [e.strip().lower() for e in header.split(',') if e.strip()]


async def read_body(request: Request, limit: int) -> bytes:
    """The body, decompressed if gzip, refused as soon as it is known to exceed `limit`."""
    encodings = _encodings(request)
    gzipped = encodings in (['gzip'], ['x-gzip'])
    if encodings and encodings != ['identity'] and not gzipped:
        raise BodyError(f'unsupported Content-Encoding {request.headers.get("content-encoding")!r}')
    declared = request.headers.get('content-length', '')
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f'body larger than {limit} bytes')
    chunks: list[bytes] = []  # joined once at the end: no growing buffer copied on every resize
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f'body larger than {limit} bytes')
    body = b''.join(chunks)
    del chunks
    if gzipped and body:
        return await run_in_threadpool(gunzip, body, limit)
    return body


def body_error(exc: Exception) -> Response:
    """413 for a body over its limit, 400 for one that cannot be read."""
    return too_large(str(exc)) if isinstance(exc, BodyTooLarge) else bad_request(str(exc))

"""Request bodies, transparently gunzipped when sent with `Content-Encoding: gzip`."""

from __future__ import annotations

import zlib

from starlette.requests import Request

# An upper bound for one decompressed body (the BNetzA register is ~30 MB): a gzip bomb stops here.
MAX_BODY_BYTES = 512 * 1024 * 1024


class BodyError(ValueError):
    """The body cannot be read (broken gzip, too large): 400."""


def gunzip(data: bytes, limit: int = MAX_BODY_BYTES) -> bytes:
    inflater = zlib.decompressobj(wbits=31)  # gzip framing only
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise BodyError(f'invalid gzip body: {exc}') from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise BodyError(f'body larger than {limit} bytes')
    if not inflater.eof:
        raise BodyError('invalid gzip body: truncated')
    return out


async def read_body(request: Request) -> bytes:
    body = await request.body()
    encodings = [e.strip().lower() for e in request.headers.get('content-encoding', '').split(',') if e.strip()]
    if not encodings or encodings == ['identity']:
        if len(body) > MAX_BODY_BYTES:
            raise BodyError(f'body larger than {MAX_BODY_BYTES} bytes')
        return body
    if encodings in (['gzip'], ['x-gzip']):
        return gunzip(body) if body else body
    raise BodyError(f'unsupported Content-Encoding {request.headers.get("content-encoding")!r}')

"""BNetzA Excel upload (spec/sources.md §5.3): the raw XLSX is landed for the bnetza_excel sensor,
which starts a static run of that source with the file (the predecessor's task crashed instead)."""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import Response

from ocpdb_api.responses import bad_request, empty
from ocpdb_api.server_api.auth import check_basic
from ocpdb_api.server_api.bodies import BodyError, body_error, body_limit, read_body
from ocpdb_api.server_api.context import server_context
from ocpdb_api.server_api.landing import land
from ocpdb_pipelines.push.kinds import BNETZA_UPLOAD_UID, STATIC

ROLE = 'bnetza'
XLSX_MAGIC = b'PK\x03\x04'  # an XLSX workbook is a zip archive


async def upload(request: Request) -> Response:
    context = server_context(request)
    denied = check_basic(request, context.settings, ROLE)
    if denied is not None:
        return denied
    try:
        body = await read_body(request, body_limit(context.settings, 'bnetza'))
    except BodyError as exc:
        return body_error(exc)
    if not body:
        return bad_request('no import file')
    if not body.startswith(XLSX_MAGIC):
        return bad_request('the import file is not an XLSX workbook')
    meta = {'upload': f'{uuid.uuid4()}.xlsx', 'content_type': request.headers.get('content-type')}
    landed = await land(context, BNETZA_UPLOAD_UID, STATIC, body, meta)
    return landed if isinstance(landed, Response) else empty(200)

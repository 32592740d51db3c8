"""HTTP Basic auth against SERVER_AUTH_USERS (sha256 hex of the password) with roles; DATEX query keys.

Every failure is a 401 with the predecessor's message. Digests are compared in constant time, and an
unknown user costs the same comparison as a known one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from starlette.requests import Request
from starlette.responses import Response

from ocpdb_api.responses import error_response
from ocpdb_pipelines.config import Settings

MISSING = 'Missing basic auth credentials'
INVALID = 'Invalid credentials'
ROLES = 'Insufficient user roles'
BAD_KEY = 'Invalid API key'
_DUMMY_DIGEST = hashlib.sha256(b'no such user').hexdigest()
_CHALLENGE = {'WWW-Authenticate': 'Basic realm="ocpdb server api", charset="UTF-8"'}


def unauthorized(message: str, *, challenge: bool = True) -> Response:
    return error_response(401, 'unauthorized', message, headers=_CHALLENGE if challenge else None)


def _credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get('authorization', '')
    scheme, _, encoded = header.partition(' ')
    if scheme.lower() != 'basic' or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode('utf-8')
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(':')
    return (user, password) if sep else None


def check_basic(request: Request, settings: Settings, role: str) -> Response | None:
    """None when the request may pass; otherwise the 401 response to send."""
    credentials = _credentials(request)
    if credentials is None:
        return unauthorized(MISSING)
    user_name, password = credentials
    user = settings.server.auth_users.get(user_name)
    digest = hashlib.sha256(password.encode('utf-8')).hexdigest()
    matches = hmac.compare_digest(digest, user.hash if user else _DUMMY_DIGEST)
    if user is None or not matches:
        return unauthorized(INVALID)
    if role not in user.roles:
        return unauthorized(ROLES)
    return None


def check_api_key(given: str | None, expected: str | None) -> Response | None:
    """The DATEX push key (Mobilithek cannot send Basic auth); a source without a key accepts none."""
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        return unauthorized(BAD_KEY, challenge=False)
    return None

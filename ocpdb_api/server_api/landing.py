"""Landing a request from a handler: durable first, and a 503 (not an acknowledgement) if that fails."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from starlette.responses import Response

from ocpdb_api.responses import unavailable
from ocpdb_api.server_api.context import ServerContext

logger = logging.getLogger(__name__)


async def land(context: ServerContext, uid: str, kind: str, body: bytes, meta: dict[str, Any]) -> Path | Response:
    """The landed file's path, or the 503 response to send when it could not be written."""
    try:
        return await context.land(uid, kind, body, meta)
    except OSError:
        logger.exception('could not land a %s push of %s', kind, uid)
        return unavailable('The request could not be stored; please retry.')

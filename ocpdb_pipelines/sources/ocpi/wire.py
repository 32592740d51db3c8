"""The OCPI response envelope `{status_code, status_message?, timestamp, data: [...]}`."""

from __future__ import annotations

from typing import Any

from ocpdb_pipelines.sources.base import PayloadError
from ocpdb_pipelines.sources.common.values import load_json


def envelope_data(body: bytes, what: str = 'OCPI response') -> list[Any]:
    """The `data` list of one page; an unreadable envelope or an OCPI error status is a PayloadError."""
    payload = load_json(body, what)
    if not isinstance(payload, dict):
        raise PayloadError(f'{what}: expected an OCPI envelope object, got {type(payload).__name__}')
    status_code = payload.get('status_code')
    if 'status_code' in payload and (isinstance(status_code, bool) or not isinstance(status_code, int)):
        raise PayloadError(f'{what}: status_code must be an integer, got {status_code!r}')
    if isinstance(status_code, int) and not 1000 <= status_code < 2000:
        message = payload.get('status_message')
        raise PayloadError(f'{what}: OCPI error status {status_code} ({message})')
    data = payload.get('data')
    if not isinstance(data, list):
        raise PayloadError(f'{what}: `data` must be a list of locations')
    return data

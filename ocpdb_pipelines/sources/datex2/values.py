"""Small readers for DATEX II JSON: prefixed members, multilingual strings, dates, envelopes.

Real feeds mix the 3.5 (`aegi`/`afac`) and 3.7 (`egi`/`fac`) prefixes, so every lookup of a
prefixed member tries all spellings.
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from ocpdb_pipelines.sources.base import PayloadError

_PREFIXES = {
    'egi': ('aegi', 'egi'),
    'fac': ('afac', 'fac'),
}


def load_json(body: bytes) -> Any:
    """Parse a body (gzip is detected by its magic bytes); anything unreadable is a PayloadError."""
    if body[:2] == b'\x1f\x8b':
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError) as exc:
            raise PayloadError(f'broken gzip body: {exc}') from exc
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PayloadError(f'body is not JSON: {exc}') from exc


def prefixed(obj: Any, family: str, name: str) -> Any:
    """obj[aegi<name>] or obj[egi<name>] (family 'egi'), obj[afac<name>] or obj[fac<name>] ('fac')."""
    if not isinstance(obj, dict):
        return None
    for prefix in _PREFIXES[family]:
        value = obj.get(prefix + name)
        if value is not None:
            return value
    return None


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def text(multilingual: Any) -> str | None:
    """The first value of a multilingual string, whatever its language; newline -> '; ', tab -> ' '."""
    if not isinstance(multilingual, dict):
        return None
    for entry in as_list(multilingual.get('values')):
        value = entry.get('value') if isinstance(entry, dict) else None
        if isinstance(value, str):
            cleaned = value.replace('\r\n', '\n').replace('\n', '; ').replace('\t', ' ').strip()
            return cleaned or None
    return None


def enum_value(value: Any) -> str | None:
    """`{"value": "x"}` -> 'x' (plain strings pass through)."""
    if isinstance(value, dict):
        value = value.get('value')
    return value if isinstance(value, str) else None


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601 with any offset or Z; a zone-less value is taken as UTC. Unreadable -> None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def number(value: Any) -> Decimal | None:
    """A JSON number as an exact Decimal of its shortest decimal form (never the binary expansion)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def positive_int(value: Any) -> int | None:
    parsed = number(value)
    if parsed is None or parsed <= 0:
        return None
    return int(parsed)


def first(values: Any) -> Any:
    items = as_list(values)
    return items[0] if items else None

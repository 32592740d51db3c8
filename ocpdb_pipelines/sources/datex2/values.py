"""Value readers of DATEX II JSON: prefixed members, multilingual strings, enum values, numbers.

The lenient basics (`dict_or_empty`, `list_or_empty`, `datetime_or_none`) and `load_json` are the shared
ones of ocpdb_pipelines.sources.common.values.

Real feeds mix the 3.5 (`aegi`/`afac`) and 3.7 (`egi`/`fac`) prefixes, so every lookup of a
prefixed member tries all spellings.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ocpdb_pipelines.sources.common.values import list_or_empty

_PREFIXES = {
    'egi': ('aegi', 'egi'),
    'fac': ('afac', 'fac'),
}


def prefixed(obj: Any, family: str, name: str) -> Any:
    """obj[aegi<name>] or obj[egi<name>] (family 'egi'), obj[afac<name>] or obj[fac<name>] ('fac')."""
    if not isinstance(obj, dict):
        return None
    for prefix in _PREFIXES[family]:
        value = obj.get(prefix + name)
        if value is not None:
            return value
    return None


def text(multilingual: Any) -> str | None:
    """The first value of a multilingual string, whatever its language; newline -> '; ', tab -> ' '."""
    if not isinstance(multilingual, dict):
        return None
    for entry in list_or_empty(multilingual.get('values')):
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
    items = list_or_empty(values)
    return items[0] if items else None

"""Value conversions shared by the renderers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ocpdb_pipelines.model.enums import Capability, ParkingRestriction


@lru_cache(maxsize=65536)
def _ts(value: datetime) -> str:
    if value.utcoffset():
        value = value.astimezone(UTC)
    return f'{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:{value.second:02d}Z'


def ts(value: datetime | None) -> str | None:
    """UTC `YYYY-MM-DDTHH:MM:SSZ`, the predecessor's datetime output format (memoised: rows share stamps)."""
    return None if value is None else _ts(value)


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def num(value: Decimal | float | None) -> float | None:
    return float(value) if value is not None else None


_MEMBERS = {flag: tuple((m.name, m.value) for m in flag) for flag in (Capability, ParkingRestriction)}


def bits(value: int | None, flag: type[Capability] | type[ParkingRestriction]) -> list[str]:
    """Decode a persisted bitmask into names, in bit order."""
    if not value:
        return []
    return [name for name, bit in _MEMBERS[flag] if value & bit]


def drop_nulls(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v is not None}


def drop_empty(obj: dict[str, Any]) -> dict[str, Any]:
    """Drop nulls and empty lists (EVSE / station objects)."""
    return {k: v for k, v in obj.items() if v is not None and v != []}


def deep_drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: deep_drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [deep_drop_nulls(v) for v in value]
    return value

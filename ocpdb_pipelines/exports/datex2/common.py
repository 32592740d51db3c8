"""Small builders shared by the DATEX II mappers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from typing import Any

LANG = 'de'
_HOUSE_NUMBER = re.compile(r'^(?P<street>.*\S)\s+(?P<number>\d\S*)$')


def ml(text: str) -> dict[str, Any]:
    """A DATEX multilingual string in German."""
    return {'values': [{'lang': LANG, 'value': text}]}


def enum(value: str) -> dict[str, str]:
    return {'value': value}


def compact(**members: Any) -> dict[str, Any]:
    """A dict without the members that are None."""
    return {k: v for k, v in members.items() if v is not None}


def zulu(value: datetime | str | None = None) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ` (the 3.7 mappers' datetime rendering)."""
    if value is None:
        value = datetime.now(UTC)
    elif isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def iso(value: datetime | str | None = None) -> str:
    """ISO 8601 with offset (the 3.5 mappers' rendering); strings from PostgreSQL pass through."""
    if value is None:
        return datetime.now(UTC).isoformat()
    if isinstance(value, str):
        return datetime.fromisoformat(value).isoformat()
    return value.isoformat()


def split_address(address: str) -> tuple[str, str | None]:
    """'Test Street 123' -> ('Test Street', '123'); without a trailing number the whole is the street."""
    match = _HOUSE_NUMBER.match(address.strip())
    if match:
        return match['street'], match['number']
    return address.strip(), None


def alpha2(country: str | None) -> str | None:
    if not country:
        return None
    if len(country) == 2:
        return country.upper()
    return _alpha3_to_alpha2().get(country.upper())


@cache
def _alpha3_to_alpha2() -> dict[str, str]:
    from ocpdb_pipelines.sources.datex2.countries import ALPHA2_TO_ALPHA3

    return {a3: a2 for a2, a3 in ALPHA2_TO_ALPHA3.items()}


def address(location: dict[str, Any]) -> dict[str, Any] | None:
    """The DATEX address block of a location (None when the location has no address data at all)."""
    lines = []
    if location.get('address'):
        street, number = split_address(location['address'])
        lines.append({'order': 1, 'type': enum('street'), 'text': ml(street)})
        if number:
            lines.append({'order': 2, 'type': enum('houseNumber'), 'text': ml(number)})
    block = compact(
        postcode=location.get('postal_code') or None,
        city=ml(location['city']) if location.get('city') else None,
        countryCode=alpha2(location.get('country')),
        addressLine=lines or None,
    )
    return block or None


def has_own_coordinates(station: dict[str, Any]) -> bool:
    return bool(station.get('lat')) and bool(station.get('lon'))

"""The score of two live locations describing the same physical site (cross-source duplicates by site).

Built on the register matching's factors (`matching.score`), stricter where two live records differ:

total = f_dist * f_text * f_op * f_evse * f_power * f_house * f_postal, every factor in [0, 1].

- f_dist, f_op, f_evse: as the register matching (distance, operator trigram similarity, EVSE count).
- f_text: the better of the address and the name similarity (rooted, as the register's address factor):
  feeds spell the same site in either field ("Neckartalstraße" / "Neckartalstraße 37").
- f_power: the maximum power per site compared as `1 - 0.4 k/(k+1)`, k = |log2(p_a / p_b)| (one doubling 0.8).
- f_house: two addresses with different house numbers are different sites: 0.25.
- f_postal: two different postal codes: 0.5.
Missing values never penalise (the factor is 1, the address 0.5 as in the register matching).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ocpdb_pipelines.matching.ngram import similarity
from ocpdb_pipelines.matching.score import MISSING_ADDRESS_FACTOR, distance_factor, evse_factor, operator_factor

SITE_RADIUS_METRES = 100.0  # beyond it the distance factor (0.61 at 100 m) leaves no same-site score
SITE_THRESHOLD = 0.45
OTHER_HOUSE_NUMBER_FACTOR = 0.25
OTHER_POSTAL_CODE_FACTOR = 0.5
_HOUSE_NUMBER = re.compile(r'(?<![\d])(\d{1,4})(?![\d])')


@dataclass(frozen=True, slots=True)
class Site:
    name: str | None
    address: str | None
    postal_code: str | None
    operator: str | None
    evse_count: int
    max_power_w: int | None


def _text(value: str | None) -> str | None:
    return value.strip().lower() if value and value.strip() else None


def text_factor(a: Site, b: Site) -> float:
    """sqrt of the better of address and name similarity; 0.5 when neither pair is on both sides."""
    values = [
        similarity(x, y)
        for x, y in ((_text(a.address), _text(b.address)), (_text(a.name), _text(b.name)))
        if x is not None and y is not None
    ]
    return math.sqrt(max(values)) if values else MISSING_ADDRESS_FACTOR


def house_number(address: str | None) -> str | None:
    """The first number of 1-4 digits in a street address ('Gottlieb Daimler Straße 43' -> '43')."""
    found = _HOUSE_NUMBER.search(address or '')
    return found.group(1) if found else None


def house_number_factor(a: str | None, b: str | None) -> float:
    number_a, number_b = house_number(a), house_number(b)
    if number_a is None or number_b is None or number_a == number_b:
        return 1.0
    return OTHER_HOUSE_NUMBER_FACTOR


def postal_code_factor(a: str | None, b: str | None) -> float:
    a, b = (a or '').strip(), (b or '').strip()
    return OTHER_POSTAL_CODE_FACTOR if a and b and a != b else 1.0


def power_factor(a: int | None, b: int | None) -> float:
    if not a or not b:
        return 1.0
    k = abs(math.log2(a / b))
    return 1.0 - 0.4 * k / (k + 1)


def site_factors(a: Site, b: Site, metres: float) -> dict[str, float]:
    return {
        'distance': distance_factor(metres),
        'text': text_factor(a, b),
        'operator': operator_factor(a.operator, b.operator),
        'evse_count': evse_factor(a.evse_count, b.evse_count),
        'power': power_factor(a.max_power_w, b.max_power_w),
        'house_number': house_number_factor(a.address, b.address),
        'postal_code': postal_code_factor(a.postal_code, b.postal_code),
    }


def site_score(factors: dict[str, float]) -> float:
    return math.prod(factors.values())

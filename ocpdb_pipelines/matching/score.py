"""The match score of a static BNetzA location S against a live candidate D (predecessor §4).

total = f_dist * f_addr * f_op * f_evse, every factor in [0, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ocpdb_pipelines.matching.ngram import similarity

# With an address missing on either side the address says nothing: a neutral factor instead of the
# predecessor's crash. 0.5 keeps a near, same-operator candidate above the default threshold of 0.25.
MISSING_ADDRESS_FACTOR = 0.5


@dataclass(frozen=True, slots=True)
class Side:
    address: str | None
    operator: str | None
    evse_count: int


def distance_factor(metres: float) -> float:
    """sqrt(exp(-(d/100)^2)): 50 m -> 0.8825, 100 m -> 0.6065, 200 m -> 0.1353."""
    return math.sqrt(math.exp(-((metres / 100.0) ** 2)))


def address_factor(a: str | None, b: str | None) -> float:
    if not a or not a.strip() or not b or not b.strip():
        return MISSING_ADDRESS_FACTOR
    return math.sqrt(similarity(a.lower(), b.lower()))


def operator_factor(static_operator: str | None, candidate_operator: str | None) -> float:
    """No root here (as the predecessor); no operator on either side gives no penalty."""
    if not static_operator or not candidate_operator:
        return 1.0
    return similarity(static_operator.lower(), candidate_operator.lower())


def evse_factor(static_count: int, candidate_count: int) -> float:
    k = abs(static_count - candidate_count)
    return 1.0 - 0.4 * k / (k + 1)


def score(static: Side, candidate: Side, metres: float) -> float:
    return (
        distance_factor(metres)
        * address_factor(static.address, candidate.address)
        * operator_factor(static.operator, candidate.operator)
        * evse_factor(static.evse_count, candidate.evse_count)
    )

"""Trigram similarity as the predecessor's matcher defines it (not pg_trgm's).

Strings are padded with two `$` on each side, cut into overlapping trigrams counted with multiplicity,
and compared as shared / (grams_a + grams_b - shared). pg_trgm pads differently, splits on words and
counts distinct trigrams, so its numbers differ.
"""

from __future__ import annotations

from collections import Counter

N = 3
PAD = '$' * (N - 1)


def trigrams(text: str) -> Counter[str]:
    padded = f'{PAD}{text}{PAD}'
    return Counter(padded[i : i + N] for i in range(len(padded) - N + 1))


def similarity(a: str, b: str) -> float:
    """Shared trigrams over the union (with multiplicity); 1.0 for equal strings, 0.0 for nothing shared."""
    if a == b:
        return 1.0
    grams_a, grams_b = trigrams(a), trigrams(b)
    shared = sum((grams_a & grams_b).values())
    total = sum(grams_a.values()) + sum(grams_b.values()) - shared
    return shared / total if total else 0.0

"""Generators scale past one city's random address space (len(streets) x 140 house numbers)."""

from __future__ import annotations

from ocpdb_pipelines.samples.areas import LUDWIGSBURG
from ocpdb_pipelines.samples.chargecloud import afir_items, afir_sites


def test_chargecloud_afir_past_the_address_space_of_ludwigsburg():
    limit = len(LUDWIGSBURG.streets) * 140
    items = afir_items(count=limit + 500)
    assert len(items) == limit + 500
    assert len({i['id'] for i in items}) == len(items)
    assert len({i['address'] for i in items}) == len(items)
    assert len({e['evse_id'] for i in items for e in i['evses']}) == sum(len(i['evses']) for i in items)


def test_small_samples_are_reproducible():
    assert [s.address for s in afir_sites(1, 40)] == [s.address for s in afir_sites(1, 40)]
    assert afir_sites(1, 40)[0].address == afir_sites(1, 2000)[0].address

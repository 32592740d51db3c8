"""The coordinate screen's outline cache (quality/boundaries.py): the same verdicts as the outlines built from
Natural Earth, and an entry that is stale or corrupt is rebuilt, never trusted (issue 11, point 8)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import shapely

from ocpdb_pipelines.quality import boundaries
from ocpdb_pipelines.quality.coordinates import (
    NULL_ISLAND,
    OK,
    OUTSIDE,
    SWAPPED,
    TOLERANCE_DEGREES,
    classify,
    country_area,
    use_cache_dir,
)
from tests.fixtures_dir import fixture_bytes
from tests.foundation.helpers import bnetza_api_document

# real Swiss records that the 1:10m outline puts a few hundred metres into Italy / Liechtenstein, and Arbon's
# record at lat -3.33, lon -109.70
BORDER = ('CH*REPE027*01*1', 'CH*REPE433*02*1', 'CH*REPE492*01*2', 'CH*REPE662*01*1')


def _swiss_points() -> tuple[list[float], list[float], list[str]]:
    document = orjson.loads(fixture_bytes('opendata_swiss', 'static.json'))
    lats, lons, uids = [], [], []
    for block in document['EVSEData']:
        for record in block['EVSEDataRecord']:
            lat, lon = record['GeoCoordinates']['Google'].split()
            lats.append(float(lat))
            lons.append(float(lon))
            uids.append(record['EvseID'])
    return lats, lons, uids


def _points() -> tuple[list[float], list[float], list[tuple[str, ...]]]:
    """Fixture coordinates of Switzerland and Germany, each also with axes swapped, against CHE, DEU, both, an
    unknown code, and 0/0: every verdict occurs."""
    lats, lons, _ = _swiss_points()
    german = bnetza_api_document()['chargingStations'][:300]
    lats += [float(r['coordinates']['latitude']) for r in german]
    lons += [float(r['coordinates']['longitude']) for r in german]
    lats, lons = lats + lons + [0.0], lons + lats + [0.0]
    countries: list[tuple[str, ...]] = [('CHE',), ('DEU',), ('DEU', 'CHE'), ('XXX',)]
    rows = [(lat, lon, countries[i % len(countries)]) for i, (lat, lon) in enumerate(zip(lats, lons, strict=True))]
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def _fresh_process() -> None:
    """What a new process starts with: no outline, no shapefile, no digest in memory."""
    country_area.cache_clear()
    boundaries.natural_earth.cache_clear()
    boundaries.natural_earth_digest.cache_clear()


@pytest.fixture
def uncached() -> Iterator[list[str]]:
    """The verdicts with outlines built from Natural Earth in this process (no cache)."""
    use_cache_dir(None)
    _fresh_process()
    yield classify(*_points())
    use_cache_dir(None)
    _fresh_process()


def test_cached_outlines_give_the_same_verdicts(tmp_path: Path, uncached: list[str]):
    assert {OK, SWAPPED, OUTSIDE, NULL_ISLAND} <= set(uncached)
    lats, lons, uids = _swiss_points()
    border = [classify([lats[uids.index(u)]], [lons[uids.index(u)]], [('CHE',)])[0] for u in BORDER]
    assert border == [OK, OK, OK, OUTSIDE]  # the tolerance keeps the border chargers, Arbon's record is out
    built = {code: shapely.to_wkb(country_area(code)) for code in ('CHE', 'DEU')}

    use_cache_dir(tmp_path)
    _fresh_process()
    assert classify(*_points()) == uncached  # the first process builds and writes the entries
    assert {p.name for p in tmp_path.iterdir()} == {'CHE.wkb', 'DEU.wkb', '_codes.wkb'}  # not XXX: unknown

    _fresh_process()
    assert classify(*_points()) == uncached  # the next one reads them ...
    assert boundaries.natural_earth.cache_info().misses == 0  # ... without reading the shapefile
    assert {code: shapely.to_wkb(country_area(code)) for code in built} == built  # the same geometry, exactly
    assert country_area('XXX') is None


def test_stale_or_corrupt_entries_are_rebuilt_not_trusted(tmp_path: Path, uncached: list[str]):
    key = boundaries.build_key(TOLERANCE_DEGREES)
    assert key is not None
    france = shapely.to_wkb(boundaries.grow('FRA', TOLERANCE_DEGREES))
    # Switzerland's entry holds France, from another build (another shapefile, tolerance or GEOS): stale
    boundaries.BoundaryCache(tmp_path, 'another build').write('CHE', france)
    # Germany's holds France under the right key, but the payload no longer matches its digest: corrupt
    trusted = boundaries.BoundaryCache(tmp_path, key)
    trusted.write('DEU', france)
    entry = tmp_path / 'DEU.wkb'
    data = entry.read_bytes()
    entry.write_bytes(data[:-8] + bytes(b ^ 0xFF for b in data[-8:]))
    (tmp_path / '_codes.wkb').write_bytes(b'not an entry')  # a broken index: every code rebuilt

    use_cache_dir(tmp_path)
    _fresh_process()
    assert classify(*_points()) == uncached
    assert boundaries.natural_earth.cache_info().misses == 1  # rebuilt from the shapefile
    for code in ('CHE', 'DEU'):
        assert trusted.read(code) == shapely.to_wkb(boundaries.grow(code, TOLERANCE_DEGREES))
    assert trusted.read('_codes') is not None

    _fresh_process()
    assert classify(*_points()) == uncached
    assert boundaries.natural_earth.cache_info().misses == 0  # the rebuilt entries are trusted now


def test_an_unwritable_cache_builds_the_outlines(tmp_path: Path, uncached: list[str]):
    blocked = tmp_path / 'file'
    blocked.write_text('a file where the directory should be')
    use_cache_dir(blocked / 'boundaries')
    _fresh_process()
    assert classify(*_points()) == uncached


def test_entries_are_readable_by_every_user_sharing_the_data_dir(tmp_path: Path):
    """Services running as other users (compose: the Dagster daemon and the code server) read the same cache."""
    cache = boundaries.BoundaryCache(tmp_path, 'a build')
    cache.write('DEU', b'payload')
    assert (tmp_path / 'DEU.wkb').stat().st_mode & 0o777 == 0o644
    assert cache.read('DEU') == b'payload'

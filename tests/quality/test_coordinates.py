"""Implausible coordinates never become locations (issue 12, item 7): real fixtures and derived variants."""

from __future__ import annotations

import io
from collections import Counter
from decimal import Decimal

import openpyxl
import orjson
import pytest

from ocpdb_pipelines.quality.coordinates import NULL_ISLAND, OK, OUTSIDE, SWAPPED, classify
from tests.fixtures_dir import fixture_path
from tests.foundation.helpers import BNETZA_EXCEL, bnetza_api_document, import_bytes, import_fixture

ARBON = 'CH*REPE662*01*1'  # real record: lat -3.329056, lon -109.698318 for Arbon TG
# real Swiss records that the 1:10m outline puts a few hundred metres into Italy / Liechtenstein
SWISS_BORDER = {'CH*REPE027*01*1', 'CH*REPE433*02*1', 'CH*REPE492*01*2'}


def test_classify_rules():
    verdicts = classify(
        [52.52, 13.40, 0.0, 48.8566, 47.0, 47.5167],
        [13.40, 52.52, 0.0, 2.3522, 0.0, 9.4333],
        [('DEU',), ('DEU',), ('DEU',), ('DEU',), ('XXX',), ('CHE',)],
    )
    # Berlin; Berlin with axes swapped; 0/0; Paris for a German source; unknown country: no test; Arbon
    assert verdicts == [OK, SWAPPED, NULL_ISLAND, OUTSIDE, OK, OK]


def test_opendata_swiss_arbon_record_is_skipped_with_reason(settings, db):
    report = import_fixture(settings, 'opendata_swiss', 'opendata_swiss', 'static.json')
    uids = {r['uid'] for r in db.execute("SELECT uid FROM location WHERE source = 'opendata_swiss'").fetchall()}
    assert ARBON not in uids
    assert uids >= SWISS_BORDER  # the tolerance keeps real border chargers
    assert len(uids) == 201
    assert [(s.reference, s.reason) for s in report.skipped] == [
        (f'location {ARBON}', 'coordinates outside CHE {lat -3.3290560, lon -109.6983180}')
    ]
    assert report.metadata()['skipped_reasons'] == {'coordinates outside CHE': 1}
    assert report.counts['coordinates_skipped_outside_country'] == 1
    assert db.execute('SELECT static_error_count FROM source').fetchone()['static_error_count'] == 1
    # its EVSEs are gone too: nothing of the record is served
    assert not db.execute('SELECT 1 FROM evse WHERE uid LIKE %s', ('CH*REPE662*%',)).fetchall()


def _register_variant() -> tuple[bytes, dict[str, tuple[float, float]]]:
    document = bnetza_api_document()
    records = document['chargingStations']
    null_island, swapped, paris = records[0], records[1], records[2]
    original = (swapped['coordinates']['latitude'], swapped['coordinates']['longitude'])
    null_island['coordinates'] = {'latitude': 0, 'longitude': 0}
    swapped['coordinates'] = {'latitude': original[1], 'longitude': original[0]}
    paris['coordinates'] = {'latitude': 48.8566, 'longitude': 2.3522}
    ids = {'null_island': null_island['id'], 'swapped': swapped['id'], 'paris': paris['id']}
    return orjson.dumps(document), {'ids': ids, 'swapped_original': original}


def test_register_null_island_and_france_skipped_swap_fixed(settings, db):
    body, facts = _register_variant()
    report = import_bytes(settings, 'bnetza_api', body)
    ids = facts['ids']
    rows = {
        r['uid']: r
        for r in db.execute(
            "SELECT uid, lat, lon, ST_X(geometry) AS x, ST_Y(geometry) AS y FROM location WHERE source = 'bnetza_api'"
        ).fetchall()
    }
    assert str(ids['null_island']) not in rows
    assert str(ids['paris']) not in rows
    fixed = rows[str(ids['swapped'])]
    lat, lon = facts['swapped_original']
    assert (float(fixed['lat']), float(fixed['lon'])) == pytest.approx((lat, lon))
    assert (fixed['x'], fixed['y']) == pytest.approx((lon, lat))
    assert report.counts['coordinates_swapped_fixed'] == 1
    assert report.counts['coordinates_skipped_null_island'] == 1
    assert report.counts['coordinates_skipped_outside_country'] == 1
    assert report.metadata()['skipped_reasons'] == {'coordinates 0/0': 1, 'coordinates outside DEU': 1}
    assert len(rows) == 719


def _unique_coordinate_rows(sheet) -> list[int]:
    """Rows whose coordinates no other installation shares (each is a location of its own)."""
    cells = {r: (sheet.cell(row=r, column=10).value, sheet.cell(row=r, column=11).value) for r in range(12, 200)}
    seen = Counter(cells.values())
    return [r for r, pair in cells.items() if pair[0] and seen[pair] == 1]


def _register_with_swapped_row(null_island: bool) -> tuple[bytes, tuple[str, str]]:
    """The Excel fixture with the second row of unique coordinates given the first one's, axes swapped (and
    that first row at 0/0 when `null_island`); returns the workbook and the swapped row's real (lat, lon)."""
    workbook = openpyxl.load_workbook(fixture_path(*BNETZA_EXCEL))
    sheet = workbook.active
    first, second = _unique_coordinate_rows(sheet)[:2]
    source = second if null_island else first
    lat, lon = sheet.cell(row=source, column=10).value, sheet.cell(row=source, column=11).value
    sheet.cell(row=second, column=10).value, sheet.cell(row=second, column=11).value = lon, lat
    if null_island:
        sheet.cell(row=first, column=10).value = sheet.cell(row=first, column=11).value = '0,0'
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), (lat, lon)


def test_register_excel_null_island_skipped_swapped_fixed(settings, db):
    body, (lat, lon) = _register_with_swapped_row(null_island=True)
    report = import_bytes(settings, 'bnetza_excel', body)
    assert not db.execute('SELECT 1 FROM location WHERE lat = 0 AND lon = 0').fetchall()
    assert report.metadata()['skipped_reasons'] == {'coordinates 0/0': 1}
    assert report.counts['coordinates_swapped_fixed'] == 1
    assert db.execute("SELECT count(*) AS n FROM location WHERE source = 'bnetza_excel'").fetchone()['n'] == 93
    fixed = (Decimal(lat.replace(',', '.')), Decimal(lon.replace(',', '.')))
    assert db.execute('SELECT count(*) AS n FROM location WHERE lat = %s AND lon = %s', fixed).fetchone()['n'] == 1


def test_the_after_the_fact_check_uses_the_screens_boundaries(db):
    """`coordinates_in_country` tests stored locations as the import screen does (Natural Earth, the
    source's country or the location's own): Strasbourg and Basel lie in the old German box but not in
    Germany; a location that names France as its country may lie there; 0/0 never passes."""
    from ocpdb_pipelines.store.quality import locations_outside_country
    from tests.downstream import rows

    rows.location(db, 'datex2_enbw', 'berlin', 52.52, 13.405, country='DEU')
    rows.location(db, 'datex2_enbw', 'strasbourg', 48.58, 7.75, country='DEU')
    rows.location(db, 'datex2_enbw', 'basel', 47.56, 7.59)
    rows.location(db, 'datex2_enbw', 'strasbourg_fr', 48.58, 7.75, country='FRA')
    rows.location(db, 'datex2_enbw', 'null_island', 0.0, 0.0, country='DEU')
    rows.location(db, 'other_source', 'paris', 48.85, 2.35, country='DEU')  # another source's: not counted
    outside, total, examples = locations_outside_country(db, 'datex2_enbw', 'DEU')
    assert (outside, total) == (3, 5)
    assert sorted(examples) == ['basel', 'null_island', 'strasbourg']


def test_a_swapped_register_installation_joins_the_location_at_its_real_place(settings, db):
    """The register groups installations by their coordinates: the screen's swap runs before that grouping,
    so an installation with swapped axes that shares its real coordinates with another one becomes a
    station of that location, not a location of its own."""
    document = bnetza_api_document()
    records = document['chargingStations']
    seen = Counter((r['coordinates']['latitude'], r['coordinates']['longitude']) for r in records)
    here, swapped = [r for r in records if seen[(r['coordinates']['latitude'], r['coordinates']['longitude'])] == 1][:2]
    real = (here['coordinates']['latitude'], here['coordinates']['longitude'])
    swapped['coordinates'] = {'latitude': real[1], 'longitude': real[0]}
    report = import_bytes(settings, 'bnetza_api', orjson.dumps(document))
    assert report.counts['coordinates_swapped_fixed'] == 1
    uids = {r['uid'] for r in db.execute("SELECT uid FROM location WHERE source = 'bnetza_api'").fetchall()}
    assert str(swapped['id']) not in uids
    stations = db.execute(
        'SELECT count(*) AS n FROM charging_station cs JOIN location l ON l.id = cs.location_id '
        "WHERE l.source = 'bnetza_api' AND l.uid = %s",
        (str(here['id']),),
    ).fetchone()
    assert stations['n'] == 2
    assert len(uids) == 720  # one of the 721 locations fewer


def test_a_swapped_excel_row_joins_the_location_at_its_real_place(settings, db):
    body, (lat, lon) = _register_with_swapped_row(null_island=False)
    report = import_bytes(settings, 'bnetza_excel', body)
    assert report.counts['coordinates_swapped_fixed'] == 1
    assert (
        db.execute("SELECT count(*) AS n FROM location WHERE source = 'bnetza_excel'").fetchone()['n'] == 93
    )  # one of 94 fewer
    real = (Decimal(lat.replace(',', '.')), Decimal(lon.replace(',', '.')))
    lines = db.execute(
        "SELECT DISTINCT split_part(e.uid, '*', 3) AS line FROM evse e "
        'JOIN charging_station cs ON cs.id = e.charging_station_id JOIN location l ON l.id = cs.location_id '
        'WHERE l.lat = %s AND l.lon = %s',
        real,
    ).fetchall()
    assert {r['line'] for r in lines} == {'0', '1'}  # both rows' EVSEs in the one location

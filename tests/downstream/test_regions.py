"""VG25 GeoPackage load (real BKG polygons from the fixture) and regional-code assignment on PostGIS."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import httpx
import psycopg
import pytest

from ocpdb_pipelines.regions import assign_region_codes, load_regions, load_vg25
from ocpdb_pipelines.regions.geopackage import GeoPackageError, strip_header
from ocpdb_pipelines.regions.run import assign_with_settings
from tests.downstream import rows
from tests.fixtures_dir import fixture_path

GPKG = fixture_path('vg25', 'vg5000_gem_in_vg25_layout.gpkg')
BERLIN = (52.52, 13.405)
MUENCHEN = (48.137, 11.576)


def test_strip_header_reads_srid_and_envelope() -> None:
    wkb = bytes.fromhex('0101000000000000000000f03f0000000000000040')
    blob = b'GP\x00' + bytes([0b0000_0011]) + (25832).to_bytes(4, 'little') + bytes(32) + wkb
    assert strip_header(blob) == (wkb, 25832)
    empty = b'GP\x00' + bytes([0b0010_0001]) + (4326).to_bytes(4, 'little')
    assert strip_header(empty) == (None, 4326)
    with pytest.raises(GeoPackageError):
        strip_header(b'XX\x00\x01\x00\x00\x00\x00')


def test_load_fixture_and_assign_known_points(db) -> None:
    report = load_vg25(db, GPKG)
    assert report.imported
    assert report.features == 10997
    assert report.skipped == 0
    row = db.execute(
        "SELECT name, ST_SRID(geom) AS srid, GeometryType(geom) AS type, attributes->>'bezeichnung' AS kind "
        "FROM regionalschluessel WHERE regional_code = '110000000000'"
    ).fetchone()
    assert row == {'name': 'Berlin', 'srid': 4326, 'type': 'MULTIPOLYGON', 'kind': 'Stadt'}
    # reprojected into WGS 84 around Berlin's real extent
    box = db.execute(
        'SELECT ST_XMin(geom) AS x0, ST_XMax(geom) AS x1, ST_YMin(geom) AS y0, ST_YMax(geom) AS y1 '
        "FROM regionalschluessel WHERE regional_code = '110000000000'"
    ).fetchone()
    assert 13.0 < box['x0'] < 13.2 < 13.7 < box['x1'] < 13.9
    assert 52.3 < box['y0'] < 52.4 < 52.6 < box['y1'] < 52.7

    berlin = rows.location(db, 'datex2_enbw', 'berlin', *BERLIN, country='DEU')
    muenchen = rows.location(db, 'datex2_enbw', 'muenchen', *MUENCHEN, country='DEU')
    france = rows.location(db, 'datex2_enbw', 'paris', 48.8566, 2.3522, country='FRA')
    sea = rows.location(db, 'datex2_enbw', 'sea', 54.5, 6.0, country='DEU')
    kept = rows.location(db, 'datex2_enbw', 'kept', *BERLIN, country='DEU', official_region_code='custom_code')
    no_country = rows.location(db, 'datex2_enbw', 'nocountry', *BERLIN)

    result = assign_region_codes(db)
    assert result.regions_available
    assert (result.candidates, result.found, result.updated, result.unresolved) == (3, 2, 2, 1)
    codes = {r['id']: r['official_region_code'] for r in db.execute('SELECT id, official_region_code FROM location')}
    assert codes == {
        berlin: '110000000000',
        muenchen: '091620000000',
        france: None,
        sea: None,
        kept: 'custom_code',
        no_country: None,
    }
    # re-assign overwrites; a failed lookup keeps the old value
    db.execute("UPDATE location SET official_region_code = 'old' WHERE id = %s", (sea,))
    again = assign_region_codes(db, re_assign=True)
    assert again.updated == 1
    codes = {r['id']: r['official_region_code'] for r in db.execute('SELECT id, official_region_code FROM location')}
    assert codes[kept] == '110000000000'
    assert codes[sea] == 'old'


def test_assign_by_source_only(db) -> None:
    load_vg25(db, GPKG)
    a = rows.location(db, 'datex2_enbw', 'a', *BERLIN, country='DEU')
    b = rows.location(db, 'bnetza_api', 'b', *BERLIN, country='DEU')
    assert assign_region_codes(db, source_uid='bnetza_api').updated == 1
    codes = {r['id']: r['official_region_code'] for r in db.execute('SELECT id, official_region_code FROM location')}
    assert codes == {a: None, b: '110000000000'}


def test_assign_without_regions_is_a_no_op(db) -> None:
    rows.location(db, 'datex2_enbw', 'a', *BERLIN, country='DEU')
    assert not assign_region_codes(db).regions_available


def test_import_runs_once_per_file_unless_forced_or_changed(db, tmp_path: Path) -> None:
    path = tmp_path / 'vg25.gpkg'
    shutil.copyfile(GPKG, path)
    assert load_vg25(db, path).imported
    second = load_vg25(db, path)
    assert not second.imported
    assert second.features == 10997
    assert load_vg25(db, path, force=True).imported
    # a changed file (one municipality fewer) is re-imported
    with sqlite3.connect(path) as lite:
        lite.execute('DELETE FROM v_vg25_gem WHERE "RegioSchlüsselAufgefüllt" = \'110000000000\'')
    changed = load_vg25(db, path)
    assert changed.imported
    assert changed.features == 10996
    assert db.execute('SELECT count(*) AS n FROM regionalschluessel').fetchone()['n'] == 10996


def test_field_names_are_matched_case_insensitively(db, tmp_path: Path) -> None:
    path = tmp_path / 'upper.gpkg'
    shutil.copyfile(GPKG, path)
    with sqlite3.connect(path) as lite:
        lite.execute('ALTER TABLE v_vg25_gem RENAME COLUMN "RegioSchlüsselAufgefüllt" TO "REGIOSCHLÜSSELAUFGEFÜLLT"')
    report = load_vg25(db, path)
    assert report.features == 10997


def test_not_a_geopackage_fails_and_changes_nothing(db, tmp_path: Path) -> None:
    load_vg25(db, GPKG)
    broken = tmp_path / 'broken.gpkg'
    broken.write_bytes(b'not sqlite at all' * 100)
    with pytest.raises(GeoPackageError):
        load_vg25(db, broken)
    assert db.execute('SELECT count(*) AS n FROM regionalschluessel').fetchone()['n'] == 10997


def test_download_once_when_missing_then_assign(settings) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, content=GPKG.read_bytes())

    transport = httpx.MockTransport(handler)
    settings = settings.with_values(vg25={'geopackage_path': str(Path(settings.data_dir) / 'vg25.gpkg')})
    with psycopg.connect(settings.database.url.get_secret_value(), autocommit=True) as conn:
        rows.location(conn, 'datex2_enbw', 'berlin', *BERLIN, country='DEU')
    report = assign_with_settings(settings, transport=transport)
    assert report.updated == 1
    assert len(calls) == 1
    assert calls[0].headers['user-agent'] == 'OCPDB'
    assert str(calls[0].url) == settings.vg25.geopackage_url
    again = load_regions(settings, transport=transport)
    assert not again.downloaded
    assert not again.imported
    assert len(calls) == 1


def test_failed_download_leaves_no_file(settings) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(503))
    settings = settings.with_values(vg25={'geopackage_path': str(Path(settings.data_dir) / 'vg25.gpkg')})
    with pytest.raises(httpx.HTTPStatusError):
        load_regions(settings, transport=transport)
    assert not Path(settings.vg25.geopackage_path).exists()
    assert not Path(settings.vg25.geopackage_path + '.part').exists()

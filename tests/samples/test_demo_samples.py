"""The demo's generated samples: every payload imports through the real runner into the real database.

Zero skipped records, plausible counts per source, and realtime after static changes EVSE statuses.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest

from ocpdb_pipelines.exports.datex2 import validate
from ocpdb_pipelines.imports import replay_pages_from_file, run_realtime, run_static
from ocpdb_pipelines.regions import assign_region_codes, load_vg25
from ocpdb_pipelines.samples import catalog, chargecloud, datex2, lichtblick, ochp
from ocpdb_pipelines.samples.catalog import DemoPayload, write_demo_samples
from ocpdb_pipelines.sources.base import Page
from ocpdb_pipelines.sources.families import FAMILY_MODULES
from ocpdb_pipelines.sources.registry import get_spec
from tests.fixtures_dir import schemas_dir
from tests.sources.live_sources_helpers import Recorder, json_response, with_source

# source uid -> (min, max) locations the sample should produce
EXPECTED_LOCATIONS = {
    'chargecloud_stuttgart': (40, 60),
    'chargecloud_pforzheim': (20, 40),
    'chargecloud_tuebingen': (20, 40),
    'chargecloud_ludwigsburg': (20, 60),
    'ocpi_stadtnavi': (20, 40),
    'eaaze_pbw': (20, 40),
    'opendata_swiss': (30, 60),
    'heilbronn_neckarbogen': (5, 12),  # a handful of parking garages, many chargepoints each
    'lichtblick': (20, 60),
    'giroe': (20, 60),
    'datex2_enbw': (20, 60),
    'datex2_ladebusiness': (20, 60),
    'datex2_tesla': (15, 40),
    'datex2_giroe': (20, 60),
    'ochp_albwerk': (20, 40),
    'ochp_ladenetz': (20, 40),
}
# every other registered DATEX II source gets a plain sample operator (samples/datex2.py source_of)
EXPECTED_LOCATIONS.update({uid: (4, 16) for uid in datex2.all_uids() if uid not in EXPECTED_LOCATIONS})


@pytest.fixture(scope='module')
def demo(tmp_path_factory) -> list[DemoPayload]:
    return write_demo_samples(tmp_path_factory.mktemp('demo'))


def _by_uid(payloads: list[DemoPayload], uid: str) -> list[DemoPayload]:
    return [p for p in payloads if p.uid == uid]


def _statuses(db, uid: str) -> dict[str, str]:
    rows = db.execute(
        """
        SELECT e.uid, e.status::text AS status FROM evse e
        JOIN charging_station cs ON cs.id = e.charging_station_id
        JOIN location l ON l.id = cs.location_id
        WHERE l.source = %s
        """,
        (uid,),
    ).fetchall()
    return {row['uid']: row['status'] for row in rows}


def test_catalog_order_and_coverage(demo):
    kinds = [p.kind for p in demo]
    assert kinds == sorted(kinds, key=lambda kind: kind != 'static'), 'every static comes before any realtime'
    statics = {p.uid for p in demo if p.kind == 'static'}
    assert {p.uid for p in demo if p.kind == 'realtime'} <= statics
    assert len(statics) == len([p for p in demo if p.kind == 'static']), 'one static file per source'
    assert set(EXPECTED_LOCATIONS) | {'bnetza_api', 'bnetza_excel'} == statics
    assert {get_spec(uid).family for uid in statics} == set(FAMILY_MODULES), 'every family is in the demo'
    assert all(p.path.is_file() and p.path.stat().st_size > 0 for p in demo)
    assert all(get_spec(p.uid).has_realtime for p in demo if p.kind == 'realtime')


@pytest.mark.parametrize('uid', sorted(EXPECTED_LOCATIONS))
def test_sample_imports_without_skips_and_realtime_changes_statuses(uid, demo, settings, db):
    payloads = _by_uid(demo, uid)
    static = next(p for p in payloads if p.kind == 'static')
    report = run_static(settings, uid, replay_pages=replay_pages_from_file(static.path))
    assert report.outcome == 'applied'
    assert report.skipped == []
    low, high = EXPECTED_LOCATIONS[uid]
    counts = db.execute(
        """
        SELECT count(DISTINCT l.id) AS locations, count(DISTINCT e.id) AS evses, count(c.id) AS connectors
        FROM location l JOIN charging_station cs ON cs.location_id = l.id
        JOIN evse e ON e.charging_station_id = cs.id JOIN connector c ON c.evse_id = e.id
        WHERE l.source = %s
        """,
        (uid,),
    ).fetchone()
    assert low <= counts['locations'] <= high
    assert counts['evses'] >= counts['locations']
    assert counts['connectors'] >= counts['evses']
    assert report.counts['locations_inserted'] == counts['locations']
    before = _statuses(db, uid)
    for realtime in (p for p in payloads if p.kind == 'realtime'):
        report = run_realtime(settings, uid, replay_pages=replay_pages_from_file(realtime.path))
        assert report.outcome == 'applied'
        assert report.skipped == []
        assert report.counts['unknown_evses'] == 0, 'realtime refers to the EVSEs of the static sample'
        assert report.counts['statuses_changed'] > 0
        after = _statuses(db, uid)
        assert after.keys() == before.keys()
        assert sum(before[key] != after[key] for key in after) == report.counts['statuses_changed']


@pytest.mark.parametrize('uid', ['bnetza_api', 'bnetza_excel'])
def test_bnetza_samples_import(uid, demo, settings, db):
    (static,) = _by_uid(demo, uid)
    report = run_static(settings, uid, replay_pages=replay_pages_from_file(static.path))
    assert report.outcome == 'applied'
    assert report.skipped == []
    assert db.execute('SELECT count(*) AS n FROM location WHERE source = %s', (uid,)).fetchone()['n'] > 50


def test_samples_are_deterministic_per_seed(tmp_path):
    first = write_demo_samples(tmp_path / 'a', seed=7)
    again = write_demo_samples(tmp_path / 'b', seed=7)
    other = write_demo_samples(tmp_path / 'c', seed=8)
    mine = [i for i, p in enumerate(first) if not p.uid.startswith('bnetza')]
    assert all(first[i].path.read_bytes() == again[i].path.read_bytes() for i in mine)
    assert all(first[i].path.read_bytes() != other[i].path.read_bytes() for i in mine)


def test_afir_sample_as_two_cursor_pages_through_the_fetch(settings, db):
    pages = chargecloud.afir_pages(seed=3)
    assert len(pages) == 2
    assert pages[0]['next']
    assert pages[1]['next'] is None
    recorder = Recorder(json_response(pages[0]), json_response(pages[1]))
    uid = 'chargecloud_ludwigsburg'
    report = run_static(with_source(settings, uid, api_key='demo-key'), uid, transport=recorder.transport)
    assert report.pages == 2
    assert report.skipped == []
    assert recorder.requests[1].url.params['cursor'] == pages[0]['next']
    expected = len(pages[0]['items']) + len(pages[1]['items'])
    assert db.execute('SELECT count(*) AS n FROM location WHERE source = %s', (uid,)).fetchone()['n'] == expected
    # the EVSE tariffs are stored, one tariff per tariff id shared by the EVSEs
    tariffs = db.execute('SELECT uid FROM tariff WHERE source = %s ORDER BY uid', (uid,)).fetchall()
    assert [row['uid'] for row in tariffs] in (['SLB-AC-ADHOC'], ['SLB-AC-ADHOC', 'SLB-DC-ADHOC'])


def test_replaying_the_two_pages_as_pages_gives_the_same_as_one_file():
    from ocpdb_pipelines.sources.chargecloud_afir import family as afir
    from tests.sources.live_sources_helpers import context

    ctx = context('chargecloud_ludwigsburg')
    two = afir.parse_static(ctx, [Page(body=orjson.dumps(page)) for page in chargecloud.afir_pages()])
    one = afir.parse_static(ctx, [Page(body=orjson.dumps(chargecloud.afir_single_page()))])
    assert [loc.uid for loc in two.locations] == [loc.uid for loc in one.locations]


@pytest.mark.parametrize('uid', [uid for uid in datex2.SOURCES if datex2.VERSIONS.get(uid, '3.5') == '3.5'])
def test_datex_35_samples_are_schema_valid(uid):
    root = schemas_dir() / 'datex2'
    assert validate.json_errors(root, datex2.static_payload(uid), '3.5', 'static') == []
    container = datex2.realtime_payload(uid)['messageContainer']
    (publication,) = container['payload']
    document = {'payload': publication, 'exchangeInformation': container['exchangeInformation']}
    assert validate.json_errors(root, document, '3.5', 'realtime') == []


def test_datex_tariffs_are_grouped(demo, settings, db):
    uid = 'datex2_enbw'
    (static,) = [p for p in _by_uid(demo, uid) if p.kind == 'static']
    run_static(settings, uid, replay_pages=replay_pages_from_file(static.path))
    tariffs = db.execute('SELECT count(*) AS n FROM tariff WHERE source = %s', (uid,)).fetchone()['n']
    associations = db.execute(
        'SELECT audience::text AS audience, count(*) AS n FROM tariff_association WHERE source = %s GROUP BY 1',
        (uid,),
    ).fetchall()
    # AC ad hoc, DC ad hoc and one contract price: three tariffs however many EVSEs there are
    assert tariffs == 3
    assert {row['audience']: row['n'] for row in associations} == {'AD_HOC_PAYMENT': 2, 'EMSP_CONTRACT': 1}


def test_opendata_swiss_operator_without_live_data_stays_static(demo, settings, db):
    uid = 'opendata_swiss'
    for payload in _by_uid(demo, uid):
        run = run_static if payload.kind == 'static' else run_realtime
        run(settings, uid, replay_pages=replay_pages_from_file(payload.path))
    statuses = _statuses(db, uid)
    ewz = {status for evse, status in statuses.items() if evse.startswith('CH*EWZ')}
    assert ewz == {'STATIC'}
    assert Counter(statuses.values())['AVAILABLE'] > 0


def test_lichtblick_unpublished_places_are_left_out(demo, settings, db):
    (static,) = [p for p in _by_uid(demo, 'lichtblick') if p.kind == 'static']
    run_static(settings, 'lichtblick', replay_pages=replay_pages_from_file(static.path))
    stored = db.execute("SELECT count(*) AS n FROM location WHERE source = 'lichtblick'").fetchone()['n']
    assert stored == lichtblick.published_count()


def test_ochp_samples_are_soap_envelopes():
    body = ochp.charge_point_list('ochp_ladenetz')
    assert body.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert b'GetChargePointListResponse' in body
    assert b'chargePointInfoArray' in body
    assert b'GetStatusResponse' in ochp.status_response('ochp_ladenetz')


def test_catalog_writes_into_a_fresh_directory(tmp_path):
    target = tmp_path / 'nested' / 'demo'
    payloads = catalog.write_demo_samples(target)
    assert all(Path(p.path).parent == target for p in payloads)


def test_every_german_sample_site_gets_a_code_from_the_demo_vg25(demo, settings, db, tmp_path):
    """The demo's VG25 GeoPackage has a municipality around every German place the samples use (live
    feeds and the register), so `german_locations_have_codes` is green in the demo; no two overlap."""
    from ocpdb_pipelines.regions.assign import german_code_coverage
    from ocpdb_pipelines.samples.vg25 import write_vg25_geopackage

    for payload in (p for p in demo if p.kind == 'static'):
        run_static(settings, payload.uid, replay_pages=replay_pages_from_file(payload.path))
    path = tmp_path / 'vg25_demo.gpkg'
    write_vg25_geopackage(path)
    load_vg25(db, path)
    assign_region_codes(db)
    missing = db.execute(
        "SELECT source, city, lat, lon FROM location WHERE country = 'DEU' AND official_region_code IS NULL "
        'ORDER BY source, city LIMIT 20'
    ).fetchall()
    assert missing == []
    assert german_code_coverage(db)['total'] > 500
    overlapping = db.execute(
        'SELECT a.regional_code, b.regional_code FROM regionalschluessel a JOIN regionalschluessel b '
        'ON a.regional_code < b.regional_code AND ST_Intersects(a.geom, b.geom)'
    ).fetchall()
    assert overlapping == []

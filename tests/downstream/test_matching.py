"""BNetzA matching on real PostGIS: scores, links, re-runs and null addresses."""

from __future__ import annotations

import math

import pytest

from ocpdb_pipelines.matching import run_matching
from ocpdb_pipelines.matching.ngram import similarity
from ocpdb_pipelines.matching.score import Side, distance_factor, evse_factor, score
from tests.downstream import rows

LAT, LON = 48.7758, 9.1829
# metres -> degrees of latitude on the WGS-84 ellipsoid near 48.8°N (about 111.19 km per degree)
M = 1 / 111_190.0


@pytest.mark.parametrize(
    ('a', 'b', 'expected'),
    [
        ('spa', 'spam', 0.375),
        ('ham', 'bam', 0.25),
        ('hauptstraße 1', 'hauptstr. 1', 0.5556),
        ('x', 'x', 1.0),
        ('abc', 'xyz', 0.0),
    ],
)
def test_trigram_similarity_matches_the_documented_examples(a: str, b: str, expected: float) -> None:
    assert similarity(a, b) == pytest.approx(expected, abs=1e-4)


def test_factors() -> None:
    assert distance_factor(50) == pytest.approx(0.8825, abs=1e-4)
    assert distance_factor(100) == pytest.approx(0.6065, abs=1e-4)
    assert distance_factor(200) == pytest.approx(0.1353, abs=1e-4)
    assert evse_factor(2, 2) == 1.0
    assert evse_factor(2, 3) == pytest.approx(0.8)
    assert evse_factor(1, 5) == pytest.approx(1 - 0.4 * 4 / 5)
    # null addresses and operators never crash
    assert score(Side(None, None, 1), Side('Main Street 1', 'EnBW', 1), 10) > 0


def test_links_the_best_candidate_and_stores_the_score(db) -> None:
    static = rows.site_with_evses(db, 'bnetza_api', 'B1', LAT, LON, 2, address='Königstraße 1', operator='EnBW AG')
    near = rows.site_with_evses(
        db, 'datex2_enbw', 'E1', LAT + 20 * M, LON, 2, address='Königstraße 1', operator='EnBW AG'
    )
    rows.site_with_evses(db, 'ocpi_stadtnavi', 'O1', LAT + 150 * M, LON, 2, address='Königstraße 1', operator='EnBW AG')
    report = run_matching(db, 0.25)

    row = db.execute(
        'SELECT dynamic_location_id, dynamic_location_probability FROM location WHERE id = %s', (static,)
    ).fetchone()
    assert row['dynamic_location_id'] == near
    distance = db.execute(
        'SELECT ST_Distance(a.geometry::geography, b.geometry::geography) AS d FROM location a, location b '
        'WHERE a.id = %s AND b.id = %s',
        (static, near),
    ).fetchone()['d']
    assert row['dynamic_location_probability'] == pytest.approx(math.sqrt(math.exp(-((distance / 100) ** 2))))
    assert report.static_locations == 1
    assert report.candidate_pairs == 2
    assert report.matched == 1
    assert report.links_set == 1
    assert sum(report.score_histogram.values()) == 1
    # live locations never get a link
    assert db.execute('SELECT count(*) AS n FROM location WHERE dynamic_location_id IS NOT NULL').fetchone()['n'] == 1


def test_full_score_with_every_factor(db) -> None:
    static = rows.site_with_evses(db, 'bnetza_excel', 'B1', LAT, LON, 1, address='Hauptstraße 1', operator='Stadtwerke')
    rows.site_with_evses(
        db, 'chargecloud_stuttgart', 'C1', LAT + 40 * M, LON, 3, address='Hauptstr. 1', operator='Stadtwerke Stuttgart'
    )
    run_matching(db, 0.0)
    row = db.execute(
        'SELECT l.dynamic_location_probability AS p, ST_Distance(l.geometry::geography, d.geometry::geography) AS d '
        'FROM location l JOIN location d ON d.id = l.dynamic_location_id WHERE l.id = %s',
        (static,),
    ).fetchone()
    expected = (
        distance_factor(row['d'])
        * math.sqrt(similarity('hauptstraße 1', 'hauptstr. 1'))
        * similarity('stadtwerke', 'stadtwerke stuttgart')
        * evse_factor(1, 3)
    )
    assert row['p'] == pytest.approx(expected)


def test_search_box_is_500_metres_and_skips_other_bnetza_sources(db) -> None:
    static = rows.site_with_evses(db, 'bnetza_api', 'B1', LAT, LON, 1, address='A 1')
    rows.site_with_evses(db, 'bnetza_excel', 'X1', LAT, LON, 1, address='A 1')  # the other register: no candidate
    rows.site_with_evses(db, 'datex2_enbw', 'E1', LAT + 520 * M, LON, 1, address='A 1')  # outside the box
    report = run_matching(db, 0.0)
    assert report.candidate_pairs == 0
    assert (
        db.execute('SELECT dynamic_location_id FROM location WHERE id = %s', (static,)).fetchone()[
            'dynamic_location_id'
        ]
        is None
    )
    rows.site_with_evses(db, 'datex2_enbw', 'E2', LAT + 480 * M, LON, 1, address='A 1')  # inside, tiny score
    report = run_matching(db, 0.0)
    assert report.candidate_pairs == 2  # both register entries see it
    assert report.matched == 2


def test_below_threshold_and_reruns_clear_links(db) -> None:
    static = rows.site_with_evses(db, 'bnetza_api', 'B1', LAT, LON, 1, address='Königstraße 1')
    live = rows.site_with_evses(db, 'datex2_enbw', 'E1', LAT + 10 * M, LON, 1, address='Königstraße 1')
    assert run_matching(db, 0.25).matched == 1
    again = run_matching(db, 0.25)
    assert again.matched == 1
    assert again.links_set == 0  # idempotent: nothing rewritten
    # the live location moves 300 m away: score drops under the threshold and the link is cleared
    db.execute('UPDATE location SET lat = lat + %s WHERE id = %s', (300 * M, live))
    report = run_matching(db, 0.25)
    assert report.matched == 0
    assert report.links_cleared == 1
    row = db.execute(
        'SELECT dynamic_location_id, dynamic_location_probability FROM location WHERE id = %s', (static,)
    ).fetchone()
    assert row == {'dynamic_location_id': None, 'dynamic_location_probability': None}


def test_null_addresses_do_not_crash(db) -> None:
    static = rows.site_with_evses(db, 'bnetza_api', 'B1', LAT, LON, 1)
    live = rows.site_with_evses(db, 'datex2_enbw', 'E1', LAT + 5 * M, LON, 1, address='Somewhere 3')
    run_matching(db, 0.25)
    row = db.execute(
        'SELECT dynamic_location_id, dynamic_location_probability AS p FROM location WHERE id = %s', (static,)
    ).fetchone()
    assert row['dynamic_location_id'] == live
    assert row['p'] == pytest.approx(0.5, abs=0.01)


def test_data_version_bumped_only_on_change(db) -> None:
    rows.site_with_evses(db, 'bnetza_api', 'B1', LAT, LON, 1, address='A 1')
    rows.site_with_evses(db, 'datex2_enbw', 'E1', LAT, LON, 1, address='A 1')
    run_matching(db, 0.25)
    version = db.execute('SELECT version FROM data_version').fetchone()['version']
    run_matching(db, 0.25)
    assert db.execute('SELECT version FROM data_version').fetchone()['version'] == version

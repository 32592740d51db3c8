"""Cross-source duplicates: the real Stuttgart chargecloud feed imported as two live sources appears once in
tiles by default and twice with filter_duplicates=false; the links carry their provenance; the register
matching leaves them alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from ocpdb_pipelines.imports import run_static
from ocpdb_pipelines.matching.service import run_matching
from ocpdb_pipelines.products.duplicates import link_duplicates
from ocpdb_pipelines.sources.base import Page
from tests.fixtures_dir import fixture_bytes
from tests.products.tiles_client import api_client, tile_ids

FIRST, SECOND = 'chargecloud_stuttgart', 'chargecloud_pforzheim'


@pytest.fixture
def twins(settings, db):
    body = fixture_bytes('chargecloud', 'stuttgart_public.json')
    run_static(settings, FIRST, replay_pages=[Page(body)])
    run_static(settings, SECOND, replay_pages=[Page(body)])
    return db


@pytest.fixture
def client(settings, twins) -> Iterator[TestClient]:
    with api_client(settings) as c:
        yield c


def _with_ids(db, source):
    return {
        r['uid']: r['id']
        for r in db.execute(
            """
            SELECT l.uid, l.id FROM location l WHERE l.source = %s AND EXISTS (
                SELECT 1 FROM charging_station cs JOIN evse e ON e.charging_station_id = cs.id
                WHERE cs.location_id = l.id AND e.evse_id IS NOT NULL)
            """,
            (source,),
        )
    }


def test_same_evses_from_two_live_sources_are_linked_once(twins):
    first, second = _with_ids(twins, FIRST), _with_ids(twins, SECOND)
    assert first
    assert set(first) == set(second)
    report = link_duplicates(twins)
    assert report.linked == len(first)
    assert report.pairs_by_sources == {f'{SECOND} -> {FIRST}': len(first)}
    links = {
        r['location_id']: r
        for r in twins.execute('SELECT * FROM location_duplicate')
    }  # fmt: skip
    for uid, follower in second.items():
        link = links[follower]
        # equal EVSE sets and equal live counts: the record OCPDB knew first leads
        assert link['duplicate_of'] == first[uid]
        assert link['rule'] == 'same_evse_ids'
        assert link['evidence']['leader_source'] == FIRST
        row = twins.execute('SELECT dynamic_location_id FROM location WHERE id = %s', (follower,)).fetchone()
        assert row['dynamic_location_id'] == first[uid]
    again = link_duplicates(twins)
    assert (again.links_set, again.links_cleared, again.linked) == (0, 0, report.linked)


def test_the_fuller_record_leads(twins):
    first, second = _with_ids(twins, FIRST), _with_ids(twins, SECOND)
    # a location of the first source with two or more EVSE ids loses one: the second source's twin is fuller
    location = twins.execute(
        """
        SELECT cs.location_id, min(e.id) AS evse FROM charging_station cs JOIN evse e ON e.charging_station_id = cs.id
        WHERE cs.location_id = ANY(%s) AND e.evse_id IS NOT NULL GROUP BY 1 HAVING count(*) >= 2 ORDER BY 1 LIMIT 1
        """,
        (list(first.values()),),
    ).fetchone()
    uid = next(u for u, i in first.items() if i == location['location_id'])
    twins.execute('DELETE FROM evse WHERE id = %s', (location['evse'],))
    link_duplicates(twins)
    link = twins.execute('SELECT duplicate_of FROM location_duplicate WHERE location_id = %s', (first[uid],)).fetchone()
    assert link['duplicate_of'] == second[uid]
    assert twins.execute('SELECT 1 FROM location_duplicate WHERE location_id = %s', (second[uid],)).fetchone() is None


def test_tiles_show_them_once_by_default_and_twice_unfiltered(client, twins):
    first = _with_ids(twins, FIRST)
    link_duplicates(twins)
    shown = tile_ids(client, twins, 10)
    unfiltered = tile_ids(client, twins, 10, filter_duplicates='false')
    followers = {r['location_id'] for r in twins.execute('SELECT location_id FROM location_duplicate')}
    assert len(followers) == len(first)
    assert not followers & set(shown)
    assert followers <= set(unfiltered)
    assert set(unfiltered) - set(shown) == followers
    everything = {r['id'] for r in twins.execute('SELECT id FROM location')}
    assert set(unfiltered) == everything


def test_register_matching_keeps_live_links(twins):
    link_duplicates(twins)
    before = twins.execute('SELECT id, dynamic_location_id FROM location ORDER BY id').fetchall()
    run_matching(twins)
    assert twins.execute('SELECT id, dynamic_location_id FROM location ORDER BY id').fetchall() == before


def test_lists_show_them_once_only_when_asked(client, twins):
    link_duplicates(twins)
    total = twins.execute('SELECT count(*) AS n FROM location').fetchone()['n']
    followers = twins.execute('SELECT count(*) AS n FROM location_duplicate').fetchone()['n']
    for path in ('/api/public/v1/locations', '/api/public/ocpi/2.2/locations'):
        assert client.get(path).json()['total_count'] == total  # the predecessor's default: everything
        assert client.get(path, params={'filter_duplicates': 'false'}).json()['total_count'] == total
        filtered = client.get(path, params={'filter_duplicates': 'true', 'limit': 1000}).json()
        assert filtered['total_count'] == total - followers
        hidden = {r['location_id'] for r in twins.execute('SELECT location_id FROM location_duplicate')}
        assert not hidden & {item['id'] for item in filtered['items']}

"""Cross-source duplicates by site (rule `same_site`), on real fixtures.

Real pair: Stadtnavi's OCPI feed (2022) and the chargecloud AFIR feed of Stadtwerke Ludwigsburg both list the
charging site "Neckartalstraße" of Autohaus Tschirner in Ludwigsburg, 11 m apart, under different EVSE ids
(Stadtnavi's own ZZ*NAV namespace, chargecloud's DE*SLB) and with 2 vs 3 EVSEs. The same chargecloud feed
puts a site in Murr (Gottlieb-Daimler-Straße 43, another postal code and operator) 1 m from the Stadtnavi
record: a real near miss.

Constructed pair (no real second feed of the same sites in another wire format is recorded): the real EnBW
DATEX II feed, re-published in the OCPI wire format of the Stadtnavi family from what OCPDB imported, without
eMI3 ids, a few metres off and with streets abbreviated, as a second live source.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import orjson
import psycopg
import pytest
from starlette.testclient import TestClient

from ocpdb_pipelines.imports import run_static
from ocpdb_pipelines.matching.service import DEGREES_PER_METRE
from ocpdb_pipelines.products.duplicates import link_duplicates
from ocpdb_pipelines.sources.base import Page
from tests.fixtures_dir import fixture_bytes
from tests.products.tiles_client import api_client, tile_ids
from tests.sources.live_sources_helpers import with_source

STADTNAVI, LUDWIGSBURG = 'ocpi_stadtnavi', 'chargecloud_ludwigsburg'
STADTNAVI_SITE = 'ZZ*NAV*LB539958'  # Ladepunkt Autohaus Tschirner und Fuchs, Neckartalstraße
CHARGECLOUD_SITE, MURR = '1591036', '1591037'  # LB Neckartalstraße 37 / MUR Gottlieb-Daimler-Straße 43


def _import_real_pair(settings) -> None:
    settings = with_source(settings, LUDWIGSBURG, api_key='k')
    run_static(settings, STADTNAVI, replay_pages=[Page(fixture_bytes('stadtnavi', 'ocpi_locations.json'))])
    pages = [
        Page(fixture_bytes('chargecloud', name))
        for name in ('ludwigsburg_afir_page.json', 'ludwigsburg_afir_last_page.json')
    ]
    run_static(settings, LUDWIGSBURG, replay_pages=pages)


@pytest.fixture
def real_pair(settings, db) -> psycopg.Connection:
    _import_real_pair(settings)
    return db


def _id(db, source: str, uid: str) -> int:
    return db.execute('SELECT id FROM location WHERE source = %s AND uid = %s', (source, uid)).fetchone()['id']


def test_the_same_site_from_two_families_is_linked_with_its_evidence(real_pair):
    follower, leader = _id(real_pair, STADTNAVI, STADTNAVI_SITE), _id(real_pair, LUDWIGSBURG, CHARGECLOUD_SITE)
    shared = real_pair.execute(
        """
        SELECT count(*) AS n FROM evse a JOIN evse b ON upper(a.evse_id) = upper(b.evse_id)
        JOIN charging_station ca ON ca.id = a.charging_station_id
        JOIN charging_station cb ON cb.id = b.charging_station_id
        WHERE ca.location_id = %s AND cb.location_id = %s
        """,
        (follower, leader),
    ).fetchone()['n']
    assert shared == 0  # the eMI3 rule cannot see this pair
    report = link_duplicates(real_pair)
    assert report.linked_by_rule == {'same_site': 1}
    assert report.pairs_by_sources == {f'{STADTNAVI} -> {LUDWIGSBURG}': 1}
    link = real_pair.execute('SELECT * FROM location_duplicate').fetchone()
    # chargecloud's record has 3 EVSEs to Stadtnavi's 2: the fuller record leads
    assert (link['location_id'], link['duplicate_of'], link['rule']) == (follower, leader, 'same_site')
    evidence = link['evidence']
    assert evidence['matched_with'] == leader
    assert 5 < evidence['metres'] < 20
    assert (evidence['follower_evses'], evidence['leader_evses']) == (2, 3)
    assert link['score'] == pytest.approx(math.prod(evidence['factors'].values()), abs=1e-3)
    row = real_pair.execute(
        'SELECT dynamic_location_id, dynamic_location_probability FROM location WHERE id = %s', (follower,)
    ).fetchone()
    assert (row['dynamic_location_id'], row['dynamic_location_probability']) == (leader, link['score'])
    again = link_duplicates(real_pair)
    assert (again.links_set, again.links_cleared, again.linked) == (0, 0, 1)


def test_a_real_near_miss_one_metre_away_is_not_linked(real_pair):
    murr, stadtnavi = _id(real_pair, LUDWIGSBURG, MURR), _id(real_pair, STADTNAVI, STADTNAVI_SITE)
    metres = real_pair.execute(
        'SELECT ST_Distance(a.geometry::geography, b.geometry::geography) AS m FROM location a, location b '
        'WHERE a.id = %s AND b.id = %s',
        (murr, stadtnavi),
    ).fetchone()['m']
    assert metres < 2
    report = link_duplicates(real_pair)
    assert report.site_candidate_pairs == 2  # both chargecloud sites are near the Stadtnavi record
    linked = {r['location_id'] for r in real_pair.execute('SELECT location_id, duplicate_of FROM location_duplicate')}
    leaders = {r['duplicate_of'] for r in real_pair.execute('SELECT duplicate_of FROM location_duplicate')}
    assert murr not in linked | leaders


def _move(db, location_id: int, north_metres: float) -> None:
    db.execute('UPDATE location SET lat = lat + %s WHERE id = %s', (north_metres * DEGREES_PER_METRE, location_id))


def test_another_site_of_the_same_operator_30_m_along_the_street_is_not_linked(settings, real_pair):
    """The chargecloud site re-published as the Stadtnavi feed (in place of its recording) 30 m away, same operator
    and equipment, only the house number differs: two sites, not one."""
    leader = _id(real_pair, LUDWIGSBURG, CHARGECLOUD_SITE)
    page = orjson.loads(fixture_bytes('chargecloud', 'ludwigsburg_afir_page.json'))
    item = next(i for i in page['items'] if i['id'] == CHARGECLOUD_SITE)
    item['address'] = 'Neckartalstraße 41'
    item['name'] = 'LB Neckartalstraße 41'
    for evse in item['evses']:
        evse['evse_id'] = None
    feed = Page(orjson.dumps({'data': [item], 'status_code': 1000}))
    run_static(settings, STADTNAVI, replay_pages=[feed], force=True)  # force: past the shrink guard
    neighbour = _id(real_pair, STADTNAVI, CHARGECLOUD_SITE)
    _move(real_pair, neighbour, 30)
    report = link_duplicates(real_pair)
    pairs = real_pair.execute('SELECT location_id, duplicate_of FROM location_duplicate').fetchall()
    assert report.site_candidate_pairs >= 1
    assert {'location_id': neighbour, 'duplicate_of': leader} not in pairs
    assert neighbour not in {p['location_id'] for p in pairs}


def test_same_operator_ids_that_differ_are_two_sites(real_pair):
    """Both records numbered by the same operator (DE*SLB) without a shared id: the ids say two sites."""
    follower = _id(real_pair, STADTNAVI, STADTNAVI_SITE)
    real_pair.execute(
        "UPDATE evse e SET evse_id = 'DE*SLB*E999L99999*00' || e.id FROM charging_station cs "
        'WHERE cs.id = e.charging_station_id AND cs.location_id = %s',
        (follower,),
    )
    report = link_duplicates(real_pair)
    assert report.site_id_conflicts == 2  # with the Neckartalstraße and the Murr site, both DE*SLB
    assert report.linked == 0


def _ocpi_from_db(db, source: str, north_metres: float) -> bytes:
    """The locations OCPDB imported from `source`, written in the OCPI wire format (Stadtnavi's envelope), with
    no eMI3 ids, `north_metres` further north and 'straße' abbreviated: a second live feed of the same sites."""
    data = []
    for loc in db.execute(
        'SELECT id, uid, name, address, postal_code, city, lat::float8 AS lat, lon::float8 AS lon FROM location '
        'WHERE source = %s ORDER BY id',
        (source,),
    ):
        evses = []
        for evse in db.execute(
            """
            SELECT e.uid, e.status::text AS status, json_agg(json_build_object(
                'id', c.uid, 'standard', c.standard, 'format', c.format, 'power_type', c.power_type,
                'max_voltage', c.max_voltage, 'max_amperage', c.max_amperage,
                'max_electric_power', c.max_electric_power, 'last_updated', '2026-11-30T12:00:00Z')) AS connectors
            FROM charging_station cs JOIN evse e ON e.charging_station_id = cs.id JOIN connector c ON c.evse_id = e.id
            WHERE cs.location_id = %s GROUP BY e.id ORDER BY e.id
            """,
            (loc['id'],),
        ):
            evses.append({'uid': f'copy-{evse["uid"]}', 'status': evse['status'], 'connectors': evse['connectors'],
                          'last_updated': '2026-11-30T12:00:00Z'})  # fmt: skip
        data.append(
            {
                'id': f'copy-{loc["uid"]}',
                'name': loc['name'],
                'address': (loc['address'] or '').replace('straße', 'str.'),
                'city': loc['city'],
                'postal_code': loc['postal_code'],
                'country': 'DEU',
                'coordinates': {
                    'latitude': str(loc['lat'] + north_metres * DEGREES_PER_METRE),
                    'longitude': str(loc['lon']),
                },
                'evses': evses,
                'last_updated': '2026-11-30T12:00:00Z',
            }
        )
    return orjson.dumps({'data': data, 'status_code': 1000})


@pytest.fixture
def rewritten(settings, db) -> psycopg.Connection:
    run_static(settings, 'datex2_enbw', replay_pages=[Page(fixture_bytes('datex2', 'enbw_static.json'))])
    run_static(settings, STADTNAVI, replay_pages=[Page(_ocpi_from_db(db, 'datex2_enbw', north_metres=8))])
    return db


@pytest.fixture
def client(settings, rewritten) -> Iterator[TestClient]:
    with api_client(settings) as c:
        yield c


def test_a_feed_rewritten_in_another_family_without_ids_shows_once_in_tiles(client, rewritten):
    originals = {
        r['uid']: r['id'] for r in rewritten.execute("SELECT uid, id FROM location WHERE source = 'datex2_enbw'")
    }
    copies = {
        r['uid']: r['id'] for r in rewritten.execute('SELECT uid, id FROM location WHERE source = %s', (STADTNAVI,))
    }
    assert len(copies) == len(originals) >= 10
    report = link_duplicates(rewritten)
    links = {r['location_id']: r for r in rewritten.execute('SELECT * FROM location_duplicate')}
    assert report.linked_by_rule == {'same_site': len(originals)}
    for uid, original in originals.items():
        copy = copies[f'copy-{uid}']
        # equal EVSE counts; the imported DATEX II record has live statuses or the lower id: it leads
        assert links[copy]['duplicate_of'] == original, uid
        assert links[copy]['score'] >= 0.45
    shown = tile_ids(client, rewritten, 12)
    unfiltered = tile_ids(client, rewritten, 12, filter_duplicates='false')
    assert sorted(unfiltered) == sorted([*originals.values(), *copies.values()])
    assert sorted(shown) == sorted(originals.values())
    total = len(originals) + len(copies)
    for path in ('/api/public/v1/locations', '/api/public/ocpi/2.2/locations'):
        assert client.get(path).json()['total_count'] == total  # the predecessor's default: everything
        assert client.get(path, params={'filter_duplicates': 'true'}).json()['total_count'] == len(originals)


def test_three_sources_of_one_site_follow_one_leader_directly(settings, real_pair):
    """The Stadtnavi record re-published by a third live source (eaaze_pbw, the OCPI family) 5 m off: all three
    are one site; the fuller chargecloud record leads and both others point at it, never at each other."""
    page = orjson.loads(fixture_bytes('stadtnavi', 'ocpi_locations.json'))
    item = next(i for i in page['data'] if i['id'] == STADTNAVI_SITE)
    item['id'] = 'third-copy'
    for n, evse in enumerate(item['evses']):
        evse['evse_id'], evse['uid'] = None, f'third-{n}'
    eaaze = with_source(settings, 'eaaze_pbw', token='t')
    run_static(eaaze, 'eaaze_pbw', replay_pages=[Page(orjson.dumps({'data': [item], 'status_code': 1000}))])
    third = _id(real_pair, 'eaaze_pbw', 'third-copy')
    _move(real_pair, third, 5)
    leader, stadtnavi = _id(real_pair, LUDWIGSBURG, CHARGECLOUD_SITE), _id(real_pair, STADTNAVI, STADTNAVI_SITE)
    link_duplicates(real_pair)
    links = {r['location_id']: r for r in real_pair.execute('SELECT * FROM location_duplicate')}
    assert set(links) == {stadtnavi, third}
    assert {link['duplicate_of'] for link in links.values()} == {leader}
    # each states its own pair with the leader: the same score (the copy is the Stadtnavi record moved 5 m)
    assert {link['evidence']['matched_with'] for link in links.values()} == {leader}
    assert links[third]['score'] == pytest.approx(links[stadtnavi]['score'], abs=0.01)

"""Tile filters, honest counts (occupied, stale), source ids per feature, boundary tiles and the map config."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from starlette.datastructures import QueryParams

from ocpdb_api import tile_filters
from tests.api import builder as build
from tests.api.test_tiles import BERLIN, decode, tile_of

NOW = datetime.now(UTC)


def _points(client, z: int = 14, **params) -> dict[int, dict]:
    x, y = tile_of(*BERLIN, z)
    r = client.get(f'/tiles/{z}/{x}/{y}.mvt', params=params)
    assert r.status_code == 200, r.text
    return {
        f['properties']['id']: f['properties'] for f in decode(r.content).get('chargepoints', {}).get('features', [])
    }


def _clusters(client, z: int = 6, **params) -> list[dict]:
    x, y = tile_of(*BERLIN, z)
    r = client.get(f'/tiles/{z}/{x}/{y}.mvt', params=params)
    assert r.status_code == 200, r.text
    return [f['properties'] for f in decode(r.content).get('clusters', {}).get('features', [])]


def _site(db, uid, source, operator, statuses, connectors, lat=52.52003, lon=13.40489, seen=NOW):
    loc = build.location(db, uid, source, operator_id=operator, lat=lat, lon=lon)
    cs = build.station(db, loc, f'{uid}-CS')
    for i, status in enumerate(statuses):
        evse = build.evse(db, cs, f'{uid}-E{i}', evse_id=f'{uid}*{i}', status=status, status_last_updated=seen)
        for j, kind in enumerate(connectors):
            build.connector(db, evse, f'{uid}-E{i}-C{j}', **kind)
    return loc


@pytest.fixture
def sites(db):
    """Three Berlin sites: AC of Electro (occupied), DC of Electro (available), AC of Power from SOURCE-2."""
    build.source(db, 'SOURCE-1', realtime_data_updated_at=NOW)
    build.source(db, 'SOURCE-2', realtime_data_updated_at=NOW)
    electro, power = build.business(db, 'Electro Inc'), build.business(db, 'Power Inc')
    ids = {
        'busy': _site(db, 'BUSY', 'SOURCE-1', electro, ['CHARGING', 'BLOCKED'], [build.AC]),
        'fast': _site(db, 'FAST', 'SOURCE-1', electro, ['AVAILABLE', 'CHARGING'], [build.DC], lon=13.41),
        'other': _site(db, 'OTHER', 'SOURCE-2', power, ['AVAILABLE'], [build.AC], lon=13.4065),
    }
    ids['electro'], ids['power'] = electro, power
    build.bump_version(db)
    return ids


def test_all_occupied_location_and_cluster_have_no_available_evse(db, client, sites):
    """The old cluster colour tested `available == 0`, the same as a cluster without live data (grey)."""
    busy = _points(client)[sites['busy']]
    assert (busy['c'], busy['ca'], busy['co'], busy['cs'], busy['cx'], busy['src']) == (2, 0, 2, 0, 0, 'SOURCE-1')
    (cluster,) = _clusters(client, static='false', source_uids='SOURCE-1')
    assert cluster == {'count': 2, 'available': 1, 'c': 4, 'ca': 1, 'co': 3, 'cu': 0, 'cs': 0, 'cx': 0,
                       'srcs': 'SOURCE-1'}  # fmt: skip
    (only_busy,) = _clusters(
        client, operator_ids=str(sites['electro']), min_power_kw='1', connector_standards='IEC_62196_T2'
    )
    assert (only_busy['count'], only_busy['ca'], only_busy['co'], only_busy['cs']) == (1, 0, 2, 0)


def test_stale_statuses_are_counted_apart(db, client, sites):
    old = NOW - timedelta(hours=5)
    db.execute("UPDATE source SET realtime_data_updated_at = %s WHERE uid = 'SOURCE-2'", (old,))
    db.execute("UPDATE evse SET status_last_updated = %s WHERE uid LIKE 'OTHER-%%'", (old,))
    build.bump_version(db)
    other = _points(client)[sites['other']]
    assert (other['c'], other['ca'], other['cx']) == (1, 0, 1)
    # a fetch that found the payload unchanged confirms the statuses
    db.execute("INSERT INTO fetch_state (source_uid, kind, checked_at) VALUES ('SOURCE-2', 'realtime', now())")
    build.bump_version(db)
    other = _points(client)[sites['other']]
    assert (other['c'], other['ca'], other['cx']) == (1, 1, 0)
    clusters = _clusters(client)
    assert sum(c['cx'] for c in clusters) == 0


def test_static_evses_are_never_stale(db, client, sites):
    db.execute("UPDATE evse SET status = 'STATIC', status_last_updated = NULL WHERE uid LIKE 'OTHER-%%'")
    db.execute("UPDATE source SET realtime_data_updated_at = NULL WHERE uid = 'SOURCE-2'")
    build.bump_version(db)
    other = _points(client)[sites['other']]
    assert (other['c'], other['cs'], other['cx'], other['ca']) == (1, 1, 0, 0)


@pytest.mark.parametrize(
    ('params', 'expected'),
    [
        ({}, {'busy', 'fast', 'other'}),
        ({'connector_standards': 'IEC_62196_T2'}, {'busy', 'other'}),
        ({'connector_standards': 'iec_62196_t2_combo,CHADEMO'}, {'fast'}),
        ({'min_power_kw': '50'}, {'fast'}),
        ({'min_power_kw': '22'}, {'busy', 'fast', 'other'}),
        ({'min_power_kw': '22.5'}, {'fast'}),
        ({'connector_standards': 'IEC_62196_T2', 'min_power_kw': '50'}, set()),
        ({'source_uids': 'SOURCE-2'}, {'other'}),
        ({'source_uids': 'SOURCE-2,SOURCE-1'}, {'busy', 'fast', 'other'}),
        ({'source_uids': 'NOPE'}, set()),
        ({'static': 'true'}, set()),
    ],
)
def test_filters_apply_to_points_and_clusters(db, client, sites, params, expected):
    names = {v: k for k, v in sites.items() if k in ('busy', 'fast', 'other')}
    assert {names[i] for i in _points(client, **params)} == expected
    assert sum(c['count'] for c in _clusters(client, **params)) == len(expected)


def test_operator_filter(db, client, sites):
    assert set(_points(client, operator_ids=str(sites['power']))) == {sites['other']}
    both = f'{sites["power"]},{sites["electro"]}'
    assert set(_points(client, operator_ids=both)) == {sites['busy'], sites['fast'], sites['other']}


def test_connector_filter_counts_only_matching_evses(db, client, sites):
    """An EVSE counts when one of its connectors matches; the location's counts are over those EVSEs."""
    loc = build.location(db, 'MIXED', 'SOURCE-1', lon=13.403)
    cs = build.station(db, loc, 'MIXED-CS')
    build.connector(db, build.evse(db, cs, 'MIXED-AC', status='AVAILABLE', status_last_updated=NOW), 'A', **build.AC)
    build.connector(db, build.evse(db, cs, 'MIXED-DC', status='CHARGING', status_last_updated=NOW), 'D', **build.DC)
    build.bump_version(db)
    assert (_points(client)[loc]['c'], _points(client)[loc]['ca']) == (2, 1)
    fast = _points(client, min_power_kw='100')[loc]
    assert (fast['c'], fast['ca'], fast['co']) == (1, 0, 1)


def test_equivalent_filters_share_etag_and_different_ones_do_not(db, client, sites):
    x, y = tile_of(*BERLIN, 14)
    url = f'/tiles/14/{x}/{y}.mvt'
    a = client.get(url, params={'source_uids': 'SOURCE-2,SOURCE-1,SOURCE-2'})
    b = client.get(url, params={'source_uids': 'SOURCE-1,SOURCE-2'})
    c = client.get(url, params={'source_uids': 'SOURCE-1'})
    d = client.get(url, params={'min_power_kw': '50'})
    assert a.headers['ETag'] == b.headers['ETag']
    assert b.headers['X-Tile-Cache'] == 'hit'
    # each different filter is its own cache entry; ETags are content hashes (ocpdb_api/tilecache.py), so
    # they differ exactly where the bodies do
    assert (c.headers['X-Tile-Cache'], d.headers['X-Tile-Cache']) == ('miss', 'miss')
    assert c.content != b.content
    assert c.headers['ETag'] != b.headers['ETag']
    for response in (c, d, client.get(url)):
        assert (response.headers['ETag'] == b.headers['ETag']) == (response.content == b.content)


def test_filter_key_is_normalized_and_safe():
    f = tile_filters.parse
    one = f(QueryParams('connector_standards=chademo,IEC_62196_T2&operator_ids=2,1,2'), 3600, now=1_000_000)
    two = f(QueryParams('operator_ids=1,2&connector_standards=IEC_62196_T2,CHADEMO'), 3600, now=1_000_100)
    assert one == two
    assert one.key() == '-t|cCHADEMO,IEC_62196_T2|o1,2|x996300'
    quoted = f(QueryParams('source_uids=a"b'), 0)
    assert '"' not in quoted.key()
    assert quoted.key().startswith('-t|h')
    long = f(QueryParams('source_uids=' + ','.join(f'SOURCE-{i}' for i in range(40))), 0)
    assert len(long.key()) < 40


@pytest.mark.parametrize(
    ('query', 'param'),
    [
        ('connector_standards=FOO', 'connector_standards'),
        ('min_power_kw=-1', 'min_power_kw'),
        ('min_power_kw=fast', 'min_power_kw'),
        ('operator_ids=abc', 'operator_ids'),
        ('operator_ids=1,,2', 'operator_ids'),
        ('source_uids=a,,b', 'source_uids'),
    ],
)
def test_bad_filters_are_400(client, query, param):
    r = client.get(f'/tiles/10/550/335.mvt?{query}')
    assert r.status_code == 400
    assert param in r.json()['error']['data']['field_errors']


def _regions(db) -> None:
    """Two Berlin municipalities in one district (fake codes) and Potsdam alone in its district."""

    def square(lon: float, lat: float, half: float = 0.05) -> str:
        return (f'SRID=4326;MULTIPOLYGON((({lon - half} {lat - half},{lon + half} {lat - half},'
                f'{lon + half} {lat + half},{lon - half} {lat + half},{lon - half} {lat - half})))')  # fmt: skip

    rows = [
        ('110000000001', 'Mitte', 'Stadt', square(13.40, 52.52)),
        ('110000000002', 'Pankow', 'Gemeinde', square(13.50, 52.52)),
        ('120540000000', 'Potsdam', 'Stadt', square(13.06, 52.40)),
    ]
    for code, name, kind, wkt in rows:
        db.execute(
            'INSERT INTO regionalschluessel (regional_code, name, attributes, geom) VALUES (%s, %s, %s, %s)',
            (code, name, f'{{"bezeichnung": "{kind}"}}', wkt),
        )
    db.execute("INSERT INTO regionalschluessel_import VALUES ('v_vg25_gem', 'x', 3, '2025-01-01T00:00:00Z')")
    db.execute('REFRESH MATERIALIZED VIEW region_boundary')


def test_boundary_tiles(db, client):
    db.execute('REFRESH MATERIALIZED VIEW region_boundary')  # test databases keep it between tests
    x, y = tile_of(52.40, 13.06, 6)
    empty = client.get(f'/tiles/boundaries/6/{x}/{y}.mvt')
    assert empty.content == b''
    _regions(db)
    r = client.get(f'/tiles/boundaries/6/{x}/{y}.mvt')
    assert r.headers['ETag'] != empty.headers['ETag']
    assert r.status_code == 200
    assert r.headers['content-type'] == 'application/x-protobuf'
    layers = decode(r.content)
    states = {f['properties']['code']: f['properties'] for f in layers['boundaries']['features']}
    assert states == {'11': {'level': 1, 'code': '11', 'name': 'Berlin'},
                      '12': {'level': 1, 'code': '12', 'name': 'Brandenburg'}}  # fmt: skip
    assert [f['properties'] for f in layers['places']['features']] == [{'name': 'Potsdam', 'rank': 1}]
    x, y = tile_of(52.52, 13.40, 10)
    layers = decode(client.get(f'/tiles/boundaries/10/{x}/{y}.mvt').content)
    levels = sorted((f['properties']['level'], f['properties']['code']) for f in layers['boundaries']['features'])
    assert (2, '11000') in levels
    assert (3, '110000000001') in levels
    assert {f['properties']['name'] for f in layers['places']['features']} >= {'Mitte'}
    assert client.get(r.url.path, headers={'If-None-Match': r.headers['ETag']}).status_code == 304
    assert client.get('/tiles/boundaries/3/9/0.mvt').status_code == 400


def test_map_config(db, client, sites):
    build.business(db, 'Nobody Inc')
    db.execute(
        "UPDATE source SET attribution_license = 'CC-BY 4.0', attribution_contributor = 'Stadt X', "
        "attribution_url = 'https://x.example/licence' WHERE uid = 'SOURCE-2'"
    )
    build.bump_version(db)
    doc = client.get('/map/config.json').json()
    assert doc['style_url'] is None
    assert doc['status_stale_seconds'] == 3600
    assert [s['uid'] for s in doc['sources']] == ['SOURCE-1', 'SOURCE-2']
    assert doc['sources'][0]['confirmed_at'] is not None
    assert doc['sources'][1].pop('confirmed_at') is not None
    assert doc['sources'][1] == {
        'uid': 'SOURCE-2',
        'name': 'SOURCE-2',
        'public_url': None,
        'license': 'CC-BY 4.0',
        'contributor': 'Stadt X',
        'url': 'https://x.example/licence',
        'locations': 1,
    }
    assert [(o['name'], o['locations']) for o in doc['operators']] == [('Electro Inc', 2), ('Power Inc', 1)]
    assert {s['standard']: s['evses'] for s in doc['connector_standards']} == {
        'IEC_62196_T2': 3,
        'IEC_62196_T2_COMBO': 2,
    }
    assert [b['name'] for b in doc['basemap_attribution']] == ['Natural Earth']
    _regions(db)
    build.bump_version(db)
    doc = client.get('/map/config.json').json()
    assert doc['basemap_attribution'][1]['contributor'] == '© GeoBasis-DE / BKG (2025)'
    assert doc['basemap_attribution'][1]['license'] == 'dl-de/by-2-0'


def test_openapi_describes_tile_filters(client):
    doc = client.get('/documentation/public.json').json()
    names = {p['name'] for p in doc['paths']['/tiles/{z}/{x}/{y}.mvt']['get']['parameters']}
    assert {'connector_standards', 'min_power_kw', 'operator_ids', 'source_uids', 'static'} <= names
    assert '/tiles/boundaries/{z}/{x}/{y}.mvt' in doc['paths']

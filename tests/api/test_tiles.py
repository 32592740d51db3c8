"""Tiles: decoded with mapbox_vector_tile and compared with the database (Web Mercator, counts, filters, cache)."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
import redis

from tests.api import builder as build

BERLIN = (52.52003, 13.40489)


def tile_of(lat: float, lon: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def pixel(lat: float, lon: float, z: int, x: int, y: int) -> tuple[float, float]:
    """Expected MVT coordinates (extent 4096, y down) from the spherical Mercator formula."""
    n = 2**z
    fx = (lon + 180) / 360 * n
    fy = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return (fx - x) * 4096, (fy - y) * 4096


def decode(body: bytes) -> dict:
    return mapbox_vector_tile.decode(body, default_options={'y_coord_down': True})


def _berlin_tile(client, z: int = 14, **params):
    x, y = tile_of(*BERLIN, z)
    return client.get(f'/tiles/{z}/{x}/{y}.mvt', params=params), (z, x, y)


def _setup(db) -> dict[str, list[int]]:
    ids = build.predecessor_dataset(db)
    # location 1: one AVAILABLE, one STATIC; location 2: one UNKNOWN + bicycle-only; location 3 moved east
    db.execute("UPDATE evse SET status = 'STATIC' WHERE id = %s", (ids['evses'][1],))
    db.execute("UPDATE evse SET status = 'UNKNOWN', parking_restrictions = 64 WHERE id = %s", (ids['evses'][2],))
    db.execute('UPDATE location SET name = NULL, lat = 52.521, lon = 13.41 WHERE id = %s', (ids['locations'][1],))
    db.execute('UPDATE location SET lat = 52.5205, lon = 13.4065 WHERE id = %s', (ids['locations'][2],))
    return ids


def test_features_match_database(db, client):
    _setup(db)
    r, (z, x, y) = _berlin_tile(client)
    assert r.status_code == 200
    assert r.headers['content-type'] == 'application/x-protobuf'
    layers = decode(r.content)
    assert list(layers) == ['chargepoints']
    layer = layers['chargepoints']
    assert layer['extent'] == 4096
    features = {f['properties']['id']: f for f in layer['features']}
    rows = db.execute('SELECT id, lat, lon FROM location ORDER BY id').fetchall()
    assert sorted(features) == [r['id'] for r in rows]
    for row in rows:
        px, py = pixel(float(row['lat']), float(row['lon']), z, x, y)
        gx, gy = features[row['id']]['geometry']['coordinates']
        assert abs(gx - px) <= 1, row
        assert abs(gy - py) <= 1, row
    zero = {'co': 0, 'cx': 0, 'src': 'SOURCE-1'}
    assert features[1]['properties'] == {'id': 1, 'name': 'Test Location', 'c': 2, 'ca': 1, 'cu': 0, 'cs': 1, 'cb': 0,
                                         **zero}  # fmt: skip
    assert features[2]['properties'] == {'id': 2, 'name': 'Test Street 123', 'c': 2, 'ca': 1, 'cu': 1, 'cs': 0,
                                         'cb': 1, **zero}  # fmt: skip
    assert features[3]['properties']['ca'] == 2


def test_location_without_evses_and_without_name(db, client):
    build.source(db)
    lid = build.location(db, 'BARE', name=None, address=None)
    r, _ = _berlin_tile(client)
    (feature,) = decode(r.content)['chargepoints']['features']
    assert feature['properties'] == {'id': lid, 'src': 'SOURCE-1', 'c': 0, 'ca': 0, 'cu': 0, 'cs': 0, 'cb': 0,
                                     'co': 0, 'cx': 0}  # fmt: skip


def test_filter_duplicates_and_static(db, client):
    ids = _setup(db)
    db.execute('UPDATE location SET dynamic_location_id = %s WHERE id = %s', (ids['locations'][0], ids['locations'][2]))
    r, _ = _berlin_tile(client)
    assert sorted(f['properties']['id'] for f in decode(r.content)['chargepoints']['features']) == [1, 2]
    r, _ = _berlin_tile(client, filter_duplicates='false')
    assert sorted(f['properties']['id'] for f in decode(r.content)['chargepoints']['features']) == [1, 2, 3]
    r, _ = _berlin_tile(client, static='true')
    feats = decode(r.content)['chargepoints']['features']
    assert [(f['properties']['id'], f['properties']['c'], f['properties']['cs']) for f in feats] == [(1, 1, 1)]
    r, _ = _berlin_tile(client, static='FALSE', filter_duplicates='false')
    feats = {f['properties']['id']: f['properties'] for f in decode(r.content)['chargepoints']['features']}
    assert {k: v['c'] for k, v in feats.items()} == {1: 1, 2: 2, 3: 2}
    assert all(v['cs'] == 0 for v in feats.values())


def test_clusters_below_zoom_8(db, client):
    _setup(db)
    build.location(db, 'MUC', 'SOURCE-1', lat=48.137, lon=11.575)
    for z in (5, 7):
        x, y = tile_of(*BERLIN, z)
        layers = decode(client.get(f'/tiles/{z}/{x}/{y}.mvt').content)
        assert list(layers) == ['clusters']
        total = sum(f['properties']['count'] for f in layers['clusters']['features'])
        berlin = [f for f in layers['clusters']['features'] if f['properties']['count'] == 3]
        assert berlin
        assert berlin[0]['properties'] == {'count': 3, 'available': 3, 'c': 6, 'ca': 4, 'co': 0, 'cu': 1, 'cs': 1,
                                           'cx': 0, 'srcs': 'SOURCE-1,SOURCE-2'}  # fmt: skip
        rows = db.execute('SELECT lat, lon FROM location').fetchall()
        assert total == sum(tile_of(float(r['lat']), float(r['lon']), z) == (x, y) for r in rows)
    # world tile holds everything
    layers = decode(client.get('/tiles/0/0/0.mvt').content)
    assert sum(f['properties']['count'] for f in layers['clusters']['features']) == 4


def test_empty_tile(db, client):
    r = client.get('/tiles/14/0/0.mvt')
    assert r.status_code == 200
    assert r.content == b''


def test_etag_cache_control_and_redis_cache(db, client, redis_url):
    _setup(db)
    r1, _ = _berlin_tile(client)
    assert r1.headers['X-Tile-Cache'] == 'miss'
    assert r1.headers['Cache-Control'].startswith('public, max-age=')
    etag = r1.headers['ETag']
    r2, _ = _berlin_tile(client)
    assert r2.headers['X-Tile-Cache'] == 'hit'
    assert r2.content == r1.content
    assert r2.headers['ETag'] == etag
    x, y = tile_of(*BERLIN, 14)
    r304 = client.get(f'/tiles/14/{x}/{y}.mvt', headers={'If-None-Match': etag})
    assert r304.status_code == 304
    assert r304.content == b''
    keys = redis.Redis.from_url(redis_url).keys('ocpdb:tile:*')
    assert len(keys) == 1
    # an import bumps data_version: new ETag, cache miss, new content
    db.execute("UPDATE evse SET status = 'CHARGING'")
    build.bump_version(db)
    r3, _ = _berlin_tile(client)
    assert r3.headers['ETag'] != etag
    assert r3.headers['X-Tile-Cache'] == 'miss'
    changed = decode(r3.content)['chargepoints']['features']
    assert changed
    assert all(f['properties']['ca'] == 0 for f in changed)
    assert client.get(f'/tiles/14/{x}/{y}.mvt', headers={'If-None-Match': etag}).status_code == 200


@pytest.mark.parametrize(
    ('path', 'param'),
    [
        ('/tiles/23/0/0.mvt', 'z'),
        ('/tiles/-1/0/0.mvt', 'z'),
        ('/tiles/a/0/0.mvt', 'z'),
        ('/tiles/2/4/0.mvt', 'x'),
        ('/tiles/2/0/4.mvt', 'y'),
        ('/tiles/2/0/1.5.mvt', 'y'),
        ('/tiles/10/0/0.mvt?static=maybe', 'static'),
        ('/tiles/10/0/0.mvt?static=', 'static'),
        ('/tiles/10/0/0.mvt?filter_duplicates=1', 'filter_duplicates'),
    ],
)
def test_invalid_tiles_400(client, path, param):
    r = client.get(path)
    assert r.status_code == 400
    assert param in r.json()['error']['data']['field_errors']


def test_tilejson(client):
    doc = client.get('/tiles.json').json()
    assert doc['tilejson'] == '3.0.0'
    assert doc['tiles'] == ['http://localhost:8000/tiles/{z}/{x}/{y}.mvt']
    assert [layer['id'] for layer in doc['vector_layers']] == ['clusters', 'chargepoints']
    assert set(doc['vector_layers'][1]['fields']) == {'id', 'name', 'src', 'c', 'ca', 'co', 'cu', 'cs', 'cx', 'cb'}


def test_head_and_cors_on_tiles(db, client):
    _setup(db)
    got, (z, x, y) = _berlin_tile(client, static='false')
    r = client.head(f'/tiles/{z}/{x}/{y}.mvt?static=false', headers={'Origin': 'https://map.example'})
    assert r.status_code == 200
    assert r.content == b''
    assert r.headers['content-length'] == str(len(got.content))
    assert r.headers['ETag'] == got.headers['ETag']
    assert r.headers['access-control-allow-origin'] == 'https://map.example'
    assert 'ETag' in r.headers['access-control-expose-headers']
    assert client.post(f'/tiles/{z}/{x}/{y}.mvt').status_code == 405


def test_tile_functions_keep_their_plans(db):
    """PL/pgSQL caches statement plans per session; a LANGUAGE sql body is planned again on every call
    (PostgreSQL < 18), which was most of a high-zoom tile's cost (sql/migrations/0005)."""
    rows = db.execute(
        """SELECT p.proname, l.lanname, p.proconfig FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.proname IN ('ocpdb_tile', 'ocpdb_tile_points', 'ocpdb_tile_clusters')"""
    ).fetchall()
    assert {r['proname']: r['lanname'] for r in rows} == dict.fromkeys(
        ('ocpdb_tile', 'ocpdb_tile_points', 'ocpdb_tile_clusters'), 'plpgsql'
    )
    # the points query (zoom >= 8) takes the generic plan from the first tile on every connection
    assert {r['proname']: r['proconfig'] for r in rows}['ocpdb_tile_points'] == ['plan_cache_mode=force_generic_plan']

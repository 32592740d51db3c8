"""What API users expect: boxes that mean what they say, distance order, totals, bounded pages, gzip, proxies."""

from __future__ import annotations

import zlib

import pytest
from isal import isal_zlib
from starlette.testclient import TestClient

from ocpdb_api.app import create_app
from ocpdb_api.compression import IsalGZipMiddleware
from ocpdb_api.params import LOCATION_MAX_LIMIT
from tests.api import builder as build

BOX = {'lat_min': -20, 'lat_max': 20}


def test_inverted_bounding_box_is_a_400(db, client):
    build.predecessor_dataset(db)
    r = client.get('/api/public/v1/locations', params={'lat_min': 53, 'lat_max': 52, 'lon_min': 13, 'lon_max': 14})
    assert r.status_code == 400
    assert r.json()['error']['data']['field_errors']['lat_min']['code'] == 'number_range_error'
    r = client.get('/api/public/datex/v3.5/json/static', params={'lat_min': 53, 'lat_max': 52, 'lon_min': 13,
                                                                 'lon_max': 14})  # fmt: skip
    assert r.status_code == 400


def test_bounding_box_across_the_antimeridian(db, client):
    """`lon_min=170&lon_max=-170` is the 20 degrees around 180, not the 340 degrees through Germany."""
    build.predecessor_dataset(db)  # Berlin
    fiji = build.location(db, 'FJI', 'SOURCE-1', lat=-17.7, lon=178.0)
    samoa = build.location(db, 'WSM', 'SOURCE-1', lat=-13.8, lon=-172.1)
    build.location(db, 'HAW', 'SOURCE-1', lat=19.6, lon=-155.5)
    r = client.get('/api/public/v1/locations', params={**BOX, 'lon_min': 170, 'lon_max': -170})
    assert r.status_code == 200
    assert [i['id'] for i in r.json()['items']] == [str(fiji), str(samoa)]
    r = client.get('/api/public/v1/locations', params={**BOX, 'lon_min': 170, 'lon_max': 180})
    assert [i['id'] for i in r.json()['items']] == [str(fiji)]


def test_radius_results_ordered_by_distance(db, client):
    build.source(db, 'S')
    far = build.location(db, 'far', 'S', lat=52.53, lon=13.40)
    near = build.location(db, 'near', 'S', lat=52.5201, lon=13.4049)
    middle = build.location(db, 'middle', 'S', lat=52.525, lon=13.405)
    query = {'lat': '52.52', 'lon': '13.405', 'radius': 5000}
    r = client.get('/api/public/v1/locations', params=query)
    assert [i['id'] for i in r.json()['items']] == [str(near), str(middle), str(far)]
    r = client.get('/api/public/v1/locations', params={**query, 'sorting_direction': 'DESC'})
    assert [i['id'] for i in r.json()['items']] == [str(far), str(middle), str(near)]
    r = client.get('/api/public/v1/locations', params={**query, 'sorted_by': 'id'})
    assert [i['id'] for i in r.json()['items']] == [str(far), str(near), str(middle)]


@pytest.mark.parametrize(
    'path',
    ['/api/public/v1/locations', '/api/public/v1/evses', '/api/public/v1/sources', '/api/public/ocpi/3.0/connectors'],
)
def test_lists_send_x_total_count(db, client, path):
    build.predecessor_dataset(db)
    r = client.get(path, params={'limit': 1})
    assert r.status_code == 200
    assert r.headers['X-Total-Count'] == str(r.json()['total_count'])
    assert 'X-Total-Count' in r.headers['Access-Control-Expose-Headers']


def test_location_limit_has_a_documented_maximum(db, client):
    assert client.get('/api/public/v1/locations', params={'limit': LOCATION_MAX_LIMIT}).status_code == 200
    r = client.get('/api/public/v1/locations', params={'limit': LOCATION_MAX_LIMIT + 1})
    assert r.status_code == 400
    assert r.json()['error']['data']['field_errors']['limit']['code'] == 'number_range_error'
    spec = client.get('/documentation/public.json').json()
    limit = next(p for p in spec['paths']['/api/public/v1/locations']['get']['parameters'] if p['name'] == 'limit')
    assert limit['schema']['maximum'] == LOCATION_MAX_LIMIT


def test_gzip_when_asked(db, client):
    build.predecessor_dataset(db)
    plain = client.get('/api/public/v1/locations', headers={'Accept-Encoding': 'identity'})
    assert 'content-encoding' not in plain.headers
    r = client.get('/api/public/v1/locations', headers={'Accept-Encoding': 'gzip'})
    assert r.headers['content-encoding'] == 'gzip'
    assert 'Accept-Encoding' in r.headers['vary']
    assert int(r.headers['content-length']) < len(plain.content)
    assert r.json() == plain.json()  # httpx decodes it
    ocpi = client.get('/ocpi/2.2.1/locations', headers={'Accept-Encoding': 'gzip'})
    assert ocpi.headers['content-encoding'] == 'gzip'


def test_list_pages_are_gzipped_inline_by_isal(db, api_settings):
    """A page of 100 locations (~230 kB) is compressed on the event loop, not in a worker thread (the hop cost
    1.3-2.5 ms per page under load), by ISA-L at level 1: 0.10 ms against zlib level 6's 1.56 ms for a page
    (bench/RESULTS-api.md). The wire bytes are ISA-L's, one chunk; they inflate to the identity body."""
    app = create_app(api_settings)
    [gzip] = [m for m in app.user_middleware if m.cls is IsalGZipMiddleware]
    assert gzip.kwargs['thread_minimum_size'] >= 1024 * 1024
    assert gzip.kwargs['compresslevel'] == 1
    build.predecessor_dataset(db)
    with TestClient(app) as client:
        plain = client.get('/api/public/v1/locations', headers={'Accept-Encoding': 'identity'})
        with client.stream('GET', '/api/public/v1/locations', headers={'Accept-Encoding': 'gzip'}) as r:
            wire = b''.join(r.iter_raw())
            assert r.headers['content-encoding'] == 'gzip'
    compressor = isal_zlib.compressobj(1, isal_zlib.DEFLATED, 16 + isal_zlib.MAX_WBITS)
    assert wire == compressor.compress(plain.content) + compressor.flush()
    assert zlib.decompress(wire, 16 + zlib.MAX_WBITS) == plain.content  # any gzip reader gets the same body


def test_tiles_are_not_gzipped(db, client):
    """A dense tile costs 1.7-3.5 ms to gzip (level 6), more than serving it from the cache: sent as is."""
    build.predecessor_dataset(db)
    r = client.get('/tiles/10/550/335.mvt', headers={'Accept-Encoding': 'gzip'})
    assert r.status_code == 200
    assert 'content-encoding' not in r.headers


def _proxied(api_settings, client_host: str, **overrides) -> TestClient:
    settings = api_settings.__class__(**{**api_settings.__dict__, **overrides})
    return TestClient(create_app(settings), client=(client_host, 40000))


FORWARDED = {'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'ocpdb.example.org'}


def test_links_follow_a_trusted_proxy(db, api_settings):
    build.source(db, 'S')
    for i in range(3):
        build.location(db, f'L{i}', 'S')
    with _proxied(api_settings, '10.1.2.3', trusted_proxies='127.0.0.1, 10.0.0.0/8') as c:
        r = c.get('/ocpi/2.2.1/locations', params={'limit': 1}, headers=FORWARDED)
        assert r.headers['Link'].startswith('<https://ocpdb.example.org/ocpi/2.2.1/locations?')
        versions = c.get('/ocpi/versions', headers=FORWARDED).json()['data']
        assert versions[0]['url'] == 'https://ocpdb.example.org/ocpi/2.2.1'
        spec = c.get('/documentation/public.json', headers=FORWARDED).json()
        assert spec['servers'] == [{'url': 'https://ocpdb.example.org'}]
        tilejson = c.get('/tiles.json', headers=FORWARDED).json()
        assert tilejson['tiles'][0].startswith('https://ocpdb.example.org/tiles/')
        # without forwarded headers the configured PROJECT_URL stays
        r = c.get('/ocpi/2.2.1/locations', params={'limit': 1})
        assert r.headers['Link'].startswith(f'<{api_settings.base_url}/ocpi/2.2.1/locations?')


def test_forwarded_headers_from_others_are_ignored(db, api_settings):
    build.source(db, 'S')
    for i in range(3):
        build.location(db, f'L{i}', 'S')
    with _proxied(api_settings, '203.0.113.9', trusted_proxies='127.0.0.1') as c:
        r = c.get('/ocpi/2.2.1/locations', params={'limit': 1}, headers=FORWARDED)
        assert r.headers['Link'].startswith(f'<{api_settings.base_url}/ocpi/2.2.1/locations?')


@pytest.mark.parametrize(('value', 'status'), [('true', 200), ('false', 200), ('TRUE', 200), ('yes', 400), ('1', 400)])
def test_strict_is_a_boolean(db, client, value, status):
    build.predecessor_dataset(db)
    r = client.get('/api/public/v1/locations', params={'strict': value})
    assert r.status_code == status
    if status == 400:
        assert r.json()['error']['data']['field_errors']['strict']['code'] == 'invalid_type'


@pytest.mark.parametrize(
    'query',
    [
        {'lat': '5.25e1', 'lon': '1.34e+1', 'radius': '1000'},  # OpenAPI numbers may be written with an exponent
        {'last_updated_since': '2024-01-01t00:00:00.123456789z'},  # RFC 3339: lower-case t/z, any fraction
        {'last_updated_since': '2024-01-01T00:00:00+01:00'},
        {'limit': '', 'name': ''},  # empty = absent (allowEmptyValue in the document)
    ],
)
def test_values_the_document_admits_are_accepted(db, client, query):
    build.predecessor_dataset(db)
    assert client.get('/api/public/v1/locations', params=query).status_code == 200

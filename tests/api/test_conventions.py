"""What API users expect: boxes that mean what they say, distance order, totals, bounded pages, gzip, proxies."""

from __future__ import annotations

import gzip

import pytest
from starlette.testclient import TestClient

from ocpdb_api.app import create_app
from ocpdb_api.params import LOCATION_MAX_LIMIT
from ocpdb_api.settings import ApiSettings
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

"""Compat API: shapes of predecessor §2.5, filters of §2.3, envelope and pagination of §2.1."""

from __future__ import annotations

import pytest

from tests.api import builder as build

TS = '2024-05-01T12:00:00Z'


def _connector(cid: int, conn: dict) -> dict:
    return {**conn, 'last_updated': TS, 'id': str(cid)}


def _evse(uid: int, cid: int, conn: dict) -> dict:
    return {
        'uid': str(uid),
        'evse_id': 'EVSE-1',
        'status': 'AVAILABLE',
        'presence': 'PRESENT',
        'last_updated': TS,
        'connectors': [_connector(cid, conn)],
    }


def _location(i: int, operator: str, conn: dict, evse_ids: tuple[int, int]) -> dict:
    return {
        'name': 'Test Location',
        'address': 'Test Street 123',
        'postal_code': '12345',
        'city': 'Test City',
        'country': 'DEU',
        'time_zone': 'Europe/Berlin',
        'last_updated': TS,
        'has_in_person_support': False,
        'facilities': [],
        'facility_description': '',
        'id': str(i),
        'publish': True,
        'opening_times': {'twentyfourseven': True},
        'coordinates': {'latitude': 52.52003, 'longitude': 13.40489},
        'operator': {'name': operator},
        'evses': [_evse(e, e, conn) for e in evse_ids],
    }


EXPECTED_STRICT = [
    _location(1, 'Electro Inc', build.AC, (1, 2)),
    _location(2, 'Electro Inc', build.DC, (3, 4)),
    _location(3, 'Power Inc', build.AC, (5, 6)),
]


@pytest.mark.parametrize(
    'path', ['/api/public/v1/locations', '/api/public/ocpi/2.2/locations', '/api/ocpi/2.2/locations']
)
def test_location_list_strict_matches_predecessor_example(db, client, path):
    build.predecessor_dataset(db)
    r = client.get(path, params={'strict': 'true'})
    assert r.status_code == 200
    assert r.headers['content-type'] == 'application/json'
    assert r.json() == {'items': EXPECTED_STRICT, 'total_count': 3}
    assert list(r.json()['items'][0]) == list(EXPECTED_STRICT[0])  # key order as produced


def test_location_non_strict_adds_extensions(db, client):
    build.predecessor_dataset(db)
    item = client.get('/api/public/v1/locations/1').json()
    assert item['original_id'] == 'LOCATION-1'
    assert item['source'] == 'SOURCE-1'
    assert item['coordinates'] == {'latitude': 52.52003, 'longitude': 13.40489, 'lat': 52.52003, 'lon': 13.40489}
    assert item['evses'][0]['original_uid'] == 'EVSE-1'
    assert item['evses'][0]['connectors'][0]['original_id'] == 'CONNECTOR-1'
    assert 'official_region_code' not in item


def test_ocpi22_item_honours_strict(db, client):
    """Predecessor quirk §10.2 fixed: the 2.2 item route follows `strict`."""
    build.predecessor_dataset(db)
    assert client.get('/api/public/ocpi/2.2/locations/1', params={'strict': 'true'}).json() == EXPECTED_STRICT[0]
    assert client.get('/api/public/ocpi/2.2/location/1', params={'strict': 'true'}).json() == EXPECTED_STRICT[0]


def test_ocpi30_location_and_station(db, client):
    build.predecessor_dataset(db)
    body = client.get('/api/public/ocpi/3.0/locations/1', params={'strict': 'true'}).json()
    expected = {k: v for k, v in EXPECTED_STRICT[0].items() if k != 'evses'}
    evses = [dict(e) for e in EXPECTED_STRICT[0]['evses']]
    expected['charging_pool'] = [{'last_updated': TS, 'id': '1', 'evses': evses}]
    assert body == expected
    station = client.get('/api/public/ocpi/3.0/charge-stations/1', params={'strict': 'true'}).json()
    assert station == {'last_updated': TS, 'id': '1', 'evses': evses}
    assert client.get('/api/public/ocpi/3.0/charge-stations/1').json()['original_uid'] == 'CS-1'


def test_evse_item_and_statuses_filter(db, client):
    ids = build.predecessor_dataset(db)
    assert client.get('/api/public/v1/evses/1', params={'strict': 'true'}).json() == _evse(1, 1, build.AC)
    assert client.get('/api/public/v1/evses/1').json()['original_uid'] == 'EVSE-1'
    db.execute("UPDATE evse SET status = 'CHARGING' WHERE id = %s", (ids['evses'][1],))
    db.execute("UPDATE evse SET status = 'OUTOFORDER' WHERE id = %s", (ids['evses'][2],))
    body = client.get('/api/public/v1/evses', params={'statuses': 'available,CHARGING'}).json()
    assert [e['uid'] for e in body['items']] == ['1', '2', '4', '5', '6']
    assert body['total_count'] == 5
    body = client.get('/api/public/ocpi/3.0/evses', params={'status': 'outoforder'}).json()
    assert [e['uid'] for e in body['items']] == ['3']


def test_evse_filters_combine_without_error(db, client):
    """Predecessor quirk: source_uid + location_id made the SQL invalid (500); here they combine."""
    build.predecessor_dataset(db)
    r = client.get('/api/public/v1/evses', params={'source_uid': 'SOURCE-1', 'location_id': '2'})
    assert r.status_code == 200
    assert [e['uid'] for e in r.json()['items']] == ['3', '4']
    r = client.get(
        '/api/public/ocpi/2.2/connectors', params={'source_uid': 'SOURCE-2', 'location_id': '3', 'evse_id': 5}
    )
    assert [c['id'] for c in r.json()['items']] == ['5']


def test_bbox_radius_and_partial_bbox(db, client):
    build.predecessor_dataset(db)
    munich = build.location(db, 'MUC', 'SOURCE-1', lat=48.137, lon=11.575)
    r = client.get('/api/public/v1/locations', params={'lat_min': 52, 'lat_max': 53, 'lon_min': 13, 'lon_max': 14})
    assert [i['id'] for i in r.json()['items']] == ['1', '2', '3']
    r = client.get('/api/public/v1/locations', params={'lat_min': 52, 'lat_max': 53})
    assert r.json()['total_count'] == 4  # partial bbox ignored
    r = client.get('/api/public/v1/locations', params={'lat': '48.14', 'lon': '11.58', 'radius': 1000})
    assert [i['id'] for i in r.json()['items']] == [str(munich)]
    # fixed quirk: 0 is a real coordinate / bound
    r = client.get('/api/public/v1/locations', params={'lat': '0', 'lon': '0', 'radius': 1000})
    assert r.status_code == 200
    assert r.json()['total_count'] == 0
    r = client.get('/api/public/v1/locations', params={'lat_min': 0, 'lat_max': 50, 'lon_min': 0, 'lon_max': 12})
    assert [i['id'] for i in r.json()['items']] == [str(munich)]


def test_radius_needs_all_three(db, client):
    r = client.get('/api/public/v1/locations', params={'lat': '52.5', 'lon': '13.4'})
    assert r.status_code == 400
    assert r.json() == {
        'error': {
            'code': 'validation_error',
            'message': 'Validation errors in query parameters.',
            'data': {
                'code': 'post_validation_errors',
                'error': {'code': 'unknown_error', 'reason': 'lat, lon and radius have all to be set if one is set'},
            },
        }
    }


def test_last_updated_since(db, client):
    ids = build.predecessor_dataset(db)
    db.execute("UPDATE location SET last_updated = '2024-06-01T00:00:00Z' WHERE id = %s", (ids['locations'][0],))
    db.execute("UPDATE evse SET last_updated = '2024-06-02T00:00:00Z' WHERE id = %s", (ids['evses'][3],))
    lonely = build.location(db, 'NO-EVSE', 'SOURCE-1', last_updated='2024-06-01T00:00:00Z')
    r = client.get('/api/public/v1/locations', params={'last_updated_since': '2024-06-01T00:00:00Z'})
    # inclusive on the location; an EVSE newer than its location matches; fixed: EVSE-less locations match too
    assert [i['id'] for i in r.json()['items']] == ['1', '2', str(lonely)]
    r = client.get('/api/public/v1/locations', params={'last_updated_since': '2024-06-01T00:00:00'})
    assert r.json()['total_count'] == 3


def test_evse_status_filters_select_whole_locations(db, client):
    ids = build.predecessor_dataset(db)
    db.execute("UPDATE evse SET status = 'STATIC' WHERE id = ANY(%s)", (ids['evses'][2:4],))
    db.execute("UPDATE evse SET status = 'CHARGING' WHERE id = %s", (ids['evses'][4],))
    r = client.get('/api/public/v1/locations', params={'evse_status': 'charging'})
    items = r.json()['items']
    assert [i['id'] for i in items] == ['3']
    assert [e['status'] for e in items[0]['evses']] == ['CHARGING', 'AVAILABLE']
    r = client.get('/api/public/v1/locations', params={'exclude_evse_status': 'STATIC'})
    assert [i['id'] for i in r.json()['items']] == ['1', '3']


def test_text_filters_escape_wildcards(db, client):
    build.predecessor_dataset(db)
    build.location(db, 'X', 'SOURCE-2', name='100% Power_Hub')
    assert client.get('/api/public/v1/locations', params={'name': '100%'}).json()['total_count'] == 1
    assert client.get('/api/public/v1/locations', params={'name': '%'}).json()['total_count'] == 1
    assert client.get('/api/public/v1/locations', params={'operator_name': 'Power'}).json()['total_count'] == 1
    assert client.get('/api/public/v1/locations', params={'operator_name': '%'}).json()['total_count'] == 0
    assert client.get('/api/public/v1/locations', params={'source_uids': 'SOURCE-2'}).json()['total_count'] == 2
    assert client.get('/api/public/v1/locations', params={'exclude_source_uid': 'SOURCE-2'}).json()['total_count'] == 2


def test_pagination_envelope_and_sorting(db, client):
    build.predecessor_dataset(db)
    body = client.get('/api/public/v1/locations', params={'limit': 2, 'strict': 'true'}).json()
    assert body['total_count'] == 3
    assert body['next_offset'] == 2
    assert body['next_path'] == '/api/public/v1/locations?limit=2&strict=true&offset=2'
    body = client.get('/api/public/v1/locations', params={'offset': 2, 'limit': 2}).json()
    assert [i['id'] for i in body['items']] == ['3']
    assert 'next_offset' not in body
    body = client.get('/api/public/v1/locations?sorted_by=ID&sorting_direction=desc').json()
    assert [i['id'] for i in body['items']] == ['3', '2', '1']
    body = client.get('/api/ocpi/3.0/locations?limit=1&name=Test').json()
    assert body['next_path'] == '/api/public/ocpi/3.0/locations?limit=1&name=Test&offset=1'


@pytest.mark.parametrize(
    ('query', 'param', 'code'),
    [
        ('limit=0', 'limit', 'number_range_error'),
        ('limit=-1', 'limit', 'number_range_error'),
        ('limit=1.5', 'limit', 'invalid_integer'),
        ('limit=1000001', 'limit', 'number_range_error'),
        ('offset=-3', 'offset', 'number_range_error'),
        ('sorted_by=evil', 'sorted_by', 'value_not_allowed'),
        ('country=DE', 'country', 'string_too_short'),
        ('lat=abc&lon=1&radius=3', 'lat', 'invalid_decimal'),
        ('last_updated_since=yesterday', 'last_updated_since', 'invalid_datetime'),
        ('evse_status=AVAILABLE,NOPE', 'evse_status', 'value_not_allowed'),
    ],
)
def test_bad_parameters_give_400_naming_the_parameter(db, client, query, param, code):
    r = client.get(f'/api/public/v1/locations?{query}')
    assert r.status_code == 400
    body = r.json()['error']
    assert body['code'] == 'validation_error'
    assert body['data']['field_errors'][param]['code'] == code


def test_empty_and_unknown_parameters_are_ignored(db, client):
    build.predecessor_dataset(db)
    r = client.get('/api/public/v1/locations?limit=&name=&foo=bar')
    assert r.status_code == 200
    assert r.json()['total_count'] == 3


@pytest.mark.parametrize(
    ('path', 'message'),
    [
        ('/api/public/v1/locations/999', 'Location with ID 999 was not found.'),
        ('/api/public/v1/businesses/999', 'Business with ID 999 was not found.'),
        ('/api/public/v1/sources/999', 'Source with ID 999 was not found.'),
        ('/api/public/v1/evses/999', 'evse with id 999 not found'),
        ('/api/public/ocpi/3.0/connectors/999', 'connector with id 999 not found'),
        ('/api/public/ocpi/3.0/charge-stations/999', 'charging station with id 999 not found'),
        ('/api/public/ocpi/3.0/tariffs/999', 'tariff with id 999 not found'),
        ('/api/public/ocpi/3.0/tariff-associations/999', 'tariff association with id 999 not found'),
        ('/api/public/v1/locations/abc', 'Location with ID abc was not found.'),
        ('/api/public/v1/locations/99999999999999999999999', 'Location with ID 99999999999999999999999 was not found.'),
    ],
)
def test_unknown_ids_404(db, client, path, message):
    r = client.get(path)
    assert r.status_code == 404
    assert r.json() == {'error': {'code': 'not_found', 'message': message}}


def test_unknown_route_and_method(client):
    r = client.get('/api/public/v1/nothing')
    assert r.status_code == 404
    assert r.json()['error']['code'] == 'not_found'
    r = client.post('/api/public/v1/locations')
    assert r.status_code == 405
    assert r.json()['error']['code'] == 'method_not_allowed'


def test_cors(db, client):
    r = client.get('/api/public/v1/sources', headers={'Origin': 'https://app.example'})
    assert r.headers['access-control-allow-origin'] == 'https://app.example'
    assert 'Origin' in r.headers['vary']
    assert client.get('/api/public/v1/sources').headers['access-control-allow-origin'] == '*'
    r = client.options(
        '/api/public/v1/sources',
        headers={'Origin': 'https://a.example', 'Access-Control-Request-Method': 'GET'},
    )
    assert r.status_code == 200
    assert r.headers['access-control-allow-origin'] == 'https://a.example'


def test_total_count_follows_data_version(db, client):
    """Totals are memoised per data_version; an import transaction bumps it and the next page sees new rows."""
    build.predecessor_dataset(db)
    assert client.get('/api/public/v1/locations').json()['total_count'] == 3
    build.location(db, 'NEW', 'SOURCE-1')
    build.bump_version(db)
    body = client.get('/api/public/v1/locations').json()
    assert body['total_count'] == 4
    assert len(body['items']) == 4

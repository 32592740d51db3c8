"""Compat API: businesses, sources, connectors with tariff ids, tariffs, tariff associations, images."""

from __future__ import annotations

from tests.api import builder as build

TS = '2024-05-01T12:00:00Z'


def test_businesses(db, client):
    build.predecessor_dataset(db)
    logo = build.image(db, 'https://cdn.example/logo.png', type='png', category='OPERATOR', width=64, height=32)
    db.execute("UPDATE business SET website = 'https://example.com', logo_id = %s WHERE name = 'Electro Inc'", (logo,))
    assert client.get('/api/public/ocpi/2.2/businesses/2').json() == {'name': 'Power Inc'}
    body = client.get('/api/public/v1/businesses/1').json()
    assert body == {
        'name': 'Electro Inc',
        'website': 'https://example.com',
        'logo': {
            'url': f'http://localhost:8000/data/images/{logo}.png',
            'category': 'OPERATOR',
            'type': 'png',
            'width': 64,
            'height': 32,
            'original_url': 'https://cdn.example/logo.png',
        },
    }
    # inside locations: no logo, no id
    assert client.get('/api/public/v1/locations/1').json()['operator'] == {
        'name': 'Electro Inc',
        'website': 'https://example.com',
    }
    body = client.get('/api/public/ocpi/3.0/businesses', params={'name': 'Power'}).json()
    assert body == {'items': [{'name': 'Power Inc'}], 'total_count': 1}
    body = client.get('/api/public/v1/businesses', params={'sorted_by': 'name', 'sorting_direction': 'DESC'}).json()
    assert [b['name'] for b in body['items']] == ['Power Inc', 'Electro Inc']


def test_sources(db, client):
    for uid, name in (('c', 'Alpha'), ('a', 'Gamma'), ('b', 'Beta')):
        build.source(db, uid, name=name)
    body = client.get('/api/public/v1/sources').json()
    assert [s['uid'] for s in body['items']] == ['a', 'b', 'c']
    first = body['items'][0]
    assert list(first) == [
        'id', 'created', 'modified', 'uid', 'name', 'public_url', 'static_data_updated_at', 'realtime_data_updated_at',
        'attribution_license', 'attribution_contributor', 'attribution_url', 'static_status', 'realtime_status',
        'static_error_count', 'realtime_error_count',
    ]  # fmt: skip
    assert first['id'] == 2
    assert first['public_url'] is None
    assert first['static_status'] == 'PROVISIONED'
    assert first['created'].endswith('Z')
    assert [s['name'] for s in client.get('/api/public/v1/sources?sorted_by=name').json()['items']] == [
        'Alpha',
        'Beta',
        'Gamma',
    ]
    assert client.get('/api/public/v1/sources?name=et').json()['total_count'] == 1
    body = client.get('/api/public/v1/sources?limit=2').json()
    assert body['total_count'] == 3
    assert body['next_offset'] == 2
    assert body['next_path'] == '/api/public/v1/sources?limit=2&offset=2'
    assert client.get('/api/public/v1/sources/1').json()['uid'] == 'c'


def test_tariffs_and_connector_tariff_ids(db, client):
    ids = build.predecessor_dataset(db)
    t1 = build.tariff(db, 'TARIFF-1')
    ta1 = build.association(db, t1, 'TA-1')
    build.link_evse_tariff(db, ids['evses'][0], ta1)
    body = client.get('/api/public/ocpi/2.2/tariffs/1').json()
    assert body == {
        'id': '1',
        'original_id': 'TA-1',
        'source': 'SOURCE-1',
        'currency': 'EUR',
        'type': 'AD_HOC_PAYMENT',
        'elements': [],
        'start_date_time': TS,
        'last_updated': TS,
    }
    assert client.get('/api/public/ocpi/3.0/tariffs/1').json() == {
        'id': '1',
        'original_id': 'TARIFF-1',
        'source': 'SOURCE-1',
        'currency': 'EUR',
        'elements': [],
        'last_updated': TS,
    }
    assert client.get('/api/public/ocpi/3.0/tariff-associations/1').json() == {
        'id': '1',
        'original_id': 'TA-1',
        'source': 'SOURCE-1',
        'tariff_id': '1',
        'audience': 'AD_HOC_PAYMENT',
        'start_date_time': TS,
        'last_updated': TS,
        'evses': [{'evse_uid': str(ids['evses'][0])}],
        'connectors': [],
    }
    connector = client.get('/api/public/ocpi/3.0/connectors/1', params={'strict': 'true'}).json()
    assert connector['tariff_ids'] == ['TARIFF-1']
    # a second association to the same tariff: still one id
    build.link_evse_tariff(db, ids['evses'][0], build.association(db, t1, 'TA-2', audience='EMSP_CONTRACT'))
    assert client.get('/api/public/ocpi/3.0/connectors/1').json()['tariff_ids'] == ['TARIFF-1']
    assert client.get('/api/public/ocpi/2.2/tariffs/2').json()['type'] == 'REGULAR'
    # connector-level association wins over EVSE-level ones
    t2 = build.tariff(
        db, 'TARIFF-2', elements=[{'price_components': [{'type': 'ENERGY', 'price': 0.3, 'step_size': None}]}]
    )
    build.link_connector_tariff(db, ids['connectors'][0], build.association(db, t2, 'TA-3'))
    assert client.get('/api/public/ocpi/3.0/connectors/1').json()['tariff_ids'] == ['TARIFF-2']
    assert client.get('/api/public/ocpi/3.0/tariffs/2').json()['elements'] == [
        {'price_components': [{'type': 'ENERGY', 'price': 0.3}]}
    ]
    body = client.get('/api/public/ocpi/3.0/tariff-associations', params={'tariff_id': t1}).json()
    assert [a['original_id'] for a in body['items']] == ['TA-1', 'TA-2']
    body = client.get('/api/public/ocpi/2.2/tariffs', params={'last_updated_since': '2024-05-01T13:00:00+01:00'}).json()
    assert body['total_count'] == 0  # strictly greater, offsets converted to UTC


def test_connectors_list(db, client):
    build.predecessor_dataset(db)
    body = client.get('/api/public/ocpi/2.2/connectors', params={'evse_id': 3, 'strict': 'true'}).json()
    assert body == {'items': [{**build.DC, 'last_updated': TS, 'id': '3'}], 'total_count': 1}


def test_evse_station_fields_and_images(db, client):
    ids = build.predecessor_dataset(db)
    db.execute(
        "UPDATE charging_station SET capabilities = 512 + 16, floor_level = '-1', lat = 52.5, lon = 13.4, "
        "go_live_date = '2023-02-01', max_power_unit = 'KW', max_power_value = 150 WHERE id = %s",
        (ids['stations'][0],),
    )
    db.execute('UPDATE evse SET parking_restrictions = 1 + 64 WHERE id = %s', (ids['evses'][0],))
    img = build.image(db, 'https://img.example/a.jpg', type='jpg', category='CHARGER')
    db.execute('INSERT INTO evse_image VALUES (%s, %s)', (ids['evses'][0], img))
    evse = client.get('/api/public/v1/evses/1').json()
    assert evse['capabilities'] == ['CREDIT_CARD_PAYABLE', 'RFID_READER']
    assert evse['parking_restrictions'] == ['EV_ONLY', 'BICYCLE_ONLY']
    assert evse['floor_level'] == '-1'
    assert evse['coordinates'] == {'latitude': 52.5, 'longitude': 13.4}
    assert evse['images'] == [
        {
            'url': f'http://localhost:8000/data/images/{img}.jpg',
            'category': 'CHARGER',
            'type': 'jpg',
            'original_url': 'https://img.example/a.jpg',
        }
    ]
    station = client.get('/api/public/ocpi/3.0/charge-stations/1').json()
    assert station['go_live_date'] == '2023-02-01'
    assert station['max_power'] == {'unit': 'KW', 'value': 150.0}
    assert 'capabilities' not in station['evses'][0]  # station fields are not repeated in the nested renderer
    strict = client.get('/api/public/ocpi/3.0/charge-stations/1?strict=true').json()
    assert 'go_live_date' not in strict
    assert 'max_power' not in strict
    assert strict['evses'][0]['images'][0] == {
        'url': f'http://localhost:8000/data/images/{img}.jpg',
        'category': 'CHARGER',
        'type': 'jpg',
    }


def test_location_max_power_and_opening_times(db, client):
    build.source(db)
    lid = build.location(
        db,
        twentyfourseven=None,
        max_power_value=150,
        regular_hours=[{'weekday': 1, 'period_begin': '08:00', 'period_end': '18:00'}],
        facilities=['BATHROOM'],
        official_region_code='110000000000',
    )
    v1 = client.get(f'/api/public/v1/locations/{lid}').json()
    assert v1['max_power'] == {'unit': None, 'value': 150.0}
    assert v1['opening_times'] == {'regular_hours': [{'weekday': 1, 'period_begin': '08:00', 'period_end': '18:00'}]}
    assert v1['facilities'] == ['BATHROOM']
    assert v1['official_region_code'] == '110000000000'
    assert v1['evses'] == []
    assert 'max_power' not in client.get(f'/api/public/v1/locations/{lid}?strict=true').json()
    assert client.get(f'/api/public/ocpi/3.0/locations/{lid}?strict=true').json()['max_power'] == {'value': 150.0}
    assert client.get(f'/api/public/ocpi/3.0/locations/{lid}').json()['max_power'] == {'unit': None, 'value': 150.0}
    filtered = client.get('/api/public/v1/locations', params={'official_region_code': '110000000000'}).json()
    assert filtered['total_count'] == 1

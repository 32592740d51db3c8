"""OCPI 2.2.1 Locations module: envelope, pagination headers, field rules, official examples round-trip."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.api import builder as build
from tests.api import ocpi_rules as rules
from tests.fixtures_dir import fixture_bytes, fixture_path

FULL_EXAMPLES = [
    'location_example.json',
    'location_example_parking_garage_opening_hours.json',
    'location_example_uc2_destination_charger.json',
    'location_example_uc3_destination_charger_not_published.json',
    'location_example_uc4_limited_visibility.json',
    'location_example_uc5_home_charge_point.json',
]
CAPS = {'RESERVABLE': 256, 'RFID_READER': 512, 'CHARGING_PROFILE_CAPABLE': 1, 'REMOTE_START_STOP_CAPABLE': 128,
        'UNLOCK_CAPABLE': 2048, 'CREDIT_CARD_PAYABLE': 16, 'CONTACTLESS_CARD_SUPPORT': 8}  # fmt: skip
RESTRICTIONS = {'EV_ONLY': 1, 'PLUGGED': 2, 'DISABLED': 4, 'CUSTOMERS': 8, 'MOTORCYCLES': 16}


def _example(name: str) -> dict:
    return json.loads(fixture_bytes('ocpi', name))


def insert_ocpi_location(db, loc: dict) -> int:
    """Store an official OCPI example through plain SQL, one station per EVSE (as the importers do)."""
    build.source(db, 'ocpi_example') if not db.execute(
        "SELECT 1 FROM source WHERE uid = 'ocpi_example'"
    ).fetchone() else None
    op = build.business(db, loc['operator']['name']) if loc.get('operator') else None
    hours = loc.get('opening_times') or {}
    lid = build.location(
        db,
        loc['id'],
        'ocpi_example',
        name=loc.get('name'),
        address=loc['address'],
        city=loc['city'],
        postal_code=loc.get('postal_code'),
        country=loc['country'],
        lat=float(loc['coordinates']['latitude']),
        lon=float(loc['coordinates']['longitude']),
        parking_type=loc.get('parking_type'),
        time_zone=loc['time_zone'],
        twentyfourseven=hours.get('twentyfourseven'),
        regular_hours=hours.get('regular_hours'),
        charging_when_closed=loc.get('charging_when_closed'),
        operator_id=op,
        last_updated=loc['last_updated'],
    )
    for i, e in enumerate(loc.get('evses', [])):
        cs = build.station(
            db,
            lid,
            f'CS-{i}',
            capabilities=sum(CAPS[c] for c in e.get('capabilities', [])),
            floor_level=e.get('floor_level'),
            last_updated=e['last_updated'],
        )
        eid = build.evse(
            db,
            cs,
            e['uid'],
            evse_id=e.get('evse_id'),
            status=e['status'],
            physical_reference=e.get('physical_reference'),
            parking_restrictions=sum(RESTRICTIONS[r] for r in e.get('parking_restrictions', [])),
            last_updated=e['last_updated'],
        )
        for c in e['connectors']:
            kw = {k: c.get(k) for k in ('standard', 'format', 'power_type', 'max_voltage', 'max_amperage')}
            cid = build.connector(db, eid, c['id'], max_electric_power=c.get('max_electric_power'), **kw,
                              last_updated=c['last_updated'])  # fmt: skip
            for t in c.get('tariff_ids', []):
                row = db.execute('SELECT id FROM tariff WHERE uid = %s', (t,)).fetchone()
                tid = row['id'] if row else build.tariff(db, t, 'ocpi_example')
                build.link_connector_tariff(db, cid, build.association(db, tid, f'TA-{cid}-{t}', 'ocpi_example'))
    return lid


@pytest.mark.parametrize('name', FULL_EXAMPLES)
def test_rules_accept_official_examples(name):
    rules.Location.model_validate(_example(name))


def test_versions_and_details(client):
    body = client.get('/ocpi/versions').json()
    rules.Envelope.model_validate(body)
    assert body['status_code'] == 1000
    assert body['data'] == [{'version': '2.2.1', 'url': 'http://localhost:8000/ocpi/2.2.1'}]
    details = client.get('/ocpi/2.2.1').json()['data']
    assert details == {
        'version': '2.2.1',
        'endpoints': [
            {'identifier': 'locations', 'role': 'SENDER', 'url': 'http://localhost:8000/ocpi/2.2.1/locations'}
        ],
    }
    assert json.loads(fixture_path('ocpi', 'versions_info_example.json').read_text())[1]['version'] == '2.2.1'


@pytest.mark.parametrize('name', FULL_EXAMPLES)
def test_official_example_round_trip(db, client, name):
    example = _example(name)
    lid = insert_ocpi_location(db, example)
    body = client.get(f'/ocpi/2.2.1/locations/{lid}').json()
    rules.Envelope.model_validate(body)
    got = rules.Location.model_validate(body['data']).model_dump(exclude_none=True)
    want = rules.Location.model_validate(example).model_dump(exclude_none=True)
    # the id space is OCPDB's (row ids), the rest must survive field by field
    for key in ('name', 'address', 'city', 'postal_code', 'country', 'parking_type', 'time_zone', 'last_updated',
                'operator', 'opening_times', 'charging_when_closed'):  # fmt: skip
        assert got.get(key) == want.get(key), key
    assert got['publish'] is True  # OCPDB only stores what sources publish
    for axis in ('latitude', 'longitude'):
        assert float(got['coordinates'][axis]) == pytest.approx(float(want['coordinates'][axis]))
    if 'evse_id' in str(want.get('evses')):
        assert (got['country_code'], got['party_id']) == (want['country_code'], want['party_id'])
    assert len(got.get('evses', [])) == len(want.get('evses', []))
    for g, w in zip(got.get('evses', []), want.get('evses', []), strict=True):
        for key in ('evse_id', 'status', 'capabilities', 'physical_reference', 'floor_level', 'parking_restrictions',
                    'last_updated'):  # fmt: skip
            assert g.get(key) == w.get(key), key
        for gc, wc in zip(g['connectors'], w['connectors'], strict=True):
            for key in ('standard', 'format', 'power_type', 'max_voltage', 'max_amperage', 'max_electric_power',
                        'tariff_ids', 'last_updated'):  # fmt: skip
                assert gc.get(key) == wc.get(key), key
        evse = client.get(f'/ocpi/2.2.1/locations/{lid}/{g["uid"]}').json()['data']
        assert evse == body['data']['evses'][[e['uid'] for e in body['data']['evses']].index(g['uid'])]
        conn = client.get(f'/ocpi/2.2.1/locations/{lid}/{g["uid"]}/{g["connectors"][0]["id"]}').json()['data']
        rules.Connector.model_validate(conn)


def test_field_rules_on_ocpdb_data(db, client):
    """Extensions and values OCPI 2.2.1 does not know are dropped; lengths are respected."""
    ids = build.predecessor_dataset(db)
    db.execute(
        "UPDATE location SET address = repeat('a', 80), facilities = '{BATHROOM}', parking_type = 'PRIVATE', "
        'time_zone = NULL, twentyfourseven = NULL WHERE id = %s',
        (ids['locations'][0],),
    )
    db.execute("UPDATE evse SET status = 'STATIC', parking_restrictions = 64 + 1 WHERE id = %s", (ids['evses'][0],))
    db.execute("UPDATE connector SET standard = 'MCS' WHERE id = %s", (ids['connectors'][1],))
    db.execute('UPDATE charging_station SET capabilities = 4096 + 256 WHERE id = %s', (ids['stations'][0],))
    data = client.get('/ocpi/2.2.1/locations').json()['data']
    for loc in data:
        rules.Location.model_validate(loc)
    first = data[0]
    assert first['address'] == 'a' * 45
    for key in ('facilities', 'parking_type', 'opening_times'):
        assert key not in first
    assert first['time_zone'] == 'Europe/Berlin'
    assert (first['country_code'], first['party_id']) == ('DE', 'OCP')
    assert [e['uid'] for e in first['evses']] == ['1']  # EVSE 2 lost its only connector (MCS)
    assert first['evses'][0]['status'] == 'UNKNOWN'
    assert first['evses'][0]['parking_restrictions'] == ['EV_ONLY']
    assert first['evses'][0]['capabilities'] == ['RESERVABLE']
    assert first['coordinates'] == {'latitude': '52.5200300', 'longitude': '13.4048900'}


def test_pagination_headers_and_link(db, client):
    build.source(db, 'S')
    for i in range(5):
        build.location(db, f'L{i}', 'S', last_updated=f'2024-01-0{i + 1}T00:00:00Z')
    r = client.get('/ocpi/2.2.1/locations', params={'limit': 2, 'date_from': '2024-01-02T00:00:00Z'})
    assert r.status_code == 200
    assert r.headers['X-Total-Count'] == '4'
    assert r.headers['X-Limit'] == '2'
    assert [d['id'] for d in r.json()['data']] == ['2', '3']
    link = r.headers['Link']
    assert link.endswith('>; rel="next"')
    url = urlsplit(link[1 : link.index('>')])
    assert url.path == '/ocpi/2.2.1/locations'
    assert parse_qs(url.query) == {
        'date_from': ['2024-01-02T00:00:00Z'], 'offset': ['2'], 'limit': ['2'], 'after': ['3']
    }  # fmt: skip
    r2 = client.get(f'{url.path}?{url.query}')
    assert [d['id'] for d in r2.json()['data']] == ['4', '5']
    assert 'Link' not in r2.headers
    r3 = client.get('/ocpi/2.2.1/locations', params={'date_to': '2024-01-03T00:00:00Z'})
    assert [d['id'] for d in r3.json()['data']] == ['1', '2']
    ts = datetime.fromisoformat(r3.json()['timestamp'].replace('Z', '+00:00'))
    assert ts.tzinfo is not None


@pytest.mark.parametrize(
    'path',
    [
        '/ocpi/2.2.1/locations/999',
        '/ocpi/2.2.1/locations/x',
        '/ocpi/2.2.1/locations/1/77',
        '/ocpi/2.2.1/locations/1/1/9',
    ],
)
def test_unknown_objects(db, client, path):
    build.predecessor_dataset(db)
    r = client.get(path)
    assert r.status_code == 404
    body = r.json()
    rules.Envelope.model_validate(body)
    assert body['status_code'] == 2003
    assert body['data'] is None


def test_bad_parameters_use_ocpi_envelope(client):
    r = client.get('/ocpi/2.2.1/locations', params={'limit': 'many'})
    assert r.status_code == 400
    assert r.json()['status_code'] == 2001
    assert 'limit' in r.json()['status_message']


def test_time_zone_is_the_iana_zone_at_the_coordinates(db, client):
    """A stored offset (`+01:00`, as DATEX II gives) or a wrong default becomes the zone the point lies in."""
    build.source(db, 'S')
    build.location(db, 'berlin', 'S', time_zone='+01:00')
    build.location(db, 'arbon', 'S', lat=47.5167, lon=9.4333, country='CHE', time_zone='Europe/Berlin')
    build.location(db, 'pacific', 'S', lat=-3.33, lon=-109.698318, time_zone=None)
    data = client.get('/ocpi/2.2.1/locations').json()['data']
    assert [d['time_zone'] for d in data] == ['Europe/Berlin', 'Europe/Zurich', 'Etc/GMT+7']


def test_evse_id_only_when_emi3(db, client):
    build.source(db, 'S')
    cs = build.station(db, build.location(db, 'L', 'S'), 'CS')
    for i, evse_id in enumerate(['DE*EBW*E914082*2', 'DEEBWE1', 'BNETZA*1000001*1', '+41*031*000*1', '123', None]):
        build.connector(db, build.evse(db, cs, f'E{i}', evse_id=evse_id), 'C')
    evses = client.get('/ocpi/2.2.1/locations').json()['data'][0]['evses']
    assert [e.get('evse_id') for e in evses] == ['DE*EBW*E914082*2', 'DEEBWE1', None, None, None, None]


def test_last_updated_covers_the_children(db, client):
    """EVSE >= its connectors, Location >= its EVSEs, whatever the stored stamps say."""
    build.source(db, 'S')
    lid = build.location(db, 'L', 'S', last_updated='2024-01-01T00:00:00Z')
    cs = build.station(db, lid, 'CS', last_updated='2024-01-01T00:00:00Z')
    older = build.evse(db, cs, 'E1', last_updated='2024-01-02T00:00:00Z')
    build.connector(db, older, 'C', last_updated='2024-03-01T00:00:00Z')
    newer = build.evse(db, cs, 'E2', last_updated='2024-02-01T00:00:00Z')
    build.connector(db, newer, 'C', last_updated='2024-01-01T00:00:00Z')
    loc = client.get('/ocpi/2.2.1/locations').json()['data'][0]
    assert [e['last_updated'] for e in loc['evses']] == ['2024-03-01T00:00:00Z', '2024-02-01T00:00:00Z']
    assert loc['last_updated'] == '2024-03-01T00:00:00Z'
    evse = client.get(f'/ocpi/2.2.1/locations/{lid}/{older}').json()['data']
    assert evse['last_updated'] == '2024-03-01T00:00:00Z'


@pytest.mark.parametrize(
    ('lat', 'lon', 'expected'),
    [
        (52.52003, 13.40489, {'latitude': '52.5200300', 'longitude': '13.4048900'}),
        (-3.33, -109.698318, {'latitude': '-3.3300000', 'longitude': '-109.698318'}),
        (-45.1234567, -179.1234567, {'latitude': '-45.123457', 'longitude': '-179.123457'}),
        (45.1234567, 179.1234567, {'latitude': '45.1234567', 'longitude': '179.1234567'}),
    ],
)
def test_coordinates_fit_the_spec_lengths(db, client, lat, lon, expected):
    build.source(db, 'S')
    build.location(db, 'L', 'S', lat=lat, lon=lon)
    coordinates = client.get('/ocpi/2.2.1/locations').json()['data'][0]['coordinates']
    assert coordinates == expected
    rules.GeoLocation.model_validate(coordinates)
    assert len(coordinates['latitude']) <= 10
    assert len(coordinates['longitude']) <= 11


def test_limit_above_the_maximum_is_capped(db, client):
    build.source(db, 'S')
    build.location(db, 'L', 'S')
    r = client.get('/ocpi/2.2.1/locations', params={'limit': 1_000_000})
    assert r.status_code == 200
    assert r.headers['X-Limit'] == '1000'
    assert len(r.json()['data']) == 1

"""chargecloud public feed: the recorded Stuttgart payload, parsed and imported end to end."""

from __future__ import annotations

import copy
from decimal import Decimal

import httpx
import orjson
import pytest

from ocpdb_pipelines.config import load_settings
from ocpdb_pipelines.http.client import HttpStatusError
from ocpdb_pipelines.http.fetcher import fetch
from ocpdb_pipelines.imports import run_realtime, run_static
from ocpdb_pipelines.model.enums import Capability, ConnectorFormat, ConnectorType, EvseStatus, PowerType
from ocpdb_pipelines.sources.base import NotModified, Page, PayloadError
from ocpdb_pipelines.sources.chargecloud import family as public
from ocpdb_pipelines.sources.registry import get_spec
from ocpdb_pipelines.store.fetch_state import FetchState
from tests.fixtures_dir import fixture_bytes
from tests.sources.live_sources_helpers import Recorder, context, next_state, raw_response, timeout, with_source

UID = 'chargecloud_stuttgart'


@pytest.fixture(scope='module')
def body() -> bytes:
    return fixture_bytes('chargecloud', 'stuttgart_public.json')


def _payload(body: bytes) -> dict:
    return orjson.loads(body)


def _parse(payload: dict) -> tuple:
    ctx = context(UID)
    return public.parse_static(ctx, [Page(body=orjson.dumps(payload))])


def test_parse_maps_every_location_with_chargecloud_variants(body):
    batch = public.parse_static(context(UID), [Page(body=body)])
    assert len(batch.locations) == 234
    assert batch.skipped == []
    first = batch.locations[0]
    assert first.uid == '493558'
    assert first.name == 'Affalterstr. 9 LADE / 341-N-01'
    assert (first.address, first.postal_code, first.city, first.country) == (
        'Affalterstr. 9',
        '70469',
        'Stuttgart',
        'DEU',
    )
    assert (first.lat, first.lon) == (Decimal('48.8162690'), Decimal('9.1719170'))
    assert first.time_zone == 'Europe/Berlin'
    assert first.operator.name == 'Stadtwerke Stuttgart GmbH'
    assert first.owner is None
    assert first.twentyfourseven is True
    assert first.directions is None  # "" in the feed
    station = first.charging_pool[0]
    assert station.uid == '493558'
    # EVSE capabilities reach the station (the predecessor dropped them)
    assert station.capabilities == [
        Capability.RFID_READER,
        Capability.REMOTE_START_STOP_CAPABLE,
        Capability.RESERVABLE,
    ]
    assert [e.uid for e in station.evses] == ['DE*STR*E10001*001', 'DE*STR*E10001*002']
    assert [e.evse_id for e in station.evses] == ['DE*STR*E10001*001', 'DE*STR*E10001*002']
    assert [e.status for e in station.evses] == [EvseStatus.AVAILABLE, EvseStatus.CHARGING]
    connector = station.evses[0].connectors[0]
    assert connector.uid == '189797559'
    assert connector.standard == ConnectorType.IEC_62196_T2
    assert connector.format == ConnectorFormat.SOCKET
    assert connector.power_type == PowerType.AC_3_PHASE
    assert (connector.max_voltage, connector.max_amperage, connector.max_electric_power) == (400, 32, 22000)


def test_dc_connectors_and_free_text_directions(body):
    batch = public.parse_static(context(UID), [Page(body=body)])
    connectors = [c for loc in batch.locations for e in loc.charging_pool[0].evses for c in e.connectors]
    assert len(connectors) == 526
    dc = [c for c in connectors if c.standard == ConnectorType.IEC_62196_T2_COMBO]
    assert len(dc) == 10
    assert {(c.power_type, c.max_electric_power) for c in dc} == {(PowerType.DC, 300000)}
    with_directions = [loc for loc in batch.locations if loc.directions]
    assert len(with_directions) == 6
    assert all(d.text == d.text.strip() and d.language == 'de' for loc in with_directions for d in loc.directions)


def test_fractional_kw_and_floor_level_variants(body):
    payload = _payload(body)
    location = payload['data'][0]
    location['evses'][0]['connectors'][0]['max_power'] = 3.7
    location['evses'][0]['floor_level'] = 'Ebene -1'
    location['directions'] = 'Hinter dem\r\nRathaus '
    batch = _parse(payload)
    mapped = batch.locations[0]
    assert mapped.charging_pool[0].evses[0].connectors[0].max_electric_power == 3700
    assert mapped.charging_pool[0].floor_level == '-1'
    assert mapped.directions[0].text == 'Hinter dem Rathaus'


def test_broken_records_are_skipped_and_counted(body):
    payload = _payload(body)
    data = payload['data']
    del data[0]['coordinates']  # missing coordinates: location skipped
    data[1]['evses'][0]['connectors'][0]['standard'] = 'WARP_DRIVE'  # unknown type: that EVSE skipped
    data[2]['evses'][0]['connectors'][0]['voltage'] = 'lots'  # wrong type: that EVSE skipped
    data[3]['address'] = {'street': 'x'}  # wrong type: location skipped
    batch = _parse(payload)
    assert len(batch.locations) == 232
    reasons = {s.reference: s.reason for s in batch.skipped}
    assert reasons['location 493558'] == 'coordinates: missing'
    assert 'unknown connector standard' in reasons[f'location {data[1]["id"]} evse {data[1]["evses"][0]["id"]}']
    assert 'max_voltage' in reasons[f'location {data[2]["id"]} evse {data[2]["evses"][0]["id"]}']
    assert 'address' in reasons[f'location {data[3]["id"]}']
    assert len(batch.skipped) == 4
    kept = {loc.uid: loc for loc in batch.locations}
    assert [e.uid for e in kept[data[1]['id']].charging_pool[0].evses] == [e['id'] for e in data[1]['evses'][1:]]


@pytest.mark.parametrize(
    'body',
    [b'', b'{"data": [', b'[]', b'{"status_code": 1000}', b'{"status_code": "1000", "data": []}'],
)
def test_unreadable_payload_raises(body):
    with pytest.raises(PayloadError):
        public.parse_static(context(UID), [Page(body=body)])


def test_ocpi_error_status_raises():
    with pytest.raises(PayloadError, match='2001'):
        public.parse_static(context(UID), [Page(body=b'{"status_code": 2001, "data": []}')])


def test_fetch_uses_the_spec_url_and_realtime_is_conditional(body):
    recorder = Recorder(raw_response(body, headers={'ETag': '"v1"'}), raw_response(b'', status_code=304))
    ctx = context(UID, recorder.transport)
    pages = public.fetch_static(ctx)
    assert str(recorder.requests[0].url) == 'https://new-poi.chargecloud.de/SW-Stuttgart'
    assert pages[0].body == body
    assert next_state(ctx)['etag'] == '"v1"'
    realtime_ctx = context(UID, recorder.transport, previous_state=next_state(ctx))
    with pytest.raises(NotModified):
        public.fetch_realtime(realtime_ctx)
    assert recorder.requests[1].headers['If-None-Match'] == '"v1"'


def test_realtime_same_hash_is_not_modified(body, tmp_path):
    recorder = Recorder(raw_response(body))
    ctx = context(UID, recorder.transport)
    public.fetch_realtime(ctx)
    settings = load_settings(config_file='/dev/null', environ={'OCPDB_ARCHIVE__DIR': str(tmp_path)})
    spec = get_spec(UID)
    previous = FetchState(content_hash=next_state(ctx)['content_hash'])
    with pytest.raises(NotModified, match='unchanged'):
        fetch(
            settings,
            spec,
            ctx.config,
            public.FAMILY,
            'realtime',
            public.fetch_realtime,
            previous=previous,
            transport=recorder.transport,
        )
    assert not list(tmp_path.rglob('*.body'))  # an unchanged realtime payload is not archived again


def test_http_500_is_retried_then_raised():
    recorder = Recorder(raw_response(b'oops', status_code=500))
    with pytest.raises(HttpStatusError) as info:
        public.fetch_static(context(UID, recorder.transport, retries=2))
    assert info.value.status_code == 500
    assert len(recorder.requests) == 3


def test_timeout_is_retried_then_raised():
    recorder = Recorder(timeout)
    with pytest.raises(httpx.TimeoutException):
        public.fetch_static(context(UID, recorder.transport, retries=1))
    assert len(recorder.requests) == 2


def test_401_fails_at_once():
    recorder = Recorder(raw_response(b'no', status_code=401))
    with pytest.raises(HttpStatusError):
        public.fetch_static(context(UID, recorder.transport, retries=3))
    assert len(recorder.requests) == 1


# --- end to end through the import runner and the real database -------------------------------------


def test_static_then_realtime_end_to_end(settings, db, body):
    settings = with_source(settings, UID)
    report = run_static(settings, UID, transport=Recorder(raw_response(body)).transport)
    assert report.outcome == 'applied'
    assert report.skipped == []
    assert db.execute('SELECT count(*) AS n FROM location WHERE source = %s', (UID,)).fetchone()['n'] == 234
    row = db.execute(
        """
        SELECT l.name, l.address, l.postal_code, l.city, l.country, l.lat, l.lon, l.twentyfourseven,
               b.name AS operator, cs.uid AS station_uid, cs.capabilities
        FROM location l JOIN business b ON b.id = l.operator_id
        JOIN charging_station cs ON cs.location_id = l.id
        WHERE l.source = %s AND l.uid = '493558'
        """,
        (UID,),
    ).fetchone()
    assert row == {
        'name': 'Affalterstr. 9 LADE / 341-N-01',
        'address': 'Affalterstr. 9',
        'postal_code': '70469',
        'city': 'Stuttgart',
        'country': 'DEU',
        'lat': Decimal('48.8162690'),
        'lon': Decimal('9.1719170'),
        'twentyfourseven': True,
        'operator': 'Stadtwerke Stuttgart GmbH',
        'station_uid': '493558',
        'capabilities': int(Capability.RFID_READER | Capability.REMOTE_START_STOP_CAPABLE | Capability.RESERVABLE),
    }
    evses = db.execute(
        """
        SELECT e.uid, e.evse_id, e.status::text, c.uid AS connector_uid, c.standard::text, c.format::text,
               c.power_type::text, c.max_voltage, c.max_amperage, c.max_electric_power
        FROM evse e JOIN connector c ON c.evse_id = e.id
        JOIN charging_station cs ON cs.id = e.charging_station_id JOIN location l ON l.id = cs.location_id
        WHERE l.source = %s AND l.uid = '493558' ORDER BY e.uid
        """,
        (UID,),
    ).fetchall()
    assert evses == [
        {
            'uid': 'DE*STR*E10001*001',
            'evse_id': 'DE*STR*E10001*001',
            'status': 'AVAILABLE',
            'connector_uid': '189797559',
            'standard': 'IEC_62196_T2',
            'format': 'SOCKET',
            'power_type': 'AC_3_PHASE',
            'max_voltage': 400,
            'max_amperage': 32,
            'max_electric_power': 22000,
        },
        {
            'uid': 'DE*STR*E10001*002',
            'evse_id': 'DE*STR*E10001*002',
            'status': 'CHARGING',
            'connector_uid': '189797619',
            'standard': 'IEC_62196_T2',
            'format': 'SOCKET',
            'power_type': 'AC_3_PHASE',
            'max_voltage': 400,
            'max_amperage': 32,
            'max_electric_power': 22000,
        },
    ]
    # realtime: the same feed with two statuses changed
    payload = _payload(body)
    payload['data'][0]['evses'][0]['status'] = 'OUTOFORDER'
    payload['data'][0]['evses'][1]['status'] = 'AVAILABLE'
    live = run_realtime(settings, UID, transport=Recorder(raw_response(orjson.dumps(payload))).transport)
    assert live.outcome == 'applied'
    statuses = db.execute(
        """
        SELECT e.uid, e.status::text FROM evse e JOIN charging_station cs ON cs.id = e.charging_station_id
        JOIN location l ON l.id = cs.location_id WHERE l.source = %s AND l.uid = '493558' ORDER BY e.uid
        """,
        (UID,),
    ).fetchall()
    assert statuses == [
        {'uid': 'DE*STR*E10001*001', 'status': 'OUTOFORDER'},
        {'uid': 'DE*STR*E10001*002', 'status': 'AVAILABLE'},
    ]
    source = db.execute('SELECT static_status::text, realtime_status::text FROM source WHERE uid = %s', (UID,))
    assert source.fetchone() == {'static_status': 'ACTIVE', 'realtime_status': 'ACTIVE'}


def test_truncated_body_fails_the_run_and_keeps_the_data(settings, db, body):
    settings = with_source(settings, UID)
    run_static(settings, UID, transport=Recorder(raw_response(body)).transport)
    before = db.execute('SELECT count(*) AS n FROM evse').fetchone()['n']
    with pytest.raises(PayloadError):
        run_static(settings, UID, transport=Recorder(raw_response(body[: len(body) // 2])).transport)
    assert db.execute('SELECT count(*) AS n FROM evse').fetchone()['n'] == before
    source = db.execute('SELECT static_status::text, realtime_status::text FROM source WHERE uid = %s', (UID,))
    assert source.fetchone() == {'static_status': 'FAILED', 'realtime_status': 'FAILED'}


def test_http_500_fails_the_run_cleanly(settings, db):
    settings = with_source(settings, UID)
    with pytest.raises(HttpStatusError):
        run_static(settings, UID, transport=Recorder(raw_response(b'', status_code=500)).transport)
    assert db.execute('SELECT count(*) AS n FROM location').fetchone()['n'] == 0
    status = db.execute('SELECT static_status::text AS s FROM source WHERE uid = %s', (UID,)).fetchone()
    assert status == {'s': 'FAILED'}


def test_skipped_records_are_reported_by_the_run(settings, db, body):
    payload = _payload(body)
    broken = copy.deepcopy(payload)
    del broken['data'][5]['coordinates']
    settings = with_source(settings, UID)
    report = run_static(settings, UID, transport=Recorder(raw_response(orjson.dumps(broken))).transport)
    assert len(report.skipped) == 1
    assert report.metadata()['records_skipped'] == 1
    assert db.execute('SELECT count(*) AS n FROM location').fetchone()['n'] == 233
    count = db.execute('SELECT static_error_count AS n FROM source WHERE uid = %s', (UID,)).fetchone()['n']
    assert count == 1

"""opendata_swiss: the recorded static and realtime payloads, the §8 fixes, broken variants, end to end."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import orjson
import pytest

from ocpdb_pipelines.http.client import HttpStatusError
from ocpdb_pipelines.imports import run_realtime, run_static
from ocpdb_pipelines.model.enums import (
    Capability,
    ConnectorFormat,
    ConnectorType,
    EvseStatus,
    ParkingType,
    PowerType,
)
from ocpdb_pipelines.sources.base import NotModified, Page, PayloadError
from ocpdb_pipelines.sources.opendata_swiss import family, parse, realtime
from tests.fixtures_dir import fixture_bytes
from tests.sources.live_sources_helpers import Recorder, context, next_state, raw_response, timeout, with_source

UID = 'opendata_swiss'


@pytest.fixture(scope='module')
def static_body() -> bytes:
    return fixture_bytes('opendata_swiss', 'static.json')


@pytest.fixture(scope='module')
def realtime_body() -> bytes:
    return fixture_bytes('opendata_swiss', 'realtime.json')


def _by_evse(batch):
    return {e.uid: (loc, e) for loc in batch.locations for e in loc.charging_pool[0].evses}


def _record(payload: dict, evse_id: str) -> dict:
    return next(r for b in payload['EVSEData'] for r in b['EVSEDataRecord'] if r['EvseID'] == evse_id)


def test_static_groups_records_by_coordinates(static_body):
    batch = parse.parse(static_body)
    assert batch.skipped == []
    assert len(batch.locations) == 202  # distinct (operator, Google string) pairs
    assert sum(len(loc.charging_pool[0].evses) for loc in batch.locations) == 551
    location = batch.locations[0]
    assert location.uid == 'CH*REPE020*01*1'
    assert location.name == 'Albana Hotel & Suites Silvaplana SA'
    assert (location.address, location.postal_code, location.city, location.country) == (
        'Via vers Mulins 5',
        '7513',
        'Silvaplana',
        'CHE',
    )
    assert (location.lat, location.lon) == (Decimal('46.4593090'), Decimal('9.7955480'))
    assert location.time_zone == 'Europe/Zurich'
    assert location.parking_type == ParkingType.ON_STREET
    assert location.operator.name == 'PLUG N ROLL'
    assert location.help_phone == '+41814237070'
    assert location.twentyfourseven is True
    assert location.last_updated == datetime(2024, 3, 12, 13, 44, 52, tzinfo=UTC)
    station = location.charging_pool[0]
    assert station.uid == 'CH*REPE020*01*1'
    assert station.capabilities == [Capability.RFID_READER, Capability.REMOTE_START_STOP_CAPABLE]
    assert station.floor_level == '0'
    assert [e.uid for e in station.evses] == ['CH*REPE020*01*1', 'CH*REPE020*01*2']
    assert station.evses[0].status is None  # DynamicInfoAvailable "true": live status comes from realtime


def test_connector_keeps_the_sources_voltage_and_amperage(static_body):
    batch = parse.parse(static_body)
    _, evse = _by_evse(batch)['CH*REPE020*01*1']
    (connector,) = evse.connectors
    assert connector.uid == '1'
    assert (connector.standard, connector.format, connector.power_type) == (
        ConnectorType.IEC_62196_T2,
        ConnectorFormat.SOCKET,
        PowerType.AC_3_PHASE,
    )
    # Voltage 230, Amperage 32, power 22.0 kW: all three as given (the predecessor lost the amperage)
    assert (connector.max_voltage, connector.max_amperage, connector.max_electric_power) == (230, 32, 22000)


def test_power_without_voltage_keeps_a_voltage(static_body):
    batch = parse.parse(static_body)
    payload = orjson.loads(static_body)
    only_power = [
        r['EvseID']
        for b in payload['EVSEData']
        for r in b['EVSEDataRecord']
        if 'Voltage' not in r['ChargingFacilities'][0]
    ]
    assert only_power
    for evse_id in only_power:
        (connector,) = _by_evse(batch)[evse_id][1].connectors
        assert connector.max_voltage is not None
        assert connector.max_voltage > 0
        assert connector.max_amperage > 0


def test_plug_standards_are_the_intended_ones(static_body):
    payload = orjson.loads(static_body)
    record = payload['EVSEData'][0]['EVSEDataRecord'][0]
    plugs = list(parse.PLUGS)
    record['Plugs'] = plugs
    record['ChargingFacilities'] = []
    batch = parse.parse(orjson.dumps(payload))
    connectors = _by_evse(batch)[record['EvseID']][1].connectors
    assert {p: (c.standard, c.format) for p, c in zip(plugs, connectors, strict=True)} == {
        'Type J Swiss Standard': (ConnectorType.DOMESTIC_J, ConnectorFormat.SOCKET),
        'Type 2 Outlet': (ConnectorType.IEC_62196_T2, ConnectorFormat.SOCKET),
        'Tesla Connector': (ConnectorType.TESLA_S, ConnectorFormat.CABLE),
        'Type 1 Connector (Cable Attached)': (ConnectorType.IEC_62196_T1, ConnectorFormat.CABLE),
        'Type F Schuko': (ConnectorType.DOMESTIC_F, ConnectorFormat.SOCKET),
        'CCS Combo 1 Plug (Cable Attached)': (ConnectorType.IEC_62196_T1_COMBO, ConnectorFormat.CABLE),
        'Type 2 Connector (Cable Attached)': (ConnectorType.IEC_62196_T2, ConnectorFormat.CABLE),
        'CHAdeMO': (ConnectorType.CHADEMO, ConnectorFormat.CABLE),
        'Type G British Standard': (ConnectorType.DOMESTIC_G, ConnectorFormat.SOCKET),
        'CCS Combo 2 Plug (Cable Attached)': (ConnectorType.IEC_62196_T2_COMBO, ConnectorFormat.CABLE),
    }
    assert [c.uid for c in connectors] == [str(i) for i in range(1, 11)]
    chademo = connectors[plugs.index('CHAdeMO')]
    assert chademo.power_type == PowerType.DC


def test_german_name_wins_and_placeholder_house_number_is_dropped(static_body):
    payload = orjson.loads(static_body)
    record = payload['EVSEData'][0]['EVSEDataRecord'][0]
    record['ChargingStationNames'] = [{'lang': 'fr', 'value': 'Gare'}, {'lang': 'de', 'value': 'Bahnhof'}]
    record['Address']['HouseNum'] = '.'
    record['Address']['Street'] = 'Via\u200b vers\tMulins'
    location = parse.parse(orjson.dumps(payload)).locations[0]
    assert location.name == 'Bahnhof'
    assert location.address == 'Via vers Mulins'


def test_opening_times_and_static_status(static_body):
    payload = orjson.loads(static_body)
    record = payload['EVSEData'][0]['EVSEDataRecord'][0]
    record['OpeningTimes'] = [{'on': 'Workdays', 'Period': {'begin': '08:00', 'end': '18:00'}}]
    record['DynamicInfoAvailable'] = 'false'
    location = parse.parse(orjson.dumps(payload)).locations[0]
    assert [(h.weekday, h.period_begin, h.period_end) for h in location.regular_hours] == [
        (day, '08:00', '18:00') for day in range(1, 6)
    ]
    assert location.charging_pool[0].evses[0].status == EvseStatus.STATIC


def test_filter_countries(static_body):
    payload = orjson.loads(static_body)
    payload['EVSEData'][0]['EVSEDataRecord'][0]['Address']['Country'] = 'LIE'
    body = orjson.dumps(payload)
    only_lie = parse.parse(body, filter_countries=['LIE'])
    assert [loc.uid for loc in only_lie.locations] == ['CH*REPE020*01*1']
    assert only_lie.skipped == []  # filtered records are not errors
    ctx = context(UID, filter_countries=['CHE'])
    batch = family.parse_static(ctx, [Page(body=body)])
    assert 'CH*REPE020*01*1' not in _by_evse(batch)


def test_broken_records_are_skipped(static_body):
    payload = orjson.loads(static_body)
    records = payload['EVSEData'][0]['EVSEDataRecord']
    records[0]['GeoCoordinates'] = {'Google': 'None None'}
    records[1]['Plugs'] = ['Type 99 Hyperplug']
    records[2]['ChargingFacilities'][0]['power'] = 'fast'
    records[3]['Address'] = 'Bahnhofstrasse'
    batch = parse.parse(orjson.dumps(payload))
    reasons = {s.reference: s.reason for s in batch.skipped}
    assert len(reasons) == 4
    assert 'GeoCoordinates.Google' in reasons[f'EVSE {records[0]["EvseID"]}']
    assert "unknown plug 'Type 99 Hyperplug'" in reasons[f'EVSE {records[1]["EvseID"]}']
    assert 'power' in reasons[f'EVSE {records[2]["EvseID"]}']
    assert 'Address' in reasons[f'EVSE {records[3]["EvseID"]}']
    assert sum(len(loc.charging_pool[0].evses) for loc in batch.locations) == 547


@pytest.mark.parametrize('body', [b'{"EVSEData": {}}', b'{"EVSEData": [{"EVSEDataRecord": 1}]}', b'[', b''])
def test_unreadable_static_payload(body):
    with pytest.raises(PayloadError):
        parse.parse(body)


def test_realtime_statuses(realtime_body):
    batch = realtime.parse(realtime_body)
    assert batch.skipped == []
    assert len(batch.updates) == 551
    counts = Counter(u.status for u in batch.updates)
    assert counts == {
        EvseStatus.AVAILABLE: 413,
        EvseStatus.CHARGING: 63,
        EvseStatus.OUTOFORDER: 62,
        EvseStatus.UNKNOWN: 13,
    }
    assert batch.updates[0].uid == 'CH*REPE020*01*1'


def test_realtime_block_of_only_unknown_is_left_out(realtime_body):
    payload = orjson.loads(realtime_body)
    for record in payload['EVSEStatuses'][1]['EVSEStatusRecord']:
        record['EVSEStatus'] = 'Unknown'
    payload['EVSEStatuses'][0]['EVSEStatusRecord'][0]['EVSEStatus'] = 'Exploded'
    batch = realtime.parse(orjson.dumps(payload))
    assert len(batch.updates) == 498
    assert [s.reason for s in batch.skipped] == ["unknown EVSEStatus 'Exploded'"]


def test_fetch_urls_and_change_detection(static_body, realtime_body):
    recorder = Recorder(
        raw_response(static_body),
        raw_response(realtime_body, headers={'Last-Modified': 'Tue, 01 Apr 2025 10:00:00 GMT'}),
        raw_response(b'', status_code=304),
    )
    ctx = context(UID, recorder.transport)
    family.fetch_static(ctx)
    assert str(recorder.requests[0].url).endswith('/data/oicp/ch.bfe.ladestellen-elektromobilitaet.json')
    live = context(UID, recorder.transport)
    family.fetch_realtime(live)
    assert str(recorder.requests[1].url).endswith('/status/oicp/ch.bfe.ladestellen-elektromobilitaet.json')
    again = context(UID, recorder.transport, previous_state=next_state(live))
    with pytest.raises(NotModified):
        family.fetch_realtime(again)
    assert recorder.requests[2].headers['If-Modified-Since'] == 'Tue, 01 Apr 2025 10:00:00 GMT'


def test_fetch_errors():
    with pytest.raises(HttpStatusError):
        family.fetch_static(context(UID, Recorder(raw_response(b'', status_code=503)).transport, retries=1))
    with pytest.raises(HttpStatusError):
        family.fetch_static(context(UID, Recorder(raw_response(b'', status_code=401)).transport))
    import httpx

    with pytest.raises(httpx.TimeoutException):
        family.fetch_realtime(context(UID, Recorder(timeout).transport, retries=0))


def test_static_then_realtime_end_to_end(settings, db, static_body, realtime_body):
    settings = with_source(settings, UID)
    run_static(settings, UID, transport=Recorder(raw_response(static_body)).transport)
    # 551 in the payload; the Arbon record at lat -3.33, lon -109.70 is skipped (tests/quality)
    assert db.execute('SELECT count(*) AS n FROM evse').fetchone()['n'] == 550
    row = db.execute(
        """
        SELECT l.uid, l.name, l.address, l.country, l.time_zone, l.parking_type::text, l.help_phone,
               cs.capabilities, cs.floor_level, e.status::text, c.standard::text, c.max_voltage, c.max_amperage,
               c.max_electric_power
        FROM location l JOIN charging_station cs ON cs.location_id = l.id
        JOIN evse e ON e.charging_station_id = cs.id JOIN connector c ON c.evse_id = e.id
        WHERE l.source = %s AND e.uid = 'CH*REPE020*01*1'
        """,
        (UID,),
    ).fetchone()
    assert row == {
        'uid': 'CH*REPE020*01*1',
        'name': 'Albana Hotel & Suites Silvaplana SA',
        'address': 'Via vers Mulins 5',
        'country': 'CHE',
        'time_zone': 'Europe/Zurich',
        'parking_type': 'ON_STREET',
        'help_phone': '+41814237070',
        'capabilities': int(Capability.RFID_READER | Capability.REMOTE_START_STOP_CAPABLE),
        'floor_level': '0',
        'status': 'UNKNOWN',
        'standard': 'IEC_62196_T2',
        'max_voltage': 230,
        'max_amperage': 32,
        'max_electric_power': 22000,
    }
    report = run_realtime(settings, UID, transport=Recorder(raw_response(realtime_body)).transport)
    assert report.outcome == 'applied'
    counts = db.execute('SELECT status::text, count(*) AS n FROM evse GROUP BY 1 ORDER BY 1').fetchall()
    assert counts == [
        {'status': 'AVAILABLE', 'n': 413},
        {'status': 'CHARGING', 'n': 63},
        {'status': 'OUTOFORDER', 'n': 62},
        {'status': 'UNKNOWN', 'n': 12},  # 13 with the skipped Arbon EVSE
    ]
    # the same payload again is not applied
    again = run_realtime(settings, UID, transport=Recorder(raw_response(realtime_body)).transport)
    assert again.outcome == 'not_modified'

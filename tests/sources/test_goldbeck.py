"""heilbronn_neckarbogen (Goldbeck IPCM): the recorded payload, basic auth, §8 fixes, end to end."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import orjson
import pytest

from ocpdb_pipelines.config import ConfigError
from ocpdb_pipelines.http.client import HttpStatusError
from ocpdb_pipelines.imports import run_realtime, run_static
from ocpdb_pipelines.model.enums import ConnectorFormat, ConnectorType, EvseStatus, PowerType
from ocpdb_pipelines.sources.base import Page, PayloadError
from ocpdb_pipelines.sources.goldbeck import family, parse
from tests.fixtures_dir import fixture_bytes
from tests.sources.live_sources_helpers import Recorder, context, raw_response, timeout, with_source

UID = 'heilbronn_neckarbogen'


@pytest.fixture(scope='module')
def body() -> bytes:
    return fixture_bytes('goldbeck', 'heilbronn_neckarbogen.json')


def test_chargepoints_grouped_by_postal_address(body):
    batch = parse.parse_static(body)
    assert [(loc.uid, len(loc.charging_pool[0].evses)) for loc in batch.locations] == [
        ('2935', 195),
        ('2967', 6),
        ('2333', 10),
    ]
    # the chargepoint at postal address 3063 has no latitude: rejected with a reason
    assert [(s.reference, s.reason) for s in batch.skipped] == [
        ('chargepoint 138313', 'position: latitude and longitude are required')
    ]
    location = batch.locations[0]
    assert location.name == 'Heilbronn Quartiersgarage Neckarbogen'
    assert (location.address, location.postal_code, location.city, location.country) == (
        'Paula-Fuchs-Allee 15',
        '74072',
        'Heilbronn',
        'DEU',
    )
    assert (location.lat, location.lon) == (Decimal('49.1459100'), Decimal('9.2092100'))
    assert location.operator.name == 'Stadtwerke Heilbronn'
    assert location.time_zone == 'Europe/Berlin'
    assert location.charging_pool[0].uid == '2935'
    evse = location.charging_pool[0].evses[0]
    assert (evse.uid, evse.evse_id, evse.status) == ('DESHNE0030119', 'DESHNE0030119', EvseStatus.AVAILABLE)
    # naive Europe/Berlin time -> UTC
    assert evse.last_updated == datetime(2025, 3, 3, 8, 20, 10, 818000, tzinfo=UTC)
    (connector,) = evse.connectors
    assert connector.uid == '1'
    assert (connector.standard, connector.format, connector.power_type) == (
        ConnectorType.IEC_62196_T2,
        ConnectorFormat.SOCKET,
        PowerType.AC_3_PHASE,
    )
    assert (connector.max_voltage, connector.max_amperage, connector.max_electric_power) == (400, 32, 11000)


def test_format_attribute_and_missing_status(body):
    batch = parse.parse_static(body)
    evses = [e for loc in batch.locations for e in loc.charging_pool[0].evses]
    assert {e.connectors[0].format for e in evses} == {ConnectorFormat.SOCKET}
    # the only CABLE outlet sits on the chargepoint without latitude; moved to a valid one it shows
    payload = orjson.loads(body)
    payload[0]['outlets'][0]['attributes'] = [
        {'key': 'FORMAT', 'value': 'CABLE'},
        {'key': 'POWER_TYPE', 'value': 'AC3'},
    ]
    moved = parse.parse_static(orjson.dumps(payload)).locations[0].charging_pool[0].evses[0]
    assert moved.connectors[0].format == ConnectorFormat.CABLE
    statuses = [e.status for e in evses]
    assert statuses.count(EvseStatus.STATIC) > 0  # outlets without nativeStatus have no live data
    assert EvseStatus.CHARGING in statuses  # CHARGING and SUSPENDED_EV


def test_reserved_and_broken_outlets(body):
    payload = orjson.loads(body)
    payload[0]['outlets'][0]['nativeStatus'] = 'RESERVED'
    payload[0]['outlets'][1]['attributes'] = [{'key': 'MAX_VOLTAGE', 'value': 'high'}]
    payload[1]['outlets'][0]['attributes'] = [{'key': 'POWER_TYPE', 'value': 'AC3'}]  # no MAX_*: defaults
    payload[2]['position'] = {'latitude': '49.1', 'longitude': 9.2}  # text is a wrong type
    batch = parse.parse_static(orjson.dumps(payload))
    evses = {e.uid: e for loc in batch.locations for e in loc.charging_pool[0].evses}
    assert evses[payload[0]['outlets'][0]['evseId']].status == EvseStatus.RESERVED
    assert payload[0]['outlets'][1]['evseId'] not in evses
    defaulted = evses[payload[1]['outlets'][0]['evseId']].connectors[0]
    assert (defaulted.max_voltage, defaulted.max_amperage, defaulted.max_electric_power) == (400, 32, 22000)
    reasons = {s.reference: s.reason for s in batch.skipped}
    assert 'MAX_VOLTAGE' in reasons[f'chargepoint {payload[0]["id"]} outlet {payload[0]["outlets"][1]["evseId"]}']
    assert 'position.latitude' in reasons[f'chargepoint {payload[2]["id"]}']


@pytest.mark.parametrize('body', [b'{"items": []}', b'[{"id": 1', b''])
def test_unreadable_payload(body):
    with pytest.raises(PayloadError):
        parse.parse_static(body)


def test_realtime_statuses(body):
    batch = parse.parse_realtime(body)
    assert len(batch.updates) == 212
    first = batch.updates[0]
    assert (first.uid, first.status) == ('DESHNE0030119', EvseStatus.AVAILABLE)


def test_fetch_sends_basic_auth_and_max_results(body):
    recorder = Recorder(raw_response(body))
    ctx = context(UID, recorder.transport, user='hn', password='pw')
    pages = family.FAMILY.fetch_static(ctx)
    (request,) = recorder.requests
    assert str(request.url) == (
        'https://control.goldbeck-parking.de/ipaw/services/charging/v1x0/charging-stations?maxResults=1000'
    )
    assert request.headers['Authorization'] == 'Basic ' + base64.b64encode(b'hn:pw').decode()
    assert len(family.FAMILY.parse_static(ctx, pages).locations) == 3
    with pytest.raises(ConfigError):
        family.FAMILY.fetch_static(context(UID, recorder.transport))


def test_fetch_errors():
    with pytest.raises(HttpStatusError) as info:
        family.FAMILY.fetch_static(
            context(UID, Recorder(raw_response(b'', status_code=401)).transport, user='u', password='p')
        )
    assert info.value.status_code == 401
    recorder = Recorder(raw_response(b'', status_code=500))
    with pytest.raises(HttpStatusError):
        family.FAMILY.fetch_static(context(UID, recorder.transport, user='u', password='p', retries=2))
    assert len(recorder.requests) == 3
    with pytest.raises(httpx.TimeoutException):
        family.FAMILY.fetch_static(context(UID, Recorder(timeout).transport, user='u', password='p', retries=0))


def test_end_to_end(settings, db, body):
    settings = with_source(settings, UID, user='u', password='p')
    report = run_static(settings, UID, transport=Recorder(raw_response(body)).transport)
    assert len(report.skipped) == 1
    rows = db.execute(
        """
        SELECT l.uid, l.name, l.address, b.name AS operator, count(e.id) AS evses
        FROM location l JOIN business b ON b.id = l.operator_id JOIN charging_station cs ON cs.location_id = l.id
        JOIN evse e ON e.charging_station_id = cs.id WHERE l.source = %s GROUP BY 1, 2, 3, 4 ORDER BY 1
        """,
        (UID,),
    ).fetchall()
    assert rows == [
        {'uid': '2333', 'name': 'Heilbronn Bollwerksturm', 'address': 'Mannheimer Str. 25',
         'operator': 'Stadtwerke Heilbronn', 'evses': 10},
        {'uid': '2935', 'name': 'Heilbronn Quartiersgarage Neckarbogen', 'address': 'Paula-Fuchs-Allee 15',
         'operator': 'Stadtwerke Heilbronn', 'evses': 195},
        {'uid': '2967', 'name': '74072 Heilbronn - Paula-Fuchs-Allee', 'address': 'Paula-Fuchs-Allee 15',
         'operator': 'Stadtwerke Heilbronn', 'evses': 6},
    ]  # fmt: skip
    connector = db.execute(
        """
        SELECT c.standard::text, c.format::text, c.power_type::text, c.max_voltage, c.max_amperage,
               c.max_electric_power FROM connector c JOIN evse e ON e.id = c.evse_id WHERE e.uid = 'DESHNE0030119'
        """
    ).fetchone()
    assert connector == {
        'standard': 'IEC_62196_T2',
        'format': 'SOCKET',
        'power_type': 'AC_3_PHASE',
        'max_voltage': 400,
        'max_amperage': 32,
        'max_electric_power': 11000,
    }
    payload = orjson.loads(body)
    payload[0]['outlets'][0]['nativeStatus'] = 'FAULTED'
    live = run_realtime(settings, UID, transport=Recorder(raw_response(orjson.dumps(payload))).transport)
    assert live.outcome == 'applied'
    status = db.execute("SELECT status::text AS s FROM evse WHERE uid = 'DESHNE0030119'").fetchone()
    assert status == {'s': 'OUTOFORDER'}


def test_parse_via_family_needs_one_page(body):
    with pytest.raises(PayloadError):
        family.FAMILY.parse_static(context(UID), [Page(body=body), Page(body=body)])

"""giro-e REST pull: payloads built from the spec (§3.6); next_path pagination; a working realtime pull."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from ocpdb_pipelines.config import ConfigError
from ocpdb_pipelines.http.client import HttpStatusError
from ocpdb_pipelines.imports import run_realtime, run_static
from ocpdb_pipelines.model.enums import Capability, ConnectorFormat, ConnectorType, EvseStatus, PowerType
from ocpdb_pipelines.sources.base import NotModified, Page, PayloadError
from ocpdb_pipelines.sources.giroe import family, parse
from tests.sources.live_sources_helpers import (
    Recorder,
    context,
    json_response,
    next_state,
    raw_response,
    timeout,
    with_source,
)

UID = 'giroe'
BASE = 'https://backend.giro-e.example'
CONFIG = {'url': BASE, 'user': 'dev', 'password': 'test'}


def connector(cid: int, uid: str, status: str = 'available', **extra) -> dict:
    return {
        'id': cid,
        'created': '2024-01-01T00:00:00Z',
        'modified': '2024-05-01T10:00:00Z',
        'uid': uid,
        'ocpp_connector_id': 1,
        'status': status,
        'power': 22000,
        'power_type': 'AC_3_PHASE',
        'standard': 'IEC_62196_T2',
        'format': 'SOCKET',
        **extra,
    }


def location(lid: int, connectors: list[dict], **extra) -> dict:
    return {
        'id': lid,
        'created': '2024-01-01T00:00:00Z',
        'modified': '2024-05-02T08:30:00Z',
        'lat': '50.9413',
        'lon': '6.9583',
        'address': 'Domkloster 4',
        'postalcode': '50667',
        'locality': 'Köln',
        'country': 'DE',
        'public': True,
        'public_description': None,
        'stations': [
            {
                'id': lid * 10,
                'created': '2024-01-01T00:00:00Z',
                'modified': '2024-05-02T08:00:00Z',
                'uid': f'7d9c2b1e-0000-4000-8000-00000000{lid:04d}',
                'technical_backend': 'tcc',
                'hardware_id': 'hw',
                'connectors': connectors,
            }
        ],
        **extra,
    }


def test_location_mapping():
    update = parse.map_location(location(1234, [connector(55, 'DEEBGE32000301', 'CHARGING')]), 'secret')
    assert update.uid == 'dd24349730c30a9fdc68cc20f920060f'  # sha256("location-1234-secret")[:32]
    assert (update.address, update.postal_code, update.city, update.country) == (
        'Domkloster 4',
        '50667',
        'Köln',
        'DEU',
    )
    assert (update.lat, update.lon) == (Decimal('50.9413000'), Decimal('6.9583000'))
    assert update.name is None
    assert update.operator is None
    assert update.last_updated == datetime(2024, 5, 2, 8, 30, tzinfo=UTC)
    (station,) = update.charging_pool
    assert station.uid == '7d9c2b1e-0000-4000-8000-000000001234'
    assert set(station.capabilities) == {
        Capability.UNLOCK_CAPABLE,
        Capability.RFID_READER,
        Capability.CONTACTLESS_CARD_SUPPORT,
        Capability.DEBIT_CARD_PAYABLE,
        Capability.REMOTE_START_STOP_CAPABLE,
    }
    (evse,) = station.evses
    assert (evse.uid, evse.evse_id, evse.status) == ('DEEBGE32000301', 'DEEBGE32000301', EvseStatus.CHARGING)
    (plug,) = evse.connectors
    assert plug.uid == parse.object_uid('connector', 55, 'secret')
    assert len(plug.uid) == 32
    assert (plug.standard, plug.format, plug.power_type) == (
        ConnectorType.IEC_62196_T2,
        ConnectorFormat.SOCKET,
        PowerType.AC_3_PHASE,
    )
    assert (plug.max_electric_power, plug.max_voltage, plug.max_amperage) == (22000, 400, 32)


@pytest.mark.parametrize(
    ('status', 'expected'),
    [
        ('available', EvseStatus.AVAILABLE),
        ('AVAILABLE', EvseStatus.AVAILABLE),
        ('outoforder', EvseStatus.OUTOFORDER),
        ('SUSPENDED_EV', EvseStatus.CHARGING),
        ('finishing', EvseStatus.CHARGING),
        ('Preparing', EvseStatus.CHARGING),
    ],
)
def test_status_in_any_case(status, expected):
    assert parse.connector_status(status) == expected


def _recorder(*pages: dict) -> Recorder:
    return Recorder(*(json_response(p) for p in pages))


def test_static_pull_follows_next_path_with_basic_auth():
    recorder = _recorder(
        {'items': [location(1, [connector(1, 'DEGIR0001')])], 'next_path': '/api/server/v1/charge-locations?page=2'},
        {'items': [location(2, [connector(2, 'DEGIR0002')]), location(3, [], public=False)]},
    )
    ctx = context(UID, recorder.transport, **CONFIG)
    pages = family.fetch_static(ctx)
    first, second = recorder.requests
    assert str(first.url) == f'{BASE}/api/server/v1/charge-locations?technical_backend=tcc&public=True'
    assert str(second.url) == f'{BASE}/api/server/v1/charge-locations?page=2'
    expected = 'Basic ' + base64.b64encode(b'dev:test').decode()
    assert {r.headers['Authorization'] for r in recorder.requests} == {expected}
    batch = family.parse_static(ctx, pages)
    assert [loc.uid for loc in batch.locations] == [
        parse.location_uid(1, ctx.settings.giroe.object_id_secret.get_secret_value()),
        parse.location_uid(2, ctx.settings.giroe.object_id_secret.get_secret_value()),
    ]


def test_broken_locations_are_skipped():
    items = [
        location(1, [connector(1, 'DEGIR0001')], lat=None),
        location(2, [connector(2, 'DEGIR0002', standard='PLUG_OF_THE_FUTURE')]),
        location(3, [connector(3, 'DEGIR0003', power='a lot')]),
        location(4, [connector(4, 'DEGIR0004', status='exploded')]),
        location(5, [connector(5, 'DEGIR0005')]),
    ]
    batch = family.parse_static(context(UID), [Page(body=json_response({'items': items}).content)])
    assert len(batch.locations) == 1
    reasons = {s.reference: s.reason for s in batch.skipped}
    assert reasons['location 1'].startswith('latitude')
    assert 'PLUG_OF_THE_FUTURE' in reasons['location 2']
    assert 'power' in reasons['location 3']
    assert 'exploded' in reasons['location 4']


@pytest.mark.parametrize('body', [b'{"next_path": null}', b'{"items": [', b'{"items": [], "next_path": 3}'])
def test_unreadable_pages(body):
    with pytest.raises(PayloadError):
        family.parse_static(context(UID), [Page(body=body)])


def test_realtime_pull_works_and_asks_only_for_changes():
    recorder = _recorder(
        {'items': [connector(1, 'DEGIR0001', 'charging', modified='2024-06-01T12:00:00Z')], 'next_path': 'p2'},
        {'items': [connector(2, 'DEGIR0002', 'OUTOFORDER', modified='2024-06-01T12:05:00Z')]},
    )
    ctx = context(UID, recorder.transport, **CONFIG)
    pages = family.fetch_realtime(ctx)
    assert str(recorder.requests[0].url) == f'{BASE}/api/server/v1/charge-connectors?technical_backend=tcc&public=True'
    assert str(recorder.requests[1].url) == f'{BASE}/p2'
    batch = family.parse_realtime(ctx, pages)
    assert [(u.uid, u.status) for u in batch.updates] == [
        ('DEGIR0001', EvseStatus.CHARGING),
        ('DEGIR0002', EvseStatus.OUTOFORDER),
    ]
    assert batch.updates[0].last_updated == datetime(2024, 6, 1, 12, tzinfo=UTC)
    assert next_state(ctx)['cursor'] == '2024-06-01T12:05:00+00:00'
    # the next pull asks for changes since then; nothing changed -> NotModified
    later = _recorder({'items': []})
    next_ctx = context(UID, later.transport, previous_state=next_state(ctx), **CONFIG)
    with pytest.raises(NotModified):
        family.fetch_realtime(next_ctx)
    assert later.requests[0].url.params['modified_since'] == '2024-06-01T12:05:00+00:00'


def test_config_and_http_errors():
    with pytest.raises(ConfigError, match='url'):
        family.fetch_static(context(UID, _recorder({'items': []}).transport, user='u', password='p'))
    with pytest.raises(HttpStatusError) as info:
        family.fetch_static(context(UID, Recorder(raw_response(b'', status_code=401)).transport, **CONFIG))
    assert info.value.status_code == 401
    failing = Recorder(raw_response(b'', status_code=502))
    with pytest.raises(HttpStatusError):
        family.fetch_realtime(context(UID, failing.transport, retries=2, **CONFIG))
    assert len(failing.requests) == 3
    with pytest.raises(httpx.TimeoutException):
        family.fetch_static(context(UID, Recorder(timeout).transport, retries=0, **CONFIG))


def test_end_to_end_static_and_realtime(settings, db):
    settings = with_source(settings, UID, **CONFIG)
    static_pages = _recorder(
        {'items': [location(1234, [connector(55, 'DEEBGE32000301'), connector(56, 'DEEBGE32000302')])]}
    )
    run_static(settings, UID, transport=static_pages.transport)
    uid = parse.location_uid(1234, settings.giroe.object_id_secret.get_secret_value())
    rows = db.execute(
        """
        SELECT l.uid, l.city, l.country, cs.uid AS station, cs.capabilities, e.uid AS evse, e.status::text,
               c.uid AS connector, c.max_electric_power
        FROM location l JOIN charging_station cs ON cs.location_id = l.id
        JOIN evse e ON e.charging_station_id = cs.id JOIN connector c ON c.evse_id = e.id
        WHERE l.source = %s ORDER BY e.uid
        """,
        (UID,),
    ).fetchall()
    assert [(r['uid'], r['city'], r['country'], r['evse'], r['status'], r['max_electric_power']) for r in rows] == [
        (uid, 'Köln', 'DEU', 'DEEBGE32000301', 'AVAILABLE', 22000),
        (uid, 'Köln', 'DEU', 'DEEBGE32000302', 'AVAILABLE', 22000),
    ]
    assert rows[0]['connector'] == parse.object_uid('connector', 55, settings.giroe.object_id_secret.get_secret_value())
    live = _recorder({'items': [connector(56, 'DEEBGE32000302', 'charging', modified='2024-06-01T12:00:00Z')]})
    assert run_realtime(settings, UID, transport=live.transport).outcome == 'applied'
    statuses = db.execute('SELECT uid, status::text FROM evse ORDER BY uid').fetchall()
    assert statuses == [
        {'uid': 'DEEBGE32000301', 'status': 'AVAILABLE'},
        {'uid': 'DEEBGE32000302', 'status': 'CHARGING'},
    ]
    state = db.execute("SELECT cursor FROM fetch_state WHERE source_uid = 'giroe' AND kind = 'realtime'")
    assert state.fetchone() == {'cursor': '2024-06-01T12:00:00+00:00'}

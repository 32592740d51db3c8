"""OCHP 1.4 against a local SOAP endpoint (a real HTTP server) that checks the WS-Security header."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from lxml import etree

from ocpdb_pipelines.config import load_settings
from ocpdb_pipelines.imports import run_realtime, run_static
from ocpdb_pipelines.model.enums import (
    Capability,
    ConnectorFormat,
    ConnectorType,
    EvseStatus,
    ImageCategory,
    ParkingRestriction,
    ParkingType,
    PowerType,
)
from ocpdb_pipelines.sources.base import Page, PayloadError, SourceContext
from ocpdb_pipelines.sources.ochp import family
from ocpdb_pipelines.sources.ochp.wire import OCHP, SOAPENV, WSSE, WSU
from ocpdb_pipelines.store.fetch_state import FetchState
from tests.sources.live_sources_helpers import next_state, server_context

USER, PASSWORD = 'ocpdb-user', 's3cret'
NS = {'s': SOAPENV, 'w': WSSE, 'u': WSU, 'o': OCHP}


def _envelope(body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}" xmlns:ns="{OCHP}"><soapenv:Header/>'
        f'<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>'
    ).encode()


def _connector(standard: str, fmt: str = 'Socket') -> str:
    return (
        f'<ns:connectors><ns:connectorStandard><ns:ConnectorStandard>{standard}</ns:ConnectorStandard>'
        f'</ns:connectorStandard><ns:connectorFormat><ns:ConnectorFormat>{fmt}</ns:ConnectorFormat>'
        f'</ns:connectorFormat></ns:connectors>'
    )


def _record(
    evse_id: str, location_id: str = 'LOC1', *, extra: str = '', connectors: str = '', lat: str = '48.1'
) -> str:
    return f"""
    <ns:chargePointInfoArray>
      <ns:evseId>{evse_id}</ns:evseId>
      <ns:locationId>{location_id}</ns:locationId>
      <ns:timestamp><ns:DateTime>2026-05-01T10:00:00Z</ns:DateTime></ns:timestamp>
      <ns:locationName>Rathausplatz</ns:locationName>
      <ns:locationNameLang>DEU</ns:locationNameLang>
      <ns:chargePointAddress>
        <ns:address>Marktstraße  </ns:address><ns:houseNumber>12</ns:houseNumber>
        <ns:zipCode>72458</ns:zipCode><ns:city>Albstadt</ns:city><ns:country>DEU</ns:country>
      </ns:chargePointAddress>
      <ns:chargePointLocation lat="{lat}" lon="9.0234567"/>
      <ns:timeZone>Europe/Berlin</ns:timeZone>
      <ns:location><ns:GeneralLocationType>on-street</ns:GeneralLocationType></ns:location>
      <ns:chargePointType>AC</ns:chargePointType>
      {connectors or _connector('IEC_62196_T2')}
      {extra}
    </ns:chargePointInfoArray>"""


FIRST_EXTRA = """
  <ns:images><ns:uri>https://img.example/station.jpg</ns:uri><ns:class>stationPhoto</ns:class>
    <ns:type>jpeg</ns:type><ns:width>800</ns:width><ns:height>600</ns:height></ns:images>
  <ns:images><ns:uri>https://img.example/logo.png</ns:uri><ns:class>operatorLogo</ns:class>
    <ns:type>png</ns:type><ns:width>100</ns:width><ns:height>50</ns:height></ns:images>
  <ns:openingTimes>
    <ns:regularHours weekday="1" periodBegin="08:00" periodEnd="18:00"/>
    <ns:regularHours weekday="2" periodBegin="08:00" periodEnd="18:00"/>
    <ns:closedCharging>false</ns:closedCharging>
  </ns:openingTimes>
  <ns:status><ns:ChargePointStatusType>Operative</ns:ChargePointStatusType></ns:status>
  <ns:telephoneNumber>+49 7431 1234</ns:telephoneNumber>
  <ns:parkingRestriction><ns:RestrictionType>evonly</ns:RestrictionType></ns:parkingRestriction>
  <ns:authMethods><ns:AuthMethodType>RfidMifareCls</ns:AuthMethodType></ns:authMethods>
  <ns:authMethods><ns:AuthMethodType>DirectCreditcard</ns:AuthMethodType></ns:authMethods>
  <ns:ratings><ns:maximumPower>22.0</ns:maximumPower><ns:nominalVoltage>230</ns:nominalVoltage></ns:ratings>
"""

CHARGE_POINT_LIST = _envelope(
    '<ns:GetChargePointListResponse><ns:result><ns:resultCode><ns:resultCode>ok</ns:resultCode></ns:resultCode>'
    '<ns:resultDescription>fine</ns:resultDescription></ns:result>'
    + _record('DE*ALB*E1*1', extra=FIRST_EXTRA)
    + _record(
        'DE*ALB*E1*2',
        connectors=_connector('DOMESTIC_F') + _connector('DOMESTIC_B', 'Cable'),
        extra='<ns:status><ns:ChargePointStatusType>Closed</ns:ChargePointStatusType></ns:status>'
        '<ns:parkingRestriction><ns:RestrictionType>disabled</ns:RestrictionType></ns:parkingRestriction>'
        '<ns:parkingRestriction><ns:RestrictionType>customers</ns:RestrictionType></ns:parkingRestriction>',
    )
    + _record('DE*ALB*E2*1', 'LOC2', connectors=_connector('Chademo', 'Cable')).replace(
        '<ns:chargePointType>AC', '<ns:chargePointType>DC'
    )
    + _record('DE*ALB*BROKEN', 'LOC3', lat='')
    + _record('DE*ALB*E4*1', 'LOC4', connectors=_connector('FUTURE_PLUG'))
    + '</ns:GetChargePointListResponse>'
)

STATUS = _envelope(
    '<ns:GetStatusResponse>'
    '<ns:evse><ns:evseId>DE*ALB*E1*1</ns:evseId><ns:major>available</ns:major><ns:minor>charging</ns:minor></ns:evse>'
    '<ns:evse><ns:evseId>DE*ALB*E1*2</ns:evseId><ns:major>not-available</ns:major></ns:evse>'
    '<ns:evse><ns:evseId>DE*ALB*E2*1</ns:evseId><ns:major>available</ns:major><ns:minor>blocked</ns:minor></ns:evse>'
    '<ns:evse><ns:evseId>DE*ALB*E4*1</ns:evseId><ns:major>exploded</ns:major></ns:evse>'
    '<ns:evse><ns:major>available</ns:major></ns:evse>'
    '</ns:GetStatusResponse>'
)


@dataclass
class SoapEndpoint:
    url: str = ''
    requests: list[dict] = field(default_factory=list)
    static_body: bytes = CHARGE_POINT_LIST
    status_body: bytes = STATUS


@pytest.fixture
def endpoint() -> Iterator[SoapEndpoint]:
    state = SoapEndpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers['Content-Length']))
            root = etree.fromstring(raw)
            security = root.find('s:Header/w:Security', NS)
            token = security.find('w:UsernameToken', NS) if security is not None else None
            authorised = (
                token is not None
                and security.get(f'{{{SOAPENV}}}mustUnderstand') == '1'
                and token.get(f'{{{WSU}}}Id') == 'UsernameToken-1'
                and token.findtext('w:Username', namespaces=NS) == USER
                and token.findtext('w:Password', namespaces=NS) == PASSWORD
                and token.find('w:Password', NS).get('Type', '').endswith('#PasswordText')
            )
            request = root.find('s:Body/*', NS)
            state.requests.append(
                {
                    'path': self.path,
                    'action': self.headers.get('SOAPAction'),
                    'content_type': self.headers.get('Content-Type'),
                    'operation': etree.QName(request).localname if request is not None else None,
                    'since': root.findtext('s:Body/o:GetStatusRequest/o:startDateTime/o:DateTime', namespaces=NS),
                }
            )
            if not authorised:
                body, status = _envelope('<soapenv:Fault><faultstring>auth</faultstring></soapenv:Fault>'), 500
            elif self.path == '/service/ochp/v1.4':
                body, status = state.static_body, 200
            else:
                body, status = state.status_body, 200
            self.send_response(status)
            self.send_header('Content-Type', 'text/xml')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    state.url = f'http://127.0.0.1:{httpd.server_address[1]}'
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield state
    httpd.shutdown()
    httpd.server_close()


def _context(endpoint: SoapEndpoint, tmp_path, uid: str = 'ochp_albwerk', password: str = PASSWORD) -> SourceContext:
    settings = load_settings(
        config_file=os.devnull,
        environ={'OCPDB_ARCHIVE__DIR': str(tmp_path / 'raw'), 'OCPDB_HTTP__RETRIES': '0'},
    )
    config = {'url': endpoint.url, 'user': USER, 'password': password}
    return server_context(uid, settings, config)


def test_static_over_soap(endpoint, tmp_path):
    ctx = _context(endpoint, tmp_path)
    pages = family.fetch_static(ctx)
    [request] = endpoint.requests
    assert request['path'] == '/service/ochp/v1.4'  # no double slash
    assert request['action'] == 'http://ochp.eu/1.4/GetChargePointList'
    assert request['content_type'].startswith('text/xml')
    assert request['operation'] == 'GetChargePointListRequest'
    batch = family.parse_static(ctx, pages)
    reasons = {s.reference: s.reason for s in batch.skipped}
    assert reasons == {'DE*ALB*BROKEN': 'no chargePointLocation lat/lon'}
    locations = {loc.uid: loc for loc in batch.locations}
    assert set(locations) == {'LOC1', 'LOC2', 'LOC4'}

    location = locations['LOC1']
    assert location.name == 'Rathausplatz'
    assert location.address == 'Marktstraße 12'
    assert (location.postal_code, location.city, location.country) == ('72458', 'Albstadt', 'DEU')
    assert (location.lat, location.lon) == (Decimal('48.1000000'), Decimal('9.0234567'))
    assert location.time_zone == 'Europe/Berlin'
    assert location.help_phone == '+49 7431 1234'
    assert location.parking_type == ParkingType.ON_STREET
    assert location.last_updated == datetime(2026, 5, 1, 10, tzinfo=UTC)
    assert location.operator.name == 'Albwerk'
    assert location.twentyfourseven is False
    assert [(h.weekday, h.period_begin, h.period_end) for h in location.regular_hours] == [
        (1, '08:00', '18:00'),
        (2, '08:00', '18:00'),
    ]
    images = {i.external_url: i for i in location.images}
    assert images['https://img.example/logo.png'].category == ImageCategory.OPERATOR
    assert (images['https://img.example/station.jpg'].width, images['https://img.example/station.jpg'].height) == (
        800,
        600,
    )
    [station] = location.charging_pool
    assert station.uid == 'LOC1'
    assert station.capabilities == [Capability.CREDIT_CARD_PAYABLE, Capability.RFID_READER]
    first, second = station.evses
    assert first.uid == first.evse_id == 'DE*ALB*E1*1'
    assert first.status == EvseStatus.AVAILABLE
    assert first.parking_restrictions == [ParkingRestriction.EV_ONLY]  # a single element is enough
    assert [i.category for i in first.images] == [ImageCategory.CHARGER]
    [connector] = first.connectors
    assert connector.standard == ConnectorType.IEC_62196_T2
    assert connector.format == ConnectorFormat.SOCKET
    assert connector.power_type == PowerType.AC_3_PHASE
    assert (connector.max_electric_power, connector.max_voltage, connector.max_amperage) == (22000, 230, 32)
    assert second.status == EvseStatus.REMOVED
    assert second.parking_restrictions == [ParkingRestriction.DISABLED, ParkingRestriction.CUSTOMERS]
    domestic_f, domestic_b = second.connectors
    assert (domestic_f.uid, domestic_f.standard, domestic_f.format) == (
        '0',
        ConnectorType.DOMESTIC_F,
        ConnectorFormat.SOCKET,
    )
    assert (domestic_b.uid, domestic_b.standard, domestic_b.format) == (
        '1',
        ConnectorType.DOMESTIC_B,
        ConnectorFormat.CABLE,
    )
    assert domestic_f.power_type == PowerType.AC_1_PHASE

    chademo = locations['LOC2'].charging_pool[0].evses[0].connectors[0]
    assert (chademo.standard, chademo.power_type, chademo.format) == (
        ConnectorType.CHADEMO,
        PowerType.DC,
        ConnectorFormat.CABLE,
    )
    assert locations['LOC4'].charging_pool[0].evses[0].connectors[0].standard is None


def test_ladenetz_has_no_operator(endpoint, tmp_path):
    ctx = _context(endpoint, tmp_path, uid='ochp_ladenetz')
    batch = family.parse_static(ctx, family.fetch_static(ctx))
    assert batch.locations
    assert all(loc.operator is None for loc in batch.locations)


def test_realtime_over_soap(endpoint, tmp_path):
    ctx = _context(endpoint, tmp_path)
    pages = family.fetch_realtime(ctx)
    assert endpoint.requests[0]['path'] == '/live/ochp/v1.4'
    assert endpoint.requests[0]['action'] == 'http://ochp.e-clearing.net/service/GetStatus'
    assert endpoint.requests[0]['since'] is None  # first run: full sync
    batch = family.parse_realtime(ctx, pages)
    assert {u.uid: u.status for u in batch.updates} == {
        'DE*ALB*E1*1': EvseStatus.CHARGING,
        'DE*ALB*E1*2': EvseStatus.INOPERATIVE,
        'DE*ALB*E2*1': EvseStatus.BLOCKED,
    }
    assert len(batch.skipped) == 2
    # the next run asks for changes since the start of this one
    ctx.http.previous = FetchState(cursor=next_state(ctx)['cursor'])
    family.fetch_realtime(ctx)
    assert endpoint.requests[1]['since'] == ctx.http.cursor
    assert endpoint.requests[1]['since'].endswith('Z')


def test_wrong_password_is_a_soap_fault(endpoint, tmp_path):
    ctx = _context(endpoint, tmp_path, password='wrong')
    from ocpdb_pipelines.http.client import HttpStatusError

    with pytest.raises(HttpStatusError):
        family.fetch_static(ctx)


@pytest.mark.parametrize(
    'body',
    [
        b'not xml',
        b'<html/>',
        _envelope('<ns:SomethingElse/>'),
        _envelope('<soapenv:Fault><faultstring>boom</faultstring></soapenv:Fault>'),
        _envelope('<ns:GetChargePointListResponse/>'),
        _envelope(
            '<ns:GetChargePointListResponse><ns:result><ns:resultCode><ns:resultCode>server</ns:resultCode>'
            '</ns:resultCode></ns:result></ns:GetChargePointListResponse>'
        ),
    ],
)
def test_unreadable_static_payload(endpoint, tmp_path, body):
    with pytest.raises(PayloadError):
        family.parse_static(_context(endpoint, tmp_path), [Page(body=body)])


def test_end_to_end_static_and_realtime(endpoint, settings, db):
    settings = settings.with_values(sources={'ochp_albwerk': {'url': endpoint.url, 'user': USER, 'password': PASSWORD}})
    run_static(settings, 'ochp_albwerk')
    rows = db.execute(
        """
        SELECT e.uid, e.status::text AS status, c.uid AS connector, c.standard::text AS standard,
               c.max_voltage, c.max_amperage, c.max_electric_power
        FROM evse e JOIN connector c ON c.evse_id = e.id ORDER BY e.uid, c.uid
        """
    ).fetchall()
    assert [(r['uid'], r['connector'], r['standard']) for r in rows] == [
        ('DE*ALB*E1*1', '0', 'IEC_62196_T2'),
        ('DE*ALB*E1*2', '0', 'DOMESTIC_F'),
        ('DE*ALB*E1*2', '1', 'DOMESTIC_B'),
        ('DE*ALB*E2*1', '0', 'CHADEMO'),
        ('DE*ALB*E4*1', '0', None),
    ]
    assert (rows[0]['max_voltage'], rows[0]['max_amperage'], rows[0]['max_electric_power']) == (230, 32, 22000)
    run_realtime(settings, 'ochp_albwerk')
    statuses = {r['uid']: r['status'] for r in db.execute('SELECT uid, status::text AS status FROM evse').fetchall()}
    assert statuses == {
        'DE*ALB*E1*1': 'CHARGING',
        'DE*ALB*E1*2': 'INOPERATIVE',
        'DE*ALB*E2*1': 'BLOCKED',
        'DE*ALB*E4*1': 'UNKNOWN',
    }

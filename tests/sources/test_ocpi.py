"""OCPI 2.2.1 mapper (official examples) and the eaaze_pbw / stadtnavi pulls."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import orjson
import pytest

from ocpdb_pipelines.config import ConfigError
from ocpdb_pipelines.http.client import HttpStatusError
from ocpdb_pipelines.imports import run_realtime, run_static
from ocpdb_pipelines.model.enums import (
    Capability,
    ConnectorFormat,
    ConnectorType,
    EvseStatus,
    ParkingRestriction,
    ParkingType,
    PowerType,
)
from ocpdb_pipelines.sources.base import Page, PayloadError
from ocpdb_pipelines.sources.ocpi import family, parse
from tests.fixtures_dir import fixture_bytes
from tests.sources.live_sources_helpers import Recorder, context, json_response, raw_response, timeout, with_source

NOW = datetime(2025, 1, 1, tzinfo=UTC)
EAAZE_URL = 'https://ocpi.eaaze.cloud/cpo/2.2.1/locations'


def example(name: str) -> dict:
    return orjson.loads(fixture_bytes('ocpi', name))


def envelope(*locations: dict) -> dict:
    return {'status_code': 1000, 'timestamp': '2025-01-01T00:00:00Z', 'data': list(locations)}


def map_one(raw: dict):
    result = parse.location(raw, now=NOW)
    assert len(result.locations) == 1, result.skipped
    return result.locations[0], result.skipped


def test_official_location_example():
    location, skipped = map_one(example('location_example.json'))
    assert skipped == []
    assert location.uid == 'LOC1'
    assert location.name == 'Gent Zuid'
    assert (location.address, location.city, location.postal_code, location.country) == (
        'F.Rooseveltlaan 3A',
        'Gent',
        '9000',
        'BEL',
    )
    assert (location.lat, location.lon) == (Decimal('51.0475990'), Decimal('3.7299440'))
    assert location.parking_type == ParkingType.ON_STREET
    assert location.operator.name == 'BeCharged'
    assert location.time_zone == 'Europe/Brussels'
    assert location.last_updated == datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)
    station = location.charging_pool[0]
    assert station.uid == 'LOC1'
    assert station.capabilities == [Capability.RESERVABLE]
    assert station.floor_level == '-1'
    first, second = station.evses
    # the EVSE id (eMI3) is OCPDB's EVSE uid; the OCPI uid is not used
    assert (first.uid, first.evse_id, first.status) == ('BE*BEC*E041503001', 'BE*BEC*E041503001', EvseStatus.AVAILABLE)
    assert (second.uid, second.status) == ('BE*BEC*E041503002', EvseStatus.RESERVED)
    assert first.physical_reference == '1'
    cable, socket = first.connectors
    assert (cable.uid, cable.standard, cable.format, cable.power_type) == (
        '1',
        ConnectorType.IEC_62196_T2,
        ConnectorFormat.CABLE,
        PowerType.AC_3_PHASE,
    )
    assert (cable.max_voltage, cable.max_amperage) == (220, 16)
    assert cable.max_electric_power == round(220 * 16 * 3**0.5)  # V x A x sqrt(3) for three phases
    assert socket.format == ConnectorFormat.SOCKET
    assert cable.last_updated == datetime(2015, 3, 16, 10, 10, 2, tzinfo=UTC)


def test_opening_hours_and_restrictions():
    location, _ = map_one(example('location_example_parking_garage_opening_hours.json'))
    assert location.twentyfourseven is False
    assert [(h.weekday, h.period_begin, h.period_end) for h in location.regular_hours] == [
        (day, '07:00', '18:00') for day in range(1, 8)
    ]
    assert location.charging_when_closed is True
    assert location.parking_type == ParkingType.PARKING_GARAGE
    uc2 = example('location_example_uc2_destination_charger.json')
    location, _ = map_one(uc2)
    restrictions = [e.parking_restrictions for e in location.charging_pool[0].evses]
    assert all(r is None or all(isinstance(x, ParkingRestriction) for x in r) for r in restrictions)


def test_unpublished_location_is_left_out():
    result = parse.location(example('location_example_uc3_destination_charger_not_published.json'), now=NOW)
    assert result.locations == []
    assert result.skipped == []


def test_exceptional_periods():
    raw = example('location_example.json')
    raw['opening_times'] = example('location_hours_opening_hours_with_exceptional_closing.json')
    location, _ = map_one(raw)
    assert location.exceptional_closings
    assert all(p.period_begin.tzinfo is not None for p in location.exceptional_closings)


def test_broken_variants():
    raw = example('location_example.json')
    no_coordinates = {**raw, 'coordinates': {'latitude': '51.0'}}
    assert parse.location(no_coordinates, now=NOW).skipped[0].reason.startswith('longitude')
    bad_type = orjson.loads(orjson.dumps(raw))
    bad_type['evses'][0]['connectors'][0]['max_amperage'] = [16]
    location, skipped = map_one(bad_type)
    assert [e.uid for e in location.charging_pool[0].evses] == ['BE*BEC*E041503002']
    assert skipped[0].reference == 'location LOC1 evse BE*BEC*E041503001'
    assert 'max_amperage' in skipped[0].reason
    unknown = orjson.loads(orjson.dumps(raw))
    unknown['evses'][1]['connectors'][0]['standard'] = 'IEC_99999'
    location, skipped = map_one(unknown)
    assert len(location.charging_pool[0].evses) == 1
    assert "unknown connector standard 'IEC_99999'" in skipped[0].reason
    out_of_range = {**raw, 'coordinates': {'latitude': '151.0', 'longitude': '3.7'}}
    assert 'out of range' in parse.location(out_of_range, now=NOW).skipped[0].reason


def test_realtime_statuses_from_locations():
    updates, skipped = parse.realtime(example('location_example.json'), now=NOW)
    assert [(u.uid, u.status) for u in updates] == [
        ('BE*BEC*E041503001', EvseStatus.AVAILABLE),
        ('BE*BEC*E041503002', EvseStatus.RESERVED),
    ]
    assert skipped == []


# --- eaaze_pbw: Token auth, request ids, Link pagination --------------------------------------------


def _pages() -> Recorder:
    first = example('location_example.json')
    second = example('location_example_parking_garage_opening_hours.json')
    link = f'<{EAAZE_URL}?offset=1&limit=1>; rel="next"'
    return Recorder(
        json_response(envelope(first), headers={'Link': link, 'X-Total-Count': '2'}),
        json_response(envelope(second), headers={'X-Total-Count': '2'}),
    )


def test_eaaze_fetches_all_pages_with_token_and_request_ids():
    recorder = _pages()
    ctx = context('eaaze_pbw', recorder.transport, token='test-token')
    pages = family.fetch_static(ctx)
    assert len(pages) == 2
    first, second = recorder.requests
    assert str(first.url) == f'{EAAZE_URL}?limit=1000'
    assert str(second.url) == f'{EAAZE_URL}?offset=1&limit=1'
    ids = []
    for request in recorder.requests:
        assert request.headers['Authorization'] == 'Token test-token'
        for header in ('X-Request-ID', 'X-Correlation-ID'):
            assert uuid.UUID(request.headers[header]).version == 4
            ids.append(request.headers[header])
    assert len(set(ids)) == 4  # fresh ids per request, request and correlation id independent
    batch = family.parse_static(ctx, pages)
    assert [loc.uid for loc in batch.locations] == ['LOC1', 'cbb0df21-d17d-40ba-a4aa-dc588c8f98cb']


def test_eaaze_needs_a_token():
    with pytest.raises(ConfigError, match='token'):
        family.fetch_static(context('eaaze_pbw', _pages().transport))


def test_eaaze_401_and_timeout():
    recorder = Recorder(raw_response(b'{"status_code": 2001}', status_code=401))
    with pytest.raises(HttpStatusError) as info:
        family.fetch_static(context('eaaze_pbw', recorder.transport, token='bad'))
    assert info.value.status_code == 401
    assert len(recorder.requests) == 1
    with pytest.raises(httpx.TimeoutException):
        family.fetch_static(context('eaaze_pbw', Recorder(timeout).transport, token='t', retries=1))


def test_stadtnavi_is_one_public_get():
    recorder = Recorder(json_response(envelope(example('location_example.json'))))
    ctx = context('ocpi_stadtnavi', recorder.transport)
    pages = family.fetch_static(ctx)
    (request,) = recorder.requests
    assert str(request.url) == 'https://api.stadtnavi.de/herrenberg/charging-stations/charging-stations-ocpi.json'
    assert 'Authorization' not in request.headers
    assert len(family.parse_static(ctx, pages).locations) == 1


def test_truncated_envelope_raises():
    body = orjson.dumps(envelope(example('location_example.json')))
    with pytest.raises(PayloadError):
        family.parse_static(context('ocpi_stadtnavi'), [Page(body=body[:-40])])


def test_eaaze_end_to_end(settings, db):
    settings = with_source(settings, 'eaaze_pbw', token='test-token')
    report = run_static(settings, 'eaaze_pbw', transport=_pages().transport)
    assert report.pages == 2
    rows = db.execute(
        """
        SELECT l.uid, l.name, l.country, l.time_zone, l.parking_type::text, b.name AS operator, cs.floor_level,
               e.uid AS evse_uid, e.status::text, e.physical_reference, c.uid AS connector_uid,
               c.standard::text, c.format::text, c.max_voltage, c.max_amperage
        FROM location l LEFT JOIN business b ON b.id = l.operator_id
        JOIN charging_station cs ON cs.location_id = l.id JOIN evse e ON e.charging_station_id = cs.id
        JOIN connector c ON c.evse_id = e.id WHERE l.source = 'eaaze_pbw' AND l.uid = 'LOC1'
        ORDER BY e.uid, c.uid
        """
    ).fetchall()
    assert [(r['evse_uid'], r['connector_uid'], r['format'], r['status']) for r in rows] == [
        ('BE*BEC*E041503001', '1', 'CABLE', 'AVAILABLE'),
        ('BE*BEC*E041503001', '2', 'SOCKET', 'AVAILABLE'),
        ('BE*BEC*E041503002', '1', 'SOCKET', 'RESERVED'),
    ]
    location_fields = {
        (r['name'], r['country'], r['time_zone'], r['parking_type'], r['operator'], r['floor_level']) for r in rows
    }
    assert location_fields == {('Gent Zuid', 'BEL', 'Europe/Brussels', 'ON_STREET', 'BeCharged', '-1')}
    assert {(r['standard'], r['max_voltage'], r['max_amperage']) for r in rows} == {('IEC_62196_T2', 220, 16)}
    # realtime: the second EVSE becomes available
    live_location = example('location_example.json')
    live_location['evses'][1]['status'] = 'AVAILABLE'
    garage = example('location_example_parking_garage_opening_hours.json')
    recorder = Recorder(json_response(envelope(live_location, garage)))
    assert run_realtime(settings, 'eaaze_pbw', transport=recorder.transport).outcome == 'applied'
    status = db.execute("SELECT status::text AS s FROM evse WHERE uid = 'BE*BEC*E041503002'").fetchone()
    assert status == {'s': 'AVAILABLE'}

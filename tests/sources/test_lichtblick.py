"""Lichtblick: payloads built from the spec (§3.7); credentials sent; one EVSE per circuit."""

from __future__ import annotations

import base64
from decimal import Decimal

import orjson
import pytest

from ocpdb_pipelines.http.client import HttpStatusError
from ocpdb_pipelines.imports import run_realtime, run_static
from ocpdb_pipelines.model.enums import ConnectorFormat, ConnectorType, EvseStatus, PowerType
from ocpdb_pipelines.sources.base import PayloadError
from ocpdb_pipelines.sources.lichtblick import family, parse
from tests.sources.live_sources_helpers import Recorder, context, json_response, raw_response, timeout, with_source

UID = 'lichtblick'
URL = 'https://portal.lichtblick-emobility.de/api/places'


def circuit(_id: int, evse_id: str, plug: str, status: str, **extra) -> dict:
    return {
        '_id': _id,
        'charging': False,
        'ready': True,
        'isReady': True,
        'isCharging': False,
        'powerInfo': 'AC_022kW_032A',
        'plug': plug,
        'evseId': evse_id,
        'status': status,
        'power_type': 'AC',
        'max_electric_power': 22000,
        **extra,
    }


def place(shortcode: str, circuits: list[dict], **extra) -> dict:
    return {
        'name': f'Ladepunkt {shortcode}',
        'serviceTag': 'tag',
        'shortcode': shortcode,
        'address': {'street': 'Zirkusweg 6', 'city': 'Hamburg', 'zipCode': '20359'},
        'lat': 53.5489,
        'lon': 9.9661,
        'status': 'OK',
        'published': True,
        'accessibilityType': 'FREEPUBLIC',
        'hours': {'twentyfourseven': True},
        'operatorName': 'Place Operator',
        'description': '',
        'circuits': circuits,
        **extra,
    }


def payload(*places: dict) -> dict:
    return {
        'operator': {
            'placesCount': len(places),
            'operatorId': 7,
            'operatorName': 'LichtBlick eMobility',
            'amountStations': 1,
            'amountIdentifications': 0,
            'amountUsers': 0,
            'operatorPlaces': list(places),
        }
    }


def sample() -> dict:
    return payload(
        place(
            'HH01',
            [
                circuit(11, 'DE*LBE*E11', 'TYP2', 'OCPP16_AVAILABLE'),
                circuit(12, 'DE*LBE*E12', 'TYP2_CABLE', 'OCPP16_CHARGING'),
                circuit(
                    13,
                    'DE*LBE*E13',
                    'CCS',
                    'OCPP16_FAULTED',
                    powerInfo='DC_150kW',
                    power_type='DC',
                    max_electric_power=150,
                ),
            ],
        ),
        place('HH02', [circuit(21, 'DE*LBE*E21', 'SCHUKO', 'OCPP_OCCUPIED')], published=False),
        place('HH03', [circuit(31, 'DE*LBE*E31', 'GBT_DC', 'OCPP16_RESERVED', powerInfo='DC_050kW')]),
    )


def test_every_circuit_is_an_evse():
    batch = parse.parse_static(orjson.dumps(sample()))
    assert [loc.uid for loc in batch.locations] == ['HH01', 'HH03']  # HH02 unpublished
    assert batch.skipped == []
    location = batch.locations[0]
    assert location.name == 'Ladepunkt HH01'
    assert (location.address, location.postal_code, location.city, location.country) == (
        'Zirkusweg 6',
        '20359',
        'Hamburg',
        'DEU',
    )
    assert (location.lat, location.lon) == (Decimal('53.5489000'), Decimal('9.9661000'))
    assert location.operator.name == 'LichtBlick eMobility'
    assert location.twentyfourseven is True
    station = location.charging_pool[0]
    assert station.uid == 'HH01'
    assert [(e.uid, e.evse_id, e.status) for e in station.evses] == [
        ('DE*LBE*E11', 'DE*LBE*E11', EvseStatus.AVAILABLE),
        ('DE*LBE*E12', 'DE*LBE*E12', EvseStatus.CHARGING),
        ('DE*LBE*E13', 'DE*LBE*E13', EvseStatus.OUTOFORDER),
    ]
    t2, cable, ccs = (e.connectors[0] for e in station.evses)
    assert (t2.uid, t2.standard, t2.format, t2.power_type) == (
        '11',
        ConnectorType.IEC_62196_T2,
        ConnectorFormat.SOCKET,
        PowerType.AC_3_PHASE,
    )
    assert (t2.max_electric_power, t2.max_amperage, t2.max_voltage) == (22000, 32, 400)
    assert cable.format == ConnectorFormat.CABLE
    assert (ccs.standard, ccs.format, ccs.power_type, ccs.max_electric_power) == (
        ConnectorType.IEC_62196_T2_COMBO,
        ConnectorFormat.CABLE,
        PowerType.DC,
        150000,
    )
    gbt = batch.locations[1].charging_pool[0].evses[0]
    assert gbt.connectors[0].standard == ConnectorType.GBT_DC
    assert gbt.status == EvseStatus.UNKNOWN


def test_broken_places_and_circuits():
    data = sample()
    places = data['operator']['operatorPlaces']
    places[0]['circuits'][1]['plug'] = 'TYP9'
    places[0]['circuits'][2]['max_electric_power'] = 'lots'
    del places[2]['lat']
    batch = parse.parse_static(orjson.dumps(data))
    assert [loc.uid for loc in batch.locations] == ['HH01']
    assert [e.uid for e in batch.locations[0].charging_pool[0].evses] == ['DE*LBE*E11']
    reasons = {s.reference: s.reason for s in batch.skipped}
    assert reasons['place HH01 circuit DE*LBE*E12'] == "circuit 12: unknown plug 'TYP9'"
    assert 'max_electric_power' in reasons['place HH01 circuit DE*LBE*E13']
    assert reasons['place HH03'].startswith('latitude')


@pytest.mark.parametrize('body', [b'{"operator": {}}', b'{"operator": {"operatorPlaces": [', b'[]'])
def test_unreadable_payload(body):
    with pytest.raises(PayloadError):
        parse.parse_static(body)


def test_realtime():
    batch = parse.parse_realtime(orjson.dumps(sample()))
    assert [(u.uid, u.status) for u in batch.updates] == [
        ('DE*LBE*E11', EvseStatus.AVAILABLE),
        ('DE*LBE*E12', EvseStatus.CHARGING),
        ('DE*LBE*E13', EvseStatus.OUTOFORDER),
        ('DE*LBE*E31', EvseStatus.UNKNOWN),
    ]


def test_credentials_are_sent():
    recorder = Recorder(json_response(sample()))
    family.FAMILY.fetch_static(context(UID, recorder.transport, url=URL, user='lb', password='secret'))
    (request,) = recorder.requests
    assert str(request.url) == URL
    assert request.headers['Authorization'] == 'Basic ' + base64.b64encode(b'lb:secret').decode()


def test_fetch_errors():
    import httpx

    with pytest.raises(HttpStatusError):
        family.FAMILY.fetch_static(
            context(UID, Recorder(raw_response(b'', status_code=401)).transport, user='u', password='p')
        )
    recorder = Recorder(raw_response(b'', status_code=500))
    with pytest.raises(HttpStatusError):
        family.FAMILY.fetch_static(context(UID, recorder.transport, user='u', password='p', retries=1))
    assert len(recorder.requests) == 2
    with pytest.raises(httpx.TimeoutException):
        family.FAMILY.fetch_static(context(UID, Recorder(timeout).transport, user='u', password='p', retries=0))


def test_end_to_end(settings, db):
    settings = with_source(settings, UID, url=URL, user='u', password='p')
    run_static(settings, UID, transport=Recorder(json_response(sample())).transport)
    rows = db.execute(
        """
        SELECT l.uid, e.uid AS evse, e.status::text, c.uid AS connector, c.standard::text, c.format::text
        FROM location l JOIN charging_station cs ON cs.location_id = l.id
        JOIN evse e ON e.charging_station_id = cs.id JOIN connector c ON c.evse_id = e.id
        WHERE l.source = %s ORDER BY e.uid
        """,
        (UID,),
    ).fetchall()
    assert [(r['uid'], r['evse'], r['status'], r['connector'], r['standard'], r['format']) for r in rows] == [
        ('HH01', 'DE*LBE*E11', 'AVAILABLE', '11', 'IEC_62196_T2', 'SOCKET'),
        ('HH01', 'DE*LBE*E12', 'CHARGING', '12', 'IEC_62196_T2', 'CABLE'),
        ('HH01', 'DE*LBE*E13', 'OUTOFORDER', '13', 'IEC_62196_T2_COMBO', 'CABLE'),
        ('HH03', 'DE*LBE*E31', 'UNKNOWN', '31', 'GBT_DC', 'CABLE'),
    ]
    live = sample()
    live['operator']['operatorPlaces'][0]['circuits'][0]['status'] = 'CHARGING'
    assert run_realtime(settings, UID, transport=Recorder(json_response(live)).transport).outcome == 'applied'
    status = db.execute("SELECT status::text AS s FROM evse WHERE uid = 'DE*LBE*E11'").fetchone()
    assert status == {'s': 'CHARGING'}

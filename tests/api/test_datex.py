"""DATEX II GET endpoints: LocationSearch selection and paging, realtime forcing, schema validity."""

from __future__ import annotations

import pytest

from tests.api import builder as build
from tests.downstream.datex_schemas import json_errors


def _dataset(db) -> dict[str, list[int]]:
    ids = build.predecessor_dataset(db)
    db.execute("UPDATE business SET emobility_uid = 'DE*ELE' WHERE name = 'Electro Inc'")
    db.execute("UPDATE evse SET status = 'STATIC' WHERE id = ANY(%s)", (ids['evses'][2:4],))
    return ids


@pytest.mark.parametrize('version', ['3.5', '3.7'])
def test_static(db, client, version):
    _dataset(db)
    r = client.get(f'/api/public/datex/v{version}/json/static')
    assert r.status_code == 200
    body = r.json()
    assert json_errors(body, version, 'static') == []
    key = 'egiEnergyInfrastructureTablePublication' if version == '3.7' else 'aegiEnergyInfrastructureTablePublication'
    sites = body['payload'][key]['energyInfrastructureTable'][0]['energyInfrastructureSite']
    assert [s['idG'] for s in sites] == ['LOCATION-1', 'LOCATION-2', 'LOCATION-3']
    assert r.headers['X-Total-Count'] == '3'
    # LocationSearch parameters and silent paging
    r = client.get(f'/api/public/datex/v{version}/json/static', params={'source_uid': 'SOURCE-1', 'limit': 1})
    sites = r.json()['payload'][key]['energyInfrastructureTable'][0]['energyInfrastructureSite']
    assert [s['idG'] for s in sites] == ['LOCATION-1']
    assert r.headers['X-Total-Count'] == '2'
    assert 'next_offset' not in r.json()


@pytest.mark.parametrize('version', ['3.5', '3.7'])
def test_realtime_skips_static_locations(db, client, version):
    _dataset(db)
    body = client.get(f'/api/public/datex/v{version}/json/realtime', params={'exclude_evse_status': 'CHARGING'}).json()
    assert json_errors(body, version, 'realtime') == []
    statuses = body['payload']['aegiEnergyInfrastructureStatusPublication']['energyInfrastructureSiteStatus']
    assert [s['reference']['idG'] for s in statuses] == ['LOCATION-1', 'LOCATION-3']


def test_mobilithek_realtime_envelope(db, client):
    _dataset(db)
    body = client.get('/api/public/datex/v3.7/json/mobilithek/realtime').json()
    container = body['messageContainer']
    assert len(container['payload']) == 1
    context = container['exchangeInformation']['exchangeContext']
    assert context['codedExchangeProtocol'] == {'value': 'snapshotPush'}
    assert context['exchangeSpecificationVersion'] == '3.7'
    delta = client.get(
        '/api/public/datex/v3.5/json/mobilithek/realtime',
        params={'evse_status_last_updated_since': '2024-01-01T00:00:00Z'},
    ).json()
    assert delta['messageContainer']['exchangeInformation']['exchangeContext']['codedExchangeProtocol'] == {
        'value': 'deltaPush'
    }


def test_bad_parameter(client):
    r = client.get('/api/public/datex/v3.5/json/static', params={'limit': 'x'})
    assert r.status_code == 400
    assert 'limit' in r.json()['error']['data']['field_errors']

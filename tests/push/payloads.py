"""Request bodies for the push receivers: giro-e payloads built from spec/sources.md §3.6, DATEX II push
bodies derived from the recorded EnBW status sample."""

from __future__ import annotations

import copy
from typing import Any

import orjson

from tests.fixtures_dir import fixture_bytes

SECRET = 'secret'


def giroe_connector(connector_id: int, evse_uid: str, status: str = 'available', power: int = 22000) -> dict:
    return {
        'id': connector_id,
        'created': '2024-03-01T09:00:00Z',
        'modified': '2024-06-01T12:00:00Z',
        'uid': evse_uid,
        'ocpp_connector_id': 1,
        'status': status,
        'power': power,
        'power_type': 'AC_3_PHASE',
        'standard': 'IEC_62196_T2',
        'format': 'SOCKET',
    }


def giroe_location(location_id: int, connectors: list[dict], **fields: Any) -> dict:
    body = {
        'id': location_id,
        'created': '2024-03-01T09:00:00Z',
        'modified': '2024-06-01T12:30:00Z',
        'lat': '52.5200066',
        'lon': '13.4049540',
        'address': 'Alexanderplatz 1',
        'postalcode': '10178',
        'locality': 'Berlin',
        'country': 'DE',
        'public': True,
        'public_description': None,
        'stations': [
            {
                'id': location_id * 100,
                'created': '2024-03-01T09:00:00Z',
                'modified': '2024-06-01T12:15:00Z',
                'uid': f'0b7f5a52-1111-4222-8333-{location_id:012d}',
                'technical_backend': 'tcc',
                'hardware_id': f'hw-{location_id}',
                'connectors': connectors,
            }
        ],
    }
    body.update(fields)
    return body


def enbw_status_document() -> dict:
    return orjson.loads(fixture_bytes('datex2', 'enbw_realtime.json'))


def datex_push(protocol: str = 'deltaPush', *, stations: int | None = None, status: str | None = None) -> bytes:
    """The EnBW status sample as a push body: exchange protocol set, optionally fewer stations or one status."""
    document = copy.deepcopy(enbw_status_document())
    document['messageContainer']['exchangeInformation']['exchangeContext']['codedExchangeProtocol'] = {
        'value': protocol
    }
    publication = document['messageContainer']['payload'][0]['aegiEnergyInfrastructureStatusPublication']
    if stations is not None:
        kept, budget = [], stations
        for site in publication['energyInfrastructureSiteStatus']:
            site['energyInfrastructureStationStatus'] = site['energyInfrastructureStationStatus'][:budget]
            budget -= len(site['energyInfrastructureStationStatus'])
            if site['energyInfrastructureStationStatus']:
                kept.append(site)
        publication['energyInfrastructureSiteStatus'] = kept
    if status is not None:
        for site in publication['energyInfrastructureSiteStatus']:
            for station in site['energyInfrastructureStationStatus']:
                for entry in station['refillPointStatus']:
                    entry['aegiRefillPointStatus']['status']['value'] = status
    return orjson.dumps(document)


def push_uids(body: bytes) -> set[str]:
    document = orjson.loads(body)
    publication = document['messageContainer']['payload'][0]['aegiEnergyInfrastructureStatusPublication']
    return {
        entry['aegiRefillPointStatus']['reference']['idG']
        for site in publication['energyInfrastructureSiteStatus']
        for station in site['energyInfrastructureStationStatus']
        for entry in station['refillPointStatus']
    }

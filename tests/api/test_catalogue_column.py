"""A column added through the catalogue flows from a real payload to the API and its OpenAPI document.

`location.accessibility` (docs/data-model.md "Adding a column") was added in four files: the migration, the
catalogue, the update model and the opendata_swiss parser. Staging, upsert, the API select, the compat
renderers and the OpenAPI schema took it from the catalogue.
"""

from __future__ import annotations

import json
from collections import Counter

from ocpdb_pipelines.imports import run_static
from ocpdb_pipelines.sources.base import Page
from tests.fixtures_dir import fixture_bytes

UID = 'opendata_swiss'


def _fixture_accessibility() -> Counter:
    """OICP `Accessibility` per location of the recorded payload (a location is one ChargingStationId)."""
    payload = json.loads(fixture_bytes('opendata_swiss', 'static.json'))
    by_station = {
        record['ChargingStationId']: record['Accessibility']
        for block in payload['EVSEData']
        for record in block['EVSEDataRecord']
    }
    return Counter(by_station.values())


def test_accessibility_flows_from_the_swiss_fixture_to_the_api(settings, client, db):
    run_static(settings, UID, replay_pages=[Page(body=fixture_bytes('opendata_swiss', 'static.json'))])
    stored = Counter(
        r['accessibility'] for r in db.execute('SELECT accessibility FROM location WHERE source = %s', (UID,))
    )
    given = _fixture_accessibility()
    assert set(given) == {'Paying publicly accessible', 'Free publicly accessible'}
    assert stored['FREE_PUBLIC'] > 0
    assert stored['PAYING_PUBLIC'] > 0
    assert None not in stored

    free = db.execute(
        "SELECT id FROM location WHERE source = %s AND accessibility = 'FREE_PUBLIC' ORDER BY id LIMIT 1", (UID,)
    ).fetchone()['id']
    for path in (f'/api/public/v1/locations/{free}', f'/api/public/ocpi/3.0/locations/{free}'):
        assert client.get(path).json()['accessibility'] == 'FREE_PUBLIC', path
        assert 'accessibility' not in client.get(path, params={'strict': 'true'}).json(), path  # an OCPDB extension

    page = client.get('/api/public/v1/locations', params={'source_uid': UID, 'limit': 1000}).json()
    served = Counter(item.get('accessibility') for item in page['items'])
    assert served == stored


def test_the_openapi_document_describes_the_column(client):
    schemas = client.get('/documentation/public.json').json()['components']['schemas']
    schema = schemas['Location']['properties']['accessibility']
    assert schema['type'] == 'string'
    assert schema['enum'] == ['FREE_PUBLIC', 'PAYING_PUBLIC', 'RESTRICTED', 'TEST_STATION']
    assert 'OICP' in schema['description']

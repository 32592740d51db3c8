"""Server API auth (spec/predecessor.md §9.2, §9.4): Basic auth with roles, all failures 401 with the
predecessor's messages; the DATEX push takes a query key instead. Nothing is landed on a failure."""

from __future__ import annotations

import orjson
import pytest

from tests.push.conftest import BNETZA_AUTH, DATEX_KEY, GIROE_AUTH
from tests.push.payloads import datex_push, giroe_connector, giroe_location

PUT = ('PUT', '/api/server/v1/giroe/locations/7')
DELETE = ('DELETE', '/api/server/v1/giroe/locations/7')
PATCH = ('PATCH', '/api/server/v1/giroe/connectors/DEGIR0001')
UPLOAD = ('POST', '/api/server/v1/bnetza/')
BODIES = {
    PUT: orjson.dumps(giroe_location(7, [giroe_connector(1, 'DEGIR0001')])),
    DELETE: b'',
    PATCH: orjson.dumps({'modified': '2024-06-01T12:00:00Z', 'status': 'CHARGING'}),
    UPLOAD: b'PK\x03\x04 not really a workbook',
}


def _error(response) -> dict:
    assert response.headers['content-type'] == 'application/json'
    return response.json()['error']


def _landed_nothing(server) -> None:
    for uid, kind in (('giroe', 'push'), ('bnetza_excel', 'static'), ('datex2_enbw', 'realtime')):
        assert server.landing.pending(uid, kind) == []


@pytest.mark.parametrize('endpoint', [PUT, DELETE, PATCH, UPLOAD])
@pytest.mark.parametrize(
    ('auth', 'headers', 'message'),
    [
        (None, {}, 'Missing basic auth credentials'),
        (None, {'Authorization': 'Bearer abc'}, 'Missing basic auth credentials'),
        (None, {'Authorization': 'Basic not-base64!'}, 'Missing basic auth credentials'),
        (('giroe-pusher', 'wrong'), {}, 'Invalid credentials'),
        (('nobody', 'giroe-password'), {}, 'Invalid credentials'),
        (('datex-only', 'datex-password'), {}, 'Insufficient user roles'),
    ],
)
def test_basic_auth_failures_are_401(server, endpoint, auth, headers, message):
    method, path = endpoint
    with server.client() as client:
        response = client.request(method, path, content=BODIES[endpoint], auth=auth, headers=headers)
    assert response.status_code == 401
    assert _error(response) == {'code': 'unauthorized', 'message': message}
    _landed_nothing(server)


@pytest.mark.parametrize(('endpoint', 'auth'), [(PUT, BNETZA_AUTH), (PATCH, BNETZA_AUTH), (UPLOAD, GIROE_AUTH)])
def test_a_user_of_another_role_is_refused(server, endpoint, auth):
    method, path = endpoint
    with server.client() as client:
        response = client.request(method, path, content=BODIES[endpoint], auth=auth)
    assert response.status_code == 401
    assert _error(response)['message'] == 'Insufficient user roles'
    _landed_nothing(server)


@pytest.mark.parametrize('query', ['', '?key=wrong', '?key=', f'?other={DATEX_KEY}'])
@pytest.mark.parametrize('method', ['HEAD', 'POST'])
def test_datex_key_failures_are_401(server, query, method):
    with server.client() as client:
        response = client.request(
            method, f'/api/server/v1/datex/v3.5/datex2_enbw/realtime{query}', content=datex_push(stations=1)
        )
    assert response.status_code == 401
    if method == 'POST':
        assert _error(response) == {'code': 'unauthorized', 'message': 'Invalid API key'}
    _landed_nothing(server)


def test_datex_needs_no_basic_auth_and_ignores_it(server):
    with server.client() as client:
        response = client.head(f'/api/server/v1/datex/v3.5/datex2_enbw/realtime?key={DATEX_KEY}', auth=GIROE_AUTH)
    assert response.status_code == 200


def test_a_source_without_an_api_key_accepts_no_key(serve_with, push_settings):
    sources = dict(push_settings.sources)
    sources['datex2_enbw'] = {**sources['datex2_enbw'], 'api_key': None}
    server = serve_with(sources=sources)
    with server.client() as client:
        for query in ('', '?key=', '?key=None'):
            assert client.head(f'/api/server/v1/datex/v3.5/datex2_enbw/realtime{query}').status_code == 401

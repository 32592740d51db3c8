"""giro-e receivers over real HTTP (spec/sources.md §5.1): validation, 204 only after the request was
landed durably, 404 decided at request time, gzip bodies. Nothing reaches the database here."""

from __future__ import annotations

import gzip

import orjson
import pytest

from ocpdb_pipelines.db.connection import connect
from ocpdb_pipelines.sources.giroe.parse import location_uid, map_location
from ocpdb_pipelines.sources.registry import get_spec
from ocpdb_pipelines.store.static import apply_static
from tests.push.conftest import GIROE_AUTH
from tests.push.payloads import SECRET, giroe_connector, giroe_location

LOCATIONS = '/api/server/v1/giroe/locations'
CONNECTORS = '/api/server/v1/giroe/connectors'


def _body(location_id: int = 7, evse_uid: str = 'DEGIR0007', **fields) -> bytes:
    return orjson.dumps(giroe_location(location_id, [giroe_connector(location_id * 10, evse_uid)], **fields))


def _pending(server):
    return server.landing.pending('giroe', 'push')


def test_put_lands_the_request_before_answering_204(server, db):
    body = _body()
    with server.client(auth=GIROE_AUTH) as client:
        response = client.put(f'{LOCATIONS}/7', content=body, headers={'Content-Type': 'application/json'})
    assert response.status_code == 204
    assert response.content == b''
    # the answer came after the write: the request is there, complete, as soon as we hold the 204
    (landed,) = _pending(server)
    assert landed.body == body
    assert landed.meta == {
        'op': 'put_location',
        'location_id': 7,
        'location_uid': location_uid(7, SECRET),
        'public': True,
        'evse_uids': ['DEGIR0007'],
    }
    assert not list(landed.path.parent.glob('.*.tmp'))
    # applying is the sensor's job
    assert db.execute('SELECT count(*) AS n FROM location').fetchone()['n'] == 0


def test_put_gzip_body_is_landed_decompressed(server):
    body = _body()
    with server.client(auth=GIROE_AUTH) as client:
        response = client.put(f'{LOCATIONS}/7', content=gzip.compress(body), headers={'Content-Encoding': 'gzip'})
    assert response.status_code == 204
    assert [p.body for p in _pending(server)] == [body]


@pytest.mark.parametrize(
    ('body', 'headers', 'status', 'fragment'),
    [
        (b'', {}, 400, 'empty body'),
        (b'{"id": 7', {}, 400, 'not JSON'),
        (b'[1, 2]', {}, 400, 'JSON object'),
        (_body(8), {}, 400, 'differs from the path id 7'),
        (_body(lat='95.0'), {}, 400, 'coordinates'),
        (_body(public='yes'), {}, 400, 'public'),
        (
            _body(stations=[{'id': 1, 'uid': 'x', 'connectors': [{'id': 1, 'uid': 'E1', 'status': 'weird'}]}]),
            {},
            400,
            'unknown connector status',
        ),
        (b'not gzip', {'Content-Encoding': 'gzip'}, 400, 'gzip'),
        (gzip.compress(_body(), mtime=0)[:-12], {'Content-Encoding': 'gzip'}, 400, 'gzip'),
        (_body(), {'Content-Encoding': 'br'}, 400, 'Content-Encoding'),
    ],
)
def test_invalid_put_is_400_and_lands_nothing(server, body, headers, status, fragment):
    with server.client(auth=GIROE_AUTH) as client:
        response = client.put(f'{LOCATIONS}/7', content=body, headers=headers)
    assert response.status_code == status
    error = response.json()['error']
    assert error['code'] in {'validation_error', 'bad_request'}
    assert fragment in error['message']
    assert _pending(server) == []


def test_non_numeric_location_id_is_404(server):
    with server.client(auth=GIROE_AUTH) as client:
        assert client.put(f'{LOCATIONS}/abc', content=_body()).status_code == 404
        assert client.delete(f'{LOCATIONS}/-3').status_code == 404
    assert _pending(server) == []


def test_delete_unknown_is_404_known_after_a_waiting_put(server):
    with server.client(auth=GIROE_AUTH) as client:
        response = client.delete(f'{LOCATIONS}/7')
        assert response.status_code == 404
        assert response.json()['error']['code'] == 'not_found'
        assert _pending(server) == []
        # a PUT that is landed but not applied yet already counts
        assert client.put(f'{LOCATIONS}/7', content=_body()).status_code == 204
        response = client.delete(f'{LOCATIONS}/7')
        assert response.status_code == 204
        assert response.content == b''
        # and a waiting DELETE makes it unknown again
        assert client.delete(f'{LOCATIONS}/7').status_code == 404
    assert [p.meta['op'] for p in _pending(server)] == ['put_location', 'delete_location']
    assert _pending(server)[1].meta['location_uid'] == location_uid(7, SECRET)


def test_delete_of_a_stored_location(server, db):
    location = map_location(giroe_location(9, [giroe_connector(90, 'DEGIR0009')]), SECRET)
    with connect(server.settings.database.url.get_secret_value()) as conn, conn.transaction():
        apply_static(conn, get_spec('giroe'), [location], snapshot=False)
    with server.client(auth=GIROE_AUTH) as client:
        assert client.delete(f'{LOCATIONS}/9').status_code == 204
    assert [p.meta['op'] for p in _pending(server)] == ['delete_location']


@pytest.mark.parametrize(
    ('body', 'fragment'),
    [
        ({'status': 'CHARGING'}, 'modified: required'),
        ({'modified': 'yesterday'}, 'not an ISO datetime'),
        ({'modified': '2024-06-01T12:00:00Z', 'status': 'BROKEN'}, 'unknown connector status'),
        ({'modified': '2024-06-01T12:00:00Z', 'status': 'STATIC'}, 'not a connector status'),
    ],
)
def test_invalid_patch_is_400(server, body, fragment):
    with server.client(auth=GIROE_AUTH) as client:
        assert client.put(f'{LOCATIONS}/7', content=_body()).status_code == 204
        response = client.patch(f'{CONNECTORS}/DEGIR0007', content=orjson.dumps(body))
    assert response.status_code == 400
    assert fragment in response.json()['error']['message']
    assert len(_pending(server)) == 1


def test_patch_unknown_connector_is_404_known_after_a_waiting_put(server):
    patch = orjson.dumps({'modified': '2024-06-02T08:00:00', 'status': 'charging'})
    with server.client(auth=GIROE_AUTH) as client:
        assert client.patch(f'{CONNECTORS}/DEGIR0007', content=patch).status_code == 404
        assert client.put(f'{LOCATIONS}/7', content=_body()).status_code == 204
        response = client.patch(f'{CONNECTORS}/DEGIR0007', content=patch)
        assert response.status_code == 204
        assert response.content == b''
    landed = _pending(server)[-1]
    assert landed.meta == {'op': 'patch_connector', 'evse_uid': 'DEGIR0007'}
    assert landed.body == patch


def test_a_request_that_cannot_be_stored_is_not_acknowledged(server):
    # the landing directory of giroe cannot be created: the write fails, so there must be no 2xx
    root = server.settings.path(server.settings.landing.dir)
    root.mkdir(parents=True, exist_ok=True)
    (root / 'giroe').write_bytes(b'in the way')
    with server.client(auth=GIROE_AUTH) as client:
        response = client.put(f'{LOCATIONS}/7', content=_body())
    assert response.status_code == 503
    assert response.json()['error']['code'] == 'service_unavailable'
    assert response.headers['retry-after'] == '30'

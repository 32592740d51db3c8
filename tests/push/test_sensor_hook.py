"""The sources' sensors apply landed pushes in the tick and report runless materializations."""

from __future__ import annotations

import json
import os

import dagster as dg
import orjson
import pytest

from ocpdb_pipelines.definitions import build_definitions
from ocpdb_pipelines.defs.resources import OcpdbConfig
from ocpdb_pipelines.imports import run_static
from ocpdb_pipelines.sources.base import Page
from tests.fixtures_dir import fixture_bytes
from tests.push.conftest import DATEX_KEY, GIROE_AUTH
from tests.push.payloads import datex_push, giroe_connector, giroe_location


@pytest.fixture
def sensor_env(server, monkeypatch):
    """The sensor reads its settings from the environment, as in the daemon: the same ones as the server."""
    settings = server.settings
    monkeypatch.setenv('OCPDB_CONFIG', os.devnull)
    monkeypatch.setenv('DATABASE_URL', settings.database.url.get_secret_value())
    monkeypatch.setenv('OCPDB_LANDING__DIR', settings.landing.dir)
    monkeypatch.setenv('OCPDB_ARCHIVE__DIR', settings.archive.dir)
    monkeypatch.setenv('OCPDB_GIROE__OBJECT_ID_SECRET', settings.giroe.object_id_secret.get_secret_value())
    monkeypatch.setenv('OCPDB_SOURCES', json.dumps(settings.sources))
    return settings


def _tick(settings, sensor_name: str) -> dg.SensorResult:
    repository = build_definitions(settings).get_repository_def()
    resources = {'ocpdb': OcpdbConfig(database_url=settings.database.url.get_secret_value())}
    with dg.build_sensor_context(resources=resources, repository_def=repository) as context:
        return repository.get_sensor_def(sensor_name).evaluate_tick(context)


def _materializations(result) -> dict[str, list[dg.AssetMaterialization]]:
    found: dict[str, list] = {}
    for event in result.asset_events:
        if isinstance(event, dg.AssetMaterialization):
            found.setdefault(event.asset_key.to_user_string(), []).append(event)
    return found


def test_giroe_sensor_applies_landed_requests(server, sensor_env, db):
    body = orjson.dumps(giroe_location(7, [giroe_connector(70, 'DEGIR0007A')]))
    patch = orjson.dumps({'modified': '2024-06-02T08:00:00Z', 'status': 'RESERVED'})
    with server.client(auth=GIROE_AUTH) as client:
        assert client.put('/api/server/v1/giroe/locations/7', content=body).status_code == 204
        assert client.patch('/api/server/v1/giroe/connectors/DEGIR0007A', content=patch).status_code == 204

    result = _tick(sensor_env, 'giroe_sensor')
    events = _materializations(result)
    assert set(events) == {'source/giroe', 'source/giroe/realtime'}
    metadata = events['source/giroe'][0].metadata
    assert metadata['trigger'].value == 'push'
    assert metadata['requests_applied'].value == 2
    assert metadata['locations_inserted'].value == 1
    assert db.execute("SELECT status::text AS s FROM evse WHERE uid = 'DEGIR0007A'").fetchone()['s'] == 'RESERVED'
    assert server.landing.pending('giroe', 'push') == []

    # nothing new: the next tick skips
    again = _tick(sensor_env, 'giroe_sensor')
    assert _materializations(again) == {}
    assert again.skip_message


def test_datex_sensor_applies_a_landed_snapshot(server, sensor_env, db):
    run_static(sensor_env, 'datex2_enbw', replay_pages=[Page(body=fixture_bytes('datex2', 'enbw_static.json'))])
    url = f'/api/server/v1/datex/v3.5/datex2_enbw/realtime?key={DATEX_KEY}'
    with server.client() as client:
        assert client.post(url, content=datex_push('snapshot')).status_code == 200
    assert len(server.landing.pending('datex2_enbw', 'realtime')) == 1

    result = _tick(sensor_env, 'datex2_enbw_sensor')
    (event,) = _materializations(result)['source/datex2_enbw/realtime']
    assert event.metadata['trigger'].value == 'push'
    assert event.metadata['statuses_changed'].value == 11
    assert server.landing.pending('datex2_enbw', 'realtime') == []

"""The realtime design: a source's sensor pulls live statuses in its tick and reports a runless
materialization (no Dagster run per source per minute); an unchanged upstream costs no write."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from ocpdb_pipelines.definitions import build_definitions
from ocpdb_pipelines.defs.resources import OcpdbConfig
from ocpdb_pipelines.imports import run_static
from ocpdb_pipelines.sources.base import Page
from tests.fixtures_dir import fixture_bytes

BODY = fixture_bytes('chargecloud', 'stuttgart_public.json')


@pytest.fixture
def upstream() -> Iterator[tuple[str, list[str]]]:
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{server.server_port}/SW-Stuttgart', requests
    server.shutdown()


def test_sensor_applies_realtime_in_the_tick_without_a_run(settings, db, upstream, monkeypatch, tmp_path):
    url, requests = upstream
    monkeypatch.setenv('DAGSTER_HOME', str(tmp_path / 'dagster_home'))
    configured = settings.with_values(http={'retries': 0}, sources={'chargecloud_stuttgart': {'url': url}})
    run_static(configured, 'chargecloud_stuttgart', replay_pages=[Page(body=BODY)])
    # the live feed says otherwise than the store: make every EVSE look stale
    db.execute("UPDATE evse SET status = 'UNKNOWN'")

    repository = build_definitions(configured).get_repository_def()
    sensor = repository.get_sensor_def('chargecloud_stuttgart_sensor')
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    # the sensor's resource reads configuration like the deployed code location: from the environment
    for key, value in {
        'OCPDB_CONFIG': os.devnull,
        'DATABASE_URL': configured.database.url.get_secret_value(),
        'REDIS_URL': configured.redis.url.get_secret_value(),
        'OCPDB_SOURCES': json.dumps({'chargecloud_stuttgart': {'url': url}}),
        'OCPDB_HTTP__RETRIES': '0',
        'OCPDB_ARCHIVE__DIR': str(tmp_path / 'raw'),
        'OCPDB_LANDING__DIR': str(tmp_path / 'landing'),
    }.items():
        monkeypatch.setenv(key, value)
    resources = {'ocpdb': OcpdbConfig()}  # from the environment, like a deployed code location
    instance = dg.DagsterInstance.ephemeral()
    with dg.build_sensor_context(instance=instance, resources=resources, repository_def=repository) as context:
        first = sensor.evaluate_tick(context)
    assert first.run_requests == []
    materializations = [e for e in first.asset_events if isinstance(e, dg.AssetMaterialization)]
    assert [m.asset_key for m in materializations] == [dg.AssetKey(['source', 'chargecloud_stuttgart', 'realtime'])]
    assert materializations[0].metadata['statuses_changed'].value > 0
    checks = [e for e in first.asset_events if isinstance(e, dg.AssetCheckEvaluation)]
    assert sorted(c.check_name for c in checks) == ['realtime_fresh', 'realtime_pull_ok']
    assert all(c.passed for c in checks)
    assert db.execute("SELECT count(*) AS n FROM evse WHERE status = 'UNKNOWN'").fetchone()['n'] < 50

    with dg.build_sensor_context(
        instance=instance, resources=resources, repository_def=repository, cursor=first.cursor
    ) as context:
        second = sensor.evaluate_tick(context)
    # the same payload again: nothing applied, nothing recorded, a skip with the reason
    assert second.asset_events == []
    assert second.run_requests == []
    assert 'not_modified' in (second.skip_message or '')
    assert len(requests) == 2

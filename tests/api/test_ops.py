"""/metrics, /health, OpenAPI document and viewer, map page, read-only role."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.routing import Route
from starlette.testclient import TestClient

from ocpdb_api.app import create_app
from ocpdb_api.db import Resources
from ocpdb_api.routes.docs import VENDOR
from ocpdb_api.settings import ApiSettings
from tests.api import builder as build
from tests.api.live import free_port
from tests.conftest import settings_environment

VENDOR_INSTALLED = all(path.is_dir() for path in VENDOR.values())


def test_metrics(db, client):
    now = datetime.now(UTC)
    build.source(db, 'off')  # PROVISIONED: not reported
    build.source(
        db,
        'live',
        static_status='ACTIVE',
        realtime_status='FAILED',
        static_data_updated_at=now - timedelta(seconds=100),
        realtime_data_updated_at=now - timedelta(seconds=30),
        realtime_error_count=4,
        modified=now - timedelta(seconds=50),
    )
    build.source(db, 'stat"ic', static_status='FAILED', static_error_count=2)
    r = client.get('/metrics')
    assert r.headers['content-type'] == 'text/plain; version=0.0.4; charset=utf-8'
    text = r.text
    assert text.endswith('\n')  # promtool: the exposition ends with a line feed
    families = {f.name: f for f in text_string_to_metric_families(text)}  # raises on malformed exposition
    assert list(families)[:7] == [
        'app_ocpdb_source_last_modified',
        'app_ocpdb_static_source_failed',
        'app_ocpdb_source_last_static_update',
        'app_static_ocpdb_source_errors',
        'app_ocpdb_realtime_source_failed',
        'app_ocpdb_source_last_realtime_update',
        'app_realtime_ocpdb_source_errors',
    ]
    assert '# HELP app_static_ocpdb_source_errors Static errors by source' in text.split('\n')
    assert families['app_static_ocpdb_source_errors'].type == 'gauge'
    samples = {
        (s.name, s.labels['source']): s.value for f in families.values() for s in f.samples if 'source' in s.labels
    }
    assert samples['app_ocpdb_static_source_failed', 'stat"ic'] == 1
    assert samples['app_static_ocpdb_source_errors', 'stat"ic'] == 2
    assert samples['app_ocpdb_realtime_source_failed', 'live'] == 1
    assert samples['app_realtime_ocpdb_source_errors', 'live'] == 4
    assert 100 <= samples['app_ocpdb_source_last_static_update', 'live'] < 200
    assert ('app_ocpdb_source_last_static_update', 'stat"ic') not in samples
    assert ('app_ocpdb_realtime_source_failed', 'stat"ic') not in samples
    assert not any(source == 'off' for _, source in samples)


def test_request_metrics_by_route_template(db, client):
    build.predecessor_dataset(db)
    client.get('/api/public/v1/locations/1')
    client.get('/api/public/v1/locations/2')
    client.get('/api/public/v1/locations/999')
    client.get('/api/public/v1/locations', params={'limit': 'x'})
    client.get('/no/such/path/123')
    text = client.get('/metrics').text
    assert text.endswith('\n')
    families = {f.name: f for f in text_string_to_metric_families(text)}
    counts = {
        (s.labels['route'], s.labels['status']): s.value
        for s in families['ocpdb_http_requests'].samples
        if s.name == 'ocpdb_http_requests_total'
    }
    assert counts[('/api/public/v1/locations/{id}', '200')] == 2
    assert counts[('/api/public/v1/locations/{id}', '404')] == 1
    assert counts[('/api/public/v1/locations', '400')] == 1
    assert counts[('unmatched', '404')] == 1
    histogram = families['ocpdb_http_request_duration_seconds']
    assert histogram.type == 'histogram'
    total = {
        s.labels['route']: s.value for s in histogram.samples if s.name == 'ocpdb_http_request_duration_seconds_count'
    }
    assert total['/api/public/v1/locations/{id}'] == 3
    buckets = [
        s for s in histogram.samples if s.name.endswith('_bucket') and s.labels['route'] == '/api/public/v1/locations'
    ]
    assert buckets[-1].labels['le'] == '+Inf'
    assert buckets[-1].value == 1


def test_evse_status_metrics(db, settings):
    ids = build.predecessor_dataset(db)
    db.execute("UPDATE evse SET status = 'STATIC' WHERE id = %s", (ids['evses'][0],))
    db.execute("UPDATE evse SET status = 'CHARGING' WHERE id = %s", (ids['evses'][1],))
    api = ApiSettings.from_settings(settings, evse_status_metrics=True, pool_min_size=1)
    with TestClient(create_app(api)) as c:
        lines = c.get('/metrics').text.split('\n')
    taken = [line for line in lines if line.startswith('app_ocpdb_evse_status_taken{')]
    assert len(taken) == 5
    assert 'app_ocpdb_evse_status_taken{evse="EVSE-2",location="LOCATION-1",source="SOURCE-1"} 1.0' in taken


def test_health(client):
    body = client.get('/health').json()
    assert body['status'] == 'ok'
    assert body['checks']['postgis']['status'] == 'ok'
    assert body['checks']['redis'] == {'status': 'ok'}


def test_health_reports_redis_down(settings):
    api = ApiSettings.from_settings(settings, redis_url='redis://127.0.0.1:1/0', pool_min_size=1)
    with TestClient(create_app(api)) as c:
        r = c.get('/health')
    assert r.status_code == 503
    assert r.json()['checks']['redis']['status'] == 'error'


def test_api_connects_read_only(db, api_settings):
    assert 'user=ocpdb_reader' in api_settings.database_url
    with psycopg.connect(api_settings.database_url) as conn:
        assert conn.execute('SELECT current_user').fetchone()[0] == 'ocpdb_reader'
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO source (uid) VALUES ('x')")


def test_openapi_covers_every_public_route(client):
    doc = client.get('/documentation/public.json').json()
    assert doc['openapi'].startswith('3.1')
    public = set()
    for route in client.app.routes:
        if isinstance(route, Route) and (
            route.path.startswith(('/api/public', '/ocpi', '/tiles')) or route.path in ('/metrics', '/health')
        ):
            public.add(route.path)
    assert public <= set(doc['paths']), public - set(doc['paths'])
    names = {p['name'] for p in doc['paths']['/api/public/v1/locations']['get']['parameters']}
    assert {'lat', 'lon', 'radius', 'lat_min', 'evse_status', 'strict', 'sorted_by', 'limit'} <= names
    tile = {p['name'] for p in doc['paths']['/tiles/{z}/{x}/{y}.mvt']['get']['parameters']}
    assert tile == {'z', 'x', 'y', 'static', 'filter_duplicates', 'connector_standards', 'min_power_kw', 'operator_ids',
                    'source_uids'}  # fmt: skip


@pytest.mark.skipif(not VENDOR_INSTALLED, reason='run `npm ci` in ocpdb_api/frontend')
def test_docs_viewer_and_map_are_served_locally(client):
    html = client.get('/documentation/public.html').text
    assert '/static/vendor/swagger-ui/swagger-ui-bundle.js' in html
    assert client.get('/static/vendor/swagger-ui/swagger-ui-bundle.js').status_code == 200
    page = client.get('/')
    assert page.headers['content-type'].startswith('text/html')
    assert '/static/vendor/maplibre-gl/maplibre-gl.js' in page.text
    assert 'https://' not in page.text  # nothing from a CDN
    assert client.get('/static/vendor/maplibre-gl/maplibre-gl.js').status_code == 200
    # the offline basemap comes from npm too
    assert client.get('/static/vendor/world-atlas/countries-50m.json').status_code == 200
    assert client.get('/static/vendor/topojson-client/topojson-client.min.js').status_code == 200
    assert client.get('/static/map.js').status_code == 200


def test_push_receivers_mounted_with_project_settings(settings):
    with TestClient(create_app(settings, pool_min_size=1)) as c:
        assert c.app.state.server_settings is settings
        r = c.put('/api/server/v1/giroe/locations/1', content=b'{}')
    assert r.status_code == 401  # the receiver answered (no credentials), not a 404/405 of the read API


def test_index_json_without_map(settings):
    api = ApiSettings.from_settings(settings, show_map=False, pool_min_size=1)
    with TestClient(create_app(api)) as c:
        body = c.get('/').json()
    assert body['application'] == 'ocpdb'
    assert body['documentation']['public'] == 'http://localhost:8000/documentation/public.html'


def test_pool_size_follows_the_machine_unless_configured(settings, monkeypatch):
    monkeypatch.setattr('os.cpu_count', lambda: 2)
    assert ApiSettings.from_settings(settings).pool_max_size == 4
    monkeypatch.setattr('os.cpu_count', lambda: 8)
    assert ApiSettings.from_settings(settings).pool_max_size == 16
    configured = ApiSettings.from_settings(settings.with_values(api={'pool_size': 1}))
    assert (configured.pool_min_size, configured.pool_max_size) == (1, 1)


def test_pool_hands_out_the_connection_returned_last(settings):
    """LIFO reuse (db.LifoConnectionPool): a quiet API keeps querying the same warm backend."""

    async def scenario() -> tuple[list[int], list[int]]:
        res = Resources(ApiSettings.from_settings(settings, pool_min_size=3, pool_max_size=3))
        await res.pool.open(wait=True)
        try:

            async def backend_pid() -> int:
                async with res.pool.connection() as conn:
                    return conn.info.backend_pid

            async with res.pool.connection() as a, res.pool.connection() as b, res.pool.connection() as c:
                returned = [a.info.backend_pid, b.info.backend_pid, c.info.backend_pid]
            # the context managers returned c, then b, then a: a is the newest idle connection
            taken = [await backend_pid() for _ in range(3)]
            # held at once, they come out newest first
            async with res.pool.connection() as x, res.pool.connection() as y, res.pool.connection() as z:
                together = [x.info.backend_pid, y.info.backend_pid, z.info.backend_pid]
            return returned, taken + together
        finally:
            await res.close()

    returned, taken = asyncio.run(scenario())
    a, b, c = returned
    assert taken[:3] == [a, a, a]
    assert taken[3:] == [a, b, c]


def test_ocpdb_api_command_serves_the_api_in_its_own_package(db_url, redis_url, tmp_path):
    """`ocpdb api` starts the API (`python -m ocpdb_api`) without the pipelines importing the API package."""
    port = free_port()
    env = {**os.environ, **settings_environment(db_url, redis_url, tmp_path), 'OCPDB_CONFIG': os.devnull}
    command = [sys.executable, '-m', 'ocpdb_pipelines.cli', 'api', '--port', str(port)]
    with subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as process:
        try:
            body = None
            for _ in range(300):
                try:
                    body = httpx.get(f'http://127.0.0.1:{port}/health', timeout=1).json()
                    break
                except httpx.HTTPError:
                    assert process.poll() is None, process.stderr.read().decode()
                    time.sleep(0.1)
            assert body is not None, 'the API never answered'
            assert body['checks']['postgis']['status'] == 'ok'
        finally:
            process.terminate()
            process.wait(timeout=30)

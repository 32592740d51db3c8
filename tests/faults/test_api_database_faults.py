"""The public API while its database restarts or is gone: 503 with the error body, never a 500, and back
without an API restart once the database is."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest

from ocpdb_api.settings import ApiSettings
from tests.api.live import serve
from tests.faults.conftest import FAULT_DB

LOCATIONS = '/api/public/v1/locations'
RECOVERY_BOUND_SECONDS = 15  # a generous bound (the figure itself is measured in bench/bench_faults.py)


@pytest.fixture
def api(fault_settings):
    settings = ApiSettings.from_settings(fault_settings, pool_min_size=4, pool_max_size=4)
    with serve(settings) as base, httpx.Client(base_url=base, timeout=10) as client:
        yield client


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers['retry-after'].isdigit()
    assert response.json()['error']['code'] == 'service_unavailable'


def test_pooled_connections_are_checked_after_a_restart(cluster_up, api):
    """The idle pooled connections die with the restart; the first request after it must not get them."""
    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(lambda _: api.get(LOCATIONS).status_code, range(16))) == {200}
        cluster_up.restart()
        statuses = list(pool.map(lambda _: api.get(LOCATIONS).status_code, range(16)))
    assert statuses == [200] * 16


def test_database_gone_is_503_and_health_answers(cluster_up, api):
    assert api.get('/health').status_code == 200
    cluster_up.stop()
    try:
        for _ in range(3):
            _assert_unavailable(api.get(LOCATIONS))
        health = api.get('/health', timeout=5)
        assert health.status_code == 503
        assert health.json()['checks']['postgis']['status'] == 'error'
    finally:
        cluster_up.start()
    deadline = time.monotonic() + RECOVERY_BOUND_SECONDS
    while api.get(LOCATIONS).status_code != 200:
        assert time.monotonic() < deadline, 'the API did not recover after the database came back'
        time.sleep(0.2)
    assert api.get('/health').status_code == 200


def test_connections_killed_under_the_pool_are_replaced(cluster_up, api):
    """Backends that die while idle in the pool (a crash, a failover, pg_terminate_backend) are never handed out."""
    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(lambda _: api.get(LOCATIONS).status_code, range(16))) == {200}
    with psycopg.connect(cluster_up.url(FAULT_DB), autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = 'ocpdb_reader'"
        ).fetchone()[0]
    assert killed >= 1
    assert [api.get(LOCATIONS).status_code for _ in range(8)] == [200] * 8


def test_a_query_past_the_statement_timeout_is_503(cluster_up, fault_settings):
    """A query stuck behind a lock (or just slow) is cancelled by the API's statement timeout: 503, not 500."""
    settings = ApiSettings.from_settings(
        fault_settings, pool_min_size=1, pool_max_size=2, statement_timeout_seconds=0.3, version_ttl_seconds=0.0
    )
    with serve(settings) as base, httpx.Client(base_url=base, timeout=10) as client:
        assert client.get(LOCATIONS).status_code == 200
        with psycopg.connect(cluster_up.url(FAULT_DB)) as admin:
            admin.execute('LOCK TABLE data_version, location IN ACCESS EXCLUSIVE MODE')
            response = client.get(LOCATIONS)
            admin.rollback()
        _assert_unavailable(response)
        assert 'too long' in response.json()['error']['message']
        assert client.get(LOCATIONS).status_code == 200

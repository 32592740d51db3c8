"""The API while its Redis is killed: reads keep answering (never a 500), /health says 503, and both are
back once Redis is, without an API restart."""

from __future__ import annotations

import time

import httpx
import pytest

from ocpdb_api.settings import ApiSettings
from tests.api.live import serve
from tests.faults.services import Unavailable, throwaway_redis

READS = ['/api/public/v1/locations', '/api/public/v1/evses', '/tiles/8/134/88.mvt', '/tiles.json']


@pytest.fixture
def redis_server():
    try:
        with throwaway_redis() as server:
            yield server
    except Unavailable as exc:
        pytest.skip(str(exc))


def test_redis_killed_under_the_api(settings, redis_server):
    api = ApiSettings.from_settings(settings.with_values(redis={'url': redis_server.url}), pool_max_size=4)
    with serve(api) as base, httpx.Client(base_url=base, timeout=10) as client:
        assert client.get('/health').status_code == 200
        before = {path: client.get(path).status_code for path in READS}
        assert all(status < 500 for status in before.values()), before
        redis_server.stop()
        during = {path: client.get(path).status_code for path in READS}
        assert during == before  # Redis is a cache: its loss changes nothing a client sees
        health = client.get('/health')
        assert health.status_code == 503
        assert health.json()['checks']['redis']['status'] == 'error'
        redis_server.start()
        deadline = time.monotonic() + 15
        while client.get('/health').status_code != 200:
            assert time.monotonic() < deadline, 'the API did not see Redis come back'
            time.sleep(0.2)
        assert {path: client.get(path).status_code for path in READS} == before

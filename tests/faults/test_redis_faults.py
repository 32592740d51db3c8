"""The API while its Redis is killed: reads keep answering (never a 500), /health says 503, and both are
back once Redis is, without an API restart. While its Redis hangs: one request waits out the socket timeout,
the next ones leave Redis alone for the pause, and the caches are used again after it."""

from __future__ import annotations

import time

import httpx
import orjson
import pytest
from starlette.testclient import TestClient

from ocpdb_api.app import create_app
from ocpdb_api.routes.list_items import item_cache_of
from ocpdb_api.settings import ApiSettings
from tests.api import builder as build
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


def test_a_hung_redis_costs_one_request_per_pause(db, settings, redis_server):
    build.predecessor_dataset(db)
    api = ApiSettings.from_settings(settings.with_values(redis={'url': redis_server.url}), pool_max_size=4)
    with TestClient(create_app(api)) as client:
        res = client.app.state.resources
        page = client.get('/api/public/v1/locations').json()['items']  # items and tile cached
        assert client.get('/tiles/8/134/88.mvt').status_code == 200
        calls = []
        for name in ('get', 'set', 'mget', 'pipeline'):
            method = getattr(res.redis, name)

            def counted(*args, _name=name, _method=method, **kwargs):
                calls.append(_name)
                return _method(*args, **kwargs)

            setattr(res.redis, name, counted)
        redis_server.freeze()
        try:
            r = client.get('/api/public/v1/locations')  # waits out the socket timeout once, renders
            assert r.status_code == 200
            assert orjson.loads(r.content)['items'] == page
            assert calls == ['mget']  # the store after the response was skipped: Redis is paused
            assert res.redis_pause.paused()
            assert client.get('/tiles/8/134/88.mvt').status_code == 200
            assert client.get('/api/public/v1/locations').json()['items'] == page
            assert calls == ['mget']  # neither cache asked the hung server again
        finally:
            redis_server.thaw()
        res.redis_pause.until = 0.0  # the pause is over
        cache = item_cache_of(res)
        hits = cache.hits
        assert client.get('/api/public/v1/locations').json()['items'] == page
        assert calls[1:] == ['mget']
        assert cache.hits == hits + len(page)  # the items stored before the hang, served again

"""Churn tests: the API on the test database with a short staleness bound, and a realtime writer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from ocpdb_api.app import create_app
from ocpdb_api.settings import ApiSettings

MAX_STALE = 1  # seconds: short, so a test can wait it out


@pytest.fixture
def api_settings(settings) -> ApiSettings:
    return ApiSettings.from_settings(
        settings, version_ttl_seconds=0.0, pool_min_size=1, pool_max_size=4, tile_max_stale_seconds=MAX_STALE
    )


@pytest.fixture
def client(api_settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as c:
        yield c

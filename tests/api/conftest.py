"""API test fixtures: the app on the test database (as the read-only role) and test Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from ocpdb_api.app import create_app
from ocpdb_api.settings import ApiSettings


@pytest.fixture
def api_settings(settings) -> ApiSettings:
    return ApiSettings.from_settings(settings, version_ttl_seconds=0.0, pool_min_size=1, pool_max_size=4)


@pytest.fixture
def client(api_settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as c:
        yield c

"""The environment an `ocpdb demo` process gets in the tests: this worker's database and Redis, every
data directory and the Dagster instance under tmp_path, no configuration file."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def demo_env(settings, tmp_path, monkeypatch) -> None:
    for key, value in {
        'DAGSTER_HOME': str(tmp_path / 'dagster_home'),
        'DATABASE_URL': settings.database.url.get_secret_value(),
        'REDIS_URL': settings.redis.url.get_secret_value(),
        'OCPDB_CONFIG': os.devnull,
        'OCPDB_DATA_DIR': str(tmp_path / 'data'),
        'OCPDB_EXPORTS__DIR': str(tmp_path / 'exports'),
        'OCPDB_ARCHIVE__DIR': str(tmp_path / 'raw'),
        'OCPDB_VG25__GEOPACKAGE_PATH': str(tmp_path / 'no-real-vg25.gpkg'),
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv('OCPDB_SOURCES', raising=False)

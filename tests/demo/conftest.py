"""The environment an `ocpdb demo` process gets in the tests: this worker's database and Redis, every
data directory and the Dagster instance under tmp_path, no configuration file."""

from __future__ import annotations

import pytest

from tests.conftest import process_environment, set_environment


@pytest.fixture
def demo_env(settings, tmp_path, monkeypatch) -> None:
    vg25 = str(tmp_path / 'no-real-vg25.gpkg')
    set_environment(monkeypatch, process_environment(settings, tmp_path, OCPDB_VG25__GEOPACKAGE_PATH=vg25))
    monkeypatch.delenv('OCPDB_SOURCES', raising=False)

"""Fault fixtures: a throwaway PostgreSQL cluster (migrated) the tests may restart, and the API on it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from ocpdb_pipelines.config import Settings, load_settings
from ocpdb_pipelines.db.migrations import recreate_database
from tests.faults.services import ThrowawayPostgres, Unavailable, throwaway_postgres

FAULT_DB = 'ocpdb_fault'


@pytest.fixture(scope='module')
def cluster() -> Iterator[ThrowawayPostgres]:
    try:
        with throwaway_postgres() as running:
            recreate_database(running.url(FAULT_DB))
            yield running
    except Unavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture
def cluster_up(cluster: ThrowawayPostgres) -> ThrowawayPostgres:
    """The cluster, started again if a previous test left it stopped."""
    if not cluster.is_up():
        cluster.start()
    return cluster


@pytest.fixture
def fault_settings(cluster_up: ThrowawayPostgres, redis_url: str, tmp_path) -> Settings:
    env = {
        'DATABASE_URL': cluster_up.url(FAULT_DB),
        'REDIS_URL': redis_url,
        'OCPDB_DATA_DIR': str(tmp_path / 'data'),
        'OCPDB_RAW_ARCHIVE_DIR': str(tmp_path / 'raw'),
        'OCPDB_LANDING_DIR': str(tmp_path / 'landing'),
        'OCPDB_EXPORT_DIR': str(tmp_path / 'exports'),
        'OCPDB_DYNAMIC_IMAGE_DIR': str(tmp_path / 'images'),
        'OCPDB_BNETZA_IMPORT_DIR': str(tmp_path / 'bnetza-import'),
    }
    return load_settings(config_file=os.devnull, environ=env)

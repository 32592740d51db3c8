"""Fixtures of the Dagster layer's tests: the code location's settings as the deployed one reads them."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg
import pytest
from dagster._core.instance.ref import InstanceRef

from ocpdb_pipelines.config import PROJECT_ROOT, Settings, SourceConfig
from tests.conftest import ADMIN_URL, _database_name


@pytest.fixture
def deployed_env(settings: Settings, dagster_home: Path, monkeypatch):
    """Point the environment-reading resource (like a deployed code location) at the test services;
    returns a function that configures sources and settings on top."""

    def configure(sources: dict[str, dict], **overrides: str) -> Settings:
        env = {
            'OCPDB_CONFIG': os.devnull,
            'DATABASE_URL': settings.DATABASE_URL,
            'REDIS_URL': settings.REDIS_URL,
            'OCPDB_SOURCES': json.dumps(sources),
            'OCPDB_RAW_ARCHIVE_DIR': settings.RAW_ARCHIVE_DIR,
            'OCPDB_LANDING_DIR': settings.LANDING_DIR,
            **{f'OCPDB_{key}': value for key, value in overrides.items()},
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        updates = {'SOURCES': {uid: SourceConfig(**config) for uid, config in sources.items()}}
        for key, value in overrides.items():
            updates[key] = type(getattr(settings, key))(value)
        return settings.model_copy(update=updates)

    return configure


STORAGE = os.environ.get('OCPDB_TEST_DAGSTER_STORAGE', 'sqlite')


@pytest.fixture
def dagster_home(tmp_path, monkeypatch) -> Path:
    """A DAGSTER_HOME with the project's own instance file: dagster.yaml (SQLite storage) or, with
    OCPDB_TEST_DAGSTER_STORAGE=postgres, dagster.postgres.yaml on a fresh database of the test cluster."""
    home = tmp_path / 'dagster_home'
    home.mkdir(exist_ok=True)
    if STORAGE == 'postgres':
        url = psycopg.conninfo.make_conninfo(ADMIN_URL, dbname=f'{_database_name()}_dagster')
        _recreate_plain_database(url)
        monkeypatch.setenv('DAGSTER_PG_URL', url)
        template = PROJECT_ROOT / 'dagster.postgres.yaml'
    else:
        monkeypatch.delenv('DAGSTER_PG_URL', raising=False)
        template = PROJECT_ROOT / 'dagster.yaml'
    (home / 'dagster.yaml').symlink_to(template)
    monkeypatch.setenv('DAGSTER_HOME', str(home))
    return home


@pytest.fixture
def dagster_instance(dagster_home) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home))) as instance:
        yield instance


def _recreate_plain_database(url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url)['dbname']
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')

"""Fixtures of the Dagster layer's tests: the code location's settings as the deployed one reads them."""

from __future__ import annotations

import json
import os

import pytest

from ocpdb_pipelines.config import Settings, SourceConfig


@pytest.fixture
def deployed_env(settings: Settings, tmp_path, monkeypatch):
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
            'DAGSTER_HOME': str(tmp_path / 'dagster_home'),
            **{f'OCPDB_{key}': value for key, value in overrides.items()},
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        updates = {'SOURCES': {uid: SourceConfig(**config) for uid, config in sources.items()}}
        for key, value in overrides.items():
            updates[key] = type(getattr(settings, key))(value)
        return settings.model_copy(update=updates)

    return configure

"""Resources for real: the database and Redis URLs reach Dagster as EnvVars, so nothing the UI loads
about the code location (the repository snapshot behind the Resources page) holds a password."""

from __future__ import annotations

import os

import dagster as dg
import pytest
from dagster._core.remote_representation.external_data import RepositorySnap
from dagster_shared.serdes import serialize_value

from ocpdb_pipelines.config import load_settings
from ocpdb_pipelines.definitions import build_definitions
from ocpdb_pipelines.defs.resources import OcpdbConfig, PostgisResource, RedisResource, make_resources

SECRET_DB = 'postgresql://writer:db-pass-1234@db.internal:5432/ocpdb'
SECRET_REDIS = 'redis://:redis-pass-5678@cache.internal:6379/0'


def _snapshot(settings) -> str:
    repository = build_definitions(settings).get_repository_def()
    return serialize_value(RepositorySnap.from_def(repository))


@pytest.mark.parametrize('where', ['environment', 'config file'])
def test_the_resources_page_never_shows_a_password(where, tmp_path, monkeypatch):
    monkeypatch.delenv('DATABASE_URL', raising=False)
    monkeypatch.delenv('REDIS_URL', raising=False)
    if where == 'environment':
        monkeypatch.setenv('DATABASE_URL', SECRET_DB)
        monkeypatch.setenv('REDIS_URL', SECRET_REDIS)
        settings = load_settings(config_file=os.devnull)
    else:
        config = tmp_path / 'config.yaml'
        config.write_text(f'DATABASE_URL: "{SECRET_DB}"\nREDIS_URL: "{SECRET_REDIS}"\n')
        settings = load_settings(config_file=config)
    snapshot = _snapshot(settings)
    assert 'postgis' in snapshot
    assert 'db-pass-1234' not in snapshot
    assert 'redis-pass-5678' not in snapshot
    resources = build_definitions(settings).resources
    assert isinstance(resources['postgis'], PostgisResource)
    # at run time the EnvVar resolves to the real URL
    name = 'DATABASE_URL' if where == 'environment' else 'OCPDB_RESOURCE_DATABASE_URL'
    assert os.environ[name] == SECRET_DB
    monkeypatch.delenv('OCPDB_RESOURCE_DATABASE_URL', raising=False)
    monkeypatch.delenv('OCPDB_RESOURCE_REDIS_URL', raising=False)


def test_assets_use_the_resources_they_are_given(settings, db):
    """A test swaps resources, not environment variables: matching runs on the database it is handed."""
    defs = build_definitions(settings)
    matching = next(a for a in defs.assets if dg.AssetKey(['matching', 'bnetza']) in a.keys)
    resources = make_resources(
        settings.database.url.get_secret_value(), settings.redis.url.get_secret_value(), config_file=os.devnull
    )
    assert isinstance(resources['ocpdb'], OcpdbConfig)
    assert isinstance(resources['redis'], RedisResource)
    result = dg.materialize([matching], resources=resources)
    assert result.success
    assert result.asset_materializations_for_node('matching__bnetza')[0].metadata['static_locations'].value == 0
    wrong = make_resources(
        'postgresql://nobody@127.0.0.1:9/nothing', settings.redis.url.get_secret_value(), config_file=os.devnull
    )
    assert not dg.materialize([matching], resources=wrong, raise_on_error=False).success

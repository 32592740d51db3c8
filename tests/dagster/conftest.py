"""Fixtures of the Dagster layer's tests: the code location's settings as the deployed one reads them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.instance.ref import InstanceRef

from ocpdb_pipelines.config import PROJECT_ROOT, Settings, load_settings
from ocpdb_pipelines.config.aliases import split_flat_keys
from ocpdb_pipelines.defs.resources import HttpResource, make_resources
from tests.conftest import ADMIN_URL, _database_name, fresh_plain_database


@pytest.fixture
def deployed_env(settings: Settings, dagster_home: Path, tmp_path: Path, monkeypatch):
    """Configure sources and settings for the code location as a deployment would: a config file.
    Returns a function giving the Settings; `resources_of(settings)` gives the swapped-in resources.
    The environment is set too (for CLI tests: the CLI's interface is the environment)."""

    def configure(sources: dict[str, dict], **overrides: str) -> Settings:
        """`overrides`: flat keys (`HTTP_RETRIES='0'`, read through the alias table) with YAML values."""
        values: dict[str, object] = {
            'data_dir': settings.data_dir,
            'archive': {'dir': settings.archive.dir},
            'landing': {'dir': settings.landing.dir},
            'exports': {'dir': settings.exports.dir},
            'images': {'dir': settings.images.dir},
            'sources': sources,
        }
        for key, value in split_flat_keys({key: yaml.safe_load(value) for key, value in overrides.items()}).items():
            concern, _, name = key.partition('.')
            if name:
                values.setdefault(concern, {})[name] = value  # type: ignore[index]
            else:
                values[concern] = value
        config_file = tmp_path / 'config.yaml'
        config_file.write_text(yaml.safe_dump(values))
        for key, value in {
            'OCPDB_CONFIG': str(config_file),
            'DATABASE_URL': settings.database.url.get_secret_value(),
            'REDIS_URL': settings.redis.url.get_secret_value(),
        }.items():
            monkeypatch.setenv(key, value)
        return load_settings(config_file)

    return configure


def resources_of(settings: Settings, http: HttpResource | None = None) -> dict[str, object]:
    """The code location's resources over the test services and the test config file (its HTTP limits
    unless `http` swaps them)."""
    return make_resources(
        settings.database.url.get_secret_value(),
        settings.redis.url.get_secret_value(),
        config_file=os.environ['OCPDB_CONFIG'],
        http=http,
    )


# every test of the Dagster layer runs on both instance files unless OCPDB_TEST_DAGSTER_STORAGE names one
STORAGES = (
    [os.environ['OCPDB_TEST_DAGSTER_STORAGE']]
    if os.environ.get('OCPDB_TEST_DAGSTER_STORAGE')
    else ['sqlite', 'postgres']
)


@pytest.fixture(params=STORAGES)
def dagster_home(request, tmp_path, monkeypatch) -> Path:
    """A DAGSTER_HOME with the project's own instance file: dagster.yaml (SQLite storage) and
    dagster.postgres.yaml (dagster-postgres) on a fresh database of the test cluster."""
    home = tmp_path / 'dagster_home'
    home.mkdir(exist_ok=True)
    if request.param == 'postgres':
        name = f'{_database_name()}_dagster'
        fresh_plain_database(name)
        # dagster-postgres takes a SQLAlchemy URL; SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, on
        # which dagster-postgres's NOTIFY fails: name its driver (see dagster.postgres.yaml)
        url = ADMIN_URL.replace('postgresql://', 'postgresql+psycopg2://', 1).rsplit('/', 1)[0] + '/' + name
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

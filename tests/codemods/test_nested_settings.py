"""scripts/codemods/nested_settings.py: flat settings access -> the nested tree, idempotent, and honest about
what it leaves. (nested-settings-codemod: skip: the samples below spell the flat keys on purpose.)"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / 'scripts' / 'codemods' / 'nested_settings.py'

SAMPLE = """\
from ocpdb_pipelines.config import Settings, SourceConfig, get_settings


def fixture_settings(settings) -> Settings:
    return settings.model_copy(update={'HTTP_RETRIES': 0, 'SOURCES': {'bnetza_api': SourceConfig(auto_fetch=False)}})


def use(settings: Settings, loaded, ochp, env):
    current = get_settings()
    connect(settings.DATABASE_URL, current.HTTP_TIMEOUT)
    copy = settings.model_copy(update={'DATABASE_URL': settings.API_DATABASE_URL, **env})
    other = loaded.model_copy(update=env)
    env['OCPDB_LANDING_DIR'] = getattr(copy, 'LANDING_DIR')
    env['DATABASE_URL'] = other.REDIS_URL
    config = settings.source('bnetza_api')
    return ochp.SOURCES, config, fixture_settings(settings).SOURCES


def annotated(config: SourceConfig) -> None:
    return None
"""

EXPECTED = """\
from ocpdb_pipelines.config import Settings, get_settings
from ocpdb_pipelines.sources.options import SourceConfig, source_options


def fixture_settings(settings) -> Settings:
    return settings.with_values(http={'retries': 0}, sources={'bnetza_api': {'auto_fetch': False}})


def use(settings: Settings, loaded, ochp, env):
    current = get_settings()
    connect(settings.database.url.get_secret_value(), current.http.timeout)
    copy = settings.with_values(database={'url': settings.database.api_url}, **env)
    other = loaded.with_values(**env)
    env['OCPDB_LANDING__DIR'] = copy.landing.dir
    env['DATABASE_URL'] = other.redis.url.get_secret_value()
    config = source_options(settings, 'bnetza_api')
    return ochp.SOURCES, config, fixture_settings(settings).sources


def annotated(config: SourceConfig) -> None:
    return None
"""


MARKDOWN = """\
Retries: `HTTP_RETRIES`; the database: `DATABASE_URL`.

    $ OCPDB_HTTP_RETRIES=0 python -c 'print(load_settings().DATABASE_URL)'
"""

MARKDOWN_EXPECTED = """\
Retries: `http.retries`; the database: `DATABASE_URL`.

    $ OCPDB_HTTP__RETRIES=0 python -c 'print(load_settings().database.url.get_secret_value())'
"""


def _codemod() -> ModuleType:
    spec = importlib.util.spec_from_file_location('nested_settings_under_test', SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their annotations through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / 'code.py').write_text(SAMPLE)
    (tmp_path / 'loaded_fixture.py').write_text('def loaded(settings):\n    return settings\n')
    (tmp_path / 'compose.yml').write_text('environment:\n  OCPDB_HTTP_RETRIES: "0"\n  OCPDB_SOURCES: "{}"\n')
    (tmp_path / 'page.md').write_text(MARKDOWN)
    (tmp_path / 'kept.py').write_text('# nested-settings-codemod: skip\nx = settings.HTTP_RETRIES\n')
    return tmp_path


def test_rewrites_access_copies_environment_names_and_imports(tree: Path) -> None:
    report = _codemod().run([tree], check=False, format_code=True)
    assert (tree / 'code.py').read_text() == EXPECTED
    assert (tree / 'compose.yml').read_text() == 'environment:\n  OCPDB_HTTP__RETRIES: "0"\n  OCPDB_SOURCES: "{}"\n'
    assert (tree / 'kept.py').read_text() == '# nested-settings-codemod: skip\nx = settings.HTTP_RETRIES\n'
    assert (tree / 'page.md').read_text() == MARKDOWN_EXPECTED
    assert sorted(p.name for p in report.changed) == ['code.py', 'compose.yml', 'page.md']
    rewrites = '\n'.join(report.rewrites)
    assert 'optional secret' in rewrites  # API_DATABASE_URL is SecretStr | None: unwrapped by hand
    assert 'SourceConfig(...) -> dict(...)' in rewrites


def test_a_second_run_changes_nothing(tree: Path) -> None:
    codemod = _codemod()
    codemod.run([tree], check=False, format_code=True)
    first = {p.name: p.read_text() for p in tree.iterdir()}
    again = codemod.run([tree], check=False, format_code=True)
    assert again.changed == []
    assert {p.name: p.read_text() for p in tree.iterdir()} == first


def test_check_mode_writes_nothing_and_fails(tree: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), '--check', str(tree)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 1, done.stderr
    assert 'would change' in done.stdout
    assert (tree / 'code.py').read_text() == SAMPLE


def test_a_flat_key_on_an_unknown_receiver_is_reported_not_rewritten(tmp_path: Path) -> None:
    (tmp_path / 'odd.py').write_text('def f(cfg):\n    return cfg.HTTP_RETRIES\n')
    report = _codemod().run([tmp_path], check=False, format_code=False)
    assert report.changed == []
    assert any('cfg.HTTP_RETRIES: receiver not known as settings' in note for note in report.notes)

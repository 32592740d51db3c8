"""The docs site builds offline with `mkdocs build --strict` and zero warnings, and its generated pages
(tests/docs: scripts/gen_docs.py via scripts/mkdocs_hooks.py) hold every source and every setting."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import Field

from ocpdb_api.settings import ApiSettings
from ocpdb_pipelines.config import ServerUser, Settings
from ocpdb_pipelines.config.models import Concern
from ocpdb_pipelines.sources.options import SourceConfig
from ocpdb_pipelines.sources.registry import REGISTRY

ROOT = Path(__file__).resolve().parents[2]


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location('gen_docs_under_test', ROOT / 'scripts' / 'gen_docs.py')
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    target = tmp_path_factory.mktemp('site')
    done = subprocess.run(
        [sys.executable, '-m', 'mkdocs', 'build', '--strict', '--clean', '-f', 'mkdocs.yml', '-d', str(target)],
        cwd=ROOT,
        env={**os.environ, 'NO_MKDOCS_2_WARNING': '1'},
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return target, output


def test_builds_strict_without_warnings(site: tuple[Path, str]) -> None:
    target, output = site
    assert 'WARNING' not in output, output
    assert (target / 'index.html').is_file()


def test_no_resource_from_the_internet(site: tuple[Path, str]) -> None:
    target, _ = site
    for page in target.rglob('*.html'):
        html = page.read_text(encoding='utf-8')
        for remote in ('fonts.googleapis', 'fonts.gstatic', '<script src="http', 'stylesheet" href="http'):
            assert remote not in html, (page, remote)


def test_sources_table_holds_every_registry_source(site: tuple[Path, str]) -> None:
    html = (site[0] / 'reference' / 'sources.html').read_text(encoding='utf-8')
    for uid, spec in REGISTRY.items():
        assert f'<code>{uid}</code>' in html, uid
        for key in spec.required_config:
            assert f'<code>{key}</code>' in html
    assert 'currently dysfunctional' in html
    assert '<code>ignore_operators</code>' in html


def test_configuration_reference_holds_every_setting(site: tuple[Path, str]) -> None:
    html = (site[0] / 'reference' / 'configuration.html').read_text(encoding='utf-8')
    for model in (Settings, SourceConfig, ServerUser):
        for key in model.model_fields:
            assert f'<code>{key}</code>' in html, key
    for field in dataclasses.fields(ApiSettings):
        assert f'<code>{field.name}</code>' in html, field.name


def test_every_benchmark_result_is_a_page(site: tuple[Path, str]) -> None:
    index = (site[0] / 'benchmarks.html').read_text(encoding='utf-8')
    results = sorted((ROOT / 'bench').glob('RESULTS-*.md'))
    assert results
    for path in results:
        page = site[0] / 'benchmarks' / path.with_suffix('.html').name
        assert page.is_file(), page
        assert f'benchmarks/{page.name}' in index


class _Undescribed(Concern):
    """A concern with a key nobody described."""

    described: int = Field(1, description='this one is')
    mystery: int = 2


def test_an_undescribed_setting_fails_the_generation(monkeypatch: pytest.MonkeyPatch) -> None:
    generator = _generator()
    monkeypatch.setattr(generator, 'CONCERNS', {**generator.CONCERNS, 'odd': _Undescribed})
    with pytest.raises(ValueError, match=r'Settings\.odd: no description for mystery'):
        generator.configuration_page()
    with pytest.raises(ValueError, match='mystery'):
        generator.example_config()


def test_remarks_name_only_registry_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    generator = _generator()
    monkeypatch.setitem(generator.UPSTREAM_REMARKS, 'no_such_source', 'gone')
    with pytest.raises(ValueError, match='no_such_source'):
        generator.sources_page()


def test_generator_writes_the_pages(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / 'scripts' / 'gen_docs.py'), str(tmp_path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / 'reference' / 'sources.md').is_file()
    assert (tmp_path / 'reference' / 'configuration.md').is_file()

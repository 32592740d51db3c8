"""Facts on the docs pages that no example runs, held against the files they describe."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.docs.examples import DOCS

ROOT = DOCS.parent


def test_deployment_names_the_compose_services() -> None:
    compose = yaml.safe_load((ROOT / 'docker-compose.yml').read_text())
    page = (DOCS / 'deployment.md').read_text()
    section = page.split('## Docker Compose', 1)[1].split('\n## ', 1)[0]
    named = set(re.findall(r'^\| `([a-z-]+)` \|', section, re.M))
    assert named == set(compose['services'])


def test_readme_links_the_docs() -> None:
    readme = (ROOT / 'README.md').read_text()
    assert 'docs/' in readme
    assert 'mkdocs' in readme.lower()
    # the two set-up commands stay exactly as they are
    assert 'make demo   # the whole system offline' in readme
    assert 'make test   # the test suite against real PostgreSQL/PostGIS and Redis' in readme


def test_every_page_is_reachable_from_the_nav() -> None:
    config = yaml.safe_load((ROOT / 'mkdocs.yml').read_text())

    def pages(nav: object) -> list[str]:
        if isinstance(nav, str):
            return [nav]
        if isinstance(nav, list):
            return [p for item in nav for p in pages(item)]
        if isinstance(nav, dict):
            return [p for value in nav.values() for p in pages(value)]
        return []

    listed = set(pages(config['nav']))
    written = {p.relative_to(DOCS).as_posix() for p in Path(DOCS).rglob('*.md')}
    assert written <= listed, written - listed

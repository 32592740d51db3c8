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


def test_the_command_table_names_existing_commands() -> None:
    """Every `ocpdb ...` in the getting-started table is a command of the CLI, and every command is there."""
    import click

    from ocpdb_pipelines.cli import main

    def leaves(group: click.Group, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
        # list_commands/get_command as click resolves them: `commands` misses the lazily imported ones
        ctx = click.Context(group)
        found = set()
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if isinstance(command, click.Group):
                found |= leaves(command, (*prefix, name))
            else:
                found.add((*prefix, name))
        return found

    page = (DOCS / 'getting-started.md').read_text()
    table = page.split('## The `ocpdb` command', 1)[1].split('\n## ', 1)[0]
    shown = set()
    for cell in re.findall(r'^\| (`ocpdb [^|]+)\|', table, re.M):
        for command in re.findall(r'`ocpdb ([a-z0-9 -]+?)(?: [\[<-][^`]*)?`', cell):
            shown.add(tuple(command.split()))
    # `ocpdb location push-mobilithek-static` / `-realtime-full` / `-realtime-diff`
    if ('location', 'push-mobilithek-static') in shown:
        shown |= {('location', 'push-mobilithek-realtime-full'), ('location', 'push-mobilithek-realtime-diff')}
    assert shown == leaves(main)

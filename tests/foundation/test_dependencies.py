"""Every runtime dependency declared in pyproject.toml has a job in the runtime code (issue 15): it is
imported by `ocpdb_pipelines` or `ocpdb_api` (the dev tools outside the wheel do not count), or it is one of
the few that are loaded by name rather than imported, each with the place that loads it."""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEV_TOOLS = ('ocpdb_pipelines/samples/', 'ocpdb_pipelines/devservices.py')

# dependency -> (file, text in it): what loads it without an import statement in our code
LOADED_BY_NAME = {
    'dagster-webserver': ('docker-compose.yml', 'command: [dagster-webserver'),  # the UI process
    'dagster-postgres': ('dagster.postgres.yaml', '  postgres:'),  # the instance storage Dagster loads
    'httptools': ('pyproject.toml', 'uvicorn picks these up automatically'),  # uvicorn's http="auto"
    'uvloop': ('pyproject.toml', 'uvicorn picks these up automatically'),  # uvicorn's loop="auto"
    'hiredis': ('pyproject.toml', 'redis-py parses replies with hiredis when it is installed'),
}


def test_redis_replies_are_parsed_by_hiredis():
    """The list item cache's MGET of 100 items: 0.75 ms with redis-py's own parser, 0.37 with hiredis."""
    from redis.utils import HIREDIS_AVAILABLE

    assert HIREDIS_AVAILABLE


def _normal(name: str) -> str:
    return re.sub(r'[-_.]+', '-', name).lower()


def _declared() -> list[str]:
    project = tomllib.loads((ROOT / 'pyproject.toml').read_text())['project']
    return [_normal(re.match(r'[A-Za-z0-9_.-]+', d).group()) for d in project['dependencies']]


def _imported_modules() -> set[str]:
    found: set[str] = set()
    for package in ('ocpdb_pipelines', 'ocpdb_api'):
        for path in (ROOT / package).rglob('*.py'):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith(DEV_TOOLS) or 'node_modules' in relative:
                continue
            for node in ast.walk(ast.parse(path.read_text(), relative)):
                if isinstance(node, ast.Import):
                    found |= {alias.name.split('.')[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split('.')[0])
    return found


def _distributions_of(modules: set[str]) -> set[str]:
    by_module = packages_distributions()
    return {_normal(dist) for module in modules for dist in by_module.get(module, [])}


def test_every_declared_dependency_is_imported_by_runtime_code_or_loaded_by_name():
    imported = _distributions_of(_imported_modules())
    declared = _declared()
    assert {'sqlalchemy', 'psycopg'} <= set(declared)  # the parse found the list
    unused = [d for d in declared if d not in imported and d not in LOADED_BY_NAME]
    assert unused == [], 'declared but never imported by ocpdb_pipelines/ocpdb_api: remove or give it a job'


def test_the_dependencies_loaded_by_name_are_declared_not_imported_and_loaded_where_said():
    imported = _distributions_of(_imported_modules())
    declared = _declared()
    for dependency, (file, text) in LOADED_BY_NAME.items():
        assert dependency in declared, dependency
        assert dependency not in imported, f'{dependency} is imported now: drop it from LOADED_BY_NAME'
        assert text in (ROOT / file).read_text(), (dependency, file)

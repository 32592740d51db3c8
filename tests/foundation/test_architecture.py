"""The shape of the code base (issue 15): SQL lives in one place per side, the import contracts hold."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SQL = re.compile(r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b|\.execute\(|\bWHERE\b|\w+\.add\('")


def _sql_lines(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.rglob('*.py')):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if SQL.search(line):
                found.append(f'{path.relative_to(ROOT)}:{number}: {line.strip()}')
    return found


def test_api_routes_hold_no_sql():
    """Every statement and filter of the API is in ocpdb_api/queries/; a route only calls it."""
    routes = ROOT / 'ocpdb_api' / 'routes'
    assert list(routes.glob('*.py')), 'no route modules found'
    assert _sql_lines(routes) == []


def test_the_dagster_layer_holds_no_sql():
    """ocpdb_pipelines/defs/ wires the domain; the statements are the store's and the domain modules'."""
    assert _sql_lines(ROOT / 'ocpdb_pipelines' / 'defs') == []


PIPELINES = ROOT / 'ocpdb_pipelines'
# docs/code-layout.md "SQL in one place per side": the only modules of the pipelines that hold statements
SQL_HOMES = {
    'store': 'the statements of imports, realtime, history and the fetch state',
    'db': 'connections, migrations, roles, advisory locks',
    'matching': 'the matching domain',
    'regions': 'the regions domain (and the GeoPackage it reads)',
    'products': 'the derived products (duplicates, statistics, dumps)',
    'exports': 'the exports (DATEX II)',
    'images/query.py': 'the image download',
    'samples': 'dev tool, not in the wheel: the demo sample generators',
    'devservices.py': 'dev tool, not in the wheel: the local PostgreSQL starter',
}


def _sql_home(path: Path) -> str | None:
    relative = path.relative_to(PIPELINES).as_posix()
    return next((home for home in SQL_HOMES if relative == home or relative.startswith(f'{home}/')), None)


def test_the_pipelines_hold_sql_only_in_their_homes():
    """A flow or protocol module (push, http, imports, sources, ...) calls the store or its domain's query
    module; it holds no statement of its own."""
    assert all((PIPELINES / home).exists() for home in SQL_HOMES), 'a listed SQL home is gone'
    outside = [line for line in _sql_lines(PIPELINES) if _sql_home(ROOT / line.split(':', 1)[0]) is None]
    assert outside == []


CONTRACTS = [
    'api-acyclic',
    'api-layers',
    'api-without-dagster',
    'domain-without-dagster',
    'pipelines-acyclic',
    'pipelines-without-api',
    'runtime-without-dev-tools',
    'store-not-downstream',
]


def _lint_imports(*contracts: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / 'lint-imports'), '--no-cache']
    for contract in contracts:
        command += ['--contract', contract]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_import_contracts_hold():
    """[tool.importlinter]: no cycles in the API or the pipelines, the API's layers, no Dagster in the API,
    no API in the pipelines, no downstream call in the store."""
    result = _lint_imports(*CONTRACTS)
    assert f'Contracts: {len(CONTRACTS)} kept, 0 broken.' in result.stdout, result.stdout + result.stderr


SOURCES = ROOT / 'ocpdb_pipelines' / 'sources'
ROLE_MODULES = {'__init__', 'family', 'parse', 'realtime', 'tariffs', 'vocabulary', 'values', 'wire'}
# modules that map one part of a record, named after it (docs/code-layout.md)
FAMILY_PARTS = {'datex2': {'countries', 'parking'}, 'bnetza': {'api', 'excel', 'register'}}
NOT_FAMILIES = {'common', '__pycache__'}


def test_every_family_follows_the_layout():
    """docs/code-layout.md: one package per family, named after it, with `family.py` holding `FAMILY`, and
    every other module named for its role."""
    from ocpdb_pipelines.sources.families import FAMILY_MODULES

    packages = sorted(p.name for p in SOURCES.iterdir() if p.is_dir() and p.name not in NOT_FAMILIES)
    assert packages == sorted(FAMILY_MODULES)
    assert {name: f'ocpdb_pipelines.sources.{name}.family' for name in packages} == FAMILY_MODULES
    for name in packages:
        modules = {p.stem for p in (SOURCES / name).glob('*.py')}
        assert 'family' in modules, name
        assert modules - ROLE_MODULES - FAMILY_PARTS.get(name, set()) == set(), name
    defining = sorted(
        str(p.relative_to(SOURCES)) for p in SOURCES.rglob('*.py') if re.search(r'^FAMILY\b', p.read_text(), re.M)
    )
    assert defining == sorted(f'{name}/family.py' for name in packages)

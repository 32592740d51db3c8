"""The shape of the code base (issue 15): SQL lives in one place per side, the import contracts hold."""

from __future__ import annotations

import re
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

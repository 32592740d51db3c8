"""The one way tests reach the shared recorded payloads: read in place, never copied."""

from __future__ import annotations

import os
from pathlib import Path

_DEFAULT = Path(__file__).resolve().parent.parent.parent / 'shared' / 'fixtures'


def fixtures_dir() -> Path:
    path = Path(os.environ.get('OCPDB_FIXTURES', str(_DEFAULT))).resolve()
    if not path.is_dir():
        raise FileNotFoundError(f'fixtures not found at {path}; set OCPDB_FIXTURES')
    return path


def fixture_path(*parts: str) -> Path:
    return fixtures_dir().joinpath(*parts)


def fixture_bytes(*parts: str) -> bytes:
    return fixture_path(*parts).read_bytes()


def schemas_dir() -> Path:
    """The DATEX II schemas live beside the fixtures in shared/."""
    return fixtures_dir().parent / 'schemas'

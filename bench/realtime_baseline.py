"""The realtime writer as main has it (commit 1a43acf), for interleaved A/B runs against the working tree.

`load()` imports main's `ocpdb_pipelines/store/realtime.py` from git under another module name, and
`downgrade(url)` turns a database migrated by this tree back into main's layout of everything a tick
writes, so A runs main's code on main's schema and B this tree's code on this tree's, in two databases
of the same cluster.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import psycopg

from ocpdb_pipelines.db.connection import normalize_url

ROOT = Path(__file__).resolve().parent.parent
BASE = '1a43acf'


def _git_show(path: str) -> str:
    return subprocess.run(
        ['git', 'show', f'{BASE}:{path}'], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def load() -> ModuleType:
    """main's store/realtime.py as module `realtime_main`."""
    name = 'realtime_main'
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the code runs
    exec(compile(_git_show('ocpdb_pipelines/store/realtime.py'), f'{BASE}:realtime.py', 'exec'), module.__dict__)
    return module


def main_url(url: str) -> str:
    """The URL of A's database: `url`'s database name + `_main`."""
    info = psycopg.conninfo.conninfo_to_dict(normalize_url(url))
    return psycopg.conninfo.make_conninfo(normalize_url(url), dbname=f'{info["dbname"]}_main')


def downgrade(url: str) -> None:
    """Put a database migrated by this tree back to main's layout of what a tick writes: main's
    ocpdb_record_live_change (0030), the index on location.last_updated, no location_stamp, fillfactor 100."""
    text = _git_show('sql/migrations/0030_live_change_areas.sql')
    function = re.search(r'CREATE FUNCTION ocpdb_record_live_change.*?\n\$\$;', text, re.S).group(0)
    with psycopg.connect(normalize_url(url), autocommit=True) as conn:
        conn.execute(function.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION', 1))
        conn.execute('DROP TRIGGER IF EXISTS location_stamp_insert ON location')
        conn.execute('DROP TRIGGER IF EXISTS location_stamp_update ON location')
        conn.execute('DROP TABLE IF EXISTS location_stamp')
        conn.execute('CREATE INDEX IF NOT EXISTS ix_location_last_updated ON location (last_updated)')
        conn.execute('ALTER TABLE location SET (fillfactor = 100)')
        conn.execute('VACUUM FULL location')

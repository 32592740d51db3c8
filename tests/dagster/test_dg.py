"""Dagster's current `dg` CLI works on the project (pyproject.toml [tool.dg]): `dg check defs` and
`dg list defs` load the code location as `dagster dev` does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ocpdb_pipelines.config import PROJECT_ROOT
from ocpdb_pipelines.sources.registry import REGISTRY

DG = Path(sys.executable).parent / 'dg'


def _dg(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, 'VIRTUAL_ENV': sys.prefix, 'OCPDB_CONFIG': os.devnull, 'DAGSTER_HOME': str(tmp_path)}
    return subprocess.run(
        [str(DG), *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_dg_check_defs(tmp_path):
    result = _dg('check', 'defs', tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert 'All definitions loaded successfully' in result.stdout + result.stderr


def test_dg_list_defs(tmp_path):
    result = _dg('list', 'defs', '--json', tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    listing = json.loads(result.stdout)
    assets = {asset['asset_key'] for asset in listing['assets']}
    assert {f'source/{uid}' for uid in REGISTRY} <= assets
    assert {'regions/official_region_codes', 'matching/bnetza', 'exports/datex2_realtime_full'} <= assets
    assert {r['name'] for r in listing['resources']} == {'ocpdb', 'postgis', 'redis'}
    assert 'downstream_automation' in {s['name'] for s in listing['sensors']}

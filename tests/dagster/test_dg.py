"""Dagster's current `dg` CLI works on the project (pyproject.toml [tool.dg]): `dg check defs` and
`dg list defs` load the code location as `dagster dev` does, and `dg dev` serves it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

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
    assert {r['name'] for r in listing['resources']} == {'ocpdb', 'postgis', 'redis', 'http'}
    assert 'downstream_automation' in {s['name'] for s in listing['sensors']}


LOCATION_QUERY = """
{ workspaceOrError { ... on Workspace { locationEntries {
    name loadStatus
    locationOrLoadError {
      __typename
      ... on RepositoryLocation { repositories { name assetNodes { assetKey { path } } } }
      ... on PythonError { message }
    }
} } } }
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def _location_entries(url: str) -> list[dict]:
    response = httpx.post(url, json={'query': LOCATION_QUERY}, timeout=30)
    response.raise_for_status()
    return response.json()['data']['workspaceOrError']['locationEntries']


def test_dg_dev_serves_the_code_location_with_its_assets(tmp_path):
    """`dg dev` as a newcomer starts it: webserver + daemon + code server; the GraphQL endpoint answers with
    the `ocpdb` location loaded and its assets, and SIGINT (Ctrl-C) stops the whole process group."""
    home = tmp_path / 'dagster_home'
    home.mkdir()
    (home / 'dagster.yaml').symlink_to(PROJECT_ROOT / 'dagster.yaml')
    port = _free_port()
    env = {**os.environ, 'VIRTUAL_ENV': sys.prefix, 'OCPDB_CONFIG': os.devnull, 'DAGSTER_HOME': str(home)}
    env.pop('DAGSTER_PG_URL', None)
    log = (tmp_path / 'dg-dev.log').open('w')
    process = subprocess.Popen(
        [str(DG), 'dev', '--host', '127.0.0.1', '--port', str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the daemon and code server stop with it
        # Ctrl-C as in a terminal, however pytest was started (a background job inherits SIGINT ignored)
        preexec_fn=_default_sigint,
    )
    url = f'http://127.0.0.1:{port}/graphql'
    try:
        entry = _wait_for_loaded_location(process, url, tmp_path / 'dg-dev.log')
        assert entry['name'] == 'ocpdb'
        located = entry['locationOrLoadError']
        assert located['__typename'] == 'RepositoryLocation', located
        assets = {'/'.join(node['assetKey']['path']) for repo in located['repositories'] for node in repo['assetNodes']}
        assert {f'source/{uid}' for uid in REGISTRY} <= assets
        assert {'matching/bnetza', 'regions/official_region_codes', 'exports/datex2_realtime_full'} <= assets
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            returncode = process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
        log.close()
    assert returncode in (0, -signal.SIGINT), (tmp_path / 'dg-dev.log').read_text()[-3000:]
    with pytest.raises(ProcessLookupError):  # nothing of the group is left running
        _wait_for_group_exit(process.pid)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_loaded_location(process: subprocess.Popen, url: str, log: Path) -> dict:
    deadline = time.monotonic() + 600  # loading 37 sources' definitions takes minutes on a loaded machine
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f'dg dev exited with {process.returncode}: {log.read_text()[-3000:]}')
        with contextlib.suppress(httpx.HTTPError, KeyError, TypeError):
            entries = _location_entries(url)
            if entries and all(entry['loadStatus'] == 'LOADED' for entry in entries):
                return entries[0]
        time.sleep(1)
    raise AssertionError(f'the code location did not load: {log.read_text()[-3000:]}')


def _wait_for_group_exit(group: int) -> None:
    """Raises ProcessLookupError once no process of the group exists (what the test expects)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        os.killpg(group, 0)
        time.sleep(0.5)

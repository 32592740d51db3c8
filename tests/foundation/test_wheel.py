"""The runtime wheel: built from the tree as `uv build` does, without the development tools."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV_ONLY = ('ocpdb_pipelines/samples/', 'ocpdb_pipelines/devservices.py')


@pytest.fixture(scope='module')
def wheel(tmp_path_factory) -> Path:
    uv = shutil.which('uv')
    if uv is None:
        pytest.skip('uv is not installed')
    out = tmp_path_factory.mktemp('wheel')
    subprocess.run([uv, 'build', '--wheel', '-o', str(out), '-q'], cwd=ROOT, check=True, timeout=600)
    (built,) = out.glob('ocpdb-*.whl')
    return built


def test_wheel_leaves_out_samples_and_dev_services(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert 'ocpdb_pipelines/cli/demo.py' in names
    assert 'ocpdb_api/app.py' in names
    assert [n for n in names if n.startswith(DEV_ONLY)] == []


def test_demo_from_the_wheel_says_what_is_missing(wheel, tmp_path):
    """The wheel's own code first on the path (its ocpdb_pipelines hides the checkout's): `ocpdb demo` stops
    with a message naming the sample generators and where to get them, before touching any database."""
    zipfile.ZipFile(wheel).extractall(tmp_path / 'site')
    env = {**os.environ, 'PYTHONPATH': str(tmp_path / 'site'), 'OCPDB_CONFIG': os.devnull}
    code = 'import sys; from ocpdb_pipelines.cli import main; sys.argv = ["ocpdb", "demo", "--no-serve"]; main()'
    result = subprocess.run(
        [sys.executable, '-c', code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 1
    assert 'ocpdb_pipelines/samples/' in result.stderr
    assert 'scripts/run demo' in result.stderr

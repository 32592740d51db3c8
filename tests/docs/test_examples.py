"""Every command and request shown in docs/ is run here, page by page, so the docs stay true.

Shell examples run in bash with the project's `ocpdb` on PATH against this worker's test database and
Redis (a fresh, migrated database per page; the API test dataset of tests/api/builder.py loaded),
HTTP examples against a real uvicorn server of the whole app (public API and push receivers) on
127.0.0.1. What the examples mean is in tests/docs/examples.py.

Not run: the blocks marked `doctest: skip` (listed by test_skipped_examples_say_why): `make demo`
(minutes of imports, then servers until interrupted; tests/demo/ runs the demo itself), `make test`
(this suite), and deployment commands that need docker or a Kubernetes cluster.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
import yaml

from ocpdb_api.app import create_app
from ocpdb_pipelines.config import Settings, load_settings
from tests.api import builder
from tests.api.live import free_port
from tests.conftest import schema_environment
from tests.docs import examples
from tests.downstream.mtls_server import mtls_receiver

PAGES = [
    page for page in examples.all_pages() if any(b.kind in ('shell', 'http', 'config') for b in examples.blocks(page))
]


def test_every_command_block_is_marked() -> None:
    unmarked, unknown = [], []
    for page in examples.all_pages():
        for block in examples.blocks(page):
            if block.kind is not None and block.kind not in examples.KINDS:
                unknown.append(f'{block.where}: doctest: {block.kind}')
            elif block.language in examples.COMMAND_LANGUAGES and block.kind is None:
                unmarked.append(block.where)
    assert not unknown, f'unknown example kinds: {unknown}'
    assert not unmarked, f'command blocks without a doctest mark (run them or say why not): {unmarked}'


def test_skipped_examples_say_why() -> None:
    skipped = [b for page in examples.all_pages() for b in examples.blocks(page) if b.kind == 'skip']
    assert skipped, 'the getting-started page shows `make demo`, which is skipped'
    assert all(b.argument for b in skipped), [b.where for b in skipped if not b.argument]
    shown = '\n'.join(b.body for b in skipped)
    assert 'make demo' in shown


def test_pages_have_examples() -> None:
    names = {p.relative_to(examples.DOCS).as_posix() for p in PAGES}
    for page in ('getting-started.md', 'api.md', 'push-endpoints.md', 'sources.md', 'regional-codes.md'):
        assert page in names


class PageRun:
    """The examples of one page, in order, sharing one database, config file and server."""

    def __init__(self, workdir: Path, env: dict[str, str]):
        self.workdir = workdir
        self.env = env
        self.config: dict = {}
        self.config_file = workdir / 'config.yaml'
        self.config_file.write_text('{}\n')
        self._server: tuple[str, uvicorn.Server, threading.Thread] | None = None
        self._server_config: dict | None = None

    def settings(self, project_url: str | None = None) -> Settings:
        environ = dict(self.env)
        if project_url:
            environ['OCPDB_API__PROJECT_URL'] = project_url
        return load_settings(config_file=self.config_file, environ=environ)

    def add_config(self, block: examples.Block) -> None:
        loaded = yaml.safe_load(block.body) or {}
        assert isinstance(loaded, dict), f'{block.where}: a config example must be a mapping'
        for key, value in loaded.items():
            if isinstance(value, dict) and isinstance(self.config.get(key), dict):
                self.config[key] = {**self.config[key], **value}
            else:
                self.config[key] = value
        self.config_file.write_text(yaml.safe_dump(self.config))
        self.settings()  # the example must be a valid configuration

    def shell(self, block: examples.Block) -> None:
        exit_code = int(block.argument.removeprefix('exit=')) if block.argument.startswith('exit=') else 0
        for command in examples.commands(block):
            done = subprocess.run(
                ['bash', '-c', command.command],
                cwd=self.workdir,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            output = done.stdout + done.stderr
            assert done.returncode == exit_code, (
                f'{block.where}: `{command.command}` exited {done.returncode}, not {exit_code}:\n{output}'
            )
            assert examples.output_matches(command.expected, output), (
                f'{block.where}: `{command.command}` printed\n{output}\nexpected\n{command.expected}'
            )

    def http(self, block: examples.Block) -> None:
        example = examples.http_example(block)
        base = self._base_url()
        with httpx.Client(base_url=base, timeout=60) as client:
            response = client.request(example.method, example.path, headers=example.headers, content=example.body)
        where = f'{block.where}: {example.method} {example.path}'
        assert response.status_code == example.status, f'{where}: HTTP {response.status_code}: {response.text[:500]}'
        for name, value in example.response_headers.items():
            assert name in response.headers, f'{where}: header {name} missing ({dict(response.headers)})'
            assert examples.output_matches(value, response.headers[name]), (
                f'{where}: {name}: {response.headers[name]!r}, expected {value!r}'
            )
        problem = examples.body_problem(example.response_body, response.content)
        assert problem is None, f'{where}: {problem}'

    def _base_url(self) -> str:
        if self._server is not None and self._server_config == self.config:
            return self._server[0]
        self.stop()
        port = free_port()
        base = f'http://127.0.0.1:{port}'
        app = create_app(self.settings(base), version_ttl_seconds=0.0, pool_min_size=1, pool_max_size=2)
        server = uvicorn.Server(uvicorn.Config(app, host='127.0.0.1', port=port, log_level='warning'))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f'{base}/health', timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        else:
            raise RuntimeError('the docs API server did not start')
        self._server = (base, server, thread)
        self._server_config = dict(self.config)
        return base

    def stop(self) -> None:
        if self._server is not None:
            _, server, thread = self._server
            server.should_exit = True
            thread.join(timeout=10)
            self._server = None


@contextmanager
def page_run(tmp_path: Path, db_url: str, redis_url: str) -> Iterator[PageRun]:
    """The environment of one page: test database and Redis, data directories under tmp_path, and a local
    HTTPS server demanding a client certificate standing in for the Mobilithek (its address and the
    certificates override the MOBILITHEK_* keys a page's config shows)."""
    work = tmp_path / 'work'
    work.mkdir()
    data = tmp_path / 'data'
    with mtls_receiver(tmp_path) as mobilithek:
        env = {
            'PATH': f'{Path(sys.executable).parent}{os.pathsep}{os.environ.get("PATH", "")}',
            'HOME': os.environ.get('HOME', str(tmp_path)),
            'LANG': 'C.UTF-8',
            'DATABASE_URL': db_url,
            'REDIS_URL': redis_url,
            'OCPDB_CONFIG': str(work / 'config.yaml'),
            'DAGSTER_HOME': str(tmp_path / 'dagster_home'),
            'OCPDB_DATA_DIR': str(data),
            'OCPDB_ARCHIVE__DIR': str(data / 'raw'),
            'OCPDB_LANDING__DIR': str(data / 'landing'),
            'OCPDB_EXPORTS__DIR': str(data / 'exports'),
            'OCPDB_IMAGES__DIR': str(data / 'images'),
            'OCPDB_VG25__GEOPACKAGE_PATH': str(data / 'regionalschluessel' / 'vg25.gpkg'),
            'OCPDB_MOBILITHEK__URL': mobilithek.url,
            'OCPDB_MOBILITHEK__CA_FILE': str(mobilithek.ca_file),
            'OCPDB_MOBILITHEK__KEY_DIR': str(mobilithek.key_dir),
            'OCPDB_MOBILITHEK__CERTIFICATE_FILENAME': mobilithek.cert_name,
            'OCPDB_MOBILITHEK__KEY_FILENAME': mobilithek.key_name,
            **schema_environment(),
        }
        run = PageRun(work, env)
        try:
            yield run
        finally:
            run.stop()


@pytest.mark.slow
@pytest.mark.parametrize('page', PAGES, ids=[p.relative_to(examples.DOCS).as_posix() for p in PAGES])
def test_page_examples(page: Path, tmp_path: Path, db, db_url: str, redis_url: str) -> None:
    builder.predecessor_dataset(db)
    builder.bump_version(db)
    with page_run(tmp_path, db_url, redis_url) as run:
        for block in examples.blocks(page):
            if block.kind == 'config':
                run.add_config(block)
            elif block.kind == 'shell':
                run.shell(block)
            elif block.kind == 'http':
                run.http(block)

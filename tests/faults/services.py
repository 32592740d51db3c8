"""Throwaway PostgreSQL clusters and Redis servers that a fault test may stop, kill and restart.

Never the suite's own services: each one is created from the machine's binaries (PostgreSQL 15's
initdb/pg_ctl, redis-server) in a fresh directory, on a port from the environment
(OCPDB_TEST_FAULT_PG_PORT / OCPDB_TEST_FAULT_REDIS_PORT, plus the xdist worker number) or a free one,
and removed afterwards. PostgreSQL refuses to run as root, so as root the cluster runs as `postgres`.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

PG_BIN = Path(os.environ.get('OCPDB_TEST_PG_BIN', '/usr/lib/postgresql/15/bin'))
WORKER = int(os.environ.get('PYTEST_XDIST_WORKER', 'gw0')[2:] or 0)


class Unavailable(RuntimeError):
    """A binary the fault service needs is not installed (the test skips with this message)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def port_from_env(name: str) -> int:
    """OCPDB_TEST_FAULT_*_PORT plus twice the worker number (room for two per worker), else a free port."""
    base = os.environ.get(name)
    return int(base) + 2 * WORKER if base else free_port()


def _as_cluster_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    runuser = shutil.which('runuser')
    if runuser is None:
        raise Unavailable('running as root and no runuser to start PostgreSQL as postgres')
    return [runuser, '-u', 'postgres', '--']


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own: `url(dbname)`, `stop()`, `start()`, `restart()`, `kill()`."""

    def __init__(self, port: int) -> None:
        if not (PG_BIN / 'initdb').exists():
            raise Unavailable(f'no PostgreSQL binaries in {PG_BIN} (set OCPDB_TEST_PG_BIN)')
        self.port = port
        self.prefix = _as_cluster_user()
        self.root = Path(tempfile.mkdtemp(prefix=f'ocpdb-fault-pg-{port}-'))
        if self.prefix:
            postgres = pwd.getpwnam('postgres')
            os.chown(self.root, postgres.pw_uid, postgres.pw_gid)
        self.data = self.root / 'data'
        self.log = self.root / 'server.log'
        self._run('initdb', '-D', str(self.data), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync')

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.prefix, str(PG_BIN / tool), *args], capture_output=True, text=True, check=check, timeout=120
        )

    def url(self, dbname: str = 'postgres', user: str = 'postgres') -> str:
        return f'postgresql://{user}@127.0.0.1:{self.port}/{dbname}'

    def start(self) -> None:
        options = f'-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} -c fsync=off'
        self._run('pg_ctl', 'start', '-w', '-D', str(self.data), '-l', str(self.log), '-o', options)

    def stop(self, mode: str = 'fast') -> None:
        self._run('pg_ctl', 'stop', '-w', '-D', str(self.data), '-m', mode, check=False)

    def restart(self) -> None:
        self.stop()
        self.start()

    def kill(self) -> None:
        """SIGKILL the postmaster (a crash, not a shutdown); its backends exit on their own."""
        pid_file = self.data / 'postmaster.pid'
        if pid_file.exists():
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
            time.sleep(0.5)

    def is_up(self) -> bool:
        try:
            with psycopg.connect(self.url(), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def destroy(self) -> None:
        self.stop('immediate')
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def throwaway_postgres(port: int | None = None) -> Iterator[ThrowawayPostgres]:
    cluster = ThrowawayPostgres(port or port_from_env('OCPDB_TEST_FAULT_PG_PORT'))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


class ThrowawayRedis:
    """A redis-server without persistence on its own port: `stop()` kills it, `start()` brings it back."""

    def __init__(self, port: int) -> None:
        binary = shutil.which('redis-server')
        if binary is None:
            raise Unavailable('no redis-server binary')
        self.binary = binary
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f'redis://127.0.0.1:{self.port}/0'

    def start(self) -> None:
        args = [self.binary, '--port', str(self.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f'redis-server on {self.port} did not start')

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGCONT)  # a frozen server must be able to die
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections and requests, nothing answers (a hung Redis)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


@contextmanager
def throwaway_redis(port: int | None = None) -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(port or port_from_env('OCPDB_TEST_FAULT_REDIS_PORT'))
    try:
        server.start()
        yield server
    finally:
        server.stop()

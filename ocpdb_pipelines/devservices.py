"""Find or start PostGIS and Redis for the demo and the tests.

Order: the configured URL (DATABASE_URL / REDIS_URL); else a server already answering on the
default local port (PostgreSQL 5432 with PostGIS available, Redis 6379); else our own PostgreSQL
cluster and Redis under `.ocpdb/` started from the machine's binaries, installing the Debian packages
first when we are root and they are missing. `python -m ocpdb_pipelines.devservices` prints shell
`export` lines for the URLs it settled on.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from ocpdb_pipelines.config import PROJECT_ROOT

STATE_DIR = PROJECT_ROOT / '.ocpdb'
OWN_PG_PORT = 54329
OWN_REDIS_PORT = 63799
DEBIAN_PACKAGES = ['postgresql', 'postgresql-15-postgis-3', 'redis-server']


class ServiceError(RuntimeError):
    pass


def _log(message: str) -> None:
    print(f'[devservices] {message}', file=sys.stderr)


def _port_open(port: int, host: str = '127.0.0.1') -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _postgis_ready(admin_url: str) -> bool:
    try:
        with psycopg.connect(admin_url, connect_timeout=3) as conn:
            row = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'").fetchone()
            return row is not None
    except psycopg.Error:
        return False


def _redis_ready(port: int) -> bool:
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=1) as sock:
            sock.sendall(b'PING\r\n')
            return sock.recv(16).startswith(b'+PONG')
    except OSError:
        return False


def _is_root() -> bool:
    return hasattr(os, 'geteuid') and os.geteuid() == 0


def _apt_install(packages: list[str]) -> None:
    if not _is_root() or not shutil.which('apt-get'):
        raise ServiceError(
            'PostGIS/Redis are not available. Install them (Debian: apt-get install '
            + ' '.join(packages)
            + ') or set DATABASE_URL and REDIS_URL.'
        )
    _log(f'installing {" ".join(packages)} with apt-get')
    env = {**os.environ, 'DEBIAN_FRONTEND': 'noninteractive'}
    subprocess.run(['apt-get', 'update', '-qq'], check=True, env=env)
    subprocess.run(['apt-get', 'install', '-y', '-qq', *packages], check=True, env=env)


def _pg_bin() -> Path:
    candidates = sorted(Path('/usr/lib/postgresql').glob('*/bin/pg_ctl'))
    if not candidates:
        _apt_install(DEBIAN_PACKAGES)
        candidates = sorted(Path('/usr/lib/postgresql').glob('*/bin/pg_ctl'))
    if not candidates:
        raise ServiceError('no PostgreSQL binaries found under /usr/lib/postgresql')
    return candidates[-1].parent


def _as_postgres_user(args: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres system user."""
    return ['runuser', '-u', 'postgres', '--', *args] if _is_root() else args


def ensure_postgres() -> str:
    """An admin URL (database postgres) of a server with PostGIS available."""
    if os.environ.get('OCPDB_TEST_ADMIN_URL'):
        return os.environ['OCPDB_TEST_ADMIN_URL']
    if os.environ.get('DATABASE_URL'):
        return psycopg.conninfo.make_conninfo(os.environ['DATABASE_URL'], dbname='postgres')
    system = 'postgresql://postgres@127.0.0.1:5432/postgres'
    if _port_open(5432):
        if _postgis_ready(system):
            return system
        if _is_root() and shutil.which('apt-get'):
            _apt_install(['postgresql-15-postgis-3'])
            if _postgis_ready(system):
                return system
    own = f'postgresql://postgres@127.0.0.1:{OWN_PG_PORT}/postgres'
    if _postgis_ready(own):
        return own
    bin_dir = _pg_bin()
    data = STATE_DIR / 'pg'
    STATE_DIR.mkdir(exist_ok=True)
    if _is_root():
        shutil.chown(STATE_DIR, 'postgres')
    if not (data / 'PG_VERSION').exists():
        _log(f'initialising a PostgreSQL cluster in {data}')
        subprocess.run(
            _as_postgres_user(
                [str(bin_dir / 'initdb'), '-D', str(data), '-U', 'postgres', '--auth=trust', '-E', 'UTF8']
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    _log(f'starting PostgreSQL on port {OWN_PG_PORT}')
    subprocess.run(
        _as_postgres_user(
            [
                str(bin_dir / 'pg_ctl'),
                '-D',
                str(data),
                '-l',
                str(data / 'server.log'),
                '-o',
                f'-p {OWN_PG_PORT} -k /tmp -c listen_addresses=127.0.0.1',
                '-w',
                'start',
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    if not _postgis_ready(own):
        _apt_install(['postgresql-15-postgis-3'])
    return own


def ensure_redis() -> str:
    if os.environ.get('REDIS_URL'):
        return os.environ['REDIS_URL']
    if _redis_ready(6379):
        return 'redis://127.0.0.1:6379/0'
    if _redis_ready(OWN_REDIS_PORT):
        return f'redis://127.0.0.1:{OWN_REDIS_PORT}/0'
    if not shutil.which('redis-server'):
        _apt_install(['redis-server'])
    directory = STATE_DIR / 'redis'
    directory.mkdir(parents=True, exist_ok=True)
    _log(f'starting Redis on port {OWN_REDIS_PORT}')
    subprocess.run(
        [
            'redis-server',
            '--port',
            str(OWN_REDIS_PORT),
            '--bind',
            '127.0.0.1',
            '--daemonize',
            'yes',
            '--save',
            '',
            '--dir',
            str(directory),
            '--logfile',
            str(directory / 'redis.log'),
        ],
        check=True,
    )
    for _ in range(50):
        if _redis_ready(OWN_REDIS_PORT):
            break
        time.sleep(0.1)
    return f'redis://127.0.0.1:{OWN_REDIS_PORT}/0'


def main() -> None:
    admin = ensure_postgres()
    redis_url = ensure_redis()
    database = os.environ.get('DATABASE_URL') or psycopg.conninfo.make_conninfo(admin, dbname='ocpdb')
    print(f"export OCPDB_TEST_ADMIN_URL='{admin}'")
    print(f"export DATABASE_URL='{database}'")
    print(f"export REDIS_URL='{redis_url}'")


if __name__ == '__main__':
    main()

"""Push receiver fixtures: the server routes on a real uvicorn in a thread, spoken to over real HTTP."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from ocpdb_api.server_api import build_server_app
from ocpdb_pipelines.config import ServerUser, Settings
from ocpdb_pipelines.landing import LandingArea
from tests.push.payloads import SECRET

USERS = {
    'giroe-pusher': ('giroe-password', ['giroe']),
    'bnetza-uploader': ('bnetza-password', ['bnetza']),
    'datex-only': ('datex-password', ['datex2']),
}
GIROE_AUTH = ('giroe-pusher', 'giroe-password')
BNETZA_AUTH = ('bnetza-uploader', 'bnetza-password')
DATEX_KEY = 'enbw-push-key'
# the DATEX source also needs its Mobilithek pull keys to count as configured; they are never used here
MTLS = {'static_subscription_id': '1', 'mobilithek_cert_path': '/dev/null', 'mobilithek_key_path': '/dev/null'}


@dataclass
class Server:
    url: str
    settings: Settings

    @property
    def landing(self) -> LandingArea:
        return LandingArea(self.settings.path(self.settings.landing.dir))

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)


@pytest.fixture
def push_settings(settings: Settings) -> Settings:
    users = {
        name: ServerUser(hash=hashlib.sha256(password.encode()).hexdigest(), roles=roles)
        for name, (password, roles) in USERS.items()
    }
    sources = {
        'datex2_enbw': {'api_key': DATEX_KEY, 'use_realtime_push': True, **MTLS},
        'datex2_giroe': {'api_key': DATEX_KEY, 'use_realtime_push': True, **MTLS},
        'giroe': {'url': 'https://giroe.invalid', 'user': 'u', 'password': 'p', 'use_realtime_push': True},
    }
    return settings.with_values(server={'auth_users': users}, giroe={'object_id_secret': SECRET}, sources=sources)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@contextmanager
def serve(settings: Settings) -> Iterator[Server]:
    port = _free_port()
    config = uvicorn.Config(build_server_app(settings), host='127.0.0.1', port=port, log_level='warning')
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError('the server API did not start')
        time.sleep(0.02)
    try:
        yield Server(url=f'http://127.0.0.1:{port}', settings=settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def server(push_settings: Settings) -> Iterator[Server]:
    with serve(push_settings) as running:
        yield running


@pytest.fixture
def serve_with(push_settings: Settings) -> Iterator[Callable[..., Server]]:
    """Start a server with some settings changed: `serve_with(DATEX2_ASYNC_STATION_STATUS_THRESHOLD=2)`."""
    with ExitStack() as stack:
        yield lambda **updates: stack.enter_context(serve(push_settings.with_values(**updates)))

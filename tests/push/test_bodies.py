"""Hostile bodies: size limits enforced while reading, gzip bombs refused off the event loop, and the
landing area left clean when a write fails."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator

import httpx
import orjson
import pytest

from ocpdb_api.app import create_app
from ocpdb_api.server_api.bodies import DEFAULT_LIMITS
from tests.push.conftest import BNETZA_AUTH, DATEX_KEY, GIROE_AUTH, Server
from tests.push.payloads import giroe_connector, giroe_location

DATEX_URL = f'/api/server/v1/datex/v3.5/datex2_enbw/realtime?key={DATEX_KEY}'
GIROE_URL = '/api/server/v1/giroe/locations/7'
MiB = 1024 * 1024


def gzip_of_zeros(size: int) -> bytes:
    """`size` zero bytes as concatenated 1 MiB gzip members (one valid gzip body, ~1 kB per MiB)."""
    return gzip.compress(bytes(MiB), compresslevel=9, mtime=0) * (size // MiB)


@pytest.fixture(scope='module')
def bomb() -> bytes:
    """About 1 MB that inflates to 1 GiB."""
    return gzip_of_zeros(1024 * MiB)


def _landed_files(server: Server) -> list[str]:
    root = server.landing.root
    return sorted(str(p.relative_to(root)) for p in root.rglob('*') if p.is_file()) if root.exists() else []


def test_a_gzip_bomb_is_refused_with_413(server, bomb):
    with server.client() as client:
        response = client.post(DATEX_URL, content=bomb, headers={'Content-Encoding': 'gzip'})
    assert response.status_code == 413
    assert response.json()['error']['code'] == 'payload_too_large'
    assert _landed_files(server) == []


def test_a_high_ratio_body_below_the_size_limit_is_refused(server):
    body = gzip_of_zeros(32 * MiB)  # ~32 kB -> 32 MiB: below the DATEX limit, ratio ~1000
    assert len(body) * 100 < 32 * MiB < DEFAULT_LIMITS['datex']
    with server.client() as client:
        response = client.post(DATEX_URL, content=body, headers={'Content-Encoding': 'gzip'})
    assert response.status_code == 413
    assert 'ratio' in response.json()['error']['message']


def test_concatenated_gzip_members_are_one_body():
    from ocpdb_api.server_api.bodies import gunzip

    assert gunzip(gzip.compress(b'<a>') + gzip.compress(b'</a>'), MiB) == b'<a></a>'


def test_a_normal_gzip_body_still_lands(server):
    body = giroe_location(7, [giroe_connector(1, 'DEGIR0007')])
    with server.client() as client:
        response = client.put(
            GIROE_URL, content=gzip.compress(orjson.dumps(body)), headers={'Content-Encoding': 'gzip'}, auth=GIROE_AUTH
        )
    assert response.status_code == 204


@pytest.mark.parametrize(
    ('method', 'url', 'auth', 'endpoint'),
    [
        ('PUT', GIROE_URL, GIROE_AUTH, 'giroe'),
        ('POST', DATEX_URL, None, 'datex'),
        ('POST', '/api/server/v1/bnetza/', BNETZA_AUTH, 'bnetza'),
    ],
)
def test_an_oversized_declared_body_is_refused_before_it_is_read(serve_with, method, url, auth, endpoint):
    limit = 256 * 1024
    server = serve_with(SERVER_MAX_BODY_BYTES={endpoint: limit})
    sent = 0

    def body() -> Iterator[bytes]:
        nonlocal sent
        remaining = limit + 1
        while remaining > 0:
            chunk = b'x' * min(MiB, remaining)
            remaining -= len(chunk)
            sent += len(chunk)
            yield chunk

    with server.client() as client:
        headers = {'Content-Length': str(limit + 1)}
        try:
            response = client.request(method, url, content=body(), headers=headers, auth=auth)
        except httpx.HTTPError:  # the server answered and closed while the client was still sending
            response = None
    if response is not None:
        assert response.status_code == 413
    assert _landed_files(server) == []


def test_a_chunked_body_is_cut_off_at_the_limit(serve_with):
    server = serve_with(SERVER_MAX_BODY_BYTES={'datex': MiB // 2})

    def body() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
        for _ in range(8):
            yield b'<' * MiB

    with server.client() as client:
        try:
            response = client.post(DATEX_URL, content=body())
        except httpx.HTTPError:
            response = None
    if response is not None:
        assert response.status_code == 413
    assert _landed_files(server) == []


def test_health_stays_responsive_while_a_bomb_is_refused(push_settings, bomb):
    """The decompression runs in a worker thread: the event loop keeps answering /health."""
    import socket

    import uvicorn

    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    app = create_app(push_settings, pool_min_size=1, pool_max_size=2)
    server = uvicorn.Server(uvicorn.Config(app, host='127.0.0.1', port=port, log_level='warning'))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f'http://127.0.0.1:{port}'
    try:
        while not server.started:
            time.sleep(0.05)
        results: list[int] = []

        def push_bombs() -> None:
            with httpx.Client(base_url=base, timeout=60) as client:
                for _ in range(3):
                    headers = {'Content-Encoding': 'gzip'}
                    results.append(client.post(DATEX_URL, content=bomb, headers=headers).status_code)

        pusher = threading.Thread(target=push_bombs)
        pusher.start()
        health: list[int] = []
        with httpx.Client(base_url=base, timeout=2) as client:  # the bound for /health
            while pusher.is_alive():
                health.append(client.get('/health').status_code)
        pusher.join()
        assert results == [413, 413, 413]
        assert health
        assert set(health) == {200}
    finally:
        server.should_exit = True
        thread.join(timeout=10)

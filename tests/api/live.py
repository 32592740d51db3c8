"""A real uvicorn server in a thread, for the fuzzer and the browser test."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from ocpdb_api.app import create_app
from ocpdb_api.settings import ApiSettings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@contextmanager
def serve(settings: ApiSettings) -> Iterator[str]:
    port = free_port()
    base = f'http://127.0.0.1:{port}'
    api = ApiSettings(**{**settings.__dict__, 'project_url': base})
    server = uvicorn.Server(uvicorn.Config(create_app(api), host='127.0.0.1', port=port, log_level='warning'))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        try:
            if httpx.get(f'{base}/health', timeout=1).status_code in (200, 503):
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    else:
        raise RuntimeError('API server did not start')
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)

"""A real HTTP upstream on 127.0.0.1 whose behaviour a test switches: ok, 503, hang, garbage."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Upstream:
    url: str
    body: bytes
    mode: str = 'ok'  # ok | 503 | hang | garbage | slow (answers at once, then the body trickles)
    trickle_seconds: float = 6.0
    requests: list[str] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)


@contextmanager
def live_upstream(body: bytes, path: str = '/feed') -> Iterator[Upstream]:
    state = Upstream(url='', body=body)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(f'{state.mode} {self.path}')
            if state.mode == 'hang':
                state.released.wait(60)  # holds the connection open without a byte of answer
                return
            if state.mode == 'slow':  # status and headers at once, the body over trickle_seconds
                self.send_response(200)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(state.body)))
                self.end_headers()
                pieces = 60  # a piece every trickle_seconds / 60: each read is quick, the whole is slow
                step = len(state.body) // pieces + 1
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
                    for start in range(0, len(state.body), step):
                        if state.released.wait(state.trickle_seconds / pieces):
                            return
                        self.wfile.write(state.body[start : start + step])
                        self.wfile.flush()
                return
            status, payload = {
                'ok': (200, state.body),
                '503': (503, b'{"error": "maintenance"}'),
                'garbage': (200, b'{"this is": not json'),
            }[state.mode]
            self.send_response(status)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f'http://127.0.0.1:{server.server_port}{path}'
    try:
        yield state
    finally:
        state.released.set()
        server.shutdown()
        server.server_close()


def refused_url() -> str:
    """An address on which nothing listens (bound, then closed)."""
    import socket

    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    return f'http://127.0.0.1:{port}/feed'

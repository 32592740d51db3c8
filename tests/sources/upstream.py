"""A real HTTP server on 127.0.0.1 standing in for a source: routes answer recorded bodies.

Each route is a list of answers (status, headers, body) served in order, the last one repeating,
or a callable taking the request and returning one. `hang` makes a route never answer (until the
server stops), for budget tests. Every request is recorded (path, query, headers).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Upstream:
    url: str = ''
    routes: dict[str, list[Answer] | Callable[[dict[str, Any]], Answer]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    hanging: set[str] = field(default_factory=set)
    release: threading.Event = field(default_factory=threading.Event)

    def route(self, path: str, *answers: Answer) -> None:
        self.routes[path] = list(answers)

    def hang(self, path: str) -> None:
        self.hanging.add(path)

    def answer(self, request: dict[str, Any]) -> Answer:
        route = self.routes.get(request['path'])
        if route is None:
            return 404, {}, b'not found'
        if callable(route):
            return route(request)
        seen = sum(1 for r in self.requests if r['path'] == request['path'])
        return route[min(seen, len(route)) - 1]

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r['path'] == path)


@contextmanager
def upstream() -> Iterator[Upstream]:
    state = Upstream()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get('Content-Length') or 0)
            request = {
                'method': self.command,
                'path': parts.path,
                'query': parse_qs(parts.query),
                'headers': {k.lower(): v for k, v in self.headers.items()},
                'body': self.rfile.read(length) if length else b'',
            }
            state.requests.append(request)
            if parts.path in state.hanging:
                state.release.wait(30)
                return
            status, headers, body = state.answer(request)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _serve  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    httpd.daemon_threads = True
    state.url = f'http://127.0.0.1:{httpd.server_address[1]}'
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        httpd.shutdown()
        httpd.server_close()

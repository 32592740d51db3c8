"""A real local HTTPS server that demands a client certificate (trustme CA) and records requests."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import trustme


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    client_subject: tuple


@dataclass
class Receiver:
    url: str
    ca_file: Path
    key_dir: Path
    cert_name: str
    key_name: str
    requests: list[Received] = field(default_factory=list)
    # status codes to answer, in order; 200 once they run out
    statuses: list[int] = field(default_factory=list)


@contextmanager
def mtls_receiver(tmp_path: Path) -> Iterator[Receiver]:
    ca = trustme.CA()
    server_cert = ca.issue_cert('127.0.0.1', 'localhost')
    client_cert = ca.issue_cert('ocpdb-client@example.org')
    key_dir = tmp_path / 'keys'
    key_dir.mkdir()
    client_cert.cert_chain_pems[0].write_to_path(str(key_dir / 'client.crt'))
    client_cert.private_key_pem.write_to_path(str(key_dir / 'client.key'))
    ca.cert_pem.write_to_path(str(tmp_path / 'ca.pem'))

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_cert.configure_cert(context)
    ca.configure_trust(context)
    context.verify_mode = ssl.CERT_REQUIRED

    receiver = Receiver('', tmp_path / 'ca.pem', key_dir, 'client.crt', 'client.key')

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get('Content-Length') or 0)
            body = self.rfile.read(length)
            subject = self.connection.getpeercert()['subject']
            receiver.requests.append(Received(self.path, dict(self.headers), body, subject))
            status = receiver.statuses.pop(0) if receiver.statuses else 200
            self.send_response(status)
            self.send_header('Content-Length', '0')
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    receiver.url = f'https://127.0.0.1:{server.server_address[1]}/mobilithek/api/v1.0'
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()

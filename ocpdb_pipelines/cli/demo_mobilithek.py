"""The demo's Mobilithek stand-in: an HTTPS receiver on 127.0.0.1 that demands a client certificate.

Offline there is no Mobilithek, so the demo's DATEX II pushes (static snapshot, realtime full snapshot,
realtime deltaPush) would have nowhere to go and `exports/datex2_realtime_diff`, which only reports pushes,
would stay "Never materialized". This receiver makes the pushes real: mutual TLS with throwaway
certificates (a CA, a server certificate for 127.0.0.1 and a client certificate it issued, made with
`openssl` when the demo starts), `POST <url>/publication/<id>` answered 200 and counted per publication
once the whole body arrived. A client without a certificate of that CA fails the handshake, as at the
Mobilithek. Without `openssl` the demo runs without it (and says so).
"""

from __future__ import annotations

import logging
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ocpdb_pipelines.cli.local_server import serving

logger = logging.getLogger(__name__)

HOST = '127.0.0.1'
API_PATH = '/mobilithek/api/v1.0'
PUBLICATION_PATH = f'{API_PATH}/publication/'
CA, SERVER, CLIENT = 'demo-ca', 'demo-server', 'demo-client'


@dataclass
class Receiver:
    """Where the receiver listens and what the push client needs; `received` counts POSTs per publication."""

    url: str
    ca_file: Path
    key_dir: Path
    certificate_filename: str = f'{CLIENT}.crt'
    key_filename: str = f'{CLIENT}.key'
    received: dict[str, int] = field(default_factory=dict)
    bytes_received: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, publication: str, size: int) -> None:
        with self._lock:
            self.received[publication] = self.received.get(publication, 0) + 1
            self.bytes_received[publication] = self.bytes_received.get(publication, 0) + size


def _openssl(openssl: str, *args: str) -> None:
    subprocess.run([openssl, *args], check=True, capture_output=True)


def make_certificates(directory: Path) -> bool:
    """A throwaway CA and the server and client certificates it signs, in `directory` (kept between demo
    starts while valid); False when `openssl` is missing."""
    openssl = shutil.which('openssl')
    if openssl is None:
        return False
    directory.mkdir(parents=True, exist_ok=True)
    if all((directory / f'{name}.{ext}').exists() for name in (CA, SERVER, CLIENT) for ext in ('crt', 'key')):
        return True
    ca_crt, ca_key = directory / f'{CA}.crt', directory / f'{CA}.key'
    _openssl(openssl, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=ocpdb demo CA',
             '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
             '-keyout', str(ca_key), '-out', str(ca_crt))  # fmt: skip
    extensions = {
        SERVER: f'subjectAltName=IP:{HOST},DNS:localhost\nextendedKeyUsage=serverAuth\n',
        CLIENT: 'extendedKeyUsage=clientAuth\n',
    }
    for name, extension in extensions.items():
        key, request, crt = (directory / f'{name}.{ext}' for ext in ('key', 'csr', 'crt'))
        ext_file = directory / f'{name}.ext'
        ext_file.write_text(
            'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n'
            'authorityKeyIdentifier=keyid,issuer\nsubjectKeyIdentifier=hash\n' + extension
        )
        _openssl(openssl, 'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', f'/CN=ocpdb {name}',
                 '-keyout', str(key), '-out', str(request))  # fmt: skip
        _openssl(openssl, 'x509', '-req', '-in', str(request), '-CA', str(ca_crt), '-CAkey', str(ca_key),
                 '-CAcreateserial', '-days', '30', '-extfile', str(ext_file), '-out', str(crt))  # fmt: skip
        request.unlink()
    return True


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def do_POST(self) -> None:
            body = self._body()
            if not self.path.startswith(PUBLICATION_PATH) or body is None:
                self._answer(404 if body is not None else 400)
                return
            receiver.record(self.path.removeprefix(PUBLICATION_PATH), len(body))
            self._answer(200)

        def _body(self) -> bytes | None:
            if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b';')[0].strip() or b'0', 16)
                    if size == 0:
                        self.rfile.readline()  # the empty line after the last chunk
                        return b''.join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = self.headers.get('Content-Length')
            return self.rfile.read(int(length)) if length is not None else None

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header('Content-Length', '0')
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug('demo Mobilithek: ' + format, *args)

    return Handler


@contextmanager
def serve_mobilithek(directory: Path, port: int = 0) -> Iterator[Receiver | None]:
    """Serve the receiver in a background thread until the block ends; None without `openssl`."""
    if not make_certificates(directory):
        yield None
        return
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / f'{SERVER}.crt', directory / f'{SERVER}.key')
    context.load_verify_locations(directory / f'{CA}.crt')
    context.verify_mode = ssl.CERT_REQUIRED  # mutual TLS: no client certificate of our CA, no handshake
    receiver = Receiver('', directory / f'{CA}.crt', directory)
    server = ThreadingHTTPServer((HOST, port), _handler(receiver))
    # the handshake runs in accept(): a failed one (no or a foreign certificate) is an OSError there, which
    # the server drops with the connection
    server.socket = context.wrap_socket(server.socket, server_side=True)
    receiver.url = f'https://{HOST}:{server.server_address[1]}{API_PATH}'
    with serving(server, 'demo-mobilithek'):
        yield receiver

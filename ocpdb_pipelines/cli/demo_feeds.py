"""The demo's sample feeds: a local HTTP server on 127.0.0.1 that answers every source's pull.

Offline, a turned-on realtime sensor has nothing to pull and its asset goes stale after ten intervals.
So the demo serves its own generated samples: each source is configured (`OCPDB_SOURCES`, inherited by
`dagster dev`) to fetch from this server, which answers a static or realtime request with a sample
generated at that moment (the demo's sites, timestamps a little before now, another draw of changed
statuses per poll), exactly as the
family's parser reads a live payload. Realtime ticks then succeed and freshness is true: a source is
fresh because a tick just applied data, and it would go stale if the server stopped.

Sources that need credentials get placeholder ones; the Mobilithek (mTLS) sources get a throwaway
self-signed client certificate (made with `openssl`, which the plain-HTTP server never asks for).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ocpdb_pipelines.cli.local_server import serving

logger = logging.getLogger(__name__)

# what a live payload describes: a moment shortly before it is served
FEED_AGE = timedelta(seconds=30)
DEMO_SEED = 1  # write_demo_samples' default: the sites the demo imported
CONTENT_TYPES = {'.json': 'application/json', '.xml': 'text/xml; charset=utf-8'}


@dataclass
class SampleFeeds:
    """Answers each source's request paths (`routes`, filled by `source_config`) with a fresh sample."""

    directory: Path
    host: str = '127.0.0.1'
    port: int = 0
    url: str = ''
    requests: dict[str, int] = field(default_factory=dict)
    routes: dict[str, tuple[str, str]] = field(default_factory=dict)  # request path -> (uid, kind)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def body(self, uid: str, kind: str) -> tuple[bytes, str] | None:
        from ocpdb_pipelines.samples.catalog import demo_entry
        from ocpdb_pipelines.samples.sites import samples_at, status_draw

        entry = demo_entry(uid, kind)
        if entry is None:
            return None
        key = f'{uid}/{kind}'
        with self._lock:
            self.requests[key] = self.requests.get(key, 0) + 1
        # each poll another draw of changed statuses: live data that really changes (and is never "not modified")
        with self._lock, samples_at(datetime.now(UTC) - FEED_AGE), status_draw(self.requests[key]):
            # the demo's seed (the sites imported at start), described at this moment
            path = Path(entry.write(self.directory / entry.filename, DEMO_SEED))
            return path.read_bytes(), CONTENT_TYPES.get(path.suffix, 'application/octet-stream')

    def source_config(self, uid: str, credentials: dict[str, str]) -> dict[str, Any]:
        """SOURCES.<uid> pointing at this server, with placeholder credentials; the URLs the family then
        requests are routed to the source's static and realtime sample."""
        from ocpdb_pipelines.http.urls import resolve_url
        from ocpdb_pipelines.sources.families import get_family
        from ocpdb_pipelines.sources.options import options_for
        from ocpdb_pipelines.sources.registry import get_spec

        spec = get_spec(uid)
        base_paths = get_family(spec).base_paths
        config: dict[str, Any] = (
            {'url': f'{self.url}/{uid}'}  # the family appends its own static and realtime paths
            if base_paths
            else {'url': f'{self.url}/{uid}/static', 'realtime_url': f'{self.url}/{uid}/realtime'}
        )
        for key in spec.required_config:
            config.setdefault(key, credentials.get(key, 'demo'))
        if spec.auth == 'mtls':
            config.update(credentials)
        source = options_for(spec, config)
        kinds = ('static', 'realtime') if spec.has_realtime else ('static',)
        for kind in kinds:  # realtime last: a source whose realtime is its static URL gets live statuses
            # a source whose live statuses come with its static document is polled there: serve it live
            served = 'realtime' if spec.has_realtime and spec.realtime_from_static else kind
            self.routes[urlsplit(resolve_url(spec, source, kind, base_paths)).path] = (uid, served)
        return config


def _handler(feeds: SampleFeeds) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get('Content-Length') or 0)
            if length:
                self.rfile.read(length)  # a SOAP request body (OCHP): the answer does not depend on it
            route = feeds.routes.get(urlsplit(self.path).path)
            answer = feeds.body(*route) if route else None
            if answer is None:
                self.send_response(404)
                self.send_header('Content-Length', '0')
                self.end_headers()
                return
            body, content_type = answer
            self.send_response(200)
            self.send_header('Content-Type', content_type)
            self.send_header('Last-Modified', format_datetime(datetime.now(UTC), usegmt=True))
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug('demo feed: ' + format, *args)

    return Handler


@contextmanager
def serve_sample_feeds(host: str = '127.0.0.1', port: int = 0) -> Iterator[SampleFeeds]:
    """Serve the feeds in a background thread until the block ends (Ctrl-C and SIGTERM end it too)."""
    with tempfile.TemporaryDirectory(prefix='ocpdb-demo-feeds-') as tmp:
        feeds = SampleFeeds(directory=Path(tmp))
        server = ThreadingHTTPServer((host, port), _handler(feeds))
        feeds.host, feeds.port = server.server_address[:2]  # type: ignore[misc]
        feeds.url = f'http://{feeds.host}:{feeds.port}'
        with serving(server, 'demo-feeds'):
            yield feeds


def demo_client_certificate(directory: Path) -> dict[str, str]:
    """A throwaway self-signed certificate for the mTLS sources' client (never checked by the demo server);
    empty when `openssl` is missing (those sources then stay without a pull)."""
    openssl = shutil.which('openssl')
    if openssl is None:
        return {}
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / 'demo-client.crt', directory / 'demo-client.key'
    if not (cert.exists() and key.exists()):
        subprocess.run(
            [openssl, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=ocpdb-demo',
             '-keyout', str(key), '-out', str(cert)],
            check=True, capture_output=True,
        )  # fmt: skip
    return {
        'mobilithek_cert_path': str(cert),
        'mobilithek_key_path': str(key),
        'static_subscription_id': 'demo',
        'realtime_subscription_id': 'demo',
    }

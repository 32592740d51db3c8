"""Mobilithek pulls against a real local HTTPS server that demands a client certificate (trustme)."""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import trustme

from ocpdb_pipelines.config import ConfigError, load_settings
from ocpdb_pipelines.http.archive import SnapshotError, read_snapshot
from ocpdb_pipelines.http.client import SourceHttpClient
from ocpdb_pipelines.http.fetcher import fetch
from ocpdb_pipelines.sources.base import NotModified, PayloadError, SourceContext
from ocpdb_pipelines.sources.datex2 import family
from ocpdb_pipelines.sources.datex2.wire import fetch_realtime, fetch_static
from ocpdb_pipelines.store.fetch_state import FetchState
from tests.fixtures_dir import fixture_bytes
from tests.sources.live_sources_helpers import next_state, server_context


@dataclass
class Mobilithek:
    """Scripted answers, one per request: (status, Last-Modified or None, body)."""

    answers: list[tuple[int, str | None, bytes]] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    url: str = ''


@dataclass
class Certificates:
    ca_file: str
    cert: str
    key: str


@pytest.fixture(scope='module')
def certificates(tmp_path_factory) -> tuple[trustme.CA, Certificates]:
    ca = trustme.CA()
    directory = tmp_path_factory.mktemp('mtls')
    client = ca.issue_cert('ocpdb-client@example.org')
    ca.cert_pem.write_to_path(str(directory / 'ca.pem'))
    client.cert_chain_pems[0].write_to_path(str(directory / 'client.pem'))
    client.private_key_pem.write_to_path(str(directory / 'client.key'))
    return ca, Certificates(str(directory / 'ca.pem'), str(directory / 'client.pem'), str(directory / 'client.key'))


@pytest.fixture
def server(certificates) -> Iterator[Mobilithek]:
    ca, _ = certificates
    state = Mobilithek()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            peer = self.connection.getpeercert()
            state.requests.append(
                {
                    'query': parse_qs(urlparse(self.path).query),
                    'if_modified_since': self.headers.get('If-Modified-Since'),
                    'client': dict(item[0] for item in peer['subject']) if peer else None,
                }
            )
            status, last_modified, body = state.answers.pop(0)
            self.send_response(status)
            if last_modified:
                self.send_header('Last-Modified', last_modified)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert('127.0.0.1', 'localhost').configure_cert(context)
    ca.configure_trust(context)
    context.verify_mode = ssl.CERT_REQUIRED  # no client certificate, no connection
    httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    state.url = f'https://127.0.0.1:{httpd.server_address[1]}/mobilithek/api/v1.0/subscription'
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


def _context(server: Mobilithek, certs: Certificates, tmp_path: Path, **config) -> SourceContext:
    settings = load_settings(
        config_file=os.devnull,
        environ={
            'OCPDB_ARCHIVE__DIR': str(tmp_path / 'raw'),
            'OCPDB_MOBILITHEK__CA_FILE': certs.ca_file,
            'OCPDB_HTTP__RETRIES': '0',
        },
    )
    values = {
        'url': server.url,
        'static_subscription_id': '12345',
        'realtime_subscription_id': '67890',
        'mobilithek_cert_path': certs.cert,
        'mobilithek_key_path': certs.key,
        **config,
    }
    return server_context('datex2_enbw', settings, values)


def test_static_pull_over_mtls(server, certificates, tmp_path):
    _, certs = certificates
    server.answers = [(200, 'Thu, 19 Mar 2026 00:00:00 GMT', fixture_bytes('datex2', 'enbw_static.json'))]
    ctx = _context(server, certs, tmp_path)
    result = fetch(ctx.settings, ctx.spec, ctx.config, family.FAMILY, 'static', fetch_static, previous=FetchState())
    pages = result.pages
    [request] = server.requests
    assert request['query'] == {'subscriptionID': ['12345']}
    assert request['if_modified_since'] is None
    assert request['client']  # the server saw (and verified) our client certificate
    batch = family.parse_static(ctx, pages)
    assert len(batch.locations) == 10
    assert batch.source_timestamp == datetime(2026, 3, 19, tzinfo=UTC)
    # archived before parsing, as one snapshot with its HTTP metadata
    snapshot = read_snapshot(tmp_path / 'raw' / 'datex2_enbw' / 'static' / result.snapshot.id)
    assert [p.body for p in snapshot.pages] == [p.body for p in pages]
    assert snapshot.manifest['pages'][0]['headers']['last-modified'] == 'Thu, 19 Mar 2026 00:00:00 GMT'
    assert snapshot.manifest['complete']
    assert snapshot.manifest['content_hash'] == result.content_hash


def test_static_without_last_modified_uses_now(server, certificates, tmp_path):
    _, certs = certificates
    server.answers = [(200, None, fixture_bytes('datex2', 'enbw_static.json'))]
    ctx = _context(server, certs, tmp_path)
    before = datetime.now(UTC)
    batch = family.parse_static(ctx, fetch_static(ctx))
    assert batch.source_timestamp >= before


def test_connection_without_client_certificate_is_refused(server, certificates, tmp_path):
    _, certs = certificates
    server.answers = [(200, None, b'{}')]
    ctx = _context(server, certs, tmp_path)

    trust = ssl.create_default_context(cafile=certs.ca_file)
    with SourceHttpClient('datex2_enbw', retries=0, verify=trust) as client:
        ctx.http.client = client
        with pytest.raises(httpx.TransportError):
            fetch_static(ctx)
    assert server.requests == []


def test_realtime_if_modified_since_loop(server, certificates, tmp_path):
    _, certs = certificates
    body = fixture_bytes('datex2', 'enbw_realtime.json')
    server.answers = [
        (200, 'Tue, 11 Aug 2026 11:00:00 GMT', body),
        (200, 'Tue, 11 Aug 2026 12:00:00 GMT', body),
        (200, 'Tue, 11 Aug 2026 12:00:00 GMT', body),
    ]
    ctx = _context(server, certs, tmp_path)
    before = datetime.now(UTC).replace(microsecond=0)
    pages = fetch_realtime(ctx)
    assert len(pages) == 3
    sent = [r['if_modified_since'] for r in server.requests]
    first = parsedate_to_datetime(sent[0])
    assert before - timedelta(hours=1, seconds=5) <= first <= before - timedelta(hours=1) + timedelta(seconds=5)
    assert sent[1:] == ['Tue, 11 Aug 2026 11:00:00 GMT', 'Tue, 11 Aug 2026 12:00:00 GMT']
    assert {r['query']['subscriptionID'][0] for r in server.requests} == {'67890'}
    assert next_state(ctx)['cursor'] == 'Tue, 11 Aug 2026 12:00:00 GMT'
    batch = family.parse_realtime(ctx, pages)
    assert len(batch.updates) == 11
    assert batch.source_timestamp == datetime(2026, 8, 11, 12, tzinfo=UTC)


def test_realtime_starts_from_stored_last_modified(server, certificates, tmp_path):
    _, certs = certificates
    body = fixture_bytes('datex2', 'enbw_realtime.json')
    server.answers = [(200, 'Tue, 11 Aug 2026 10:00:00 GMT', body)]
    ctx = _context(server, certs, tmp_path)
    ctx.http.previous = FetchState(cursor='Tue, 11 Aug 2026 10:00:00 GMT')
    assert len(fetch_realtime(ctx)) == 1  # unchanged Last-Modified: one request, still applied
    assert server.requests[0]['if_modified_since'] == 'Tue, 11 Aug 2026 10:00:00 GMT'


def test_realtime_missing_last_modified_fails(server, certificates, tmp_path):
    _, certs = certificates
    body = fixture_bytes('datex2', 'enbw_realtime.json')
    server.answers = [(200, 'Tue, 11 Aug 2026 11:00:00 GMT', body), (200, None, body)]
    ctx = _context(server, certs, tmp_path)
    with pytest.raises(PayloadError, match='Last-Modified'):
        fetch(ctx.settings, ctx.spec, ctx.config, family.FAMILY, 'realtime', fetch_realtime, previous=FetchState())
    # the half-done fetch is kept for inspection, marked incomplete: it is never replayed
    [directory] = (tmp_path / 'raw' / 'datex2_enbw' / 'realtime').iterdir()
    assert read_snapshot(directory, with_pages=False).manifest['complete'] is False
    with pytest.raises(SnapshotError, match='incomplete'):
        read_snapshot(directory)


def test_realtime_304_first_is_not_modified(server, certificates, tmp_path):
    _, certs = certificates
    server.answers = [(304, None, b'')]
    with pytest.raises(NotModified):
        fetch_realtime(_context(server, certs, tmp_path))


def test_missing_subscription_or_certificate_is_a_config_error(server, certificates, tmp_path):
    _, certs = certificates
    with pytest.raises(ConfigError, match='static_subscription_id'):
        fetch_static(_context(server, certs, tmp_path, static_subscription_id=None))
    with pytest.raises(ConfigError, match='mobilithek_cert_path'):
        fetch_static(_context(server, certs, tmp_path, mobilithek_cert_path=None))

"""The source HTTP client: retries with backoff, raw archive, errors; mocked only at the transport."""

from __future__ import annotations

import httpx
import pytest

from ocpdb_pipelines.http.archive import RawArchive, read_meta
from ocpdb_pipelines.http.client import HttpStatusError, SourceHttpClient


def client(handler, tmp_path, retries=2) -> SourceHttpClient:
    return SourceHttpClient(
        'bnetza_api',
        archive=RawArchive(tmp_path, retention_days=1, max_files_per_source=3),
        retries=retries,
        backoff=0.01,
        transport=httpx.MockTransport(handler),
    )


def test_retries_server_errors_then_succeeds(tmp_path):
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(503 if len(calls) < 3 else 200, content=b'{"ok": true}')

    page = client(handler, tmp_path).get('https://example.test/data')
    assert page.body == b'{"ok": true}'
    assert len(calls) == 3


def test_gives_up_after_retries(tmp_path):
    with pytest.raises(HttpStatusError, match='500'):
        client(lambda r: httpx.Response(500, content=b'boom'), tmp_path).get('https://example.test/data')


def test_client_errors_are_not_retried(tmp_path):
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(401)

    with pytest.raises(HttpStatusError, match='401'):
        client(handler, tmp_path).get('https://example.test/data')
    assert len(calls) == 1


def test_transport_errors_are_retried_then_raised(tmp_path):
    def handler(request):
        raise httpx.ConnectTimeout('timed out', request=request)

    with pytest.raises(httpx.ConnectTimeout):
        client(handler, tmp_path, retries=1).get('https://example.test/data')


def test_every_body_is_archived_with_metadata_and_bounded(tmp_path):
    http = client(lambda r: httpx.Response(200, content=b'payload', headers={'ETag': '"v1"'}), tmp_path)
    for _ in range(5):
        http.get('https://example.test/data')
    bodies = sorted((tmp_path / 'bnetza_api').glob('*.body'))
    assert len(bodies) == 3
    assert bodies[-1].read_bytes() == b'payload'
    meta = read_meta(bodies[-1])
    assert meta['url'] == 'https://example.test/data'
    assert meta['headers']['etag'] == '"v1"'

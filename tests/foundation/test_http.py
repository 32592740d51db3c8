"""The source HTTP client: retries (stamina) with backoff, Retry-After, budget, errors; mocked only at the transport."""

from __future__ import annotations

import httpx
import pytest

from ocpdb_pipelines.http.archive import safe_url
from ocpdb_pipelines.http.budget import Budget
from ocpdb_pipelines.http.client import HttpStatusError, SourceHttpClient
from ocpdb_pipelines.http.errors import FetchBudgetExceeded


def client(handler, tmp_path, retries=2, budget=None) -> SourceHttpClient:
    return SourceHttpClient(
        'bnetza_api', retries=retries, backoff=0.01, transport=httpx.MockTransport(handler), budget=budget
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


def test_retry_after_is_honoured_within_the_budget(tmp_path):
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(429, headers={'Retry-After': '30'}) if len(calls) == 1 else httpx.Response(200)

    # a 30 s Retry-After does not fit a 2 s budget: no retry, the 429 stands
    with pytest.raises(HttpStatusError, match='429'):
        client(handler, tmp_path, budget=Budget('bnetza_api', 2.0)).get('https://example.test/data')
    assert len(calls) == 1


def test_a_spent_budget_raises_fetch_budget_exceeded(tmp_path):
    budget = Budget('bnetza_api', 0.0)
    with pytest.raises(FetchBudgetExceeded, match='bnetza_api'):
        client(lambda r: httpx.Response(200), tmp_path, budget=budget).get('https://example.test/data')


def test_credentials_in_query_strings_are_masked_for_the_archive():
    assert (
        safe_url('https://x.test/a?api_key=abc&limit=10&token=t')
        == 'https://x.test/a?api_key=%2A%2A%2A&limit=10&token=%2A%2A%2A'
    )
    assert safe_url('https://x.test/a') == 'https://x.test/a'


def test_replay_accepts_a_relative_path(tmp_path, monkeypatch) -> None:
    """`ocpdb import static <uid> --from-file relative.json` (the README's own form) replays the file."""
    from ocpdb_pipelines.imports import replay_pages_from_file

    (tmp_path / 'payload.json').write_bytes(b'{}')
    monkeypatch.chdir(tmp_path)
    pages = replay_pages_from_file('payload.json')
    assert [page.body for page in pages] == [b'{}']
    assert pages[0].url == (tmp_path / 'payload.json').as_uri()


def test_a_ca_file_is_taken_through_an_ssl_context_without_a_deprecation(tmp_path):
    """`mobilithek.ca_file` reaches every source client as a path (the demo sets it): httpx 0.28 deprecates
    `verify=<str>`, so the client turns it into an SSL context, also without a client certificate."""
    import warnings

    from ocpdb_pipelines.cli.demo_mobilithek import CA, make_certificates

    if not make_certificates(tmp_path):
        pytest.skip('openssl not installed')
    with warnings.catch_warnings():
        warnings.simplefilter('error', DeprecationWarning)
        SourceHttpClient('opendata_swiss', verify=str(tmp_path / f'{CA}.crt')).close()

"""The HTTP client every source fetch uses.

Retries transport errors, 429 and 5xx with exponential backoff; any other non-2xx raises
`HttpStatusError` at once. An optional overall budget bounds every timeout, retry and backoff of the
client's lifetime together (`FetchBudgetExceeded` once it is spent). Every received body goes to the
raw archive before anyone parses it.
Tests mock HTTP only here, at the transport (`httpx.MockTransport`).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx

from ocpdb_pipelines.http.archive import RawArchive
from ocpdb_pipelines.http.errors import FetchBudgetExceeded
from ocpdb_pipelines.sources.base import Page

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class HttpStatusError(RuntimeError):
    def __init__(self, url: str, status_code: int, body: bytes = b''):
        self.url = url
        self.status_code = status_code
        self.body = body
        super().__init__(f'{url} answered HTTP {status_code}')


class SourceHttpClient:
    """HTTP for one source run: timeouts, retries with backoff, mTLS, raw archive."""

    def __init__(
        self,
        uid: str,
        *,
        archive: RawArchive | None = None,
        timeout: float = 120.0,
        retries: int = 3,
        backoff: float = 1.0,
        transport: httpx.BaseTransport | None = None,
        cert: tuple[str, str] | None = None,
        verify: Any = True,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        budget_seconds: float | None = None,
    ):
        self.uid = uid
        self.timeout = timeout
        self.budget_seconds = budget_seconds
        self._deadline = time.monotonic() + budget_seconds if budget_seconds is not None else None
        self.archive = archive
        self.retries = retries
        self.backoff = backoff
        kwargs: dict[str, Any] = {
            'timeout': httpx.Timeout(timeout, connect=min(timeout, 30.0)),
            'headers': {'User-Agent': 'OCPDB (+https://github.com/ocpdb)', **(headers or {})},
            'follow_redirects': True,
            'auth': auth,
        }
        if transport is not None:
            kwargs['transport'] = transport
        else:
            # httpx >= 0.28 takes client certificates through an SSL context
            kwargs['verify'] = _ssl_context(verify, cert) if cert else verify
        self._client = httpx.Client(**kwargs)
        self.requests_made = 0

    def __enter__(self) -> SourceHttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        kind: str = 'static',
        ok_status: frozenset[int] = frozenset(),
        **kwargs: Any,
    ) -> Page:
        """Send with retries; archive the body; raise HttpStatusError on a non-2xx answer."""
        attempt = 0
        while True:
            attempt += 1
            remaining = self._remaining(f'before request {attempt} to {url}')
            if remaining is not None:
                kwargs['timeout'] = httpx.Timeout(min(self.timeout, remaining), connect=min(30.0, remaining))
            try:
                self.requests_made += 1
                response = self._client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                self._remaining(f'{type(exc).__name__} from {url}')  # a timeout the budget shortened
                if attempt > self.retries or not self._sleep(attempt):
                    raise
                continue
            retry_after = response.headers.get('Retry-After')
            if response.status_code in RETRY_STATUS and attempt <= self.retries and self._sleep(attempt, retry_after):
                continue
            break
        body = response.content
        headers = {k.lower(): v for k, v in response.headers.items()}
        if self.archive is not None and body:
            self.archive.write(
                self.uid,
                kind,
                body,
                url=str(response.request.url),
                status_code=response.status_code,
                headers=headers,
                method=method,
            )
        if not (200 <= response.status_code < 300) and response.status_code not in ok_status:
            raise HttpStatusError(str(response.request.url), response.status_code, body[:2000])
        return Page(
            body=body,
            url=str(response.request.url),
            status_code=response.status_code,
            headers=headers,
            fetched_at=datetime.now(UTC),
        )

    def get(self, url: str, **kwargs: Any) -> Page:
        return self.request('GET', url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Page:
        return self.request('POST', url, **kwargs)

    def _remaining(self, detail: str) -> float | None:
        """Seconds left of the budget (None: no budget); raises once it is spent."""
        if self._deadline is None:
            return None
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise FetchBudgetExceeded(self.uid, self.budget_seconds or 0.0, detail)
        return remaining

    def _sleep(self, attempt: int, retry_after: str | None = None) -> bool:
        """Back off before the next attempt; False when the budget has no room for it (the caller
        then reports the last error itself, which says more than 'out of time')."""
        delay = self.backoff * 2 ** (attempt - 1)
        if retry_after and retry_after.isdigit():
            delay = max(delay, min(float(retry_after), 60.0))
        if self._deadline is not None and time.monotonic() + delay >= self._deadline:
            return False
        time.sleep(delay)
        return True


def _ssl_context(verify: Any, cert: tuple[str, str]) -> Any:
    import ssl

    if isinstance(verify, ssl.SSLContext):
        context = verify
    elif isinstance(verify, str):
        context = ssl.create_default_context(cafile=verify)
    else:
        context = ssl.create_default_context()
        if verify is False:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    context.load_cert_chain(certfile=cert[0], keyfile=cert[1])
    return context

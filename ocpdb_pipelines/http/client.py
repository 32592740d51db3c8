"""The HTTP client under every source fetch (and the image download): timeouts, retries, mTLS, budget.

Retries of transport errors, 429 and 5xx use stamina (jittered exponential backoff, a bound on
attempts and on total time, `Retry-After` honoured through its backoff hook); any other non-2xx
raises `HttpStatusError` at once. An optional `Budget` bounds every timeout, retry and backoff
together: `FetchBudgetExceeded` once it is spent. Tests mock HTTP only here, at the transport.
"""

from __future__ import annotations

import ssl
from datetime import UTC, datetime
from typing import Any

import httpx
import stamina

from ocpdb_pipelines.http.budget import Budget
from ocpdb_pipelines.http.errors import FetchBudgetExceeded, HttpStatusError
from ocpdb_pipelines.sources.base import Page

__all__ = ['RETRY_STATUS', 'HttpStatusError', 'SourceHttpClient']

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response, body: bytes):
        self.response = response
        self.body = body


class SourceHttpClient:
    """One httpx client for one source run."""

    def __init__(
        self,
        uid: str,
        *,
        timeout: float = 120.0,
        retries: int = 3,
        backoff: float = 1.0,
        transport: httpx.BaseTransport | None = None,
        cert: tuple[str, str] | None = None,
        verify: Any = True,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        budget: Budget | None = None,
    ):
        self.uid = uid
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.budget = budget
        kwargs: dict[str, Any] = {
            'timeout': httpx.Timeout(timeout, connect=min(timeout, 30.0)),
            'headers': {'User-Agent': 'OCPDB (+https://github.com/ocpdb)', **(headers or {})},
            'follow_redirects': True,
            'auth': auth,
        }
        if transport is not None:
            kwargs['transport'] = transport
        else:
            # httpx >= 0.28 takes client certificates and a CA file through an SSL context
            kwargs['verify'] = _ssl_context(verify, cert) if cert or isinstance(verify, str) else verify
        self._client = httpx.Client(**kwargs)
        self.requests_made = 0

    def __enter__(self) -> SourceHttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, url: str, *, ok_status: frozenset[int] = frozenset(), **kwargs: Any) -> Page:
        """Send with retries; raise HttpStatusError on a non-2xx answer not in `ok_status`."""
        requested_at = datetime.now(UTC)
        try:
            response, body = self._send_with_retries(method, url, kwargs)
        except _RetryableStatus as exc:  # retries used up: the last answer stands
            response, body = exc.response, exc.body
        except httpx.TransportError as exc:
            if self.budget is not None and self.budget.left() <= 0:
                where = 'while reading the answer of' if self.budget.answered else 'no answer from'
                raise FetchBudgetExceeded(
                    self.uid, self.budget.seconds, f'{type(exc).__name__} {where} {url}', answered=self.budget.answered
                ) from exc
            raise
        if not (200 <= response.status_code < 300) and response.status_code not in ok_status:
            raise HttpStatusError(str(response.request.url), response.status_code, body[:2000])
        return Page(
            body=body,
            url=str(response.request.url),
            status_code=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            fetched_at=datetime.now(UTC),
            requested_at=requested_at,
            method=method,
        )

    def get(self, url: str, **kwargs: Any) -> Page:
        return self.request('GET', url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Page:
        return self.request('POST', url, **kwargs)

    def _send_with_retries(self, method: str, url: str, kwargs: dict[str, Any]) -> tuple[httpx.Response, bytes]:
        retrying = stamina.retry_context(
            on=self._backoff_hint,
            attempts=self.retries + 1,
            timeout=self.budget.left() if self.budget is not None else None,
            wait_initial=self.backoff,
            wait_max=max(self.backoff, 30.0),
            wait_jitter=self.backoff,
        )
        for attempt in retrying:
            with attempt:
                if self.budget is not None:
                    left = self.budget.remaining(f'before attempt {attempt.num} to {url}')
                    kwargs['timeout'] = httpx.Timeout(min(self.timeout, left), connect=min(30.0, left))
                self.requests_made += 1
                with self._client.stream(method, url, **kwargs) as response:
                    if self.budget is not None:
                        self.budget.answered = True
                    body = self._read(response, url)
                if response.status_code in RETRY_STATUS:
                    raise _RetryableStatus(response, body)
                return response, body
        raise AssertionError('unreachable: stamina raises the last error when attempts run out')

    def _read(self, response: httpx.Response, url: str) -> bytes:
        """The body; within a budget, read piece by piece to its deadline: a read timeout bounds each
        piece only, so an answer trickling in would otherwise hold the fetch (a sensor tick) for minutes."""
        if self.budget is None:
            return response.read()
        pieces = []
        for piece in response.iter_bytes():
            pieces.append(piece)
            if self.budget.left() <= 0:
                detail = f'reading the answer of {url} ({sum(map(len, pieces))} bytes so far)'
                raise FetchBudgetExceeded(self.uid, self.budget.seconds, detail, answered=True)
        return b''.join(pieces)

    def _backoff_hint(self, exc: Exception) -> bool | float:
        """Retry transport errors and retryable statuses; wait what Retry-After asks (bounded), in the budget."""
        if not isinstance(exc, httpx.TransportError | _RetryableStatus):
            return False
        if self.budget is not None and self.budget.left() <= self.backoff:
            return False
        if isinstance(exc, _RetryableStatus):
            retry_after = exc.response.headers.get('Retry-After', '')
            if retry_after.isdigit():
                wait = min(float(retry_after), MAX_RETRY_AFTER)
                if self.budget is not None and wait >= self.budget.left():
                    return False
                return max(wait, self.backoff)
        return True


def _ssl_context(verify: Any, cert: tuple[str, str] | None) -> Any:
    if isinstance(verify, ssl.SSLContext):
        context = verify
    elif isinstance(verify, str):
        context = ssl.create_default_context(cafile=verify)
    else:
        context = ssl.create_default_context()
        if verify is False:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    if cert:
        context.load_cert_chain(certfile=cert[0], keyfile=cert[1])
    return context

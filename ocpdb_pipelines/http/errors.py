"""Errors of source HTTP that callers tell apart."""

from __future__ import annotations


class FetchBudgetExceeded(TimeoutError):
    """The fetch did not finish within its overall time budget (all requests, retries and backoff together).

    A sensor tick pulls with a budget well inside Dagster's 60 s sensor evaluation limit; a fetch that needs
    longer belongs in a run. `answered`: the upstream answered but the answer did not arrive in time (a
    large source: a run can take it); false when it never answered (a run would only wait as long).
    """

    def __init__(self, uid: str, budget_seconds: float, detail: str = '', *, answered: bool = False):
        self.uid = uid
        self.budget_seconds = budget_seconds
        self.detail = detail
        self.answered = answered
        message = f'fetch of {uid} exceeded its budget of {budget_seconds:g} s'
        super().__init__(f'{message}: {detail}' if detail else message)


class HttpStatusError(RuntimeError):
    """The upstream answered with a status the fetch cannot use (after retries, for retryable ones)."""

    def __init__(self, url: str, status_code: int, body: bytes = b''):
        self.url = url
        self.status_code = status_code
        self.body = body
        super().__init__(f'{url} answered HTTP {status_code}')

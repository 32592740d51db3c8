"""Errors of source HTTP that callers tell apart."""

from __future__ import annotations


class FetchBudgetExceeded(TimeoutError):
    """The fetch did not finish within its overall time budget (all requests, retries and backoff together).

    A sensor tick pulls with a budget well inside Dagster's 60 s sensor evaluation limit; a fetch that needs
    longer belongs in a run.
    """

    def __init__(self, uid: str, budget_seconds: float, detail: str = ''):
        self.uid = uid
        self.budget_seconds = budget_seconds
        self.detail = detail
        message = f'fetch of {uid} exceeded its budget of {budget_seconds:g} s'
        super().__init__(f'{message}: {detail}' if detail else message)

"""An overall deadline for one fetch: every request timeout, retry and backoff fits inside it."""

from __future__ import annotations

import time

from ocpdb_pipelines.http.errors import FetchBudgetExceeded


class Budget:
    """Seconds left until a fixed deadline; `remaining()` raises FetchBudgetExceeded once it is spent."""

    def __init__(self, uid: str, seconds: float):
        self.uid = uid
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        # the upstream answered within this budget (a slow or large source, not a dead one): see FetchBudgetExceeded
        self.answered = False

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def remaining(self, detail: str = '') -> float:
        left = self.left()
        if left <= 0:
            raise FetchBudgetExceeded(self.uid, self.seconds, detail, answered=self.answered)
        return left

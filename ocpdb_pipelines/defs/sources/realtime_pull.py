"""One realtime pull inside a sensor tick, and what the tick records about it.

The tick never raises for an upstream problem: a failed pull (HTTP error status, refused connection,
timeout, unparsable payload, spent budget) becomes a failed `realtime_pull_ok` check evaluation on
`source/<uid>/realtime` with the error and the upstream status, logged in the tick. `realtime_pull_ok`
is its own check, apart from `realtime_fresh`: one 503 does not make the stored statuses old (fresh is
about data age, judged by the freshness policy too), but the engineer must see at once that the
upstream stopped answering. A source that keeps failing is pulled less often (backoff in the cursor),
so a hanging upstream costs one bounded tick per backoff window, not a sensor worker every minute.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import dagster as dg
import httpx

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.db.locks import SourceBusy, source_apply_lock
from ocpdb_pipelines.defs.sources.keys import realtime_key
from ocpdb_pipelines.http.client import HttpStatusError
from ocpdb_pipelines.http.errors import FetchBudgetExceeded
from ocpdb_pipelines.imports import ImportReport, run_realtime
from ocpdb_pipelines.sources.registry import SourceSpec

PULL_CHECK = 'realtime_pull_ok'
MAX_BACKOFF_SECONDS = 900


@dataclass
class TickState:
    """What a source sensor remembers between ticks (its cursor)."""

    fresh: bool | None = None
    pull_ok: bool | None = None
    failures: int = 0
    retry_at: float = 0.0

    @classmethod
    def from_cursor(cls, cursor: str | None) -> TickState:
        try:
            data = json.loads(cursor or '')
            return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        except (ValueError, TypeError, AttributeError):
            return cls()

    def to_cursor(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def backoff_seconds(self, interval_seconds: int) -> float:
        """0 after the first failure, then 1, 3, 7 ... intervals, at most MAX_BACKOFF_SECONDS."""
        return min(interval_seconds * (2 ** max(self.failures - 1, 0) - 1), MAX_BACKOFF_SECONDS)


@dataclass
class PullOutcome:
    report: ImportReport | None = None
    error: BaseException | None = None
    busy: str = ''
    backing_off: str = ''

    @property
    def failed(self) -> bool:
        return self.error is not None


def error_metadata(error: BaseException) -> dict[str, object]:
    """The error, its type and the upstream's HTTP status where one answered."""
    status: int | None = None
    url: str | None = None
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, HttpStatusError):
            status, url = cause.status_code, cause.url
            break
        if isinstance(cause, httpx.RequestError) and url is None:
            with contextlib.suppress(RuntimeError):  # an error raised before a request existed
                url = str(cause.request.url)
        cause = cause.__cause__ or cause.__context__
    metadata: dict[str, object] = {
        'error': str(error)[:2000] or type(error).__name__,
        'error_type': type(error).__name__,
        'upstream_status': status if status is not None else -1,
    }
    if url:
        metadata['url'] = url
    if isinstance(error, FetchBudgetExceeded):
        metadata['budget_seconds'] = error.budget_seconds
    return metadata


def pull(
    settings: Settings, spec: SourceSpec, state: TickState, interval_seconds: int, log: dg.DagsterLogManager
) -> PullOutcome:
    """Pull and apply live statuses within the tick budget, under the source's apply lock."""
    now = time.time()
    if state.retry_at > now:
        until = datetime.fromtimestamp(state.retry_at, UTC).isoformat(timespec='seconds')
        return PullOutcome(backing_off=f'{state.failures} failed pulls in a row: next try after {until}')
    try:
        with source_apply_lock(settings.database.url.get_secret_value(), spec.uid):
            report = run_realtime(settings, spec.uid, budget_seconds=settings.http.realtime_tick_budget_seconds)
    except SourceBusy as exc:
        log.info(str(exc))
        return PullOutcome(busy=str(exc))
    except Exception as exc:  # every upstream or payload problem: recorded on the asset, the tick goes on
        state.failures += 1
        state.retry_at = now + state.backoff_seconds(interval_seconds)
        log.error(f'{spec.uid}: realtime pull failed ({type(exc).__name__}): {exc}')
        return PullOutcome(error=exc)
    state.failures = 0
    state.retry_at = 0.0
    return PullOutcome(report=report)


def pull_check(spec: SourceSpec, outcome: PullOutcome, state: TickState) -> dg.AssetCheckEvaluation | None:
    """The `realtime_pull_ok` evaluation to record this tick: every failure, and a pass when the pull
    recovered or data arrived (not on every quiet tick)."""
    if outcome.failed:
        assert outcome.error is not None
        metadata = {
            **error_metadata(outcome.error),
            'consecutive_failures': state.failures,
            'next_try_after': datetime.fromtimestamp(max(state.retry_at, time.time()), UTC).isoformat(
                timespec='seconds'
            ),
        }
        state.pull_ok = False
        return dg.AssetCheckEvaluation(
            asset_key=realtime_key(spec),
            check_name=PULL_CHECK,
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=metadata,
        )
    report = outcome.report
    if report is None or report.outcome == 'skipped':
        return None
    if state.pull_ok is True and report.outcome != 'applied':
        return None
    state.pull_ok = True
    return dg.AssetCheckEvaluation(
        asset_key=realtime_key(spec),
        check_name=PULL_CHECK,
        passed=True,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={'outcome': report.outcome, 'duration_seconds': round(report.duration_seconds, 3)},
    )

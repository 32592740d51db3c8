"""Apply landed realtime payloads (DATEX II push) of one source, in arrival order.

The sensor calls `apply_pending_realtime` every tick; the DATEX receiver calls `apply_landed_now`
for a small delta it has just landed. Both hold the source's landing lock, so a payload is never
applied by both, and a payload is removed from the landing area only after its transaction committed.
The immediate apply leaves history retention and VACUUM to the sensor's runs (maintenance=False).
A payload that cannot be read is moved aside (rejected) so it does not block the queue; any other
failure stops the run and leaves that payload and the rest for the next tick.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.db.locks import landing_lock
from ocpdb_pipelines.imports import ImportReport, run_realtime
from ocpdb_pipelines.landing import Landed, LandingArea
from ocpdb_pipelines.push.kinds import REALTIME
from ocpdb_pipelines.push.quarantine import QuarantinePolicy, reject
from ocpdb_pipelines.sources.base import Page, PayloadError

logger = logging.getLogger(__name__)


@dataclass
class LandedRealtimeResult:
    uid: str
    reports: list[ImportReport] = field(default_factory=list)
    rejected: int = 0
    pending_left: int = 0
    failed: bool = False
    messages: list[str] = field(default_factory=list)


def landing_of(settings: Settings) -> LandingArea:
    return LandingArea(settings.path(settings.landing.dir))


def _apply(settings: Settings, uid: str, landed: Landed, *, maintenance: bool = True) -> ImportReport:
    return run_realtime(
        settings, uid, replay_pages=[Page(body=landed.body, url=landed.path.as_uri())], maintenance=maintenance
    )


def apply_pending_realtime(settings: Settings, uid: str) -> LandedRealtimeResult:
    result = LandedRealtimeResult(uid=uid)
    landing = landing_of(settings)
    if not landing.pending(uid, REALTIME):
        return result
    with landing_lock(settings.database.url.get_secret_value(), uid) as acquired:
        pending = landing.pending(uid, REALTIME)
        if not acquired:
            result.pending_left = len(pending)
            result.messages.append(f'push: another process is applying {uid} payloads')
            return result
        for index, landed in enumerate(pending):
            try:
                report = _apply(settings, uid, landed)
            except PayloadError as exc:
                reject(landing, uid, landed, REALTIME, str(exc), QuarantinePolicy.from_settings(settings))
                result.rejected += 1
                result.messages.append(f'push: rejected {landed.path.name}: {exc}')
                continue
            except Exception as exc:
                logger.exception('applying landed realtime payload %s of %s failed', landed.path.name, uid)
                result.failed = True
                result.pending_left = len(pending) - index
                result.messages.append(f'push: {landed.path.name} failed, kept for the next tick: {exc}')
                break
            if report.outcome != 'applied':
                result.pending_left = len(pending) - index
                result.messages.append(f'push: {report.message or report.outcome}; {result.pending_left} waiting')
                break
            landing.done(landed)
            result.reports.append(report)
    return result


def apply_landed_now(settings: Settings, uid: str, path: Path) -> bool:
    """Apply one just-landed payload at once, if nothing older is waiting and nobody else is applying.

    Returns whether it was applied; when not, it stays landed for the sensor (never an error).
    """
    landing = landing_of(settings)
    try:
        with landing_lock(settings.database.url.get_secret_value(), uid) as acquired:
            pending = landing.pending(uid, REALTIME)
            if not acquired or not pending or pending[0].path != path:
                return False
            # in the API process as ocpdb_ingest: statuses only; history retention and VACUUM are the sensor's
            report = _apply(settings, uid, pending[0], maintenance=False)
            if report.outcome != 'applied':
                return False
            landing.done(pending[0])
            return True
    except Exception:
        logger.exception('immediate apply of %s for %s failed; the sensor will retry it', path.name, uid)
        return False

"""The quarantine `<landing>/<uid>/rejected/`: landed payloads that can never be applied, bounded.

A rejected payload is taken off its queue (it must not block the ones behind it) and kept for a data
engineer to look at, but not forever and not whole when it is huge: a body above `keep_body_bytes` is
cut to its head (the metadata records the original size), entries older than the retention are
dropped, and the oldest go first when a source's quarantine exceeds `max_bytes`.
`summary()` is what the Dagster quarantine asset reports.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.landing import Landed, LandingArea
from ocpdb_pipelines.push.kinds import REJECTED

logger = logging.getLogger(__name__)
KEEP_BODY_BYTES = 1024 * 1024  # enough to see what a payload was


@dataclass(frozen=True)
class QuarantinePolicy:
    max_bytes: int = 64 * 1024 * 1024
    retention_seconds: float = 14 * 86400
    keep_body_bytes: int = KEEP_BODY_BYTES

    @classmethod
    def from_settings(cls, settings: Settings) -> QuarantinePolicy:
        return cls(
            max_bytes=settings.landing.rejected_max_bytes,
            retention_seconds=settings.landing.rejected_retention_days * 86400,
            keep_body_bytes=min(KEEP_BODY_BYTES, settings.landing.rejected_max_bytes),
        )


def reject(landing: LandingArea, uid: str, landed: Landed, kind: str, reason: str, policy: QuarantinePolicy) -> None:
    """Move a landed payload that can never be applied into the quarantine, then bound the quarantine."""
    size = landed.path.stat().st_size
    with open(landed.path, 'rb') as handle:  # never the whole of a huge body in memory
        body = handle.read(policy.keep_body_bytes)
    meta = {**landed.meta, 'rejected_from': kind, 'reason': reason[:500], 'original': landed.path.name}
    if size > policy.keep_body_bytes:
        meta.update(truncated=True, original_bytes=size)
    landing.write(uid, REJECTED, body, meta)
    landing.done(landed)
    logger.warning('rejected landed %s payload %s of %s: %s', kind, landed.path.name, uid, reason)
    prune(landing, uid, policy)


def _size(landed: Landed) -> int:
    try:
        return landed.path.stat().st_size + landed.meta_path.stat().st_size
    except FileNotFoundError:
        return 0


def prune(landing: LandingArea, uid: str, policy: QuarantinePolicy, now: float | None = None) -> int:
    """Drop quarantined payloads past the retention, then the oldest beyond `max_bytes`; returns how many."""
    now = time.time() if now is None else now
    entries = landing.pending(uid, REJECTED)  # oldest first
    removed = 0
    kept: list[Landed] = []
    for entry in entries:
        if now - entry.path.stat().st_mtime > policy.retention_seconds:
            landing.done(entry)
            removed += 1
        else:
            kept.append(entry)
    total = sum(map(_size, kept))
    for entry in kept:
        if total <= policy.max_bytes:
            break
        total -= _size(entry)
        landing.done(entry)
        removed += 1
    return removed


@dataclass(frozen=True)
class QuarantineSummary:
    uid: str
    count: int
    bytes: int
    oldest_age_seconds: float | None
    latest_reason: str | None
    latest_file: str | None


def summary(landing: LandingArea, now: float | None = None) -> list[QuarantineSummary]:
    """Per source with anything quarantined: how many, how much, how old, and the latest reason."""
    now = time.time() if now is None else now
    out = []
    if not landing.root.is_dir():
        return out
    for source_dir in sorted(p for p in landing.root.iterdir() if p.is_dir()):
        entries = landing.pending(source_dir.name, REJECTED)
        if not entries:
            continue
        latest = entries[-1]
        out.append(
            QuarantineSummary(
                uid=source_dir.name,
                count=len(entries),
                bytes=sum(map(_size, entries)),
                oldest_age_seconds=now - entries[0].path.stat().st_mtime,
                latest_reason=latest.meta.get('reason'),
                latest_file=latest.path.name,
            )
        )
    return out

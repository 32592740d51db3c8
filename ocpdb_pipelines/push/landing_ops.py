"""Small landing-area operations the appliers share."""

from __future__ import annotations

import logging

from ocpdb_pipelines.landing import Landed, LandingArea
from ocpdb_pipelines.push.kinds import REJECTED

logger = logging.getLogger(__name__)


def reject(landing: LandingArea, uid: str, landed: Landed, kind: str, reason: str) -> None:
    """A landed payload that can never be applied: keep a copy under `rejected/` and take it off the queue.

    It must not block the payloads behind it, and it must not vanish without a trace either.
    """
    meta = {**landed.meta, 'rejected_from': kind, 'reason': reason[:500], 'original': landed.path.name}
    landing.write(uid, REJECTED, landed.body, meta)
    landing.done(landed)
    logger.warning('rejected landed %s payload %s of %s: %s', kind, landed.path.name, uid, reason)

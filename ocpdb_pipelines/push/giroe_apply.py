"""Apply landed giro-e requests (PUT/DELETE location, PATCH connector) in arrival order.

PUT and DELETE are applied one request per transaction; a run of consecutive PATCHes shares one
transaction (statuses set-based, the later request wins). A landed file is removed only after its
transaction committed. A request that cannot be decoded any more is moved aside (rejected); any other
failure stops the run and leaves that request and everything after it for the next run, so the
order is kept and nothing is applied twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.db.connection import connect
from ocpdb_pipelines.db.locks import landing_lock
from ocpdb_pipelines.landing import Landed, LandingArea
from ocpdb_pipelines.model.updates import EvseRealtimeUpdate
from ocpdb_pipelines.push.giroe_requests import (
    DELETE_LOCATION,
    PATCH_CONNECTOR,
    PUT_LOCATION,
    ConnectorPatch,
    LocationPut,
    PushRequestError,
    parse_connector_patch,
    parse_location_put,
)
from ocpdb_pipelines.push.kinds import GIROE_UID, PUSH
from ocpdb_pipelines.push.quarantine import QuarantinePolicy, reject
from ocpdb_pipelines.quality.coordinates import screen_for
from ocpdb_pipelines.sources.registry import SourceSpec, get_spec
from ocpdb_pipelines.store.realtime import apply_realtime, touch_last_updated
from ocpdb_pipelines.store.static import apply_static, delete_locations

logger = logging.getLogger(__name__)
MAX_PATCHES_PER_TRANSACTION = 5000


@dataclass
class PushReport:
    uid: str
    applied: int = 0  # landed requests applied and removed
    rejected: int = 0
    pending_left: int = 0
    failed: bool = False
    counts: Counter = field(default_factory=Counter)
    operations: Counter = field(default_factory=Counter)
    messages: list[str] = field(default_factory=list)

    def metadata(self) -> dict[str, Any]:
        return {
            'requests_applied': self.applied,
            'requests_rejected': self.rejected,
            'requests_waiting': self.pending_left,
            **{f'requests_{op}': n for op, n in sorted(self.operations.items())},
            **dict(sorted(self.counts.items())),
        }


@dataclass(frozen=True)
class _Op:
    landed: Landed
    kind: str
    put: LocationPut | None = None
    patch: ConnectorPatch | None = None
    location_uid: str | None = None


def _decode(landed: Landed, secret: str) -> _Op:
    meta = landed.meta
    kind = meta.get('op')
    if kind == PUT_LOCATION:
        put = parse_location_put(int(meta['location_id']), landed.body, secret)
        return _Op(landed, kind, put=put, location_uid=put.location_uid)
    if kind == DELETE_LOCATION:
        return _Op(landed, kind, location_uid=str(meta['location_uid']))
    if kind == PATCH_CONNECTOR:
        return _Op(landed, kind, patch=parse_connector_patch(str(meta['evse_uid']), landed.body))
    raise PushRequestError(f'unknown landed operation {kind!r}')


def _groups(ops: list[_Op]) -> Iterator[list[_Op]]:
    """Consecutive PATCHes together (up to a bound), every other request alone."""
    group: list[_Op] = []
    for op in ops:
        if op.kind == PATCH_CONNECTOR and len(group) < MAX_PATCHES_PER_TRANSACTION:
            group.append(op)
            continue
        if group:
            yield group
            group = []
        if op.kind == PATCH_CONNECTOR:
            group.append(op)
        else:
            yield [op]
    if group:
        yield group


def _apply_location(conn: psycopg.Connection, spec: SourceSpec, op: _Op, counts: Counter) -> None:
    if op.put is not None and op.put.public:
        coordinates = screen_for(spec.country)  # the import flow's rule: implausible skipped, swaps fixed
        locations = list(coordinates.filter([op.put.location], []))
        counts.update(coordinates.metadata())
        if locations:
            result = apply_static(conn, spec, locations, snapshot=False)
            counts.update({k: v for k, v in result.as_metadata().items() if v})
        return
    # DELETE, or PUT with public: false (the predecessor created an unknown non-public location; we do not)
    counts['locations_deleted'] += delete_locations(conn, spec, [op.location_uid or ''])


def _apply_patches(conn: psycopg.Connection, spec: SourceSpec, patches: list[ConnectorPatch], counts: Counter) -> None:
    updates = [
        EvseRealtimeUpdate(uid=p.evse_uid, status=p.status, last_updated=p.modified, status_last_updated=p.modified)
        for p in patches
        if p.status is not None
    ]
    if updates:
        result = apply_realtime(conn, spec, updates)
        counts.update({k: v for k, v in result.as_metadata().items() if v})
    counts['evses_touched'] += touch_last_updated(conn, spec, [(p.evse_uid, p.modified) for p in patches])


def _apply_group(conn: psycopg.Connection, spec: SourceSpec, group: list[_Op], counts: Counter) -> None:
    with conn.transaction():
        if group[0].kind == PATCH_CONNECTOR:
            _apply_patches(conn, spec, [op.patch for op in group if op.patch is not None], counts)
        else:
            for op in group:
                _apply_location(conn, spec, op, counts)


def apply_pending_giroe(settings: Settings) -> PushReport:
    """Apply every landed giro-e request in arrival order (see the module docstring)."""
    report = PushReport(uid=GIROE_UID)
    landing = LandingArea(settings.path(settings.landing.dir))
    if not landing.pending(GIROE_UID, PUSH):
        return report
    spec = get_spec(GIROE_UID)
    with landing_lock(settings.database.url.get_secret_value(), GIROE_UID) as acquired:
        pending = landing.pending(GIROE_UID, PUSH)
        if not acquired:
            report.pending_left = len(pending)
            report.messages.append('push: another process is applying giroe requests')
            return report
        ops: list[_Op] = []
        for landed in pending:
            try:
                ops.append(_decode(landed, settings.giroe.object_id_secret.get_secret_value()))
            except (PushRequestError, KeyError, ValueError, TypeError) as exc:
                reason = f'cannot decode landed request: {exc}'
                reject(landing, GIROE_UID, landed, PUSH, reason, QuarantinePolicy.from_settings(settings))
                report.rejected += 1
        with connect(settings.database.url.get_secret_value()) as conn:
            for group in _groups(ops):
                try:
                    _apply_group(conn, spec, group, report.counts)
                except Exception as exc:
                    logger.exception('applying landed giro-e request %s failed', group[0].landed.path.name)
                    report.failed = True
                    report.pending_left = len(ops) - report.applied
                    report.messages.append(f'push: {group[0].landed.path.name} failed, kept for the next run: {exc}')
                    break
                for op in group:
                    landing.done(op.landed)
                    report.operations[op.kind] += 1
                report.applied += len(group)
    return report

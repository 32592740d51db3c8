"""Rebuild `evse_status_history` of one source for a time range from archived realtime snapshots.

For a data engineer who fixed a status mapping: every realtime snapshot fetched in [start, end) is
parsed again with today's parser, in fetch order; per EVSE, a history row is written where the
status differs from the one before it (the last recorded status before `start` seeds the sequence).
The source's history rows in the range are replaced in one transaction; live statuses (`evse`) are
left alone: the next realtime poll sets them. Snapshots whose fetch did not complete are skipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.db.connection import connect
from ocpdb_pipelines.http.archive import SnapshotError, read_snapshot, snapshot_time
from ocpdb_pipelines.http.fetcher import raw_archive
from ocpdb_pipelines.imports import source_config
from ocpdb_pipelines.memory import gc_paused
from ocpdb_pipelines.sources.base import SourceContext
from ocpdb_pipelines.sources.families import get_family
from ocpdb_pipelines.sources.registry import get_spec
from ocpdb_pipelines.store.history import replace_history

logger = logging.getLogger(__name__)


@dataclass
class HistoryRebuild:
    uid: str
    snapshots: int = 0
    statuses_read: int = 0
    rows_deleted: int = 0
    rows_written: int = 0
    skipped_snapshots: list[str] = field(default_factory=list)


def rebuild_status_history(settings: Settings, uid: str, start: datetime, end: datetime) -> HistoryRebuild:
    if start >= end:
        raise ValueError(f'empty range: {start.isoformat()} is not before {end.isoformat()}')
    spec = get_spec(uid)
    family = get_family(spec)
    if family.parse_realtime is None:
        raise NotImplementedError(f'source {uid} has no realtime parser')
    context = SourceContext(spec=spec, config=source_config(settings, spec, replay=True), settings=settings)
    archive = raw_archive(settings)
    report = HistoryRebuild(uid=uid)
    rows: list[tuple[datetime, str, str, datetime | None]] = []
    with gc_paused():
        for snapshot_id in archive.snapshot_ids(uid, 'realtime'):
            observed = snapshot_time(snapshot_id)
            if not start <= observed < end:
                continue
            try:
                snapshot = read_snapshot(archive.path(uid, 'realtime', snapshot_id))
            except SnapshotError as exc:
                report.skipped_snapshots.append(f'{snapshot_id}: {exc}')
                continue
            batch = family.parse_realtime(context, snapshot.pages)
            report.snapshots += 1
            for update in batch.updates:
                rows.append(
                    (observed, update.uid, update.status.value, update.status_last_updated or update.last_updated)
                )
    report.statuses_read = len(rows)
    with connect(settings.database.url.get_secret_value()) as conn, conn.transaction():
        report.rows_deleted, report.rows_written = replace_history(conn, uid, start, end, rows)
    logger.info(
        'rebuilt status history of %s from %s realtime snapshots: %s rows replaced by %s',
        uid,
        report.snapshots,
        report.rows_deleted,
        report.rows_written,
    )
    return report

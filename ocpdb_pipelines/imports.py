"""Running one import of one source: fetch (or replay) -> parse -> apply in one short transaction.

This is the plain-Python core the Dagster assets and the CLI both call. The order is the point:
the fetcher reads the fetch state on its own short connection and fetches with no database
connection open; parsing and flattening (everything CPU-bound) happen before the write transaction
opens, so a static import holds its locks only while it applies, and a realtime apply of the same
source never waits for a parse. A failure anywhere leaves the source's data untouched (the
transaction rolls back) and marks the source FAILED.

Change detection lives in the fetcher and the fetch state: a static payload whose content hash and
parser version equal the last applied one is `unchanged` and not applied again (`force` applies
it anyway); a realtime one is `not_modified`.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.db.connection import connect
from ocpdb_pipelines.http.archive import Snapshot, SnapshotError, content_hash, read_snapshot, snapshot_time
from ocpdb_pipelines.http.fetcher import FetchResult, applied_state, fetch, raw_archive
from ocpdb_pipelines.logs import LogMessageType, attributes, log_context
from ocpdb_pipelines.memory import gc_paused
from ocpdb_pipelines.model.enums import SourceStatus
from ocpdb_pipelines.model.updates import SkippedRecord
from ocpdb_pipelines.quality.coordinates import screen_for
from ocpdb_pipelines.sources.base import Family, NotModified, Page, SourceContext
from ocpdb_pipelines.sources.families import get_family
from ocpdb_pipelines.sources.options import SourceConfig, options_for, source_options
from ocpdb_pipelines.sources.registry import SourceSpec, get_spec
from ocpdb_pipelines.store import sources as source_store
from ocpdb_pipelines.store.fetch_state import FetchState, load_state, read_state, save_state, touch_state
from ocpdb_pipelines.store.history import HistoryPolicy
from ocpdb_pipelines.store.maintenance import maybe_vacuum_live_tables
from ocpdb_pipelines.store.realtime import apply_realtime
from ocpdb_pipelines.store.static import apply_static, flatten

logger = logging.getLogger(__name__)


# a partition key without an archived snapshot is a fresh fetch only while it is this new (a run may queue)
FRESH_KEY_WINDOW = timedelta(hours=6)


class SourceNotConfigured(RuntimeError):
    """The source is not switched on in config (or lacks keys) and no payload was given to replay."""


class OlderSnapshotError(RuntimeError):
    """Replaying this snapshot would step the source's data back in time; needs `allow_older`."""


@dataclass
class ImportReport:
    uid: str
    kind: str  # static | realtime
    outcome: str  # applied | unchanged | not_modified | skipped
    counts: dict[str, int] = field(default_factory=dict)
    skipped: list[SkippedRecord] = field(default_factory=list)
    pages: int = 0
    payload_bytes: int = 0
    duration_seconds: float = 0.0
    message: str = ''
    snapshot_id: str | None = None
    content_hash: str | None = None
    parser_version: str | None = None

    @property
    def skipped_reasons(self) -> dict[str, int]:
        return dict(Counter(_reason_class(s.reason) for s in self.skipped).most_common(20))

    def metadata(self) -> dict[str, Any]:
        metadata = {
            'outcome': self.outcome,
            **self.counts,
            'records_skipped': len(self.skipped),
            'skipped_reasons': self.skipped_reasons,
            'pages': self.pages,
            'payload_bytes': self.payload_bytes,
            'duration_seconds': round(self.duration_seconds, 3),
        }
        for key in ('snapshot_id', 'content_hash', 'parser_version'):
            if getattr(self, key):
                metadata[key] = getattr(self, key)
        return metadata


def _reason_class(reason: str) -> str:
    """Group reasons that differ only in the offending value, for the run's summary."""
    return reason.split(' {', 1)[0].split(" '", 1)[0].split(' "', 1)[0][:120]


def source_config(settings: Settings, spec: SourceSpec, *, replay: bool) -> SourceConfig:
    config = source_options(settings, spec.uid)
    if replay:
        return config or options_for(spec, {'enabled': False})
    if config is None or not config.enabled:
        keys = ', '.join(spec.required_config) or 'no keys'
        raise SourceNotConfigured(
            f'source {spec.uid} is not enabled: add sources.{spec.uid} to config.yaml (needs {keys}), '
            f'or replay a payload with --from-file'
        )
    missing = spec.missing_config(config)
    if missing:
        raise SourceNotConfigured(f'source {spec.uid} lacks config key(s) sources.{spec.uid}.{", ".join(missing)}')
    return config


def replay_pages_from_file(path: str | Path) -> list[Page]:
    """The pages to replay from a path: a snapshot directory (or a file in one: the whole snapshot,
    never one page of it) or a plain payload file (one page)."""
    file_path = Path(path)
    snapshot = snapshot_at(file_path)
    if snapshot is not None:
        return snapshot.pages
    if not file_path.is_file():
        raise FileNotFoundError(f'no payload file or snapshot directory at {file_path}')
    return [Page(body=file_path.read_bytes(), url=file_path.resolve().as_uri())]


def snapshot_at(path: str | Path) -> Snapshot | None:
    """The archived snapshot at (or containing) this path, or None for a path outside any snapshot."""
    candidate = Path(path)
    for directory in (candidate, candidate.parent):
        if (directory / 'manifest.json').is_file():
            return read_snapshot(directory)
    return None


def _archived_snapshot(settings: Settings, uid: str, snapshot_id: str) -> Snapshot | None:
    path = raw_archive(settings).path(uid, 'static', snapshot_id)
    return read_snapshot(path) if path.is_dir() else None


def run_static(
    settings: Settings,
    uid: str,
    *,
    replay_pages: list[Page] | None = None,
    replay_path: str | Path | None = None,
    snapshot_id: str | None = None,
    transport: httpx.BaseTransport | None = None,
    force: bool = False,
    allow_older: bool = False,
    origin: str = 'replay',
    budget_seconds: float | None = None,
) -> ImportReport:
    """Import a full static snapshot of one source; raises on a failed run (source marked FAILED).

    The payload is fetched fresh, or replayed: `replay_path` (a snapshot directory or a payload
    file), `replay_pages`, or `snapshot_id` naming an archived snapshot (a `snapshot_id` not in the
    archive yet is the id a fresh fetch, or a replayed payload file, is archived under: a new partition).
    A snapshot older than the last applied one is refused unless `allow_older`; an unchanged payload is
    skipped unless `force`.
    """
    spec = get_spec(uid)
    started = time.monotonic()
    with log_context(source=uid, initiator='static-import'):
        snapshot: Snapshot | None = None
        try:
            if replay_path is not None:
                snapshot = snapshot_at(replay_path)
                if snapshot is None and snapshot_id is not None:
                    # a payload file run under a partition key is archived under that key: a retry replays it
                    snapshot = _archived_snapshot(settings, uid, snapshot_id)
                if snapshot is None:
                    replay_pages = replay_pages_from_file(replay_path)
                    origin = f'file:{Path(replay_path).name}' if origin == 'replay' else origin
            elif snapshot_id is not None and replay_pages is None:
                snapshot = _archived_snapshot(settings, uid, snapshot_id)
                if snapshot is None and datetime.now(UTC) - _key_time(snapshot_id) > FRESH_KEY_WINDOW:
                    raise SourceNotConfigured(
                        f'snapshot {snapshot_id} of {uid} is not in the archive (its fetch failed, found the '
                        'payload unchanged, or it was pruned): there is nothing to replay'
                    )
        except SnapshotError as exc:
            raise SourceNotConfigured(str(exc)) from None
        replay = snapshot is not None or replay_pages is not None
        config = source_config(settings, spec, replay=replay)
        family = get_family(spec)
        if family.parse_static is None:
            raise NotImplementedError(f'source {uid}: family {family.name} has no static import')
        try:
            previous = load_state(settings.database.url.get_secret_value(), uid, 'static')
            if snapshot is not None:
                _refuse_older(spec, snapshot, previous, allow_older)
                fetched = _replayed(snapshot.pages, snapshot, family)
            elif replay_pages is not None:
                stored = raw_archive(settings).store(
                    uid,
                    'static',
                    replay_pages,
                    parser_version=family.parser_version,
                    origin=origin,
                    snapshot_id=snapshot_id,
                )
                fetched = _replayed(replay_pages, stored, family)
            else:
                if family.fetch_static is None:
                    raise NotImplementedError(f'source {uid}: family {family.name} cannot fetch static data')
                fetched = fetch(
                    settings,
                    spec,
                    config,
                    family,
                    'static',
                    family.fetch_static,
                    previous=previous,
                    transport=transport,
                    budget_seconds=budget_seconds,
                    # a forced or re-parsed import needs the body even if upstream did not change
                    use_validators=not force and previous.parser_version == family.parser_version,
                    snapshot_id=snapshot_id,
                )
        except NotModified as exc:
            touch_state(settings.database.url.get_secret_value(), uid, 'static')
            return _unchanged(uid, str(exc), started, previous, family)
        except Exception as exc:
            _mark_failed(settings, spec, static=True, realtime=spec.realtime_from_static)
            logger.error('static import of %s failed: %s', uid, exc, extra=attributes(LogMessageType.IMPORT_SOURCE))
            raise
        if (
            not force
            and fetched.content_hash == previous.content_hash
            and family.parser_version == previous.parser_version
        ):
            touch_state(settings.database.url.get_secret_value(), uid, 'static')
            digest = fetched.content_hash[:12]
            message = f'payload identical to the last applied one (sha256 {digest}…); --force applies it'
            _record_outcome(fetched.snapshot, 'unchanged', message)
            report = _unchanged(uid, message, started, previous, family)
            report.snapshot_id = fetched.snapshot.id if fetched.snapshot else None
            return report
        try:
            # implausible coordinates: skipped, swaps fixed (the grown outlines cached between processes)
            coordinates = screen_for(spec.country, settings.boundary_cache_dir())
            context = SourceContext(spec=spec, config=config, settings=settings, coordinates=coordinates)
            with gc_paused():
                batch = family.parse_static(context, fetched.pages)
                if batch.tabular is not None:
                    staged = batch.tabular.staged(coordinates, batch.skipped)
                else:
                    batch.locations = coordinates.filter(batch.locations, batch.skipped)
                    staged = flatten(batch.locations)
                # the write transaction opens only now: locks are held for the apply alone
                with connect(settings.database.url.get_secret_value()) as conn, conn.transaction():
                    result = apply_static(
                        conn,
                        spec,
                        staged,
                        shrink_guard_ratio=settings.imports.shrink_guard_ratio,
                        shrink_guard_min_existing=settings.imports.shrink_guard_min_existing,
                        force=force,
                    )
                    source_store.mark_static_success(conn, uid, len(batch.skipped), batch.source_timestamp)
                    if spec.realtime_from_static:
                        source_store.mark_realtime_success(conn, uid, len(batch.skipped), batch.source_timestamp)
                    save_state(conn, uid, 'static', applied_state(fetched.state))
        except Exception as exc:
            _record_outcome(fetched.snapshot, 'failed', f'{type(exc).__name__}: {exc}')
            _mark_failed(settings, spec, static=True, realtime=spec.realtime_from_static)
            logger.error('static import of %s failed: %s', uid, exc, extra=attributes(LogMessageType.IMPORT_SOURCE))
            raise
        _record_outcome(fetched.snapshot, 'applied', counts=result.as_metadata())
        report = ImportReport(
            uid=uid,
            kind='static',
            outcome='applied',
            counts={**result.as_metadata(), **coordinates.metadata()},
            skipped=batch.skipped,
            pages=len(fetched.pages),
            payload_bytes=sum(len(p.body) for p in fetched.pages),
            duration_seconds=time.monotonic() - started,
            snapshot_id=fetched.snapshot.id if fetched.snapshot else None,
            content_hash=fetched.content_hash,
            parser_version=family.parser_version,
        )
        logger.info(
            'static import of %s: %s locations in, %s inserted, %s updated, %s deleted, %s skipped',
            uid,
            result.incoming_locations,
            result.locations.inserted,
            result.locations.updated,
            result.locations.deleted,
            len(batch.skipped),
            extra=attributes(LogMessageType.IMPORT_SOURCE),
        )
        return report


def _key_time(snapshot_id: str) -> datetime:
    try:
        return snapshot_time(snapshot_id)
    except ValueError:
        raise SourceNotConfigured(
            f'{snapshot_id!r} is not a snapshot id (UTC time like 20261201T010000.000000Z)'
        ) from None


def _replayed(pages: list[Page], snapshot: Snapshot | None, family: Family) -> FetchResult:
    """A replay as if it had been fetched: same hash and state; validators are not carried over."""
    state = FetchState(content_hash=content_hash(pages), parser_version=family.parser_version)
    if snapshot is not None:
        state = replace(state, snapshot_id=snapshot.id, snapshot_fetched_at=snapshot.fetched_at)
    return FetchResult(pages=pages, snapshot=snapshot, state=state)


def _refuse_older(spec: SourceSpec, snapshot: Snapshot, previous: FetchState, allow_older: bool) -> None:
    if allow_older or previous.snapshot_fetched_at is None or snapshot.id == previous.snapshot_id:
        return
    if snapshot.fetched_at < previous.snapshot_fetched_at:
        raise OlderSnapshotError(
            f'snapshot {snapshot.id} of {spec.uid} was fetched before the applied one ({previous.snapshot_id}): '
            'replaying it would step the data back in time. Replay it on purpose with allow_older '
            '(CLI --allow-older, asset config allow_older: true).'
        )


def _unchanged(uid: str, message: str, started: float, previous: FetchState, family: Family) -> ImportReport:
    return ImportReport(
        uid=uid,
        kind='static',
        outcome='unchanged',
        message=message,
        duration_seconds=time.monotonic() - started,
        content_hash=previous.content_hash,
        parser_version=family.parser_version,
    )


def _record_outcome(snapshot: Snapshot | None, outcome: str, message: str = '', **extra: Any) -> None:
    if snapshot is None:
        return
    try:
        snapshot.set_outcome(outcome, message, **extra)
    except OSError:  # pruned meanwhile, or a read-only replay source: the import's result stands
        logger.warning('could not record outcome %s in snapshot %s', outcome, snapshot.path)


def run_realtime(
    settings: Settings,
    uid: str,
    *,
    replay_pages: list[Page] | None = None,
    transport: httpx.BaseTransport | None = None,
    budget_seconds: float | None = None,
    maintenance: bool = True,
) -> ImportReport:
    """Apply live statuses of one source. Skipped while its static import is not ACTIVE.

    `budget_seconds` bounds the whole fetch (requests, retries, backoff): `FetchBudgetExceeded` past it.
    `maintenance=False` leaves history retention and the live tables' VACUUM to the pipelines' ticks (the
    push receivers' immediate apply runs as ocpdb_ingest, which may do neither). A replay reads no fetch
    state (it fetches nothing and saves none).
    """
    spec = get_spec(uid)
    started = time.monotonic()
    with log_context(source=uid, initiator='realtime-import'):
        config = source_config(settings, spec, replay=replay_pages is not None)
        family = get_family(spec)
        if not spec.has_realtime or family.parse_realtime is None:
            raise NotImplementedError(f'source {uid} has no realtime import')
        with connect(settings.database.url.get_secret_value(), autocommit=True) as conn:
            status = source_store.static_status(conn, uid)
            previous = read_state(conn, uid, 'realtime') if replay_pages is None else FetchState()
        if status != SourceStatus.ACTIVE:
            return ImportReport(
                uid=uid,
                kind='realtime',
                outcome='skipped',
                message=f'static import of {uid} is {status.value if status else "missing"}, not ACTIVE',
                duration_seconds=time.monotonic() - started,
            )
        fetched: FetchResult | None = None
        try:
            if replay_pages is None:
                if family.fetch_realtime is None:
                    raise NotImplementedError(f'source {uid}: family {family.name} cannot fetch realtime data')
                fetched = fetch(
                    settings,
                    spec,
                    config,
                    family,
                    'realtime',
                    family.fetch_realtime,
                    previous=previous,
                    transport=transport,
                    budget_seconds=budget_seconds,
                )
                pages = fetched.pages
            else:
                pages = replay_pages
            context = SourceContext(spec=spec, config=config, settings=settings)
            with gc_paused():
                batch = family.parse_realtime(context, pages)
            with connect(settings.database.url.get_secret_value()) as conn, conn.transaction():
                result = apply_realtime(
                    conn, spec, batch.updates, HistoryPolicy.from_settings(settings), prune=maintenance
                )
                source_store.mark_realtime_success(conn, uid, len(batch.skipped), batch.source_timestamp)
                if fetched is not None:
                    save_state(conn, uid, 'realtime', applied_state(fetched.state))
        except NotModified as exc:
            touch_state(settings.database.url.get_secret_value(), uid, 'realtime')
            return ImportReport(
                uid=uid,
                kind='realtime',
                outcome='not_modified',
                message=str(exc) or 'upstream not modified',
                duration_seconds=time.monotonic() - started,
            )
        except Exception as exc:
            if fetched is not None:
                _record_outcome(fetched.snapshot, 'failed', f'{type(exc).__name__}: {exc}')
            _mark_failed(settings, spec, static=False, realtime=True)
            logger.error('realtime import of %s failed: %s', uid, exc, extra=attributes(LogMessageType.IMPORT_SOURCE))
            raise
        if maintenance:
            maybe_vacuum_live_tables(settings.database.url.get_secret_value(), settings.imports.live_vacuum_seconds)
        if fetched is not None:
            _record_outcome(fetched.snapshot, 'applied', counts=result.as_metadata())
        return ImportReport(
            uid=uid,
            kind='realtime',
            outcome='applied',
            counts=result.as_metadata(),
            skipped=batch.skipped,
            pages=len(pages),
            payload_bytes=sum(len(p.body) for p in pages),
            duration_seconds=time.monotonic() - started,
            snapshot_id=fetched.snapshot.id if fetched and fetched.snapshot else None,
            content_hash=fetched.content_hash if fetched else None,
            parser_version=family.parser_version,
        )


def _mark_failed(settings: Settings, spec: SourceSpec, *, static: bool, realtime: bool) -> None:
    """Record the failure in its own transaction (the import's transaction was rolled back)."""
    try:
        with connect(settings.database.url.get_secret_value()) as conn, conn.transaction():
            source_store.mark_failed(conn, spec, static=static, realtime=realtime)
    except Exception:  # the original error matters more than the bookkeeping one
        logger.exception('could not mark %s as FAILED', spec.uid)

"""Running one import of one source: fetch (or replay) -> parse -> apply in one transaction.

This is the plain-Python core the Dagster assets and the CLI both call. A failure anywhere leaves
the source's data untouched (the transaction rolls back) and marks the source FAILED.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ocpdb_pipelines.config import Settings, SourceConfig
from ocpdb_pipelines.db.connection import connect
from ocpdb_pipelines.http.archive import RawArchive
from ocpdb_pipelines.http.client import SourceHttpClient
from ocpdb_pipelines.logs import LogMessageType, attributes, log_context
from ocpdb_pipelines.memory import gc_paused
from ocpdb_pipelines.model.enums import SourceStatus
from ocpdb_pipelines.model.updates import SkippedRecord
from ocpdb_pipelines.quality.coordinates import screen_for
from ocpdb_pipelines.sources.base import NotModified, Page, SourceContext
from ocpdb_pipelines.sources.families import get_family
from ocpdb_pipelines.sources.registry import SourceSpec, get_spec
from ocpdb_pipelines.store import sources as source_store
from ocpdb_pipelines.store.realtime import apply_realtime
from ocpdb_pipelines.store.static import apply_static

logger = logging.getLogger(__name__)


class SourceNotConfigured(RuntimeError):
    """The source is not switched on in config (or lacks keys) and no payload was given to replay."""


@dataclass
class ImportReport:
    uid: str
    kind: str  # static | realtime
    outcome: str  # applied | not_modified | skipped
    counts: dict[str, int] = field(default_factory=dict)
    skipped: list[SkippedRecord] = field(default_factory=list)
    pages: int = 0
    payload_bytes: int = 0
    duration_seconds: float = 0.0
    message: str = ''

    @property
    def skipped_reasons(self) -> dict[str, int]:
        return dict(Counter(_reason_class(s.reason) for s in self.skipped).most_common(20))

    def metadata(self) -> dict[str, Any]:
        return {
            'outcome': self.outcome,
            **self.counts,
            'records_skipped': len(self.skipped),
            'skipped_reasons': self.skipped_reasons,
            'pages': self.pages,
            'payload_bytes': self.payload_bytes,
            'duration_seconds': round(self.duration_seconds, 3),
        }


def _reason_class(reason: str) -> str:
    """Group reasons that differ only in the offending value, for the run's summary."""
    return reason.split(' {', 1)[0].split(" '", 1)[0].split(' "', 1)[0][:120]


def source_config(settings: Settings, spec: SourceSpec, *, replay: bool) -> SourceConfig:
    config = settings.source(spec.uid)
    if replay:
        return config or SourceConfig(enabled=False)
    if config is None or not config.enabled:
        keys = ', '.join(spec.required_config) or 'no keys'
        raise SourceNotConfigured(
            f'source {spec.uid} is not enabled: add SOURCES.{spec.uid} to config.yaml (needs {keys}), '
            f'or replay a payload with --from-file'
        )
    missing = spec.missing_config(config)
    if missing:
        raise SourceNotConfigured(f'source {spec.uid} lacks config key(s) SOURCES.{spec.uid}.{", ".join(missing)}')
    return config


def http_client(
    settings: Settings, spec: SourceSpec, config: SourceConfig, transport: httpx.BaseTransport | None
) -> SourceHttpClient:
    cert = None
    if config.mobilithek_cert_path and config.mobilithek_key_path:
        cert = (config.mobilithek_cert_path, config.mobilithek_key_path)
    auth = (config.user, config.password) if spec.auth == 'basic' and config.user else None
    return SourceHttpClient(
        spec.uid,
        archive=RawArchive(
            settings.path(settings.RAW_ARCHIVE_DIR),
            settings.RAW_ARCHIVE_RETENTION_DAYS,
            settings.RAW_ARCHIVE_MAX_FILES_PER_SOURCE,
        ),
        timeout=settings.HTTP_TIMEOUT,
        retries=settings.HTTP_RETRIES,
        transport=transport,
        cert=cert,
        # the Mobilithek pull and our push talk to the same server: one CA setting for both
        verify=settings.MOBILITHEK_CA_FILE or True,
        auth=auth,
    )


def replay_pages_from_file(path: str | Path) -> list[Page]:
    file_path = Path(path)
    if not file_path.is_file():
        raise FileNotFoundError(f'no payload file at {file_path}')
    return [Page(body=file_path.read_bytes(), url=file_path.as_uri())]


def _fetch_state(conn: Any, uid: str, kind: str) -> dict[str, str | None]:
    row = conn.execute(
        'SELECT etag, last_modified, content_hash FROM source_fetch_state WHERE source_uid = %s AND kind = %s',
        (uid, kind),
    ).fetchone()
    return dict(row) if row else {}


def _save_fetch_state(conn: Any, uid: str, kind: str, state: dict[str, str | None]) -> None:
    conn.execute(
        """
        INSERT INTO source_fetch_state (source_uid, kind, etag, last_modified, content_hash, checked_at)
        VALUES (%s, %s, %s, %s, %s, now())
        ON CONFLICT (source_uid, kind) DO UPDATE SET etag = EXCLUDED.etag, last_modified = EXCLUDED.last_modified,
            content_hash = EXCLUDED.content_hash, checked_at = now()
        """,
        (uid, kind, state.get('etag'), state.get('last_modified'), state.get('content_hash')),
    )


def payload_hash(pages: list[Page]) -> str:
    digest = hashlib.sha256()
    for page in pages:
        digest.update(page.body)
    return digest.hexdigest()


def run_static(
    settings: Settings,
    uid: str,
    *,
    replay_pages: list[Page] | None = None,
    transport: httpx.BaseTransport | None = None,
    force: bool = False,
) -> ImportReport:
    """Import a full static snapshot of one source; raises on a failed run (source marked FAILED)."""
    spec = get_spec(uid)
    started = time.monotonic()
    with log_context(source=uid, initiator='static-import'):
        config = source_config(settings, spec, replay=replay_pages is not None)
        family = get_family(spec)
        if family.parse_static is None:
            raise NotImplementedError(f'source {uid}: family {family.name} has no static import')
        with connect(settings.DATABASE_URL) as conn:
            try:
                context = SourceContext(spec=spec, config=config, settings=settings)
                if replay_pages is None:
                    if family.fetch_static is None:
                        raise NotImplementedError(f'source {uid}: family {family.name} cannot fetch static data')
                    with http_client(settings, spec, config, transport) as client:
                        context.http = client
                        context.previous_state = _fetch_state(conn, uid, 'static')
                        pages = family.fetch_static(context)
                else:
                    pages = replay_pages
                with gc_paused():
                    batch = family.parse_static(context, pages)
                    coordinates = screen_for(spec.country)  # implausible coordinates: skipped, swaps fixed
                    batch.locations = coordinates.filter(batch.locations, batch.skipped)
                    with conn.transaction():
                        result = apply_static(
                            conn,
                            spec,
                            batch.locations,
                            shrink_guard_ratio=settings.SHRINK_GUARD_RATIO,
                            shrink_guard_min_existing=settings.SHRINK_GUARD_MIN_EXISTING,
                            force=force,
                        )
                        source_store.mark_static_success(conn, uid, len(batch.skipped), batch.source_timestamp)
                        if spec.realtime_from_static:
                            source_store.mark_realtime_success(conn, uid, len(batch.skipped), batch.source_timestamp)
                        context.new_state.setdefault('content_hash', payload_hash(pages))
                        _save_fetch_state(conn, uid, 'static', context.new_state)
            except Exception as exc:
                _mark_failed(settings, spec, static=True, realtime=spec.realtime_from_static)
                logger.error('static import of %s failed: %s', uid, exc, extra=attributes(LogMessageType.IMPORT_SOURCE))
                raise
        report = ImportReport(
            uid=uid,
            kind='static',
            outcome='applied',
            counts={**result.as_metadata(), **coordinates.metadata()},
            skipped=batch.skipped,
            pages=len(pages),
            payload_bytes=sum(len(p.body) for p in pages),
            duration_seconds=time.monotonic() - started,
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


def run_realtime(
    settings: Settings,
    uid: str,
    *,
    replay_pages: list[Page] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> ImportReport:
    """Apply live statuses of one source. Skipped while its static import is not ACTIVE."""
    spec = get_spec(uid)
    started = time.monotonic()
    with log_context(source=uid, initiator='realtime-import'):
        config = source_config(settings, spec, replay=replay_pages is not None)
        family = get_family(spec)
        if not spec.has_realtime or family.parse_realtime is None:
            raise NotImplementedError(f'source {uid} has no realtime import')
        with connect(settings.DATABASE_URL) as conn:
            status = source_store.static_status(conn, uid)
            if status != SourceStatus.ACTIVE:
                return ImportReport(
                    uid=uid,
                    kind='realtime',
                    outcome='skipped',
                    message=f'static import of {uid} is {status.value if status else "missing"}, not ACTIVE',
                    duration_seconds=time.monotonic() - started,
                )
            context = SourceContext(spec=spec, config=config, settings=settings)
            try:
                if replay_pages is None:
                    if family.fetch_realtime is None:
                        raise NotImplementedError(f'source {uid}: family {family.name} cannot fetch realtime data')
                    context.previous_state = _fetch_state(conn, uid, 'realtime')
                    with http_client(settings, spec, config, transport) as client:
                        context.http = client
                        pages = family.fetch_realtime(context)
                    digest = payload_hash(pages)
                    if digest == context.previous_state.get('content_hash'):
                        raise NotModified('payload identical to the last one')
                    context.new_state.setdefault('content_hash', digest)
                else:
                    pages = replay_pages
                with gc_paused():
                    batch = family.parse_realtime(context, pages)
                with conn.transaction():
                    result = apply_realtime(conn, spec, batch.updates)
                    source_store.mark_realtime_success(conn, uid, len(batch.skipped), batch.source_timestamp)
                    if context.new_state:
                        _save_fetch_state(conn, uid, 'realtime', context.new_state)
            except NotModified as exc:
                with conn.transaction():
                    conn.execute(
                        "UPDATE source_fetch_state SET checked_at = now() WHERE source_uid = %s AND kind = 'realtime'",
                        (uid,),
                    )
                return ImportReport(
                    uid=uid,
                    kind='realtime',
                    outcome='not_modified',
                    message=str(exc) or 'upstream not modified',
                    duration_seconds=time.monotonic() - started,
                )
            except Exception as exc:
                _mark_failed(settings, spec, static=False, realtime=True)
                logger.error(
                    'realtime import of %s failed: %s', uid, exc, extra=attributes(LogMessageType.IMPORT_SOURCE)
                )
                raise
        return ImportReport(
            uid=uid,
            kind='realtime',
            outcome='applied',
            counts=result.as_metadata(),
            skipped=batch.skipped,
            pages=len(pages),
            payload_bytes=sum(len(p.body) for p in pages),
            duration_seconds=time.monotonic() - started,
        )


def _mark_failed(settings: Settings, spec: SourceSpec, *, static: bool, realtime: bool) -> None:
    """Record the failure in its own transaction (the import's transaction was rolled back)."""
    try:
        with connect(settings.DATABASE_URL) as conn, conn.transaction():
            source_store.mark_failed(conn, spec, static=static, realtime=realtime)
    except Exception:  # the original error matters more than the bookkeeping one
        logger.exception('could not mark %s as FAILED', spec.uid)

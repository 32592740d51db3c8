"""Mobilithek push: DATEX II snapshots and deltas POSTed with mutual TLS (predecessor §6.4).

The message is written to a file first (streamed from the database; the last one of each kind stays
under EXPORT_DIR/mobilithek for inspection), then POSTed from that file, so a retry re-sends the same
bytes and memory stays flat. Transport errors and 429/5xx are retried with backoff; anything else fails.

Realtime diff watermark in Redis `last_datex_realtime_push`: taken at the start of a run, stored after a
successful POST (full or diff) and also when the diff is empty, never after a failure, so a failed push
loses nothing. The diff keys on `evse.status_observed_at` (when OCPDB saw the change), so a change with
an old source timestamp is not missed. The watermark is the database clock at run start, moved back to
the start of any still-running transaction, so a realtime import committing during the export is caught
by the next diff.
"""

from __future__ import annotations

import os
import ssl
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import psycopg
import redis
from psycopg.rows import tuple_row

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.db.connection import connect
from ocpdb_pipelines.exports.datex2.document import Kind, Protocol
from ocpdb_pipelines.exports.datex2.export import write_export
from ocpdb_pipelines.exports.datex2.query import count_changed_evses

WATERMARK_KEY = 'last_datex_realtime_push'
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
TIMEOUT_SECONDS = 60.0


class PushError(RuntimeError):
    def __init__(self, url: str, status_code: int, body: bytes = b''):
        self.url = url
        self.status_code = status_code
        super().__init__(f'{url} answered HTTP {status_code}: {body[:300]!r}')


@dataclass
class PushReport:
    message: str
    version: str
    protocol: str
    sites: int = 0
    bytes: int = 0
    sent: bool = False
    status_code: int | None = None
    since: str | None = None
    watermark: str | None = None
    changed_evses: int | None = None


def datex_version(settings: Settings) -> str:
    """mobilithek.version '3.7' selects the 3.7 mappers, anything else 3.5."""
    return '3.7' if settings.mobilithek.version == '3.7' else '3.5'


def _required(settings: Settings, key: str) -> str:
    """The value of `mobilithek.<key>`, or a ValueError naming the key."""
    value = getattr(settings.mobilithek, key)
    if not value:
        raise ValueError(f'mobilithek.{key} is not configured')
    return value


class MobilithekClient:
    """POST a message file to a publication, with client certificate, retries and backoff."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        retries: int | None = None,
        backoff: float = 1.0,
    ):
        self.base_url = settings.mobilithek.url.rstrip('/')
        self.retries = settings.http.retries if retries is None else retries
        self.backoff = backoff
        kwargs: dict = {'timeout': TIMEOUT_SECONDS}
        if transport is not None:
            kwargs['transport'] = transport
        else:
            kwargs['verify'] = self._ssl_context(settings)
        self._client = httpx.Client(**kwargs)

    @staticmethod
    def _ssl_context(settings: Settings) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=settings.mobilithek.ca_file)
        key_dir = Path(settings.path(_required(settings, 'key_dir')))
        context.load_cert_chain(
            key_dir / _required(settings, 'certificate_filename'),
            key_dir / _required(settings, 'key_filename'),
        )
        return context

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> MobilithekClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def post(self, publication_id: str, body: Path) -> int:
        url = f'{self.base_url}/publication/{publication_id}'
        attempt = 0
        while True:
            attempt += 1
            try:
                with body.open('rb') as handle:
                    response = self._client.post(url, content=handle, headers={'Content-Type': 'application/json'})
            except httpx.TransportError:
                if attempt > self.retries:
                    raise
                time.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            if response.status_code in RETRY_STATUS and attempt <= self.retries:
                time.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            if not 200 <= response.status_code < 300:
                raise PushError(url, response.status_code, response.content)
            return response.status_code


def _watermark_now(conn: psycopg.Connection) -> datetime:
    row = (
        conn.cursor(row_factory=tuple_row)
        .execute(
            """
        SELECT least(clock_timestamp(), (SELECT min(xact_start) FROM pg_stat_activity
                                         WHERE datname = current_database() AND pid <> pg_backend_pid()
                                           AND xact_start IS NOT NULL))
        """
        )
        .fetchone()
    )
    return row[0]


def _build_message(
    settings: Settings,
    conn: psycopg.Connection,
    name: str,
    kind: Kind,
    protocol: Protocol,
    since: datetime | None,
) -> tuple[Path, int]:
    """Write the push body to EXPORT_DIR/mobilithek/<name>.json (atomically); return path and #sites."""
    folder = settings.path(settings.exports.dir) / 'mobilithek'
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f'{name}.json'
    handle, partial = tempfile.mkstemp(prefix=f'.{name}.', dir=folder)
    try:
        with os.fdopen(handle, 'wb') as out:
            envelope = (protocol, settings.mobilithek.name)
            count = write_export(conn, out, datex_version(settings), kind, since=since, envelope=envelope)
        Path(partial).replace(target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return target, count


def _send(settings: Settings, publication_key: str, body: Path, transport: httpx.BaseTransport | None) -> int:
    publication_id = _required(settings, publication_key)
    with MobilithekClient(settings, transport=transport) as client:
        return client.post(publication_id, body)


def push_static(settings: Settings, *, transport: httpx.BaseTransport | None = None) -> PushReport:
    """Snapshot of every location with at least one live (non-STATIC) EVSE to the static publication."""
    version = datex_version(settings)
    with connect(settings.database.url.get_secret_value()) as conn:
        body, sites = _build_message(settings, conn, 'static', Kind.STATIC, Protocol.SNAPSHOT, None)
    if sites == 0:
        # a table without sites is invalid DATEX II; an empty snapshot would also wipe the publication
        return PushReport('static', version, str(Protocol.SNAPSHOT), 0, body.stat().st_size, False)
    status = _send(settings, 'static_publication_id', body, transport)
    return PushReport('static', version, str(Protocol.SNAPSHOT), sites, body.stat().st_size, True, status)


def push_realtime_full(
    settings: Settings, *, transport: httpx.BaseTransport | None = None, redis_client: redis.Redis | None = None
) -> PushReport:
    return _push_realtime(settings, diff=False, transport=transport, redis_client=redis_client)


def push_realtime_diff(
    settings: Settings, *, transport: httpx.BaseTransport | None = None, redis_client: redis.Redis | None = None
) -> PushReport:
    return _push_realtime(settings, diff=True, transport=transport, redis_client=redis_client)


def _push_realtime(
    settings: Settings, *, diff: bool, transport: httpx.BaseTransport | None, redis_client: redis.Redis | None
) -> PushReport:
    client = redis_client or redis.Redis.from_url(settings.redis.url.get_secret_value())
    version = datex_version(settings)
    try:
        with connect(settings.database.url.get_secret_value(), autocommit=True) as conn:
            run_start = _watermark_now(conn)
            since = None
            if diff:
                raw = client.get(WATERMARK_KEY)
                since = datetime.fromisoformat(raw.decode()) if raw else None
            protocol = Protocol.DELTA if since is not None else Protocol.SNAPSHOT
            report = PushReport(
                'realtime_diff' if diff else 'realtime_full',
                version,
                str(protocol),
                since=since.isoformat() if since else None,
                watermark=run_start.isoformat(),
            )
            if since is not None:
                report.changed_evses = count_changed_evses(conn, since)
                if report.changed_evses == 0:
                    client.set(WATERMARK_KEY, run_start.isoformat())
                    return report
            name = 'realtime_diff' if since is not None else 'realtime_full'
            body, report.sites = _build_message(settings, conn, name, Kind.REALTIME, protocol, since)
        report.bytes = body.stat().st_size
        report.status_code = _send(settings, 'realtime_publication_id', body, transport)
        report.sent = True
        client.set(WATERMARK_KEY, run_start.isoformat())
        return report
    finally:
        if redis_client is None:
            client.close()

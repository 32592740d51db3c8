"""The raw archive: every fetch of a source is one snapshot directory, written before anything parses it.

Layout: `<RAW_ARCHIVE_DIR>/<uid>/<kind>/<snapshot id>/` holding `0001.body`, `0002.body`, … (every
page in order) and `manifest.json`: time, kind, HTTP metadata per page, content hash, parser
version, whether the fetch completed, and the outcome of its import (fetched, applied, unchanged,
failed, …). A snapshot being written lives in `<id>.partial/` and is renamed when the fetch ends, so
a reader never sees half a snapshot; a fetch that failed half-way is kept with `complete: false` for
inspection and is never replayed. Retention is per kind: static snapshots (one a day) are kept far
longer than realtime ones (one a minute), and the newest applied static snapshot is always kept.

No secrets: only response headers are stored (minus cookies), and query parameters that look like
credentials are masked in the recorded URLs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson

from ocpdb_pipelines.sources.base import Page

MANIFEST = 'manifest.json'
PARTIAL = '.partial'
SNAPSHOT_ID_FORMAT = '%Y%m%dT%H%M%S.%fZ'
_SECRET_PARAMS = ('key', 'token', 'password', 'secret', 'signature', 'auth', 'credential')
_DROPPED_HEADERS = frozenset({'set-cookie', 'authorization', 'proxy-authorization'})


class SnapshotError(RuntimeError):
    """A snapshot cannot be replayed (missing, incomplete, unreadable)."""


def new_snapshot_id(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).strftime(SNAPSHOT_ID_FORMAT)


def snapshot_time(snapshot_id: str) -> datetime:
    return datetime.strptime(snapshot_id, SNAPSHOT_ID_FORMAT).replace(tzinfo=UTC)


def content_hash(pages: Iterable[Page]) -> str:
    """sha256 over the bodies in order: the identity of a payload for change detection."""
    digest = hashlib.sha256()
    for page in pages:
        digest.update(page.body)
    return digest.hexdigest()


def safe_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [
        (name, '***' if any(word in name.lower() for word in _SECRET_PARAMS) else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query), fragment=''))


@dataclass
class Snapshot:
    """An archived fetch as the import reads it back."""

    path: Path
    manifest: dict[str, Any]
    pages: list[Page] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.manifest['snapshot_id'])

    @property
    def kind(self) -> str:
        return str(self.manifest['kind'])

    @property
    def fetched_at(self) -> datetime:
        return snapshot_time(self.id)

    def set_outcome(self, outcome: str, message: str = '', **extra: Any) -> None:
        """Record what the import made of this snapshot (the manifest is replaced atomically)."""
        self.manifest.update({'outcome': outcome, 'message': message[:2000], **extra})
        self.manifest.setdefault('imports', []).append(
            {'at': datetime.now(UTC).isoformat(), 'outcome': outcome, 'message': message[:500]}
        )
        _write_manifest(self.path, self.manifest)


def read_snapshot(path: str | Path, *, with_pages: bool = True) -> Snapshot:
    directory = Path(path)
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise SnapshotError(f'{directory} is not an archived snapshot (no {MANIFEST})')
    manifest = orjson.loads(manifest_path.read_bytes())
    snapshot = Snapshot(path=directory, manifest=manifest)
    if with_pages:
        if not manifest.get('complete'):
            raise SnapshotError(
                f'snapshot {directory.name} of {manifest.get("uid")} is incomplete (its fetch failed: '
                f'{manifest.get("message") or "unknown error"}); a partial snapshot is never replayed'
            )
        for meta in manifest['pages']:
            body = (directory / meta['file']).read_bytes()
            if hashlib.sha256(body).hexdigest() != meta['sha256']:
                raise SnapshotError(f'snapshot {directory}: {meta["file"]} does not match its recorded sha256')
            snapshot.pages.append(
                Page(
                    body=body,
                    url=meta['url'],
                    status_code=meta['status_code'],
                    headers=dict(meta['headers']),
                    fetched_at=_parse_time(meta.get('fetched_at')),
                    requested_at=_parse_time(meta.get('requested_at')),
                    method=meta.get('method', 'GET'),
                )
            )
    return snapshot


class SnapshotWriter:
    """Pages of one fetch, written as they arrive; `finish` or `fail` closes the snapshot."""

    def __init__(self, archive: RawArchive, uid: str, kind: str, snapshot_id: str, origin: str):
        self.archive = archive
        self.final_path = archive.directory(uid, kind) / snapshot_id
        self.path = self.final_path.with_name(snapshot_id + PARTIAL)
        if self.final_path.exists():
            raise SnapshotError(f'snapshot {snapshot_id} of {uid} ({kind}) exists already')
        self.path.mkdir(parents=True, exist_ok=True)
        self.manifest: dict[str, Any] = {
            'format': 1,
            'uid': uid,
            'kind': kind,
            'snapshot_id': snapshot_id,
            'origin': origin,
            'started_at': datetime.now(UTC).isoformat(),
            'complete': False,
            'outcome': 'fetching',
            'pages': [],
        }
        self.pages: list[Page] = []

    def add(self, page: Page) -> None:
        name = f'{len(self.pages) + 1:04d}.body'
        (self.path / name).write_bytes(page.body)
        self.pages.append(page)
        self.manifest['pages'].append(
            {
                'file': name,
                'method': page.method,
                'url': safe_url(page.url),
                'status_code': page.status_code,
                'headers': {k: v for k, v in page.headers.items() if k.lower() not in _DROPPED_HEADERS},
                'size': len(page.body),
                'sha256': hashlib.sha256(page.body).hexdigest(),
                'requested_at': page.requested_at.isoformat() if page.requested_at else None,
                'fetched_at': page.fetched_at.isoformat() if page.fetched_at else None,
            }
        )

    def finish(self, *, parser_version: str, **extra: Any) -> Snapshot:
        self.manifest.update(
            {
                'complete': True,
                'outcome': 'fetched',
                'finished_at': datetime.now(UTC).isoformat(),
                'content_hash': content_hash(self.pages),
                'parser_version': parser_version,
                'bytes': sum(len(p.body) for p in self.pages),
                **extra,
            }
        )
        return self._close()

    def fail(self, error: BaseException) -> Snapshot:
        self.manifest.update(
            {
                'outcome': 'fetch_failed',
                'finished_at': datetime.now(UTC).isoformat(),
                'message': f'{type(error).__name__}: {error}'[:2000],
            }
        )
        return self._close()

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def _close(self) -> Snapshot:
        _write_manifest(self.path, self.manifest)
        os.replace(self.path, self.final_path)
        snapshot = Snapshot(path=self.final_path, manifest=self.manifest, pages=list(self.pages))
        self.archive.prune(self.manifest['uid'], self.manifest['kind'])
        return snapshot


@dataclass
class Retention:
    days: float
    keep: int


class RawArchive:
    def __init__(self, root: Path, *, static: Retention, realtime: Retention):
        self.root = root
        self.retention = {'static': static, 'realtime': realtime}

    def directory(self, uid: str, kind: str) -> Path:
        if kind not in self.retention:
            raise ValueError(f'unknown snapshot kind {kind!r}')
        return self.root / uid / kind

    def begin(self, uid: str, kind: str, *, snapshot_id: str | None = None, origin: str = 'fetch') -> SnapshotWriter:
        return SnapshotWriter(self, uid, kind, snapshot_id or new_snapshot_id(), origin)

    def store(self, uid: str, kind: str, pages: list[Page], *, parser_version: str, origin: str, **kw: Any) -> Snapshot:
        """Archive pages that did not come from a fetch (a replayed file, a pushed upload)."""
        writer = self.begin(uid, kind, snapshot_id=kw.pop('snapshot_id', None), origin=origin)
        for page in pages:
            writer.add(page)
        return writer.finish(parser_version=parser_version, **kw)

    def snapshot_ids(self, uid: str, kind: str) -> list[str]:
        """Ids of the closed snapshots of a source and kind, oldest first."""
        directory = self.directory(uid, kind)
        if not directory.is_dir():
            return []
        return sorted(p.name for p in directory.iterdir() if p.is_dir() and not p.name.endswith(PARTIAL))

    def path(self, uid: str, kind: str, snapshot_id: str) -> Path:
        return self.directory(uid, kind) / snapshot_id

    def snapshots(self, uid: str, kind: str) -> list[Snapshot]:
        """Manifests (no bodies) of every closed snapshot, oldest first."""
        out = []
        for snapshot_id in self.snapshot_ids(uid, kind):
            try:
                out.append(read_snapshot(self.path(uid, kind, snapshot_id), with_pages=False))
            except (SnapshotError, orjson.JSONDecodeError):
                continue
        return out

    def prune(self, uid: str, kind: str) -> int:
        """Drop snapshots past this kind's age or count; the newest applied one always stays."""
        retention = self.retention[kind]
        ids = self.snapshot_ids(uid, kind)
        cutoff = datetime.now(UTC).timestamp() - retention.days * 86400
        keep_newest_applied = None
        for snapshot_id in reversed(ids):
            if _outcome(self.path(uid, kind, snapshot_id)) == 'applied':
                keep_newest_applied = snapshot_id
                break
        candidates = [i for i in ids if i != keep_newest_applied]
        doomed = [i for i in candidates if snapshot_time(i).timestamp() < cutoff]
        remaining = [i for i in candidates if i not in doomed]
        keep = retention.keep - (1 if keep_newest_applied else 0)
        doomed += remaining[: max(0, len(remaining) - keep)]
        for snapshot_id in doomed:
            shutil.rmtree(self.path(uid, kind, snapshot_id), ignore_errors=True)
        removed = len(doomed)
        self._drop_stale_partials(uid, kind)
        return removed

    def _drop_stale_partials(self, uid: str, kind: str, older_than: float = 86400) -> None:
        """A writer killed mid-fetch leaves `<id>.partial`; a day later it is garbage."""
        directory = self.directory(uid, kind)
        for path in directory.glob(f'*{PARTIAL}'):
            if time.time() - path.stat().st_mtime > older_than:
                shutil.rmtree(path, ignore_errors=True)


def _outcome(path: Path) -> str | None:
    try:
        return orjson.loads((path / MANIFEST).read_bytes()).get('outcome')
    except (OSError, orjson.JSONDecodeError):
        return None


def _write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    temporary = directory / (MANIFEST + '.tmp')
    temporary.write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    os.replace(temporary, directory / MANIFEST)


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None

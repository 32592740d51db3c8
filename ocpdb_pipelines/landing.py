"""The landing area: pushed payloads written durably before they are acknowledged.

A receiver (`/api/server/v1/...`) calls `LandingArea.write` and answers the pusher only after it
returns: the body is in a temp file, fsynced, then renamed into `<root>/<uid>/<kind>/`, so a crash
leaves either nothing or a complete file. The source's sensor takes `pending()` in arrival order and
calls `done()` only after the apply committed; a failed apply leaves the file for the next tick, and
each file is applied once.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import orjson


@dataclass(frozen=True)
class Landed:
    path: Path
    meta: dict

    @property
    def body(self) -> bytes:
        return self.path.read_bytes()


class LandingArea:
    def __init__(self, root: Path):
        self.root = root

    def _dir(self, uid: str, kind: str) -> Path:
        return self.root / uid / kind

    def write(self, uid: str, kind: str, body: bytes, meta: dict | None = None) -> Path:
        directory = self._dir(uid, kind)
        directory.mkdir(parents=True, exist_ok=True)
        # nanosecond time first so lexical order is arrival order; uuid keeps concurrent writes apart
        name = f'{time.time_ns():020d}-{uuid.uuid4().hex[:12]}'
        final = directory / f'{name}.body'
        meta_path = directory / f'{name}.meta.json'
        self._write_atomic(meta_path, orjson.dumps(meta or {}))
        self._write_atomic(final, body)
        return final

    @staticmethod
    def _write_atomic(path: Path, data: bytes) -> None:
        tmp = path.with_name(f'.{path.name}.tmp')
        with open(tmp, 'wb') as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def pending(self, uid: str, kind: str) -> list[Landed]:
        directory = self._dir(uid, kind)
        if not directory.is_dir():
            return []
        landed = []
        for path in sorted(directory.glob('*.body')):
            meta_path = path.with_name(path.name.removesuffix('.body') + '.meta.json')
            meta = orjson.loads(meta_path.read_bytes()) if meta_path.exists() else {}
            landed.append(Landed(path=path, meta=meta))
        return landed

    def done(self, landed: Landed) -> None:
        """Remove an applied payload (and its metadata)."""
        landed.path.with_name(landed.path.name.removesuffix('.body') + '.meta.json').unlink(missing_ok=True)
        landed.path.unlink(missing_ok=True)

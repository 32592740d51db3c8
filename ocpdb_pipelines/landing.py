"""The landing area: pushed payloads written durably before they are acknowledged.

A receiver (`/api/server/v1/...`) calls `LandingArea.write` and answers the pusher only after it
returns. The body goes first (temp file, fsync, rename to `<name>.body`), then its metadata the same
way (`<name>.meta.json`): the metadata file is the commit marker, so `pending()` lists only landings
whose metadata exists, and a crash between the two leaves a `.body` that is never applied (the pusher
got no acknowledgement and sends again) and that `sweep()` removes. A failed write removes what it
wrote (temp files, a body without metadata), so a full disk does not stay full of fragments.
The source's sensor takes `pending()` in arrival order and calls `done()` only after the apply
committed; a failed apply leaves the file for the next tick, and each file is applied once.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import orjson

BODY = '.body'
META = '.meta.json'


@dataclass(frozen=True)
class Landed:
    path: Path
    meta: dict

    @property
    def body(self) -> bytes:
        return self.path.read_bytes()

    @property
    def meta_path(self) -> Path:
        return self.path.with_name(self.path.name.removesuffix(BODY) + META)


class LandingArea:
    def __init__(self, root: Path):
        self.root = root

    def _dir(self, uid: str, kind: str) -> Path:
        return self.root / uid / kind

    def write(self, uid: str, kind: str, body: bytes, meta: dict | None = None) -> Path:
        """Land `body` with `meta` durably and return the body's path; on any error nothing stays."""
        directory = self._dir(uid, kind)
        directory.mkdir(parents=True, exist_ok=True)
        # nanosecond time first so lexical order is arrival order; uuid keeps concurrent writes apart
        name = f'{time.time_ns():020d}-{uuid.uuid4().hex[:12]}'
        final = directory / f'{name}{BODY}'
        self._write_atomic(final, body)
        try:
            self._write_atomic(directory / f'{name}{META}', orjson.dumps(meta or {}))
        except BaseException:
            final.unlink(missing_ok=True)
            raise
        return final

    @staticmethod
    def _write_atomic(path: Path, data: bytes) -> None:
        tmp = path.with_name(f'.{path.name}.tmp')
        try:
            with open(tmp, 'wb') as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def pending(self, uid: str, kind: str) -> list[Landed]:
        """Complete landings (metadata present) in arrival order."""
        directory = self._dir(uid, kind)
        if not directory.is_dir():
            return []
        landed = []
        for meta_path in sorted(directory.glob(f'*{META}')):
            body = meta_path.with_name(meta_path.name.removesuffix(META) + BODY)
            try:
                meta = orjson.loads(meta_path.read_bytes())
            except FileNotFoundError:  # done() by another process meanwhile
                continue
            if body.exists():
                landed.append(Landed(path=body, meta=meta))
        return landed

    def done(self, landed: Landed) -> None:
        """Remove an applied payload: its metadata (the commit marker) first, then its body."""
        landed.meta_path.unlink(missing_ok=True)
        landed.path.unlink(missing_ok=True)

    def sweep(self, older_than_seconds: float = 3600) -> int:
        """Remove what interrupted writes left behind (temp files, bodies without metadata) once they are
        older than any write in progress can be; returns the number of files removed."""
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - older_than_seconds
        removed = 0
        for path in self.root.glob('*/*/*'):
            name = path.name
            leftover = (name.startswith('.') and name.endswith('.tmp')) or (
                name.endswith(BODY) and not path.with_name(name.removesuffix(BODY) + META).exists()
            )
            with contextlib.suppress(FileNotFoundError):
                if leftover and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed

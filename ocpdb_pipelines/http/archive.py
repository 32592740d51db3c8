"""The raw archive: every response body a source fetch receives, before it is parsed.

Layout: `<RAW_ARCHIVE_DIR>/<uid>/<UTC timestamp>-<kind>-<n>.body` plus a `.json` sidecar with the
URL, status and headers. Retention is bounded by age and by count per source. `ocpdb import static
<uid> --from-file <path>.body` replays an archived payload.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson


class RawArchive:
    def __init__(self, root: Path, retention_days: int = 14, max_files_per_source: int = 200):
        self.root = root
        self.retention_days = retention_days
        self.max_files_per_source = max_files_per_source

    def write(
        self,
        uid: str,
        kind: str,
        body: bytes,
        *,
        url: str,
        status_code: int,
        headers: dict[str, str],
        method: str = 'GET',
    ) -> Path:
        directory = self.root / uid
        directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime('%Y%m%dT%H%M%S.%fZ')
        base = directory / f'{stamp}-{kind}'
        n = 0
        while base.with_name(f'{base.name}-{n}.body').exists():
            n += 1
        body_path = base.with_name(f'{base.name}-{n}.body')
        body_path.write_bytes(body)
        meta = {
            'uid': uid,
            'kind': kind,
            'method': method,
            'url': url,
            'status_code': status_code,
            'headers': headers,
            'size': len(body),
            'fetched_at': stamp,
        }
        body_path.with_suffix('.json').write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2))
        self.prune(uid)
        return body_path

    def prune(self, uid: str) -> int:
        """Drop archived bodies beyond the retention age or count; returns how many went."""
        directory = self.root / uid
        if not directory.is_dir():
            return 0
        bodies = sorted(directory.glob('*.body'))
        cutoff = time.time() - self.retention_days * 86400
        doomed = [p for p in bodies if p.stat().st_mtime < cutoff]
        keep = [p for p in bodies if p not in doomed]
        doomed += keep[: max(0, len(keep) - self.max_files_per_source)]
        for path in doomed:
            path.unlink(missing_ok=True)
            path.with_suffix('.json').unlink(missing_ok=True)
        return len(doomed)

    def latest(self, uid: str, kind: str) -> Path | None:
        bodies = sorted((self.root / uid).glob(f'*-{kind}-*.body'))
        return bodies[-1] if bodies else None


def read_meta(body_path: Path) -> dict:
    meta_path = body_path.with_suffix('.json')
    return json.loads(meta_path.read_text()) if meta_path.exists() else {}

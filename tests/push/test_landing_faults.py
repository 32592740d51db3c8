"""The landing area under failing writes, interrupted writes, and a quarantine that would grow forever."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ocpdb_pipelines.landing import LandingArea
from ocpdb_pipelines.push.kinds import REALTIME, REJECTED
from ocpdb_pipelines.push.quarantine import QuarantinePolicy, prune, reject, summary

ROOT = Path(__file__).resolve().parents[2]


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob('*') if p.is_file())


def _write_with_file_size_limit(root: Path, limit: int, body_size: int, meta: dict) -> subprocess.CompletedProcess:
    """LandingArea.write in a child whose files may not exceed `limit` bytes (RLIMIT_FSIZE): a real EFBIG."""
    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        from pathlib import Path
        from ocpdb_pipelines.landing import LandingArea
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write() with EFBIG instead of dying
        resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
        try:
            LandingArea(Path({str(root)!r})).write('datex2_enbw', 'realtime', b'x' * {body_size}, {meta!r})
        except OSError as exc:
            print(type(exc).__name__, exc.errno)
            sys.exit(3)
        """
    )
    return subprocess.run([sys.executable, '-c', script], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_a_body_that_cannot_be_written_leaves_nothing(tmp_path):
    result = _write_with_file_size_limit(tmp_path, limit=64 * 1024, body_size=1024 * 1024, meta={'n': 1})
    assert result.returncode == 3, result.stderr
    assert _files(tmp_path) == []


def test_metadata_that_cannot_be_written_takes_its_body_with_it(tmp_path):
    """The body fits under the limit, the metadata does not: the body is removed again."""
    result = _write_with_file_size_limit(tmp_path, limit=4096, body_size=1000, meta={'pad': 'm' * 8000})
    assert result.returncode == 3, result.stderr
    assert _files(tmp_path) == []


def test_an_interrupted_landing_is_never_applied_and_is_swept(tmp_path):
    landing = LandingArea(tmp_path)
    kept = landing.write('giroe', 'push', b'complete', {'n': 1})
    directory = kept.parent
    (directory / '00000000000000000001-crashedbody.body').write_bytes(b'no metadata')  # crash after the body
    (directory / '.00000000000000000002-crashedtemp.body.tmp').write_bytes(b'half')  # crash mid-write
    assert [p.body for p in landing.pending('giroe', 'push')] == [b'complete']
    assert landing.sweep(older_than_seconds=3600) == 0  # could still be a write in progress
    old = time.time() - 7200
    for leftover in directory.glob('*crashed*'):
        os.utime(leftover, (old, old))
    assert landing.sweep(older_than_seconds=3600) == 2
    assert sorted(p.name for p in directory.iterdir()) == sorted([kept.name, kept.name[:-5] + '.meta.json'])


def test_a_huge_rejected_payload_is_kept_truncated(tmp_path):
    landing = LandingArea(tmp_path)
    landing.write('datex2_enbw', REALTIME, b'<' * (3 * 1024 * 1024), {'bytes': 3 * 1024 * 1024})
    (landed,) = landing.pending('datex2_enbw', REALTIME)
    policy = QuarantinePolicy(max_bytes=10 * 1024 * 1024, keep_body_bytes=1024 * 1024)
    reject(landing, 'datex2_enbw', landed, REALTIME, 'not DATEX II', policy)
    assert landing.pending('datex2_enbw', REALTIME) == []
    (kept,) = landing.pending('datex2_enbw', REJECTED)
    assert len(kept.body) == 1024 * 1024
    assert kept.meta['truncated'] is True
    assert kept.meta['original_bytes'] == 3 * 1024 * 1024
    assert kept.meta['reason'] == 'not DATEX II'


def test_the_quarantine_is_bounded_by_size_and_age(tmp_path):
    landing = LandingArea(tmp_path)
    policy = QuarantinePolicy(max_bytes=250_000, retention_seconds=86400, keep_body_bytes=100_000)
    for n in range(5):
        landing.write('giroe', 'push', bytes(100_000), {'n': n})
        (landed,) = landing.pending('giroe', 'push')
        reject(landing, 'giroe', landed, 'push', f'broken {n}', policy)
    kept = landing.pending('giroe', REJECTED)
    assert [k.meta['n'] for k in kept] == [3, 4]  # the oldest went first, under 250 kB
    (entry,) = summary(landing)
    assert (entry.uid, entry.count, entry.latest_reason) == ('giroe', 2, 'broken 4')
    assert entry.bytes <= policy.max_bytes
    assert prune(landing, 'giroe', policy, now=time.time() + 2 * 86400) == 2  # past the retention
    assert summary(landing) == []


@pytest.fixture
def small_tmpfs(tmp_path) -> Path:
    """A 1 MiB tmpfs: a landing directory that really fills up (needs root and mount)."""
    mount_point = tmp_path / 'tmpfs'
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip('mounting a tmpfs needs root')
    result = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', str(mount_point)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f'cannot mount a tmpfs here: {result.stderr.decode().strip()}')
    try:
        yield mount_point
    finally:
        subprocess.run(['umount', '-l', str(mount_point)], check=False)


def test_a_full_landing_disk_answers_503_and_leaves_no_fragments(serve_with, small_tmpfs):
    from tests.push.conftest import DATEX_KEY
    from tests.push.payloads import datex_push

    server = serve_with(LANDING_DIR=str(small_tmpfs))
    url = f'/api/server/v1/datex/v3.5/datex2_enbw/realtime?key={DATEX_KEY}'
    body = datex_push('snapshot')
    statuses = []
    with server.client() as client:
        for _ in range(40):
            response = client.post(url, content=body + b' ' * 200_000)
            statuses.append(response.status_code)
            if response.status_code == 503:
                assert response.headers['retry-after']
                break
    assert statuses[-1] == 503
    assert set(statuses[:-1]) <= {200}
    landing = LandingArea(small_tmpfs)
    complete = landing.pending('datex2_enbw', REALTIME)
    assert len(complete) == len(statuses) - 1  # every 200 is landed; the 503 left nothing
    leftovers = [p for p in small_tmpfs.rglob('*') if p.is_file() and (p.name.endswith('.tmp'))]
    assert leftovers == []
    assert len(list(small_tmpfs.rglob('*.body'))) == len(complete)

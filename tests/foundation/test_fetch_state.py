"""The fetch-state store: one row per (source, kind), written in the apply's transaction, read on its own
short connection; `touch` moves only the time the source was last asked."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest

from ocpdb_pipelines.sources.registry import get_spec
from ocpdb_pipelines.store.fetch_state import FetchState, load_state, read_state, save_state, touch_state
from ocpdb_pipelines.store.sources import ensure_source

SPEC = get_spec('ocpi_stadtnavi')
FULL = FetchState(
    etag='"v1"',
    last_modified='Tue, 01 Dec 2026 10:00:00 GMT',
    cursor='2026-12-01T10:00:00Z',
    content_hash='a' * 64,
    parser_version='7',
    snapshot_id='20261201T100000Z-1',
    snapshot_fetched_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
    applied_at=datetime(2026, 12, 1, 10, 1, tzinfo=UTC),
)


@pytest.fixture
def source(db: psycopg.Connection) -> str:
    with db.transaction():
        ensure_source(db, SPEC)
    return SPEC.uid


def _checked_at(db: psycopg.Connection, uid: str, kind: str) -> datetime:
    row = db.execute('SELECT checked_at FROM fetch_state WHERE source_uid = %s AND kind = %s', (uid, kind))
    return row.fetchone()['checked_at']


def test_a_source_never_fetched_has_the_empty_state(db_url, source):
    assert load_state(db_url, source, 'static') == FetchState()


def test_saved_state_reads_back_per_kind_and_a_second_save_replaces_it(db, db_url, source):
    with db.transaction():
        save_state(db, source, 'static', FULL)
    assert load_state(db_url, source, 'static') == FULL
    assert read_state(db, source, 'realtime') == FetchState()

    with db.transaction():
        save_state(db, source, 'static', FetchState(etag='"v2"'))
        save_state(db, source, 'realtime', FULL)
    assert read_state(db, source, 'static') == FetchState(etag='"v2"')  # every column replaced, None included
    assert read_state(db, source, 'realtime') == FULL


def test_touch_moves_only_checked_at(db, db_url, source):
    with db.transaction():
        save_state(db, source, 'static', FULL)
    db.execute("UPDATE fetch_state SET checked_at = now() - interval '1 hour'")
    before = _checked_at(db, source, 'static')
    touch_state(db_url, source, 'static')
    assert _checked_at(db, source, 'static') > before
    assert read_state(db, source, 'static') == FULL
    touch_state(db_url, source, 'realtime')  # no row yet: nothing to touch, nothing created
    assert db.execute('SELECT count(*) AS n FROM fetch_state').fetchone()['n'] == 1

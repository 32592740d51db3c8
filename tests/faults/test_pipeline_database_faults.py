"""The pipelines' side when PostgreSQL restarts: the import or apply fails clearly, the database is as it
was, a landed payload stays landed, and the next run or tick succeeds (no process restart)."""

from __future__ import annotations

import threading

import psycopg
import pytest

from ocpdb_pipelines.imports import run_static
from ocpdb_pipelines.landing import LandingArea
from ocpdb_pipelines.push.kinds import REALTIME
from ocpdb_pipelines.push.realtime import apply_pending_realtime
from ocpdb_pipelines.sources.base import Page
from tests.faults.conftest import slowed, wait_for_sleeper
from tests.fixtures_dir import fixture_bytes
from tests.push.payloads import datex_push

UID = 'datex2_enbw'


def _static_page() -> Page:
    return Page(body=fixture_bytes('datex2', 'enbw_static.json'))


def _counts(db) -> dict[str, int]:
    row = db.execute(
        'SELECT (SELECT count(*) FROM location) AS locations, (SELECT count(*) FROM evse) AS evses, '
        "(SELECT count(*) FROM evse WHERE status <> 'UNKNOWN') AS live, "
        '(SELECT count(*) FROM evse_status_history) AS history'
    ).fetchone()
    return dict(row)


def _in_thread(target, *args) -> tuple[threading.Thread, list]:
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(target(*args))
        except BaseException as exc:  # the test inspects it
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_static_import_cut_by_a_restart_leaves_nothing_and_the_next_succeeds(cluster_up, fault_settings, fault_db):
    url = fault_settings.database.url.get_secret_value()
    with slowed(url, 'location', 'INSERT'):
        thread, outcome = _in_thread(lambda: run_static(fault_settings, UID, replay_pages=[_static_page()]))
        wait_for_sleeper(url)
        cluster_up.restart()
        thread.join(timeout=60)
    (error,) = outcome
    assert isinstance(error, psycopg.OperationalError), error
    with psycopg.connect(url, autocommit=True, row_factory=psycopg.rows.dict_row) as db:
        assert _counts(db)['locations'] == 0  # the transaction never committed
    report = run_static(fault_settings, UID, replay_pages=[_static_page()])
    assert report.outcome == 'applied'
    with psycopg.connect(url, autocommit=True, row_factory=psycopg.rows.dict_row) as db:
        assert _counts(db)['evses'] == 57


def test_a_realtime_apply_cut_by_a_restart_keeps_the_payload_for_the_next_tick(cluster_up, fault_settings, fault_db):
    url = fault_settings.database.url.get_secret_value()
    run_static(fault_settings, UID, replay_pages=[_static_page()])
    history_before = _counts(fault_db)['history']
    landing = LandingArea(fault_settings.path(fault_settings.landing.dir))
    landing.write(UID, REALTIME, datex_push('deltaPush', stations=3), {})
    with slowed(url, 'evse', 'UPDATE'):
        thread, outcome = _in_thread(apply_pending_realtime, fault_settings, UID)
        wait_for_sleeper(url)
        cluster_up.restart()
        thread.join(timeout=60)
    (result,) = outcome
    if isinstance(result, BaseException):  # the lock's own connection died with the restart
        assert isinstance(result, psycopg.OperationalError), result
    else:
        assert result.failed
        assert result.pending_left == 1
    assert len(landing.pending(UID, REALTIME)) == 1  # still landed
    with psycopg.connect(url, autocommit=True, row_factory=psycopg.rows.dict_row) as db:
        assert _counts(db)['live'] == 0  # nothing of it was applied
    result = apply_pending_realtime(fault_settings, UID)  # the next tick
    assert not result.failed
    assert len(result.reports) == 1
    assert landing.pending(UID, REALTIME) == []
    with psycopg.connect(url, autocommit=True, row_factory=psycopg.rows.dict_row) as db:
        counts = _counts(db)
    assert counts['live'] > 0
    assert counts['history'] - history_before == counts['live']  # applied exactly once


def test_a_tick_while_the_database_is_down_fails_clearly_and_keeps_the_payload(cluster_up, fault_settings, fault_db):
    run_static(fault_settings, UID, replay_pages=[_static_page()])
    landing = LandingArea(fault_settings.path(fault_settings.landing.dir))
    landing.write(UID, REALTIME, datex_push('deltaPush', stations=3), {})
    cluster_up.stop()
    try:
        with pytest.raises(psycopg.OperationalError):
            apply_pending_realtime(fault_settings, UID)
        assert len(landing.pending(UID, REALTIME)) == 1
    finally:
        cluster_up.start()
    assert len(apply_pending_realtime(fault_settings, UID).reports) == 1
    assert landing.pending(UID, REALTIME) == []

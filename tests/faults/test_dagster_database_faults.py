"""The Dagster side of a database fault, on a throwaway cluster: a sensor tick (a realtime pull through
`build_sensor_context`) or a run (an asset materialization) that loses PostgreSQL fails clearly, leaves
the database as it was, and the next tick or run recovers without a process restart."""

from __future__ import annotations

import os

import dagster as dg
import psycopg
import pytest
import yaml

from ocpdb_pipelines.definitions import build_definitions
from ocpdb_pipelines.defs.resources import make_resources
from ocpdb_pipelines.imports import run_static
from ocpdb_pipelines.sources.base import Page
from tests.dagster.test_realtime_health import Ticks
from tests.dagster.upstream import live_upstream
from tests.faults.conftest import slowed, wait_for_sleeper
from tests.faults.test_pipeline_database_faults import _in_thread
from tests.fixtures_dir import fixture_bytes, fixture_path

UID = 'chargecloud_stuttgart'
BODY = fixture_bytes('chargecloud', 'stuttgart_public.json')
STATIC = dg.AssetKey(['source', 'datex2_enbw'])


def _state(url: str) -> tuple:
    """What a realtime apply changes: every EVSE's status and timestamps, the history, the source's row."""
    with psycopg.connect(url, autocommit=True) as db:
        return db.execute(
            "SELECT (SELECT md5(string_agg(concat_ws('|', uid, status, last_updated, status_observed_at), ',' "
            'ORDER BY id)) FROM evse), (SELECT count(*) FROM evse_status_history), '
            '(SELECT realtime_data_updated_at FROM source WHERE uid = %s)',
            (UID,),
        ).fetchone()


def _locations(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as db:
        return db.execute('SELECT count(*) FROM location').fetchone()[0]


def _caused_by_connection_loss(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, psycopg.OperationalError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@pytest.fixture
def ticks_on_the_cluster(fault_settings, fault_db, tmp_path, monkeypatch):
    """The source's sensor over the throwaway cluster, its upstream a live HTTP server, its static data in."""

    def start(url: str) -> Ticks:
        config_file = tmp_path / 'config.yaml'
        values = {
            'data_dir': fault_settings.data_dir,
            'archive': {'dir': fault_settings.archive.dir},
            'landing': {'dir': fault_settings.landing.dir},
        }
        config_file.write_text(yaml.safe_dump({**values, 'sources': {UID: {'url': url}}, 'http': {'retries': 0}}))
        monkeypatch.setenv('OCPDB_CONFIG', str(config_file))
        monkeypatch.setenv('DATABASE_URL', fault_settings.database.url.get_secret_value())
        configured = fault_settings.with_values(http={'retries': 0}, sources={UID: {'url': url}})
        run_static(configured, UID, replay_pages=[Page(body=BODY)])
        return Ticks(configured)

    return start


def test_a_tick_without_the_database_fails_clearly_and_the_next_recovers(ticks_on_the_cluster, cluster_up):
    with live_upstream(BODY) as upstream:
        ticks = ticks_on_the_cluster(upstream.url)
        url = ticks.resources['postgis'].database_url
        cursor, before = ticks.cursor, _state(url)
        cluster_up.stop()
        try:
            with pytest.raises(Exception) as failed:  # noqa: PT011 - the daemon's tick error wraps the cause
                ticks.tick()
            assert _caused_by_connection_loss(failed.value), failed.value
        finally:
            cluster_up.start()
        assert ticks.cursor == cursor  # the failed tick did not advance the sensor's state (no back-off)
        assert _state(url) == before  # nothing half-applied
        result = ticks.tick()
    [check] = ticks.pull_checks(result)
    assert check.passed
    assert any(isinstance(e, dg.AssetMaterialization) for e in result.asset_events)
    assert _state(url)[2] != before[2]  # the source's realtime data is fresh again


def test_a_tick_cut_mid_apply_leaves_nothing_and_the_next_applies(ticks_on_the_cluster, cluster_up):
    with live_upstream(BODY) as upstream:
        ticks = ticks_on_the_cluster(upstream.url)
        url = ticks.resources['postgis'].database_url
        before = _state(url)
        with slowed(url, 'evse', 'UPDATE'):
            thread, outcome = _in_thread(ticks.tick)
            wait_for_sleeper(url)
            cluster_up.restart()
            thread.join(timeout=120)
        (result,) = outcome
        if isinstance(result, BaseException):  # the freshness query after the pull met the restart too
            assert _caused_by_connection_loss(result), result
        else:
            [check] = ticks.pull_checks(result)
            assert not check.passed
            assert check.metadata['error_type'].value in {'OperationalError', 'AdminShutdown'}
        assert _state(url) == before  # the apply's transaction never committed
        result = ticks.tick()  # one failure backs off 0 s: the next tick pulls again
    [check] = ticks.pull_checks(result)
    assert check.passed
    assert _state(url)[2] != before[2]


def test_a_run_losing_the_database_fails_clearly_and_the_next_run_succeeds(fault_settings, fault_db, cluster_up):
    os.environ.setdefault('OCPDB_CONFIG', os.devnull)
    url = fault_settings.database.url.get_secret_value()
    asset = next(a for a in build_definitions(fault_settings).assets if STATIC in a.keys)
    run_config = {
        'ops': {
            STATIC.to_python_identifier(): {'config': {'replay_file': str(fixture_path('datex2', 'enbw_static.json'))}}
        }
    }

    def materialize() -> dg.ExecuteInProcessResult:
        return dg.materialize(
            [asset],
            resources=make_resources(url, fault_settings.redis.url.get_secret_value()),
            run_config=run_config,
            raise_on_error=False,
        )

    with dg.instance_for_test():
        with slowed(url, 'location', 'INSERT'):
            thread, outcome = _in_thread(materialize)
            wait_for_sleeper(url)
            cluster_up.restart()
            thread.join(timeout=120)
        (result,) = outcome
        assert not isinstance(result, BaseException), result
        assert not result.success
        failure = next(e for e in result.all_events if e.is_step_failure)
        causes, error = [], failure.step_failure_data.error
        while error is not None:
            causes.append(error.cls_name)
            error = error.cause or error.context
        # the step failed on the connection loss itself (psycopg's AdminShutdown is an OperationalError)
        assert {'AdminShutdown', 'OperationalError'} & set(causes), causes
        assert _locations(url) == 0  # the import's transaction never committed
        again = materialize()
    assert again.success
    assert _locations(url) > 0


def test_a_database_that_accepts_but_never_answers_fails_the_connection(fault_settings):
    """A server frozen or cut off behind a live TCP port: the pipelines' connections give up (libpq's
    connect_timeout, which they set unless the URL names one) instead of holding a sensor worker for ever."""
    import socket

    from ocpdb_pipelines.db.connection import connect

    with socket.socket() as silent:
        silent.bind(('127.0.0.1', 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        thread, outcome = _in_thread(lambda: connect(f'postgresql://postgres@127.0.0.1:{port}/ocpdb'))
        thread.join(timeout=120)
        assert not thread.is_alive(), 'the connection attempt still waits'
    (error,) = outcome
    assert isinstance(error, psycopg.OperationalError), error
    assert 'timeout' in str(error).lower()

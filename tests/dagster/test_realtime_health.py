"""Realtime health is on the asset: a sensor tick whose pull fails (503, refused, hanging, unparsable)
records a failed `realtime_pull_ok` evaluation on `source/<uid>/realtime` in that tick, with the error and
the upstream status, and does not raise; a recovering tick records the pass. Sensors are evaluated with
`build_sensor_context` against real HTTP servers on 127.0.0.1, on the project's instance (SQLite and
dagster-postgres storage, see conftest.dagster_home)."""

from __future__ import annotations

import dagster as dg
import pytest
from dagster._core.definitions.freshness import FreshnessState

from ocpdb_pipelines.db.locks import source_apply_lock
from ocpdb_pipelines.definitions import build_definitions
from ocpdb_pipelines.defs.resources import HttpResource
from ocpdb_pipelines.defs.sources.realtime_pull import TickState
from ocpdb_pipelines.imports import run_static
from ocpdb_pipelines.sources.base import Page
from tests.dagster.conftest import resources_of
from tests.dagster.upstream import live_upstream, refused_url
from tests.fixtures_dir import fixture_bytes

UID = 'chargecloud_stuttgart'
BODY = fixture_bytes('chargecloud', 'stuttgart_public.json')
REALTIME = dg.AssetKey(['source', UID, 'realtime'])
PULL_CHECK = dg.AssetCheckKey(REALTIME, 'realtime_pull_ok')
FRESH = 'realtime_fresh'
FRESH_CHECK = dg.AssetCheckKey(REALTIME, FRESH)


class Ticks:
    """Evaluates the source's sensor tick after tick, carrying the cursor, reporting events like the daemon."""

    def __init__(self, settings, instance: dg.DagsterInstance | None = None, http: HttpResource | None = None) -> None:
        self.resources = resources_of(settings, http=http)
        self.repository = build_definitions(settings).get_repository_def()
        self.sensor = self.repository.get_sensor_def(f'{UID}_sensor')
        self.instance = instance or dg.DagsterInstance.ephemeral()
        self.cursor: str | None = None

    def tick(self) -> dg.SensorResult:
        with dg.build_sensor_context(
            instance=self.instance,
            resources=self.resources,
            repository_def=self.repository,
            cursor=self.cursor,
        ) as context:
            result = self.sensor.evaluate_tick(context)
        self.cursor = result.cursor
        for event in result.asset_events:  # what the sensor daemon does with them
            self.instance.report_runless_asset_event(event)
        return result

    def pull_checks(self, result) -> list[dg.AssetCheckEvaluation]:
        return [
            e for e in result.asset_events if isinstance(e, dg.AssetCheckEvaluation) and e.check_name == PULL_CHECK.name
        ]

    def latest_pull_check(self):
        history = self.instance.event_log_storage.get_asset_check_execution_history(PULL_CHECK, limit=1)
        return history[0].event.dagster_event.event_specific_data if history else None


@pytest.fixture
def source(deployed_env, dagster_instance):
    def start(url: str, http: HttpResource | None = None, **overrides: str) -> Ticks:
        configured = deployed_env({UID: {'url': url}}, **overrides)
        run_static(configured, UID, replay_pages=[Page(body=BODY)])
        return Ticks(configured, dagster_instance, http)

    return start


def test_503_is_a_failed_check_in_the_tick_and_recovery_passes(source, db):
    with live_upstream(BODY) as upstream:
        ticks = source(upstream.url, HTTP_RETRIES='1', REALTIME_TICK_BUDGET_SECONDS='20')
        upstream.mode = '503'
        failed = ticks.tick()  # does not raise
        [check] = ticks.pull_checks(failed)
        assert not check.passed
        assert check.severity == dg.AssetCheckSeverity.ERROR
        assert check.metadata['upstream_status'].value == 503
        assert 'HTTP 503' in check.metadata['error'].value
        assert check.metadata['url'].value.startswith(upstream.url)
        assert 'pull failed' in failed.skip_message
        assert not [e for e in failed.asset_events if isinstance(e, dg.AssetMaterialization)]
        recorded = ticks.latest_pull_check()
        assert recorded is not None
        assert not recorded.passed
        assert (
            db.execute('SELECT realtime_status FROM source WHERE uid = %s', (UID,)).fetchone()['realtime_status']
            == 'FAILED'
        )
        assert upstream.requests == ['503 /feed', '503 /feed']  # one retry within the budget

        upstream.mode = 'ok'
        recovered = ticks.tick()
        [check] = ticks.pull_checks(recovered)
        assert check.passed
        assert [e.asset_key for e in recovered.asset_events if isinstance(e, dg.AssetMaterialization)] == [REALTIME]
        assert ticks.latest_pull_check().passed
        assert TickState.from_cursor(ticks.cursor).failures == 0


def test_a_hanging_upstream_costs_one_bounded_tick_per_backoff_window_and_no_run(source):
    """No answer at all: the tick ends at its budget with a failed check; a run would only move the hang
    into a run slot (HTTP_TIMEOUT x retries: 8 minutes), so none is requested; the source backs off."""
    with live_upstream(BODY) as upstream:
        # the request timeout and retries alone would hold the tick for 8 minutes
        ticks = source(upstream.url, HTTP_TIMEOUT='120', HTTP_RETRIES='3', REALTIME_TICK_BUDGET_SECONDS='2')
        upstream.mode = 'hang'
        result = ticks.tick()
        [check] = ticks.pull_checks(result)
        assert not check.passed
        assert check.metadata['error_type'].value == 'FetchBudgetExceeded'
        assert check.metadata['budget_seconds'].value == 2.0
        assert check.metadata['upstream_status'].value == -1
        assert 'exceeded its budget of 2 s' in check.metadata['error'].value
        assert 'no answer' in check.metadata['error'].value
        assert result.run_requests is None or list(result.run_requests) == []
        assert len(upstream.requests) == 1
        ticks.tick()  # the second hanging tick in a row: the next try is one interval away
        assert len(upstream.requests) == 2
        assert TickState.from_cursor(ticks.cursor).failures == 2
        waiting = ticks.tick()
        assert len(upstream.requests) == 2  # not asked (and no worker held) during the backoff
        assert 'next try after' in waiting.skip_message
        assert not ticks.latest_pull_check().passed  # the failed verdict stands on the asset


def test_an_answer_too_slow_for_the_tick_ends_at_the_budget_and_gets_a_run_instead(source):
    """The upstream answers but its body takes longer than the budget (a large source): the tick stops
    reading at the budget, not when the body ends, and hands the pull to a run (no tick limit)."""
    with live_upstream(BODY) as upstream:
        ticks = source(upstream.url, HTTP_RETRIES='0', REALTIME_TICK_BUDGET_SECONDS='2')
        upstream.mode = 'slow'
        upstream.trickle_seconds = 30.0  # each piece arrives well inside the read timeout
        result = ticks.tick()
        [check] = ticks.pull_checks(result)
        assert not check.passed
        assert check.metadata['error_type'].value == 'FetchBudgetExceeded'
        assert 'reading the answer' in check.metadata['error'].value
        [run] = result.run_requests
        assert run.asset_selection == [REALTIME]
        assert run.tags['ocpdb/trigger'] == 'tick-budget'
        assert run.tags['ocpdb/source'] == UID  # queued behind any other run of the source


def test_freshness_turns_red_in_a_failing_tick_once_the_data_is_old(source, db):
    """The tick judges realtime_fresh from the data's age whatever the pull did: a failing upstream does
    not leave the last green verdict standing."""
    with live_upstream(BODY) as upstream:
        ticks = source(upstream.url, HTTP_RETRIES='0')
        first = ticks.tick()
        fresh = [e for e in first.asset_events if isinstance(e, dg.AssetCheckEvaluation) and e.check_name == FRESH]
        assert [e.passed for e in fresh] == [True]
        upstream.mode = '503'
        db.execute("UPDATE source SET realtime_data_updated_at = now() - interval '2 hours' WHERE uid = %s", (UID,))
        failed = ticks.tick()
        [stale] = [e for e in failed.asset_events if isinstance(e, dg.AssetCheckEvaluation) and e.check_name == FRESH]
        assert not stale.passed
        assert stale.metadata['age_seconds'].value > 7000
        history = ticks.instance.event_log_storage.get_asset_check_execution_history(FRESH_CHECK, limit=1)
        assert not history[0].event.dagster_event.event_specific_data.passed


def test_the_tick_fetches_with_the_http_resource_it_is_given(source):
    """Tests swap the HTTP resource, not the environment: the configuration's 30 s budget and 3 retries are
    replaced by the resource's."""
    with live_upstream(BODY) as upstream:
        ticks = source(upstream.url, http=HttpResource(timeout=120, retries=0, realtime_tick_budget_seconds=1))
        upstream.mode = 'hang'
        [check] = ticks.pull_checks(ticks.tick())
        assert check.metadata['budget_seconds'].value == 1.0
        assert len(upstream.requests) == 1


def test_refused_connection_and_unparsable_payload_are_failed_checks(source):
    ticks = source(refused_url(), HTTP_RETRIES='0')
    [check] = ticks.pull_checks(ticks.tick())
    assert not check.passed
    assert check.metadata['error_type'].value == 'ConnectError'
    assert check.metadata['upstream_status'].value == -1

    with live_upstream(BODY) as upstream:
        ticks = source(upstream.url, HTTP_RETRIES='0')
        upstream.mode = 'garbage'
        [check] = ticks.pull_checks(ticks.tick())
        assert not check.passed
        assert check.metadata['upstream_status'].value == -1
        assert check.metadata['error'].value


def test_a_failing_source_backs_off_instead_of_holding_a_worker_every_tick(source):
    with live_upstream(BODY) as upstream:
        ticks = source(upstream.url, HTTP_RETRIES='0')
        upstream.mode = '503'
        ticks.tick()
        ticks.tick()  # second failure in a row: next try one interval later
        state = TickState.from_cursor(ticks.cursor)
        assert state.failures == 2
        assert state.retry_at > 0
        requests = len(upstream.requests)
        skipped = ticks.tick()
        assert len(upstream.requests) == requests  # not asked again during the backoff
        assert 'next try after' in skipped.skip_message
        assert ticks.pull_checks(skipped) == []  # the failed verdict stands, nothing new recorded


def test_a_tick_skips_while_another_apply_of_the_source_holds_its_lock(source, settings):
    with live_upstream(BODY) as upstream:
        ticks = source(upstream.url)
        with source_apply_lock(settings.database.url.get_secret_value(), UID):
            result = ticks.tick()
        assert upstream.requests == []
        assert 'another import of chargecloud_stuttgart is applying' in result.skip_message
        assert ticks.pull_checks(result) == []
        after = ticks.tick()
        assert upstream.requests == ['ok /feed']
        assert ticks.pull_checks(after)[0].passed


def test_realtime_assets_carry_a_freshness_policy_the_daemon_judges(deployed_env):
    settings = deployed_env({UID: {'url': 'http://127.0.0.1:9/feed'}})
    repository = build_definitions(settings).get_repository_def()
    spec = repository.assets_defs_by_key[REALTIME].specs_by_key[REALTIME]
    policy = spec.freshness_policy
    assert isinstance(policy, dg.FreshnessPolicy)
    assert policy.fail_window.to_timedelta().total_seconds() == 600
    assert policy.warn_window.to_timedelta().total_seconds() == 180


def test_freshness_is_judged_by_the_daemon_even_when_no_tick_succeeds():
    """The instance's freshness daemon fails the asset once its last materialization is older than the
    policy's window; no sensor tick (failing or not) takes part."""
    from dagster._core.remote_origin import InProcessCodeLocationOrigin
    from dagster._core.test_utils import create_test_daemon_workspace_context, freeze_time
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
    from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
    from dagster._daemon.freshness import FreshnessDaemon
    from dagster._time import get_current_timestamp

    origin = InProcessCodeLocationOrigin(
        loadable_target_origin=LoadableTargetOrigin(module_name='ocpdb_pipelines.definitions', attribute='defs'),
        location_name='ocpdb',
    )
    with dg.instance_for_test() as instance:
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=REALTIME))
        now = get_current_timestamp()
        with create_test_daemon_workspace_context(InProcessWorkspaceLoadTarget([origin]), instance) as workspace:
            states = {}
            for label, at in (('fresh', now + 5), ('stale', now + 86400)):
                with freeze_time(at):
                    list(FreshnessDaemon().run_iteration(workspace))
                record = instance.get_freshness_state_records([REALTIME])[REALTIME]
                states[label] = record.freshness_state
    assert states == {'fresh': FreshnessState.PASS, 'stale': FreshnessState.FAIL}

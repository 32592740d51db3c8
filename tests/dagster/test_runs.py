"""Runs behave, on a real instance made from the project's dagster.yaml (or dagster.postgres.yaml):
one run per source at a time, configuration errors not retried, domain logs in the run's event log."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import dagster as dg
import yaml
from click.testing import CliRunner
from dagster._core.storage.dagster_run import DagsterRun
from dagster._core.storage.tags import WILL_RETRY_TAG
from dagster._utils.tags import TagConcurrencyLimitsCounter

from ocpdb_pipelines.cli import main
from ocpdb_pipelines.config import PROJECT_ROOT
from ocpdb_pipelines.definitions import build_definitions
from tests.dagster.conftest import resources_of
from tests.dagster.processes import tails_left_by_runs_of
from tests.fixtures_dir import fixture_path

BNETZA_FILE = fixture_path('bnetza', 'bnetza_api_chargepoints.json')


def test_the_postgres_instance_file_differs_from_the_sqlite_one_only_in_storage():
    sqlite = yaml.safe_load((PROJECT_ROOT / 'dagster.yaml').read_text())
    postgres = yaml.safe_load((PROJECT_ROOT / 'dagster.postgres.yaml').read_text())
    assert postgres.pop('storage') == {'postgres': {'postgres_url': {'env': 'DAGSTER_PG_URL'}}}
    assert postgres == sqlite


def test_a_second_run_of_a_source_queues_behind_the_first(dagster_instance):
    """The queue's tag limits of the instance (the counter the run-queue daemon applies)."""
    limits = dagster_instance.get_concurrency_config().run_queue_config.tag_concurrency_limits

    def run(uid: str, family: str) -> DagsterRun:
        return DagsterRun(job_name='__ASSET_JOB', tags={'ocpdb/source': uid, 'ocpdb/family': family})

    in_progress = [run('bnetza_api', 'bnetza')]
    counter = TagConcurrencyLimitsCounter(limits, in_progress)
    assert counter.is_blocked(run('bnetza_api', 'bnetza'))  # the same source waits
    assert not counter.is_blocked(run('datex2_enbw', 'datex2'))  # another goes
    # at most two of one family (the old `family` key matched no run at all: asset tags are not run tags)
    counter = TagConcurrencyLimitsCounter(limits, [run('datex2_a', 'datex2'), run('datex2_b', 'datex2')])
    assert counter.is_blocked(run('datex2_c', 'datex2'))
    assert not counter.is_blocked(run('ocpi_x', 'ocpi'))


def test_the_schedule_sensor_and_cli_tag_their_runs_per_source(settings):
    repository = build_definitions(settings).get_repository_def()
    schedule = repository.get_schedule_def('bnetza_api_static_schedule')
    assert schedule.tags == {'ocpdb/source': 'bnetza_api', 'ocpdb/family': 'bnetza'}
    static = repository.assets_defs_by_key[dg.AssetKey(['source', 'bnetza_api'])]
    assert static.op.pool == 'source/bnetza_api'
    live = repository.assets_defs_by_key[dg.AssetKey(['source', 'datex2_enbw', 'realtime'])]
    assert live.op.pool == 'source/datex2_enbw'


def test_a_cli_import_waits_while_another_run_applies_the_source(deployed_env, dagster_instance, db):
    """CLI imports run in-process (no queue): the source's pool holds them, enforced by the instance."""
    deployed_env({})
    storage = dagster_instance.event_log_storage
    storage.initialize_concurrency_limit_to_default('source/bnetza_api')
    holder = storage.claim_concurrency_slot('source/bnetza_api', 'another-run', 'source__bnetza_api')
    assert holder.is_claimed
    outcome: dict[str, object] = {}

    def cli_import() -> None:
        result = CliRunner().invoke(main, ['import', 'static', 'bnetza_api', '--from-file', str(BNETZA_FILE)])
        outcome['exit_code'], outcome['output'] = result.exit_code, result.output

    worker = threading.Thread(target=cli_import)
    worker.start()
    try:
        run_id = _wait_for_blocked_run(dagster_instance)
        assert dagster_instance.get_run_by_id(run_id).tags['ocpdb/source'] == 'bnetza_api'
        assert db.execute("SELECT count(*) AS n FROM location WHERE source = 'bnetza_api'").fetchone()['n'] == 0
    finally:
        storage.free_concurrency_slots_for_run('another-run')
        worker.join(timeout=300)
    assert outcome['exit_code'] == 0, outcome['output']
    assert db.execute("SELECT count(*) AS n FROM location WHERE source = 'bnetza_api'").fetchone()['n'] == 721
    # the run's compute log mirroring (`tail -F` of its stdout/stderr files) ended with it
    assert tails_left_by_runs_of(dagster_instance) == []


def test_a_run_leaves_no_compute_log_tail_behind(dagster_instance):
    """While a step runs, Dagster mirrors its stdout/stderr with `tail -F` (the check sees them: it would see
    leftovers); when the run ends they are gone."""
    started, release = threading.Event(), threading.Event()

    @dg.asset
    def waits() -> None:
        started.set()
        release.wait(60)

    worker = threading.Thread(target=lambda: dg.materialize([waits], instance=dagster_instance))
    worker.start()
    try:
        assert started.wait(120)
        assert tails_left_by_runs_of(dagster_instance) != []
    finally:
        release.set()
        worker.join(timeout=120)
    assert tails_left_by_runs_of(dagster_instance) == []


def _wait_for_blocked_run(instance: dg.DagsterInstance) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for run in instance.get_runs(limit=5):
            logs = instance.all_logs(run.run_id)
            if any('blocked by limit for pool source/bnetza_api' in (entry.message or '') for entry in logs):
                return run.run_id
        time.sleep(0.2)
    raise AssertionError('the CLI run never reported waiting for the pool slot')


def _materialize(settings, instance, key: dg.AssetKey, config: dict) -> dg.ExecuteInProcessResult:
    asset = next(a for a in build_definitions(settings).assets if key in a.keys)
    return dg.materialize(
        [asset],
        instance=instance,
        resources=resources_of(settings),
        run_config={'ops': {key.to_python_identifier(): {'config': config}}},
        raise_on_error=False,
    )


def test_a_configuration_error_fails_once_and_is_not_retried(deployed_env, dagster_instance):
    settings = deployed_env({})
    result = _materialize(settings, dagster_instance, dg.AssetKey(['source', 'chargecloud_ludwigsburg']), {})
    assert not result.success
    run = dagster_instance.get_run_by_id(result.run_id)
    assert run.tags['dagster/retry_on_asset_or_op_failure'] == 'false'
    assert run.tags[WILL_RETRY_TAG] == 'false'


def test_a_transient_failure_is_still_retried(deployed_env, dagster_instance):
    settings = deployed_env({'chargecloud_stuttgart': {'url': 'http://127.0.0.1:9/unreachable'}}, HTTP_RETRIES='0')
    result = _materialize(settings, dagster_instance, dg.AssetKey(['source', 'chargecloud_stuttgart']), {})
    assert not result.success
    assert dagster_instance.get_run_by_id(result.run_id).tags[WILL_RETRY_TAG] == 'true'


def test_domain_logs_reach_the_run_event_log(deployed_env, dagster_instance, db):
    settings = deployed_env({})
    result = _materialize(
        settings, dagster_instance, dg.AssetKey(['source', 'bnetza_api']), {'replay_file': str(BNETZA_FILE)}
    )
    assert result.success
    messages = [entry.user_message for entry in dagster_instance.all_logs(result.run_id) if not entry.is_dagster_event]
    assert any('static import of bnetza_api: 721 locations in' in m for m in messages), messages[:20]
    assert Path(str(dagster_instance.root_directory)).exists()

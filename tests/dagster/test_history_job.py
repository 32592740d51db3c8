"""The realtime history rebuild launched as the UI launches it: the code location's job with typed config,
run on a real instance over a real raw archive (two realtime polls of a local HTTP server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg
import orjson
import pytest

from ocpdb_pipelines.definitions import build_definitions
from ocpdb_pipelines.defs.sources.history import JOB_NAME, OP_NAME, HistoryRebuildConfig, build_history_job
from ocpdb_pipelines.imports import run_realtime, run_static
from tests.dagster.conftest import resources_of
from tests.fixtures_dir import fixture_bytes
from tests.sources.upstream import upstream

UID = 'opendata_swiss'
HISTORY = 'SELECT count(*) AS n FROM evse_status_history'


@pytest.fixture
def polled(deployed_env, db):
    """opendata_swiss imported and polled twice (the second poll: every EVSE out of service)."""
    with upstream() as server:
        server.route('/static.json', (200, {}, fixture_bytes('opendata_swiss', 'static.json')))
        realtime = orjson.loads(fixture_bytes('opendata_swiss', 'realtime.json'))
        server.route('/status.json', (200, {}, orjson.dumps(realtime)))
        settings = deployed_env(
            {UID: {'url': f'{server.url}/static.json', 'realtime_url': f'{server.url}/status.json'}}, HTTP_RETRIES='0'
        )
        run_static(settings, UID)
        assert run_realtime(settings, UID).outcome == 'applied'
        for group in realtime['EVSEStatuses']:
            for record in group['EVSEStatusRecord']:
                record['EVSEStatus'] = 'OutOfService'
        server.route('/status.json', (200, {}, orjson.dumps(realtime)))
        assert run_realtime(settings, UID).outcome == 'applied'
    return settings


def _launch(settings, instance, **config: str) -> dg.ExecuteInProcessResult:
    return build_history_job().execute_in_process(
        run_config={'ops': {OP_NAME: {'config': config}}},
        instance=instance,
        resources=resources_of(settings),
        raise_on_error=False,
    )


def test_the_code_location_offers_the_rebuild_with_a_source_drop_down(settings):
    repository = build_definitions(settings).get_repository_def()  # validates the whole location, as `dg dev` does
    job = repository.get_job(JOB_NAME)
    config_type = job.run_config_schema.config_type.fields['ops'].config_type.fields[OP_NAME]
    source_field = config_type.config_type.fields['config'].config_type.fields['source']
    choices = {value.config_value for value in source_field.config_type.enum_values}
    assert UID in choices
    assert 'datex2_enbw' in choices
    assert 'bnetza_api' not in choices  # static only: nothing to rebuild
    assert set(HistoryRebuildConfig.model_fields) == {'source', 'start', 'end'}


def test_a_launched_rebuild_restores_the_history_of_the_range(polled, dagster_instance, db):
    settings = polled
    assert db.execute(HISTORY).fetchone()['n'] > 0
    db.execute('DELETE FROM evse_status_history')  # a status mapping was wrong: history must be redone
    start = (datetime.now(UTC) - timedelta(hours=1)).replace(tzinfo=None).isoformat(timespec='seconds')
    end = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    result = _launch(settings, dagster_instance, source=UID, start=start, end=end)
    assert result.success
    written = db.execute(HISTORY).fetchone()['n']
    assert written > 0
    latest = db.execute(
        'SELECT DISTINCT status::text AS s FROM evse_status_history '
        'WHERE observed_at = (SELECT max(observed_at) FROM evse_status_history)'
    ).fetchall()
    assert [row['s'] for row in latest] == ['OUTOFORDER']
    # recorded in the instance, and the rebuild shows on the realtime asset's page
    assert dagster_instance.get_run_by_id(result.run_id).job_name == JOB_NAME
    observations = dagster_instance.fetch_observations(dg.AssetKey(['source', UID, 'realtime']), limit=5).records
    assert len(observations) == 1
    metadata = observations[0].asset_observation.metadata
    assert metadata['snapshots'].value == 2
    assert metadata['rows_written'].value == written


def test_a_wrong_range_fails_once_and_touches_nothing(polled, dagster_instance, db):
    before = db.execute(HISTORY).fetchone()['n']
    result = _launch(polled, dagster_instance, source=UID, start='2026-12-01T10:00:00', end='yesterday')
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "end 'yesterday' is not an ISO 8601 time" in failure.step_failure_data.error.message
    assert dagster_instance.get_run_by_id(result.run_id).tags['dagster/retry_on_asset_or_op_failure'] == 'false'
    empty = _launch(polled, dagster_instance, source=UID, start='2026-12-01T10:00:00', end='2026-12-01T09:00:00')
    assert not empty.success
    assert db.execute(HISTORY).fetchone()['n'] == before

"""The Dagster layer: every registered source is an asset with a schedule and a sensor; CLI runs land in
the instance; the sensor turns landed uploads into runs."""

from __future__ import annotations

import os

import dagster as dg
import pytest
from click.testing import CliRunner

from ocpdb_pipelines.cli import main
from ocpdb_pipelines.definitions import build_definitions
from ocpdb_pipelines.defs.resources import make_resources
from ocpdb_pipelines.landing import LandingArea
from ocpdb_pipelines.sources.registry import REGISTRY
from tests.fixtures_dir import fixture_path

BNETZA_FILE = fixture_path('bnetza', 'bnetza_api_chargepoints.json')


@pytest.fixture
def enabled(settings):
    return settings.with_values(sources={'bnetza_api': {}, 'chargecloud_stuttgart': {'auto_fetch': False}})


def test_every_registered_source_has_asset_schedule_and_sensor(enabled):
    repository = build_definitions(enabled).get_repository_def()
    keys = {key.to_user_string() for key in repository.assets_defs_by_key}
    schedules = {s.name: s for s in repository.schedule_defs}
    sensors = {s.name: s for s in repository.sensor_defs}
    assert len(REGISTRY) == 37
    for uid, spec in REGISTRY.items():
        assert f'source/{uid}' in keys
        assert (f'source/{uid}/realtime' in keys) == spec.has_realtime
        assert f'{uid}_static_schedule' in schedules
        assert f'{uid}_sensor' in sensors
    assert schedules['bnetza_api_static_schedule'].cron_schedule == '0 2 * * 1'
    assert schedules['bnetza_excel_static_schedule'].cron_schedule == '0 2 1 * *'
    assert schedules['bnetza_api_static_schedule'].default_status == dg.DefaultScheduleStatus.RUNNING
    # configured but auto_fetch false, and not configured at all: stopped
    assert schedules['chargecloud_stuttgart_static_schedule'].default_status == dg.DefaultScheduleStatus.STOPPED
    assert schedules['datex2_enbw_static_schedule'].default_status == dg.DefaultScheduleStatus.STOPPED
    assert sensors['datex2_enbw_sensor'].default_status == dg.DefaultSensorStatus.STOPPED
    groups = {
        repository.assets_defs_by_key[dg.AssetKey(['source', uid])].group_names_by_key.popitem()[1] for uid in REGISTRY
    }
    assert {'bnetza', 'datex2', 'ocpi', 'chargecloud', 'ochp'} <= groups


def test_definitions_module_loads():
    from ocpdb_pipelines import definitions

    assert isinstance(definitions.defs, dg.Definitions)


def _materialize(settings, key, config):
    defs = build_definitions(settings)
    asset = next(a for a in defs.assets if key in a.keys)
    return dg.materialize(
        [asset],
        resources=make_resources(settings.database.url.get_secret_value(), settings.redis.url.get_secret_value()),
        run_config={'ops': {key.to_python_identifier(): {'config': config}}},
        raise_on_error=False,
    )


def test_unconfigured_source_fails_naming_the_config(settings, monkeypatch):
    monkeypatch.setenv('DATABASE_URL', settings.database.url.get_secret_value())
    monkeypatch.setenv('OCPDB_CONFIG', os.devnull)
    result = _materialize(settings, dg.AssetKey(['source', 'chargecloud_ludwigsburg']), {})
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert 'sources.chargecloud_ludwigsburg' in failure.step_failure_data.error.message
    assert 'api_key' in failure.step_failure_data.error.message


def test_materialization_metadata_and_checks(settings, db, monkeypatch):
    monkeypatch.setenv('OCPDB_CONFIG', os.devnull)
    result = _materialize(settings, dg.AssetKey(['source', 'bnetza_api']), {'replay_file': str(BNETZA_FILE)})
    assert result.success
    materialization = result.asset_materializations_for_node('source__bnetza_api')[0]
    assert materialization.metadata['locations_inserted'].value == 721
    assert materialization.metadata['records_skipped'].value == 0
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks['coordinates_in_country'].passed
    assert checks['evse_uids_unique'].passed
    assert checks['few_records_skipped'].passed


def test_cli_import_is_recorded_in_the_instance(settings, db, tmp_path, monkeypatch):
    monkeypatch.setenv('DAGSTER_HOME', str(tmp_path / 'dagster_home'))
    monkeypatch.setenv('DATABASE_URL', settings.database.url.get_secret_value())
    monkeypatch.setenv('OCPDB_CONFIG', os.devnull)
    monkeypatch.setenv('OCPDB_ARCHIVE__DIR', str(tmp_path / 'raw'))
    result = CliRunner().invoke(main, ['import', 'static', 'bnetza_api', '--from-file', str(BNETZA_FILE)])
    assert result.exit_code == 0, result.output
    assert 'locations_inserted' in result.output
    instance = dg.DagsterInstance.get()
    event = instance.get_latest_materialization_event(dg.AssetKey(['source', 'bnetza_api']))
    assert event is not None
    assert event.asset_materialization.metadata['incoming_locations'].value == 721
    assert db.execute("SELECT count(*) AS n FROM location WHERE source = 'bnetza_api'").fetchone()['n'] == 721


def test_cli_source_list_and_delete(settings, db, monkeypatch):
    monkeypatch.setenv('DATABASE_URL', settings.database.url.get_secret_value())
    monkeypatch.setenv('OCPDB_CONFIG', os.devnull)
    listing = CliRunner().invoke(main, ['source', 'list'])
    assert listing.exit_code == 0
    assert listing.output.split() == sorted(REGISTRY)
    from tests.foundation.helpers import BNETZA_API, import_fixture

    import_fixture(settings, 'bnetza_api', *BNETZA_API)
    deleted = CliRunner().invoke(main, ['source', 'delete', 'bnetza_api'])
    assert deleted.exit_code == 0, deleted.output
    assert db.execute('SELECT count(*) AS n FROM location').fetchone()['n'] == 0
    assert db.execute('SELECT count(*) AS n FROM source').fetchone()['n'] == 0


def test_unknown_uid_is_a_clear_cli_error(monkeypatch):
    monkeypatch.setenv('OCPDB_CONFIG', os.devnull)
    result = CliRunner().invoke(main, ['import', 'static', 'nope'])
    assert result.exit_code != 0
    assert "unknown source uid 'nope'" in result.output


def test_sensor_requests_a_run_for_a_landed_upload(settings, monkeypatch):
    monkeypatch.setenv('OCPDB_CONFIG', os.devnull)
    enabled = settings.with_values(sources={'bnetza_excel': {}})
    landed = LandingArea(enabled.path(enabled.landing.dir)).write('bnetza_excel', 'static', b'xlsx bytes')
    repository = build_definitions(enabled).get_repository_def()
    sensor = repository.get_sensor_def('bnetza_excel_sensor')
    resources = make_resources(enabled.database.url.get_secret_value(), enabled.redis.url.get_secret_value())
    monkeypatch.setenv('OCPDB_LANDING__DIR', enabled.landing.dir)
    with (
        dg.instance_for_test() as instance,
        dg.build_sensor_context(
            instance=instance, instance_ref=instance.get_ref(), resources=resources, repository_def=repository
        ) as context,
    ):
        result = sensor.evaluate_tick(context)
    assert len(result.run_requests) == 1
    request = result.run_requests[0]
    assert request.run_key == landed.name
    assert request.partition_key is not None  # the upload is a snapshot partition of its own
    assert request.run_config['ops']['source__bnetza_excel']['config']['landed_file'] == str(landed)


def test_cli_import_from_a_relative_path_reports_once(settings, db, tmp_path, monkeypatch):
    """`--from-file` takes a path relative to the working directory (the README's example); the metrics dict
    is printed once (the run's log line), the command's own line names the outcome."""
    monkeypatch.setenv('DAGSTER_HOME', str(tmp_path / 'dagster_home'))
    monkeypatch.setenv('DATABASE_URL', settings.database.url.get_secret_value())
    monkeypatch.setenv('OCPDB_CONFIG', os.devnull)
    monkeypatch.setenv('OCPDB_ARCHIVE__DIR', str(tmp_path / 'raw'))
    monkeypatch.chdir(BNETZA_FILE.parent)
    result = CliRunner().invoke(main, ['import', 'static', 'bnetza_api', '--from-file', BNETZA_FILE.name])
    assert result.exit_code == 0, result.output
    assert result.output.count("'locations_inserted': 721") == 1, result.output
    assert 'source/bnetza_api: applied' in result.output

"""Pushed uploads and replayed files are partitions too: the partition bar of a source shows each of them
as the snapshot it archived, materialized, never a "missing" key beside an unpartitioned run."""

from __future__ import annotations

import dagster as dg
from click.testing import CliRunner

from ocpdb_pipelines.cli import main
from ocpdb_pipelines.definitions import build_definitions
from ocpdb_pipelines.defs.sources.partitions import partitions_name
from ocpdb_pipelines.http.fetcher import raw_archive
from ocpdb_pipelines.landing import LandingArea
from ocpdb_pipelines.sources.registry import get_spec
from tests.dagster.conftest import resources_of
from tests.fixtures_dir import fixture_bytes, fixture_path

UPLOAD = 'bnetza_excel'
UPLOAD_KEY = dg.AssetKey(['source', UPLOAD])


def _materialized_partitions(instance: dg.DagsterInstance, key: dg.AssetKey) -> set[str]:
    records = instance.fetch_materializations(key, limit=20).records
    return {record.asset_materialization.partition for record in records}


def test_a_landed_upload_runs_as_its_own_partition_archived_under_it(deployed_env, dagster_instance, db):
    settings = deployed_env({UPLOAD: {}})
    landed = LandingArea(settings.path(settings.landing.dir)).write(
        UPLOAD, 'static', fixture_bytes('bnetza', 'ladesaeulenregister_extract.xlsx')
    )
    definitions = build_definitions(settings)
    repository = definitions.get_repository_def()
    sensor = repository.get_sensor_def(f'{UPLOAD}_sensor')
    with dg.build_sensor_context(
        instance=dagster_instance,
        instance_ref=dagster_instance.get_ref(),
        resources=resources_of(settings),
        repository_def=repository,
    ) as context:
        result = sensor.evaluate_tick(context)
    (request,) = result.run_requests
    assert request.run_key == landed.name
    key = request.partition_key
    assert key is not None
    (partitions_request,) = result.dynamic_partitions_requests
    assert partitions_request.partitions_def_name == partitions_name(get_spec(UPLOAD))
    assert list(partitions_request.partition_keys) == [key]
    # what the daemon does with the tick's result: add the key, launch the run
    dagster_instance.add_dynamic_partitions(partitions_request.partitions_def_name, [key])
    asset = next(a for a in definitions.assets if UPLOAD_KEY in a.keys)
    run = dg.materialize(
        [asset],
        instance=dagster_instance,
        partition_key=key,
        resources=resources_of(settings),
        run_config=request.run_config,
        tags=request.tags,
    )
    assert run.success
    assert db.execute('SELECT count(*) AS n FROM location WHERE source = %s', (UPLOAD,)).fetchone()['n'] > 0
    # one partition, the upload's, materialized; the archive holds the upload under that very key
    assert dagster_instance.get_dynamic_partitions(partitions_name(get_spec(UPLOAD))) == [key]
    assert _materialized_partitions(dagster_instance, UPLOAD_KEY) == {key}
    assert raw_archive(settings).snapshot_ids(UPLOAD, 'static') == [key]
    assert LandingArea(settings.path(settings.landing.dir)).pending(UPLOAD, 'static') == []
    # so materializing the partition again (the partition bar, a backfill) replays the upload
    replay = dg.materialize(
        [asset],
        instance=dagster_instance,
        partition_key=key,
        resources=resources_of(settings),
        run_config={'ops': {UPLOAD_KEY.to_python_identifier(): {'config': {'force': True}}}},
    )
    assert replay.success
    assert _materialized_partitions(dagster_instance, UPLOAD_KEY) == {key}
    assert raw_archive(settings).snapshot_ids(UPLOAD, 'static') == [key]


def test_a_cli_import_of_a_file_is_the_partition_it_archived(deployed_env, dagster_instance, db):
    settings = deployed_env({})
    result = CliRunner().invoke(
        main,
        ['import', 'static', 'bnetza_api', '--from-file', str(fixture_path('bnetza', 'bnetza_api_chargepoints.json'))],
    )
    assert result.exit_code == 0, result.output
    key = dg.AssetKey(['source', 'bnetza_api'])
    (archived,) = raw_archive(settings).snapshot_ids('bnetza_api', 'static')
    assert dagster_instance.get_dynamic_partitions(partitions_name(get_spec('bnetza_api'))) == [archived]
    assert _materialized_partitions(dagster_instance, key) == {archived}

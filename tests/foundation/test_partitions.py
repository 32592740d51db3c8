"""Static assets partitioned by archived snapshot, on a real Dagster instance against a real local HTTP server.

A schedule tick adds a partition (a new snapshot id) and requests its run; the run fetches and
archives under that key; materializing an archived key replays it; an older one needs allow_older;
the realtime history of a time range is rebuilt from archived realtime snapshots.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import dagster as dg
import orjson
import pytest
from click.testing import CliRunner

from ocpdb_pipelines.cli import main
from ocpdb_pipelines.config import load_settings
from ocpdb_pipelines.definitions import build_definitions
from ocpdb_pipelines.defs.resources import OcpdbConfig
from ocpdb_pipelines.defs.sources.partitions import partitions_name
from ocpdb_pipelines.history import rebuild_status_history
from ocpdb_pipelines.imports import run_realtime, run_static
from ocpdb_pipelines.sources.registry import get_spec
from tests.fixtures_dir import fixture_bytes
from tests.sources.upstream import upstream

UID = 'opendata_swiss'
KEY = dg.AssetKey(['source', UID])


@pytest.fixture
def source(settings, tmp_path, monkeypatch):
    """opendata_swiss served by a local HTTP server, configured through the environment the resource reads."""
    with upstream() as server:
        document = orjson.loads(fixture_bytes('opendata_swiss', 'static.json'))
        server.route('/static.json', (200, {}, orjson.dumps(document)))
        server.route('/status.json', (200, {}, fixture_bytes('opendata_swiss', 'realtime.json')))
        sources = {UID: {'url': f'{server.url}/static.json', 'realtime_url': f'{server.url}/status.json'}}
        environ = {
            'OCPDB_CONFIG': os.devnull,
            'DATABASE_URL': settings.database.url.get_secret_value(),
            'REDIS_URL': settings.redis.url.get_secret_value(),
            'OCPDB_ARCHIVE__DIR': settings.archive.dir,
            'OCPDB_SOURCES': orjson.dumps(sources).decode(),
            'OCPDB_HTTP__RETRIES': '0',
            'DAGSTER_HOME': str(tmp_path / 'dagster_home'),
        }
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        (tmp_path / 'dagster_home').mkdir()
        yield server, document, load_settings(config_file=os.devnull, environ=environ)


def _asset(settings):
    return next(a for a in build_definitions(settings).assets if KEY in a.keys)


def _run(instance, settings, partition_key, tags=None, **config):
    return dg.materialize(
        [_asset(settings)],
        tags=tags,
        instance=instance,
        partition_key=partition_key,
        resources={
            'ocpdb': OcpdbConfig(
                database_url=settings.database.url.get_secret_value(), redis_url=settings.redis.url.get_secret_value()
            )
        },
        run_config={'ops': {KEY.to_python_identifier(): {'config': config}}},
        raise_on_error=False,
    )


def _failure(result) -> str:
    return next(e for e in result.all_events if e.is_step_failure).step_failure_data.error.message


def test_schedule_adds_a_partition_that_fetches_and_archived_keys_replay(source, db):
    server, document, settings = source
    instance = dg.DagsterInstance.get()  # a persistent instance in the temp DAGSTER_HOME
    defs = build_definitions(settings)
    schedule = defs.get_schedule_def(f'{UID}_static_schedule')
    tick = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=10)
    [request] = schedule.evaluate_tick(
        dg.build_schedule_context(
            instance=instance, scheduled_execution_time=tick, repository_def=defs.get_repository_def()
        )
    ).run_requests
    first_key = request.partition_key
    assert first_key == tick.strftime('%Y%m%dT%H%M%S.%fZ')
    assert instance.get_dynamic_partitions(partitions_name(get_spec(UID))) == [first_key]

    fetched = _run(instance, settings, first_key)
    assert fetched.success, _failure(fetched)
    [materialization] = fetched.asset_materializations_for_node(KEY.to_python_identifier())
    assert materialization.partition == first_key
    assert materialization.metadata['outcome'].value == 'applied'
    assert materialization.metadata['snapshot_id'].value == first_key
    archived = settings.path(settings.archive.dir) / UID / 'static' / first_key / 'manifest.json'
    assert orjson.loads(archived.read_bytes())['outcome'] == 'applied'
    assert server.count('/static.json') == 1

    second_key = datetime.now(UTC).strftime('%Y%m%dT%H%M%S.%fZ')
    instance.add_dynamic_partitions(partitions_name(get_spec(UID)), [second_key])
    server.route('/static.json', (200, {}, orjson.dumps({**document, 'EVSEData': document['EVSEData'][:1]})))
    # upstream now has fewer records: applied (force past the shrink guard), a newer snapshot
    newer = _run(instance, settings, second_key, force=True)
    assert newer.success, _failure(newer)
    fewer = db.execute('SELECT count(*) AS n FROM location WHERE source = %s', (UID,)).fetchone()['n']

    # replaying the first (older) key is refused without the flag, and nothing is fetched
    refused = _run(instance, settings, first_key)
    assert not refused.success
    assert 'step the data back in time' in _failure(refused)
    assert server.count('/static.json') == 2
    assert db.execute('SELECT count(*) AS n FROM location WHERE source = %s', (UID,)).fetchone()['n'] == fewer
    # on purpose: the run tag the Backfill dialog can set (config allow_older does the same)
    replayed = _run(instance, settings, first_key, tags={'ocpdb/allow_older': 'true'}, force=True)
    assert replayed.success, _failure(replayed)
    assert server.count('/static.json') == 2  # a replay, not a fetch
    assert db.execute('SELECT count(*) AS n FROM location WHERE source = %s', (UID,)).fetchone()['n'] > fewer


def test_an_unchanged_payload_is_recorded_as_such_in_dagster(source, db):
    _, _, settings = source
    instance = dg.DagsterInstance.get()  # a persistent instance in the temp DAGSTER_HOME
    name = partitions_name(get_spec(UID))
    now = datetime.now(UTC)
    keys = [(now - timedelta(minutes=2)).strftime('%Y%m%dT%H%M%S.%fZ'), now.strftime('%Y%m%dT%H%M%S.%fZ')]
    instance.add_dynamic_partitions(name, keys)
    assert _run(instance, settings, keys[0]).success
    again = _run(instance, settings, keys[1])
    assert again.success
    [materialization] = again.asset_materializations_for_node(KEY.to_python_identifier())
    assert materialization.metadata['outcome'].value == 'unchanged'
    assert 'identical' in materialization.metadata['message'].value


def test_cli_replays_a_snapshot_directory_as_its_partition(source, db):
    _, _, settings = source
    runner = CliRunner()
    fresh = runner.invoke(main, ['import', 'static', UID])
    assert fresh.exit_code == 0, fresh.output
    [directory] = (settings.path(settings.archive.dir) / UID / 'static').iterdir()
    replay = runner.invoke(main, ['import', 'static', UID, '--from-file', str(directory), '--force'])
    assert replay.exit_code == 0, replay.output
    assert "'outcome': 'applied'" in replay.output
    instance = dg.DagsterInstance.get()
    assert instance.get_dynamic_partitions(partitions_name(get_spec(UID))) == [directory.name]
    records = instance.fetch_materializations(KEY, limit=10).records
    assert [r.asset_materialization.partition for r in records] == [directory.name, directory.name]


def test_realtime_history_is_rebuilt_from_archived_snapshots(source, db):
    server, _, settings = source
    run_static(settings, UID)
    realtime = orjson.loads(fixture_bytes('opendata_swiss', 'realtime.json'))
    assert run_realtime(settings, UID).outcome == 'applied'
    # a second poll with every status flipped to one value
    flipped = orjson.loads(orjson.dumps(realtime))
    for group in flipped['EVSEStatuses']:
        for record in group['EVSEStatusRecord']:
            record['EVSEStatus'] = 'OutOfService'
    server.route('/status.json', (200, {}, orjson.dumps(flipped)))
    assert run_realtime(settings, UID).outcome == 'applied'
    history = 'SELECT count(*) AS n FROM evse_status_history'
    before = db.execute(history).fetchone()['n']
    assert before > 0
    # someone "fixes" history by hand badly; the rebuild restores it from the archive
    db.execute('DELETE FROM evse_status_history')
    start, end = datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) + timedelta(minutes=1)
    report = rebuild_status_history(settings, UID, start, end)
    assert report.snapshots == 2
    assert report.rows_written > 0
    statuses = db.execute(
        'SELECT DISTINCT status::text AS s FROM evse_status_history h '
        'WHERE h.observed_at = (SELECT max(observed_at) FROM evse_status_history)'
    ).fetchall()
    assert len(statuses) == 1  # the second poll's one status, for every EVSE

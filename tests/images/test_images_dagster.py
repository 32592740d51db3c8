"""The `images/download` asset, its daily schedule and `ocpdb import images`, against a real local HTTP server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest
from click.testing import CliRunner

from ocpdb_pipelines.cli.images import import_images
from ocpdb_pipelines.defs.images import IMAGES_KEY, IMAGES_SCHEDULE, build_image_definitions
from ocpdb_pipelines.defs.resources import OcpdbConfig, build_resources
from tests.conftest import process_environment, set_environment
from tests.images.helpers import PNG, image, image_rows, location, store


class _Handler(BaseHTTPRequestHandler):
    paths: list[str]

    def do_GET(self) -> None:
        self.paths.append(self.path)
        if self.path.endswith('.png') and not self.path.startswith('/missing'):
            self.send_response(200)
            self.send_header('Content-Type', 'image/png')
            self.send_header('Content-Length', str(len(PNG)))
            self.end_headers()
            self.wfile.write(PNG)
        else:
            self.send_error(404)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def image_server() -> Iterator[tuple[str, list[str]]]:
    paths: list[str] = []
    handler = type('Handler', (_Handler,), {'paths': paths})
    server = ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{server.server_address[1]}', paths
    server.shutdown()
    server.server_close()


@pytest.fixture
def env(settings, monkeypatch, tmp_path):
    """The environment an `ocpdb` process would see: test database, data dirs under tmp_path, no delay."""
    return set_environment(
        monkeypatch, process_environment(settings, tmp_path, OCPDB_IMAGES__REQUEST_DELAY_SECONDS='0')
    )


def _repository(settings):  # type: ignore[no-untyped-def]
    return dg.Definitions.merge(
        build_image_definitions(settings), dg.Definitions(resources=build_resources(settings))
    ).get_repository_def()


def _asset(settings) -> dg.AssetsDefinition:  # type: ignore[no-untyped-def]
    (asset,) = build_image_definitions(settings).assets or []
    assert isinstance(asset, dg.AssetsDefinition)
    return asset


def test_definitions_have_the_asset_and_a_daily_schedule(settings):
    repository = _repository(settings)
    assert IMAGES_KEY in repository.assets_defs_by_key
    schedule = repository.get_schedule_def(IMAGES_SCHEDULE)
    assert schedule.cron_schedule == '0 4 * * *'
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING

    custom = settings.with_values(images={'pull_hour': 5, 'pull_minute': 30}, schedule={'disable_autofetch': True})
    schedule = _repository(custom).get_schedule_def(IMAGES_SCHEDULE)
    assert schedule.cron_schedule == '30 5 * * *'
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED


def test_asset_downloads_and_reports_counts(settings, db, env, image_server):
    base, paths = image_server
    store(db, 'chargecloud_stuttgart', [location('L1', images=[image(f'{base}/a.png'), image(f'{base}/missing.png')])])
    asset = _asset(settings)
    result = dg.materialize(
        [asset],
        resources={'ocpdb': OcpdbConfig(database_url=settings.database.url.get_secret_value())},
        raise_on_error=False,
    )
    assert result.success
    metadata = result.asset_materializations_for_node(IMAGES_KEY.to_python_identifier())[0].metadata
    assert metadata['images_due'].value == 2
    assert metadata['images_downloaded'].value == 1
    assert metadata['images_failed'].value == 1
    assert metadata['failure_reasons'].value == {'HTTP 404': 1}
    assert 'missing.png: HTTP 404' in metadata['failed_sample'].value
    assert sorted(paths) == ['/a.png', '/missing.png']
    row = image_rows(db)[f'{base}/a.png']
    assert (settings.path(settings.images.dir) / f'{row["id"]}.png').read_bytes() == PNG


def test_asset_with_unknown_source_fails_cleanly(settings, env):
    asset = _asset(settings)
    result = dg.materialize(
        [asset],
        resources={'ocpdb': OcpdbConfig(database_url=settings.database.url.get_secret_value())},
        run_config={'ops': {IMAGES_KEY.to_python_identifier(): {'config': {'source_uid': 'nope'}}}},
        raise_on_error=False,
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert 'unknown source uid' in failure.step_failure_data.error.message


@pytest.fixture
def with_image_definitions(monkeypatch, settings):
    """Until the lead registers the image definitions in the code location, add them for the CLI."""
    from ocpdb_pipelines import definitions

    original = definitions.build_definitions
    if any(IMAGES_KEY in asset.keys for asset in original(settings).assets or []):
        return

    def build(current):  # type: ignore[no-untyped-def]
        return dg.Definitions.merge(original(current), build_image_definitions(current))

    monkeypatch.setattr(definitions, 'build_definitions', build)


@pytest.mark.usefixtures('with_image_definitions')
def test_cli_runs_the_asset_for_one_source_and_records_it(settings, db, env, image_server):
    base, paths = image_server
    store(db, 'chargecloud_stuttgart', [location('S1', images=[image(f'{base}/s.png')])])
    store(db, 'chargecloud_tuebingen', [location('T1', images=[image(f'{base}/t.png')])])

    result = CliRunner().invoke(import_images, ['chargecloud_stuttgart'], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert 'images/download' in result.output
    assert "'images_downloaded': 1" in result.output
    assert paths == ['/s.png']

    instance = dg.DagsterInstance.get()
    try:
        event = instance.get_latest_materialization_event(IMAGES_KEY)
        assert event is not None
        run = instance.get_run_by_id(event.run_id)
        assert run.tags['ocpdb/trigger'] == 'cli'
        assert run.tags['ocpdb/source'] == 'chargecloud_stuttgart'
    finally:
        instance.dispose()

    result = CliRunner().invoke(import_images, [], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert paths == ['/s.png', '/t.png']


def test_cli_rejects_an_unknown_source(env):
    result = CliRunner().invoke(import_images, ['nope'])
    assert result.exit_code != 0
    assert 'unknown source uid' in result.output

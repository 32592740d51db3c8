"""Downstream assets through the `ocpdb` commands: runs recorded in the instance, checks evaluated."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest
from click.testing import CliRunner

from ocpdb_pipelines.cli import main
from ocpdb_pipelines.imports import run_static
from ocpdb_pipelines.sources.base import Page
from tests.conftest import process_environment, set_environment
from tests.downstream.datex_schemas import json_errors
from tests.downstream.mtls_server import mtls_receiver
from tests.fixtures_dir import fixture_bytes, fixture_path


@pytest.fixture
def cli_env(settings, db, tmp_path, monkeypatch):
    env = set_environment(
        monkeypatch,
        process_environment(
            settings,
            tmp_path,
            OCPDB_VG25__GEOPACKAGE_PATH=str(fixture_path('vg25', 'vg5000_gem_in_vg25_layout.gpkg')),
            OCPDB_VG25__GEOPACKAGE_URL='http://127.0.0.1:9/unreachable.gpkg',
        ),
    )
    run_static(
        settings, 'bnetza_api', replay_pages=[Page(body=fixture_bytes('bnetza', 'bnetza_api_chargepoints.json'))]
    )
    run_static(settings, 'datex2_enbw', replay_pages=[Page(body=fixture_bytes('datex2', 'enbw_static.json'))])
    return env


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _latest(key: str) -> dg.AssetMaterialization:
    event = dg.DagsterInstance.get().get_latest_materialization_event(dg.AssetKey(key.split('/')))
    assert event is not None
    return event.asset_materialization


def test_assign_regional_codes_loads_vg25_and_assigns(cli_env, db):
    _invoke('location', 'assign-regionalschluessel')
    assert _latest('regions/vg25').metadata['municipalities'].value > 10000
    without = db.execute(
        "SELECT count(*) AS n FROM location WHERE country = 'DEU' AND official_region_code IS NULL"
    ).fetchone()['n']
    total = db.execute("SELECT count(*) AS n FROM location WHERE country = 'DEU'").fetchone()['n']
    assert without < total * 0.02
    düsseldorf = db.execute(
        "SELECT official_region_code FROM location WHERE source = 'bnetza_api' AND uid = '1000001'"
    ).fetchone()
    assert düsseldorf['official_region_code'].startswith('05111')  # Kreisfreie Stadt Düsseldorf
    # a second run finds nothing to do and keeps codes
    _invoke('location', 'assign-regionalschluessel', '--source-id', 'bnetza_api')
    assert _latest('regions/official_region_codes').metadata['updated'].value == 0


def test_imports_leave_codes_to_the_codes_asset(cli_env, settings, db):
    """The graph shows who writes codes: the codes asset (automated after source updates), not the import."""
    _invoke('location', 'assign-regionalschluessel')
    db.execute("UPDATE location SET official_region_code = 'custom' WHERE uid = '1000001'")
    db.execute("DELETE FROM location WHERE source = 'bnetza_api' AND uid = '1000022'")
    # force: the payload is the one applied before (unchanged payloads are skipped otherwise)
    report = run_static(
        settings,
        'bnetza_api',
        replay_pages=[Page(body=fixture_bytes('bnetza', 'bnetza_api_chargepoints.json'))],
        force=True,
    )
    assert 'region_codes_assigned' not in report.counts
    new = "SELECT official_region_code FROM location WHERE source = 'bnetza_api' AND uid = '1000022'"
    assert db.execute(new).fetchone() == {'official_region_code': None}
    _invoke('location', 'assign-regionalschluessel', '--source-id', 'bnetza_api')
    assert _latest('regions/official_region_codes').metadata['updated'].value == 1
    assert db.execute(new).fetchone()['official_region_code']
    assert db.execute("SELECT official_region_code FROM location WHERE uid = '1000001'").fetchone() == {
        'official_region_code': 'custom'
    }


def test_match_run(cli_env):
    output = _invoke('match', 'run')
    assert 'matching/bnetza' in output
    metadata = _latest('matching/bnetza').metadata
    assert metadata['static_locations'].value == 721


def test_export_command_writes_valid_files(cli_env, tmp_path):
    for version in ('3.5', '3.7'):
        target = tmp_path / f'static-{version}.json'
        _invoke('export', 'datex2', '--version', version, '--kind', 'static', '--output', str(target))
        assert json_errors(json.loads(target.read_text()), version, 'static') == []
    xml = tmp_path / 'static.xml'
    _invoke('export', 'datex2', '--version', '3.7', '--format', 'xml', '--output', str(xml))
    assert xml.read_bytes().startswith(b'<?xml')


def test_push_static_command_reaches_the_mobilithek(cli_env, tmp_path, monkeypatch):
    with mtls_receiver(tmp_path) as receiver:
        for key, value in {
            'OCPDB_MOBILITHEK__URL': receiver.url,
            'OCPDB_MOBILITHEK__CA_FILE': str(receiver.ca_file),
            'OCPDB_MOBILITHEK__KEY_DIR': str(receiver.key_dir),
            'OCPDB_MOBILITHEK__CERTIFICATE_FILENAME': receiver.cert_name,
            'OCPDB_MOBILITHEK__KEY_FILENAME': receiver.key_name,
            'OCPDB_MOBILITHEK__STATIC_PUBLICATION_ID': '980054862909370368',
        }.items():
            monkeypatch.setenv(key, value)
        _invoke('location', 'push-mobilithek-static')
        assert len(receiver.requests) == 1
        received = receiver.requests[0]
        assert received.path.endswith('/publication/980054862909370368')
        body = json.loads(received.body)
    assert body['exchangeInformation']['exchangeContext']['codedExchangeProtocol'] == {'value': 'snapshotPush'}
    assert json_errors(body, '3.5', 'static') == []
    metadata = _latest('exports/datex2_static').metadata
    assert metadata['push_sent'].value is True
    checks = dg.DagsterInstance.get().event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey(['exports', 'datex2_static']), 'valid_against_schema')]
    )
    assert checks


def test_definitions_hold_downstream_assets_and_automation(settings):
    from ocpdb_pipelines.definitions import build_definitions

    repository = build_definitions(settings).get_repository_def()
    keys = {k.to_user_string() for k in repository.assets_defs_by_key}
    assert {
        'regions/vg25',
        'regions/official_region_codes',
        'matching/bnetza',
        'exports/datex2_static',
        'exports/datex2_realtime_full',
        'exports/datex2_realtime_diff',
    } <= keys
    names = {s.name for s in repository.sensor_defs} | {s.name for s in repository.schedule_defs}
    assert {
        'exports_datex2_static_schedule',
        'exports_datex2_realtime_full_sensor',
        'exports_datex2_realtime_diff_sensor',
    } <= names
    assert Path(repository.get_schedule_def('exports_datex2_static_schedule').cron_schedule) == Path('0 3 * * *')

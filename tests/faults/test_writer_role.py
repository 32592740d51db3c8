"""The pipelines as ocpdb_writer: every step of the Dagster code location runs with the role the services
connect as (docker-compose.yml), the maintenance still happens, and the role cannot change the schema."""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg
import psycopg
import pytest
from click.testing import CliRunner

from ocpdb_api.settings import READER_ROLE
from ocpdb_pipelines.cli import main
from ocpdb_pipelines.db.roles import WRITER_ROLE
from ocpdb_pipelines.store.maintenance import may_vacuum, maybe_vacuum_live_tables
from tests.conftest import process_environment, set_environment
from tests.faults.test_roles import allowed, as_role, denied, role_url
from tests.fixtures_dir import fixture_path

GPKG = fixture_path('vg25', 'vg5000_gem_in_vg25_layout.gpkg')
LIVE_TABLES = ('evse', 'charging_station', 'location')


@pytest.fixture
def writer_env(settings, tmp_path, monkeypatch) -> dict[str, str]:
    """The environment of a Dagster service in compose: DATABASE_URL names ocpdb_writer."""
    env = process_environment(
        settings,
        tmp_path,
        DATABASE_URL=role_url(settings.database.url.get_secret_value(), WRITER_ROLE),
        OCPDB_IMPORTS__LIVE_VACUUM_SECONDS='60',
        OCPDB_VG25__GEOPACKAGE_PATH=str(GPKG),
        OCPDB_VG25__GEOPACKAGE_URL='http://127.0.0.1:9/unreachable.gpkg',
    )
    set_environment(monkeypatch, env)
    return env


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    assert 'FAILED' not in result.output, result.output
    return result.output


def _statistics(db, table: str) -> tuple[object, int]:
    analysed = db.execute('SELECT last_analyze FROM pg_stat_user_tables WHERE relname = %s', (table,)).fetchone()
    columns = db.execute("SELECT count(*) AS n FROM pg_stats WHERE schemaname = 'public' AND tablename = %s", (table,))
    return analysed['last_analyze'], columns.fetchone()['n']


def test_every_pipeline_step_runs_as_the_writer(writer_env, db, tmp_path):
    """Imports, realtime, matching, codes, exports and products as Dagster runs with the writer's URL; the
    statistics and the boundary view they maintain are there afterwards (autovacuum is off here)."""
    _invoke(
        'import', 'static', 'bnetza_api', '--from-file', str(fixture_path('bnetza', 'bnetza_api_chargepoints.json'))
    )
    _invoke('import', 'static', 'datex2_enbw', '--from-file', str(fixture_path('datex2', 'enbw_static.json')))
    _invoke('import', 'realtime', 'datex2_enbw', '--from-file', str(fixture_path('datex2', 'enbw_realtime.json')))
    for table in ('location', 'charging_station', 'evse'):
        analysed, columns = _statistics(db, table)
        assert analysed is not None, table  # ANALYZE ran as the owner, not skipped with a warning
        assert columns > 0, table
    assert db.execute('SELECT count(*) AS n FROM evse_status_history').fetchone()['n'] > 0

    _invoke('match', 'run')
    _invoke('location', 'assign-regionalschluessel')
    assert db.execute('SELECT count(*) AS n FROM region_boundary').fetchone()['n'] > 10000  # refreshed
    assert _statistics(db, 'regionalschluessel')[1] > 0
    coded = db.execute('SELECT count(*) AS n FROM location WHERE official_region_code IS NOT NULL').fetchone()
    assert coded['n'] > 0
    _invoke('export', 'datex2', '--output', str(tmp_path / 'static.json'))
    assert (tmp_path / 'static.json').stat().st_size > 0

    from ocpdb_pipelines.config import current_settings
    from ocpdb_pipelines.definitions import build_definitions
    from ocpdb_pipelines.defs.resources import build_resources

    settings = current_settings()
    assert psycopg.conninfo.conninfo_to_dict(settings.database.url.get_secret_value())['user'] == WRITER_ROLE
    assets = {key: asset for asset in build_definitions(settings).assets or [] for key in asset.keys}
    keys = [
        dg.AssetKey(['exports', 'datex2_static']),
        dg.AssetKey(['exports', 'datex2_realtime_full']),
        dg.AssetKey(['products', 'dumps']),
        dg.AssetKey(['matching', 'cross_source_duplicates']),
    ]
    instance = dg.DagsterInstance.get()
    result = dg.materialize([assets[k] for k in keys], instance=instance, resources=build_resources(settings))
    assert result.success
    statistics = dg.AssetKey(['products', 'availability_statistics'])
    day = (date.today() - timedelta(days=1)).isoformat()  # the last complete day
    result = dg.materialize(
        [assets[statistics]], instance=instance, resources=build_resources(settings), partition_key=day
    )
    assert result.success


def test_the_writer_may_not_change_the_schema_nor_maintain_what_it_should_not(db_url):
    with as_role(db_url, WRITER_ROLE) as writer:
        for statement in (
            'CREATE TABLE scratch (id int)',
            'DROP TABLE location CASCADE',
            'DROP TABLE evse_status_history',
            'DROP MATERIALIZED VIEW region_boundary',
            'ALTER TABLE evse ADD x int',
            'CREATE INDEX ON location (name)',
            'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
            'REFRESH MATERIALIZED VIEW region_boundary',  # only through the owner's function
            "SELECT ocpdb_analyze('schema_migrations')",
            "SELECT ocpdb_analyze('pg_catalog.pg_class')",
            "SELECT ocpdb_refresh_materialized_view('location')",
            'ALTER FUNCTION ocpdb_analyze(text) SECURITY INVOKER',
        ):
            assert denied(writer, statement), statement
        for statement in (
            "SELECT ocpdb_analyze('location')",
            "SELECT ocpdb_refresh_materialized_view('region_boundary')",
        ):
            assert allowed(writer, statement), statement
        assert not may_vacuum(writer)
    with as_role(db_url, READER_ROLE) as reader:
        for statement in (
            "SELECT ocpdb_analyze('location')",
            "SELECT ocpdb_refresh_materialized_view('region_boundary')",
        ):
            assert denied(reader, statement), statement


def _vacuumed(db) -> dict[str, object]:
    rows = db.execute(
        'SELECT relname, last_vacuum FROM pg_stat_user_tables WHERE relname = ANY(%s)', (list(LIVE_TABLES),)
    ).fetchall()
    return {r['relname']: r['last_vacuum'] for r in rows}


def test_live_vacuum_is_left_to_the_owners_maintenance_step(writer_env, db, monkeypatch):
    """The HOT path's VACUUM: a realtime run as the writer leaves the turn (it could only warn and skip the
    tables), and `ocpdb db maintain` with the owner's URL takes it.

    pg_stat's last_vacuum outlives the suite's TRUNCATEs (an earlier test of this worker may have vacuumed as
    the owner), so the test compares the stamps before and after each step."""
    before = _vacuumed(db)
    _invoke('import', 'static', 'datex2_enbw', '--from-file', str(fixture_path('datex2', 'enbw_static.json')))
    _invoke('import', 'realtime', 'datex2_enbw', '--from-file', str(fixture_path('datex2', 'enbw_realtime.json')))
    assert maybe_vacuum_live_tables(writer_env['DATABASE_URL'], 60) is False
    assert _vacuumed(db) == before
    assert db.execute("SELECT count(*) AS n FROM maintenance_state WHERE name = 'live_vacuum'").fetchone()['n'] == 0

    # the writer's URL is refused by the maintenance step: it could not vacuum
    refused = CliRunner().invoke(main, ['db', 'maintain'])
    assert refused.exit_code != 0
    assert 'owner' in refused.output

    monkeypatch.setenv('DATABASE_URL', db.info.dsn)
    output = _invoke('db', 'maintain')
    assert 'vacuumed the live tables' in output
    after = _vacuumed(db)
    assert all(after[name] is not None and (before[name] is None or after[name] > before[name]) for name in after)
    assert 'not due' in _invoke('db', 'maintain')  # the interval is shared with the realtime path


def test_live_tables_autovacuum_after_a_fixed_number_of_changes(db):
    """Production's VACUUM of the live tables is autovacuum's: per-table settings, not 20 % of the table."""
    rows = db.execute(
        "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s) AND relnamespace = 'public'::regnamespace",
        (list(LIVE_TABLES),),
    ).fetchall()
    for row in rows:
        options = dict(option.split('=') for option in row['reloptions'])
        assert float(options['autovacuum_vacuum_scale_factor']) <= 0.01, row['relname']
        assert int(options['autovacuum_vacuum_threshold']) <= 1000, row['relname']

"""The README demo command, without serving: every step succeeds offline on generated samples."""

from __future__ import annotations

import os

import dagster as dg
from click.testing import CliRunner

from ocpdb_pipelines.cli import main
from ocpdb_pipelines.sources.registry import REGISTRY


def test_demo_imports_every_family_and_runs_downstream(settings, db, tmp_path, monkeypatch):
    for key, value in {
        'DAGSTER_HOME': str(tmp_path / 'dagster_home'),
        'DATABASE_URL': settings.DATABASE_URL,
        'REDIS_URL': settings.REDIS_URL,
        'OCPDB_CONFIG': os.devnull,
        'OCPDB_DATA_DIR': str(tmp_path / 'data'),
        'OCPDB_EXPORT_DIR': str(tmp_path / 'exports'),
        'OCPDB_RAW_ARCHIVE_DIR': str(tmp_path / 'raw'),
        'OCPDB_VG25_GEOPACKAGE_PATH': str(tmp_path / 'no-real-vg25.gpkg'),
    }.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(main, ['demo', '--no-serve'])
    assert result.exit_code == 0, result.output[-3000:]

    sources = db.execute('SELECT uid, static_status, static_error_count FROM source ORDER BY uid').fetchall()
    families = {REGISTRY[s['uid']].family for s in sources}
    assert families == {spec.family for spec in REGISTRY.values()}
    assert all(s['static_status'] == 'ACTIVE' and s['static_error_count'] == 0 for s in sources)
    live = db.execute("SELECT count(*) AS n FROM evse WHERE status NOT IN ('STATIC', 'UNKNOWN')").fetchone()['n']
    assert live > 500
    linked = db.execute('SELECT count(*) AS n FROM location WHERE dynamic_location_id IS NOT NULL').fetchone()['n']
    assert linked >= 50
    coded = db.execute('SELECT count(*) AS n FROM location WHERE official_region_code IS NOT NULL').fetchone()['n']
    assert coded > 100
    assert (tmp_path / 'exports' / 'datex2_v3.5_static.json').stat().st_size > 100_000
    assert (tmp_path / 'exports' / 'datex2_v3.5_realtime.json').exists()

    instance = dg.DagsterInstance.get()
    for key in (['source', 'bnetza_api'], ['source', 'datex2_enbw', 'realtime'], ['matching', 'bnetza']):
        assert instance.get_latest_materialization_event(dg.AssetKey(key)) is not None

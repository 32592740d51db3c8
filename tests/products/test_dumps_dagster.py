"""`products/dumps` as a Dagster asset: materialized in a real instance, its metadata names what it wrote;
its automation condition asks for a run after a register import."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from ocpdb_pipelines.defs.downstream.dumps import DUMPS_KEY, build_dumps_asset
from ocpdb_pipelines.defs.resources import OcpdbConfig
from ocpdb_pipelines.imports import run_static
from ocpdb_pipelines.products.dumps.index import latest
from ocpdb_pipelines.sources.base import Page
from tests.fixtures_dir import fixture_bytes

REGISTER = dg.AssetKey(['source', 'bnetza_api'])


def test_materialize_dumps_asset(settings, db, tmp_path, monkeypatch):
    monkeypatch.setenv('OCPDB_CONFIG', os.devnull)
    monkeypatch.setenv('DATABASE_URL', settings.database.url.get_secret_value())
    monkeypatch.setenv('OCPDB_EXPORTS__DIR', str(tmp_path / 'exports'))
    run_static(settings, 'bnetza_api', replay_pages=[Page(fixture_bytes('bnetza', 'bnetza_api_chargepoints.json'))])
    asset = build_dumps_asset([REGISTER], [REGISTER])
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [asset],
            resources={'ocpdb': OcpdbConfig(database_url=settings.database.url.get_secret_value())},
            instance=instance,
            selection=[DUMPS_KEY],
        )
        assert result.success
        metadata = instance.get_latest_materialization_event(DUMPS_KEY).asset_materialization.metadata
    assert metadata['locations'].value == 721
    assert metadata['evses'].value == 1822
    directory, manifest = latest(tmp_path / 'exports' / 'dumps')
    assert metadata['generation'].value == manifest['generation'] == directory.name
    assert Path(metadata['path'].value) == directory
    assert metadata['bytes ocpdb-evses.parquet'].value == (directory / 'ocpdb-evses.parquet').stat().st_size


def test_automation_requests_a_dump_after_a_register_import():
    register, other = dg.AssetSpec(REGISTER), dg.AssetSpec(dg.AssetKey(['source', 'datex2_enbw']))
    asset = build_dumps_asset([REGISTER, other.key], [REGISTER])
    defs = dg.Definitions(assets=[register, other, asset], resources={'ocpdb': OcpdbConfig()})
    with dg.instance_for_test() as instance:
        first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        assert first.total_requested == 0  # no cron tick passed, nothing imported yet
        instance.report_runless_asset_event(dg.AssetMaterialization(other.key))
        after_other = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
        assert after_other.total_requested == 0  # a small import waits for the daily run
        instance.report_runless_asset_event(dg.AssetMaterialization(REGISTER))
        after_register = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=after_other.cursor)
        assert after_register.get_requested_partitions(DUMPS_KEY) == {None}

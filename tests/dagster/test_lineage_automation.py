"""The graph matches the data flow, and downstream runs itself: the definitions are loaded and their
lineage and automation conditions checked, then the conditions evaluated on a real instance: an in-memory one
(`DagsterInstance.ephemeral()`, the same instance class and event log API). On a SQLite instance each
evaluation asks the storage for the sources' dynamic partitions ~950 times (serializing its cursor), each a new
engine and connection: 10-20 s an evaluation under load against ~1 s in memory."""

from __future__ import annotations

import dagster as dg
import pytest

from ocpdb_pipelines.definitions import build_definitions
from ocpdb_pipelines.sources.registry import REGISTRY

CODES = dg.AssetKey(['regions', 'official_region_codes'])
VG25 = dg.AssetKey(['regions', 'vg25'])
MATCHING = dg.AssetKey(['matching', 'bnetza'])
REALTIME_FULL = dg.AssetKey(['exports', 'datex2_realtime_full'])
REALTIME_DIFF = dg.AssetKey(['exports', 'datex2_realtime_diff'])
STATIC_EXPORT = dg.AssetKey(['exports', 'datex2_static'])


def static(uid: str) -> dg.AssetKey:
    return dg.AssetKey(['source', uid])


def realtime(uid: str) -> dg.AssetKey:
    return dg.AssetKey(['source', uid, 'realtime'])


@pytest.fixture
def defs(settings) -> dg.Definitions:
    return build_definitions(settings)


def _parents(defs: dg.Definitions) -> dict[dg.AssetKey, set[dg.AssetKey]]:
    graph = defs.resolve_asset_graph()
    return {key: set(graph.get(key).parent_keys) for key in graph.get_all_asset_keys()}


def test_realtime_assets_feed_the_realtime_exports(defs):
    parents = _parents(defs)
    live = {realtime(uid) for uid, spec in REGISTRY.items() if spec.has_realtime}
    assert len(live) >= 30
    assert live <= parents[REALTIME_FULL]
    assert live <= parents[REALTIME_DIFF]
    assert not live & parents[STATIC_EXPORT]  # the static publication carries no statuses
    graph = defs.resolve_asset_graph()
    assert all(graph.get(key).child_keys for key in live)  # no realtime asset is a dead end any more


def test_codes_and_matching_sit_below_the_sources_they_read(defs):
    parents = _parents(defs)
    german = {static(uid) for uid, spec in REGISTRY.items() if spec.country == 'DEU'}
    swiss = {static(uid) for uid, spec in REGISTRY.items() if spec.country != 'DEU'}
    assert swiss  # opendata_swiss
    assert parents[CODES] == {VG25, *german}
    assert {static('bnetza_api'), static('bnetza_excel')} <= parents[MATCHING]
    assert {static(uid) for uid in REGISTRY} == parents[MATCHING]
    assert {CODES, MATCHING} <= parents[STATIC_EXPORT]


def test_matching_and_codes_are_automated_and_exports_keep_their_cadence(defs):
    graph = defs.resolve_asset_graph()
    for key in (CODES, MATCHING):
        condition = graph.get(key).automation_condition
        assert condition is not None
        assert 'after inputs update' in condition.get_label()
    for key in (STATIC_EXPORT, REALTIME_FULL, REALTIME_DIFF, VG25):
        assert graph.get(key).automation_condition is None
    repository = defs.get_repository_def()
    sensor = repository.get_sensor_def('downstream_automation')
    assert isinstance(sensor, dg.AutomationConditionSensorDefinition)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    # the products downstream of the sources are automated by the same sensor (their own conditions)
    products = {
        dg.AssetKey(['matching', 'cross_source_duplicates']),
        dg.AssetKey(['products', 'dumps']),
        dg.AssetKey(['products', 'availability_statistics']),
    }
    assert set(sensor.asset_selection.resolve(graph)) == {CODES, MATCHING, *products}
    schedules = {s.name for s in repository.schedule_defs}
    sensors = {s.name for s in repository.sensor_defs}
    assert 'exports_datex2_static_schedule' in schedules
    assert 'exports_datex2_realtime_full_sensor' in sensors


def _snapshot(instance: dg.DagsterInstance, uid: str) -> dg.AssetMaterialization:
    """What a static import records: a materialization of a new snapshot partition of `source/<uid>`."""
    from ocpdb_pipelines.defs.sources.partitions import add_partition
    from ocpdb_pipelines.http.archive import new_snapshot_id

    key = new_snapshot_id()
    add_partition(instance, REGISTRY[uid], key)
    return dg.AssetMaterialization(static(uid), partition=key)


def _requested(result) -> set[dg.AssetKey]:
    return {key for key in (CODES, MATCHING) if result.get_num_requested(key)}


def test_a_source_update_requests_matching_and_codes_once(defs):
    selection = dg.AssetSelection.assets(CODES, MATCHING)
    with dg.DagsterInstance.ephemeral() as instance:
        # nothing exists yet: no VG25, no register; neither runs for nothing
        result = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=selection)
        assert _requested(result) == set()
        instance.report_runless_asset_event(dg.AssetMaterialization(VG25))
        instance.report_runless_asset_event(_snapshot(instance, 'bnetza_api'))
        result = dg.evaluate_automation_conditions(
            defs=defs, instance=instance, asset_selection=selection, cursor=result.cursor
        )
        assert _requested(result) == {CODES, MATCHING}
        instance.report_runless_asset_event(dg.AssetMaterialization(CODES))
        instance.report_runless_asset_event(dg.AssetMaterialization(MATCHING))
        result = dg.evaluate_automation_conditions(
            defs=defs, instance=instance, asset_selection=selection, cursor=result.cursor
        )
        assert _requested(result) == set()  # handled; no repeat without a new input
        # a live source updates: both re-run; a Swiss source updates: matching only; realtime: neither
        instance.report_runless_asset_event(_snapshot(instance, 'datex2_enbw'))
        result = dg.evaluate_automation_conditions(
            defs=defs, instance=instance, asset_selection=selection, cursor=result.cursor
        )
        assert _requested(result) == {CODES, MATCHING}
        instance.report_runless_asset_event(dg.AssetMaterialization(CODES))
        instance.report_runless_asset_event(dg.AssetMaterialization(MATCHING))
        result = dg.evaluate_automation_conditions(
            defs=defs, instance=instance, asset_selection=selection, cursor=result.cursor
        )
        assert _requested(result) == set()
        swiss = next(uid for uid, spec in REGISTRY.items() if spec.country != 'DEU')
        instance.report_runless_asset_event(_snapshot(instance, swiss))
        instance.report_runless_asset_event(dg.AssetMaterialization(realtime('datex2_enbw')))
        result = dg.evaluate_automation_conditions(
            defs=defs, instance=instance, asset_selection=selection, cursor=result.cursor
        )
        assert _requested(result) == {MATCHING}


def test_the_push_schedule_and_sensors_keep_their_configured_cadence(settings):
    """Exports follow `mobilithek.*`, not the sources' updates: off by default, on with their cadence."""
    default = build_definitions(settings).get_repository_def()
    static_push = default.get_schedule_def('exports_datex2_static_schedule')
    assert static_push.default_status == dg.DefaultScheduleStatus.STOPPED
    diff_push = default.get_sensor_def('exports_datex2_realtime_diff_sensor')
    assert diff_push.default_status == dg.DefaultSensorStatus.STOPPED
    configured = settings.with_values(
        mobilithek={
            'enabled': True,
            'static_push_hour': 5,
            'static_push_minute': 15,
            'realtime_full_push_seconds': 3600,
            'realtime_diff_push_seconds': 120,
        }
    )
    repository = build_definitions(configured).get_repository_def()
    schedule = repository.get_schedule_def('exports_datex2_static_schedule')
    assert (schedule.cron_schedule, schedule.default_status) == ('15 5 * * *', dg.DefaultScheduleStatus.RUNNING)
    full = repository.get_sensor_def('exports_datex2_realtime_full_sensor')
    diff = repository.get_sensor_def('exports_datex2_realtime_diff_sensor')
    assert (full.minimum_interval_seconds, diff.minimum_interval_seconds) == (3600, 120)
    assert full.default_status == diff.default_status == dg.DefaultSensorStatus.RUNNING

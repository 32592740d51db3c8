"""Static source assets are partitioned by archived snapshot: one dynamic partition per fetch.

Why dynamic partitions per snapshot rather than time windows: a partition then *is* a payload that
exists in the raw archive (its key is the snapshot id, the fetch's UTC time), so the partition bar
shows exactly which fetches exist and which of them applied or failed, and materializing a key
replays that very snapshot. Time windows would promise a partition for every day whether or not a
fetch happened (sources are weekly, monthly, or pushed at random), could hold several fetches in
one window, and would need a lookup from window to snapshot; a source's cron may also change.

A fresh fetch gets its key before it runs: the schedule adds the key (the scheduled time) to the
instance and requests a run of that partition; the asset, finding no archived snapshot under the
key, fetches and archives the payload under it. Materializing a key that has a snapshot replays it;
an older snapshot than the one applied last needs `allow_older` (never a silent step back).
"""

from __future__ import annotations

from datetime import datetime

import dagster as dg

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.http.archive import new_snapshot_id
from ocpdb_pipelines.sources.registry import SourceSpec


def partitions_name(spec: SourceSpec) -> str:
    return f'snapshots_{spec.uid}'


def snapshot_partitions(spec: SourceSpec) -> dg.DynamicPartitionsDefinition:
    return dg.DynamicPartitionsDefinition(name=partitions_name(spec))


def add_partition(instance: dg.DagsterInstance, spec: SourceSpec, key: str) -> None:
    name = partitions_name(spec)
    if not instance.has_dynamic_partition(name, key):
        instance.add_dynamic_partitions(name, [key])


def new_fetch_key(spec: SourceSpec, instance: dg.DagsterInstance, at: datetime | None = None) -> str:
    """A fresh snapshot id, registered as a partition: the key a fresh fetch is archived under."""
    key = new_snapshot_id(at)
    add_partition(instance, spec, key)
    return key


def build_fetch_schedule(
    settings: Settings, spec: SourceSpec, static_asset: dg.AssetsDefinition
) -> dg.ScheduleDefinition:
    """The static schedule: each tick adds a partition (a new snapshot id) and runs it, i.e. fetches."""
    from ocpdb_pipelines.defs.sources.automation import auto_fetch, is_enabled, static_cron
    from ocpdb_pipelines.defs.sources.keys import run_tags, schedule_name

    running = auto_fetch(settings, spec)

    @dg.schedule(
        name=schedule_name(spec),
        cron_schedule=static_cron(settings, spec),
        target=static_asset,
        execution_timezone='UTC',
        tags=run_tags(spec),  # counted per value by dagster.yaml's tag_concurrency_limits
        default_status=dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED,
        description=f'Full static import of {spec.uid}: a new snapshot partition per tick'
        + ('' if is_enabled(settings, spec) else f' (off: sources.{spec.uid} is not configured)'),
    )
    def _schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        key = new_fetch_key(spec, context.instance, context.scheduled_execution_time)
        return dg.RunRequest(run_key=key, partition_key=key, tags={**run_tags(spec), 'ocpdb/trigger': 'schedule'})

    return _schedule

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

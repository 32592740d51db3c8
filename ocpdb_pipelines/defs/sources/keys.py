"""Asset keys and definition names per source, in one place."""

from __future__ import annotations

import dagster as dg

from ocpdb_pipelines.sources.registry import SourceSpec


def static_key(spec: SourceSpec) -> dg.AssetKey:
    return dg.AssetKey(['source', spec.uid])


def realtime_key(spec: SourceSpec) -> dg.AssetKey:
    return dg.AssetKey(['source', spec.uid, 'realtime'])


def schedule_name(spec: SourceSpec) -> str:
    return f'{spec.uid}_static_schedule'


def sensor_name(spec: SourceSpec) -> str:
    return f'{spec.uid}_sensor'


SOURCE_TAG = 'ocpdb/source'
FAMILY_TAG = 'ocpdb/family'


def source_pool(spec: SourceSpec) -> str:
    """The source's concurrency pool (limit 1 in dagster.yaml): one apply of a source at a time in any run,
    however it was launched (schedule, sensor, UI, CLI in-process)."""
    return f'source/{spec.uid}'


def run_tags(spec: SourceSpec) -> dict[str, str]:
    """Run tags that dagster.yaml's tag_concurrency_limits count per value (asset tags are not run tags)."""
    return {SOURCE_TAG: spec.uid, FAMILY_TAG: spec.family}

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

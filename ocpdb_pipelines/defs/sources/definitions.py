"""All source definitions, built from the registry and the current configuration."""

from __future__ import annotations

import dagster as dg

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.defs.sources.assets import build_realtime_asset, build_static_asset
from ocpdb_pipelines.defs.sources.automation import build_fetch_schedule, build_sensor, realtime_interval
from ocpdb_pipelines.defs.sources.history import build_history_job
from ocpdb_pipelines.sources.registry import REGISTRY


def build_source_definitions(settings: Settings) -> dg.Definitions:
    assets: list[dg.AssetsDefinition] = []
    schedules = []
    sensors = []
    for spec in REGISTRY.values():
        static_asset = build_static_asset(spec)
        assets.append(static_asset)
        realtime_asset = build_realtime_asset(spec, realtime_interval(settings, spec)) if spec.has_realtime else None
        if realtime_asset is not None:
            assets.append(realtime_asset)
        schedules.append(build_fetch_schedule(settings, spec, static_asset))
        sensors.append(build_sensor(settings, spec, static_asset, realtime_asset))
    return dg.Definitions(assets=assets, schedules=schedules, sensors=sensors, jobs=[build_history_job()])

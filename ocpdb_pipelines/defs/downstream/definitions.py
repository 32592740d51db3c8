"""Downstream definitions, wired to the source assets they read, so the graph shows every data flow."""

import dagster as dg

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.defs.downstream.automation import build_downstream_automation_sensor
from ocpdb_pipelines.defs.downstream.dumps import LARGE_IMPORTS, build_dumps_asset
from ocpdb_pipelines.defs.downstream.duplicates import DUPLICATES_KEY, build_duplicates_asset
from ocpdb_pipelines.defs.downstream.exports import build_export_assets, build_export_automation
from ocpdb_pipelines.defs.downstream.matching import MATCHING_KEY, build_matching_asset
from ocpdb_pipelines.defs.downstream.regions import CODES_KEY, build_region_codes_asset, vg25
from ocpdb_pipelines.defs.downstream.statistics import build_statistics_asset
from ocpdb_pipelines.defs.sources.keys import realtime_key, static_key
from ocpdb_pipelines.matching import STATIC_SOURCES
from ocpdb_pipelines.regions.assign import SUPPORTED_COUNTRIES
from ocpdb_pipelines.sources.registry import REGISTRY, get_spec


def build_downstream_definitions(settings: Settings) -> dg.Definitions:
    specs = list(REGISTRY.values())
    source_keys = [static_key(spec) for spec in specs]
    realtime_keys = [realtime_key(spec) for spec in specs if spec.has_realtime]
    coded_keys = [static_key(spec) for spec in specs if spec.country in SUPPORTED_COUNTRIES]
    register_keys = [static_key(REGISTRY[uid]) for uid in STATIC_SOURCES]
    exports = build_export_assets([*source_keys, MATCHING_KEY, CODES_KEY], realtime_keys)
    schedules, sensors = build_export_automation(settings, exports)
    large = [static_key(get_spec(u)) for u in LARGE_IMPORTS]
    dumps = build_dumps_asset([*source_keys, MATCHING_KEY, CODES_KEY, DUPLICATES_KEY], large)
    duplicates = build_duplicates_asset([static_key(s) for s in REGISTRY.values() if s.uid not in STATIC_SOURCES])
    statistics = build_statistics_asset([realtime_key(spec) for spec in REGISTRY.values() if spec.has_realtime])
    return dg.Definitions(
        assets=[
            vg25,
            build_region_codes_asset(coded_keys),
            build_matching_asset(source_keys, register_keys),
            *exports,
            dumps,
            statistics,
            duplicates,
        ],
        schedules=schedules,
        sensors=[
            *sensors,
            build_downstream_automation_sensor(
                [CODES_KEY, MATCHING_KEY, DUPLICATES_KEY, *dumps.keys, *statistics.keys]
            ),
        ],
    )

"""The sensor's share of pushed inputs: apply landed payloads in the tick, report runless materializations.

Realtime payloads (DATEX II push) become materializations of `source/<uid>/realtime`; giro-e requests
change locations (PUT/DELETE -> `source/giroe`) and statuses (PATCH -> `source/giroe/realtime`).
"""

from __future__ import annotations

import dagster as dg

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.defs.sources.assets import report_metadata
from ocpdb_pipelines.defs.sources.keys import realtime_key, static_key
from ocpdb_pipelines.push.giroe_apply import apply_pending_giroe
from ocpdb_pipelines.push.giroe_requests import PATCH_CONNECTOR
from ocpdb_pipelines.push.realtime import apply_pending_realtime
from ocpdb_pipelines.sources.registry import SourceSpec

GIROE_PUSH_INPUT = 'giroe_locations'


def landed_push_events(settings: Settings, spec: SourceSpec, messages: list[str]) -> list[dg.AssetMaterialization]:
    events: list[dg.AssetMaterialization] = []
    realtime = apply_pending_realtime(settings, spec.uid)
    messages += realtime.messages
    for report in realtime.reports:
        metadata = report_metadata(report)
        metadata['trigger'] = 'push'
        events.append(dg.AssetMaterialization(asset_key=realtime_key(spec), metadata=metadata))
    if GIROE_PUSH_INPUT in spec.push_inputs:
        events += _giroe_events(settings, spec, messages)
    return events


def _giroe_events(settings: Settings, spec: SourceSpec, messages: list[str]) -> list[dg.AssetMaterialization]:
    report = apply_pending_giroe(settings)
    messages += report.messages
    if not report.applied:
        return []
    metadata = {**report.metadata(), 'trigger': 'push'}
    keys = [static_key(spec)] if report.applied > report.operations[PATCH_CONNECTOR] else []
    if report.operations[PATCH_CONNECTOR]:
        keys.append(realtime_key(spec))
    return [dg.AssetMaterialization(asset_key=key, metadata=metadata) for key in keys]

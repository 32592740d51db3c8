"""The Dagster code location: `dagster dev -m ocpdb_pipelines.definitions` (see workspace.yaml)."""

from __future__ import annotations

import dagster as dg

from ocpdb_pipelines.config import Settings, get_settings
from ocpdb_pipelines.defs.downstream.definitions import build_downstream_definitions
from ocpdb_pipelines.defs.images import build_image_definitions
from ocpdb_pipelines.defs.resources import build_resources
from ocpdb_pipelines.defs.sources.definitions import build_source_definitions
from ocpdb_pipelines.defs.sources.quarantine import build_quarantine_definitions
from ocpdb_pipelines.sources.options import check_sources


def build_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions.merge(
        build_source_definitions(settings),
        build_downstream_definitions(settings),
        build_image_definitions(settings),
        build_quarantine_definitions(),
        dg.Definitions(resources=build_resources(settings)),
    )


defs = build_definitions(check_sources(get_settings()))

"""Asset `matching/bnetza`: link BNetzA register entries to the live location they duplicate."""

import dagster as dg

from ocpdb_pipelines.defs.downstream.automation import after_inputs_update
from ocpdb_pipelines.defs.resources import OcpdbConfig, PostgisResource
from ocpdb_pipelines.matching.service import run_matching

MATCHING_KEY = dg.AssetKey(['matching', 'bnetza'])


def build_matching_asset(source_keys: list[dg.AssetKey], bnetza_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """Reads the BNetzA register sources and the live locations of every other source: all are inputs;
    it re-runs after any of them updated, once a register source exists."""

    @dg.asset(
        key=MATCHING_KEY,
        deps=source_keys,
        automation_condition=after_inputs_update(bnetza_keys),
        group_name='matching',
        kinds={'python', 'postgres'},
        description='Scores every BNetzA location (bnetza_api, bnetza_excel) against live locations within 500 m '
        '(distance, address and operator trigram similarity, EVSE count) and stores the best link above '
        'MATCHING_FACTOR_THRESHOLD; tiles hide matched duplicates.',
    )
    def bnetza_matching(ocpdb: OcpdbConfig, postgis: PostgisResource) -> dg.MaterializeResult:
        settings = ocpdb.settings()
        with postgis.connection() as conn:
            report = run_matching(conn, settings.matching.factor_threshold)
        metadata = {
            key: dg.MetadataValue.json(value) if isinstance(value, dict) else value
            for key, value in report.metadata().items()
        }
        return dg.MaterializeResult(metadata=metadata)

    return bnetza_matching

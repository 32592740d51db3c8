"""`matching/cross_source_duplicates`: links the same EVSEs (or the same site) delivered by two live sources
(one record leads).

Cheap set-based SQL, so it runs after every live import (eager); tiles hide the followers by default.
"""

import dagster as dg

from ocpdb_pipelines.db.connection import connect
from ocpdb_pipelines.defs.resources import OcpdbConfig
from ocpdb_pipelines.products.duplicates import link_duplicates

DUPLICATES_KEY = dg.AssetKey(['matching', 'cross_source_duplicates'])


def build_duplicates_asset(live_source_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=DUPLICATES_KEY,
        deps=live_source_keys,
        group_name='matching',
        kinds={'python', 'postgres'},
        automation_condition=dg.AutomationCondition.eager(),
        description='Same EVSE ids (eMI3), or the same site by the site score (distance, name/address, operator, '
        'EVSE count, power), at two live sources: the follower location points at the leader '
        '(location.dynamic_location_id, provenance in location_duplicate); tiles show it once.',
    )
    def cross_source_duplicates(ocpdb: OcpdbConfig) -> dg.MaterializeResult:
        with connect(ocpdb.settings().database.url.get_secret_value()) as conn:
            report = link_duplicates(conn)
        metadata = report.metadata()
        metadata['pairs_by_sources'] = dg.MetadataValue.json(report.pairs_by_sources or {})
        metadata['linked_by_rule'] = dg.MetadataValue.json(report.linked_by_rule or {})
        return dg.MaterializeResult(metadata=metadata)

    return cross_source_duplicates

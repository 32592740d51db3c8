"""`landing/quarantine`: the pushed payloads that could never be applied, visible in Dagster.

Each materialization (hourly, or from the UI) removes what interrupted landings left behind, bounds every
source's `rejected/` directory by size and age (push/quarantine.py), and reports what is left per source
as metadata; its check `quarantine_empty` warns while anything is quarantined, so a data engineer sees
rejected pushes (count, bytes, the latest reason and file) instead of a directory growing unseen.
"""

from __future__ import annotations

import dagster as dg

from ocpdb_pipelines.defs.resources import OcpdbConfig
from ocpdb_pipelines.landing import LandingArea
from ocpdb_pipelines.push.quarantine import QuarantinePolicy, prune, summary

QUARANTINE_KEY = dg.AssetKey(['landing', 'quarantine'])
CHECK = 'quarantine_empty'


@dg.asset(
    key=QUARANTINE_KEY,
    group_name='push',
    description='Rejected pushed payloads per source, bounded by size and age (landing/<uid>/rejected/)',
    check_specs=[dg.AssetCheckSpec(CHECK, asset=QUARANTINE_KEY, description='No pushed payload is quarantined')],
    kinds={'python'},
)
def landing_quarantine(ocpdb: OcpdbConfig) -> dg.MaterializeResult:
    settings = ocpdb.settings()
    landing = LandingArea(settings.path(settings.landing.dir))
    policy = QuarantinePolicy.from_settings(settings)
    swept = landing.sweep()
    sources = [p.name for p in landing.root.iterdir() if p.is_dir()] if landing.root.is_dir() else []
    pruned = sum(prune(landing, uid, policy) for uid in sources)
    entries = summary(landing)
    per_source = {
        e.uid: {
            'count': e.count,
            'bytes': e.bytes,
            'oldest_age_hours': round((e.oldest_age_seconds or 0) / 3600, 1),
            'latest_reason': e.latest_reason,
            'latest_file': e.latest_file,
        }
        for e in entries
    }
    metadata = {
        'quarantined': sum(e.count for e in entries),
        'bytes': sum(e.bytes for e in entries),
        'pruned': pruned,
        'interrupted_landings_removed': swept,
        'per_source': dg.MetadataValue.json(per_source),
    }
    check = dg.AssetCheckResult(
        check_name=CHECK,
        passed=not entries,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={'sources': dg.MetadataValue.json(sorted(per_source)), 'quarantined': metadata['quarantined']},
    )
    return dg.MaterializeResult(metadata=metadata, check_results=[check])


def build_quarantine_definitions() -> dg.Definitions:
    schedule = dg.ScheduleDefinition(
        name='landing_quarantine_schedule',
        target=landing_quarantine,
        cron_schedule='17 * * * *',
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    return dg.Definitions(assets=[landing_quarantine], schedules=[schedule])

"""Asset checks of a source's data, evaluated in the same run (or sensor tick) that changed it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dagster as dg
import psycopg

from ocpdb_pipelines.defs.sources.keys import realtime_key, static_key
from ocpdb_pipelines.sources.registry import SourceSpec
from ocpdb_pipelines.store import quality

MAX_SKIPPED_SHARE = 0.05
STALE_AFTER_INTERVALS = 10


def static_check_specs(spec: SourceSpec) -> list[dg.AssetCheckSpec]:
    key = static_key(spec)
    return [
        dg.AssetCheckSpec(
            'coordinates_in_country',
            asset=key,
            description="Locations lie inside their source's (or own) country: the import screen's boundary test",
        ),
        dg.AssetCheckSpec('evse_uids_unique', asset=key, description='No EVSE uid is used twice in the source'),
        dg.AssetCheckSpec('few_records_skipped', asset=key, description='At most 5% of records were skipped'),
    ]


def realtime_check_specs(spec: SourceSpec) -> list[dg.AssetCheckSpec]:
    key = realtime_key(spec)
    return [
        dg.AssetCheckSpec('realtime_fresh', asset=key, description='Live status updated recently'),
        dg.AssetCheckSpec(
            'realtime_pull_ok',
            asset=key,
            description='The last realtime pull reached the upstream and applied (error and HTTP status if not)',
        ),
    ]


def realtime_freshness_policy(interval_seconds: int) -> dg.FreshnessPolicy:
    """Judged by the instance's freshness daemon from the last materialization, whether or not any tick
    succeeds: warn after 3 intervals without new statuses, fail after STALE_AFTER_INTERVALS."""
    return dg.FreshnessPolicy.time_window(
        fail_window=timedelta(seconds=interval_seconds * STALE_AFTER_INTERVALS),
        warn_window=timedelta(seconds=interval_seconds * 3),
    )


def static_check_results(
    conn: psycopg.Connection, spec: SourceSpec, *, skipped: int, incoming: int, cache_dir: Path | None = None
) -> list[dg.AssetCheckResult]:
    outside, total, examples = quality.locations_outside_country(conn, spec.uid, spec.country, cache_dir=cache_dir)
    duplicates = quality.duplicate_evse_uids(conn, spec.uid)
    share = skipped / (skipped + incoming) if skipped + incoming else 0.0
    return [
        dg.AssetCheckResult(
            check_name='coordinates_in_country',
            passed=outside == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={'outside': outside, 'locations': total, 'country': spec.country, 'examples': examples},
        ),
        dg.AssetCheckResult(
            check_name='evse_uids_unique',
            passed=duplicates == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={'duplicate_uids': duplicates},
        ),
        dg.AssetCheckResult(
            check_name='few_records_skipped',
            passed=share <= MAX_SKIPPED_SHARE,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={'skipped': skipped, 'imported': incoming, 'share': round(share, 4)},
        ),
    ]


def realtime_fresh_evaluation(
    conn: psycopg.Connection, spec: SourceSpec, interval_seconds: int
) -> dg.AssetCheckEvaluation:
    age = quality.realtime_age_seconds(conn, spec.uid)
    limit = interval_seconds * STALE_AFTER_INTERVALS
    return dg.AssetCheckEvaluation(
        asset_key=realtime_key(spec),
        check_name='realtime_fresh',
        passed=age is not None and age <= limit,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={'age_seconds': round(age, 1) if age is not None else -1, 'limit_seconds': limit},
    )

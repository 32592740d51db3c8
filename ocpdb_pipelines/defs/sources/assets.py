"""Source assets: `source/<uid>` (static snapshot) and `source/<uid>/realtime` (live statuses).

`source/<uid>` is partitioned by archived snapshot (see partitions.py): a partition key with a
snapshot replays it, a new key fetches fresh under it. Unpartitioned runs (a replayed file, a
pushed upload, the demo) still work; the snapshot they archive becomes a partition too.
"""

import dagster as dg

from ocpdb_pipelines.db.locks import source_apply_lock
from ocpdb_pipelines.defs.resources import OcpdbConfig
from ocpdb_pipelines.defs.sources.checks import (
    realtime_check_specs,
    realtime_fresh_evaluation,
    realtime_freshness_policy,
    static_check_results,
    static_check_specs,
)
from ocpdb_pipelines.defs.sources.keys import realtime_key, source_pool, static_key
from ocpdb_pipelines.defs.sources.partitions import add_partition, snapshot_partitions
from ocpdb_pipelines.defs.sources.realtime_pull import PULL_CHECK
from ocpdb_pipelines.imports import (
    ImportReport,
    OlderSnapshotError,
    SourceNotConfigured,
    replay_pages_from_file,
    run_realtime,
    run_static,
)
from ocpdb_pipelines.landing import LandingArea
from ocpdb_pipelines.sources.base import SourceNotImplemented
from ocpdb_pipelines.sources.registry import SourceSpec

ALLOW_OLDER_TAG = 'ocpdb/allow_older'
# a run waits this long for a sensor tick (bounded by its budget) or another apply of the source to finish
RUN_LOCK_WAIT_SECONDS = 300.0


class StaticImportConfig(dg.Config):
    replay_file: str | None = None
    """Import this payload instead of fetching: a snapshot directory (data/raw/<uid>/static/<id>) or a file."""
    landed_file: str | None = None
    """A pushed payload from the landing area; removed after it was applied."""
    force: bool = False
    """Apply even when the payload is unchanged or the shrink guard refuses (the feed really got smaller)."""
    allow_older: bool = False
    """Replay a snapshot older than the last applied one (an explicit step back in time; or run tag
    `ocpdb/allow_older=true`, which the Backfill dialog can set)."""


class RealtimeImportConfig(dg.Config):
    replay_file: str | None = None


def report_metadata(report: ImportReport) -> dict[str, object]:
    metadata: dict[str, object] = {}
    for key, value in report.metadata().items():
        metadata[key] = dg.MetadataValue.json(value) if isinstance(value, dict) else value
    if report.skipped:
        sample = [f'{s.reference}: {s.reason}' for s in report.skipped[:20]]
        metadata['skipped_sample'] = dg.MetadataValue.md('\n'.join(f'- {line}' for line in sample))
    if report.message:
        metadata['message'] = report.message
    return metadata


def _describe(spec: SourceSpec) -> str:
    lines = [f'{spec.name} ({spec.family}).']
    if spec.static_url:
        lines.append(f'Static data: {spec.static_url}')
    if spec.attribution_license:
        lines.append(f'Licence: {spec.attribution_license} {spec.attribution_contributor or ""}'.rstrip())
    if spec.required_config:
        lines.append(f'Needs config sources.{spec.uid}: {", ".join(spec.required_config)}')
    return '\n\n'.join(lines)


NO_RETRY_TAGS = {'dagster/retry_on_asset_or_op_failure': 'false'}


def _run(context: dg.AssetExecutionContext, fn, *args, **kwargs) -> ImportReport:  # type: ignore[no-untyped-def]
    """Configuration and not-implemented problems become a clear Failure, not a stack trace, and are not
    retried by run_retries (a retry cannot fix them; transient failures are still retried)."""
    try:
        return fn(*args, **kwargs)
    except (SourceNotConfigured, SourceNotImplemented, FileNotFoundError, OlderSnapshotError) as exc:
        # the retry decision is taken when the run fails, from the run's tags
        context.instance.add_run_tags(context.run.run_id, NO_RETRY_TAGS)
        raise dg.Failure(description=str(exc), allow_retries=False) from None


def build_static_asset(spec: SourceSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=static_key(spec),
        group_name=spec.group,
        description=_describe(spec),
        check_specs=static_check_specs(spec),
        kinds={'python', 'postgres'},
        metadata={'uid': spec.uid, 'family': spec.family, 'country': spec.country},
        tags={'family': spec.family},
        pool=source_pool(spec),
        partitions_def=snapshot_partitions(spec),
    )
    def _static(context: dg.AssetExecutionContext, config: StaticImportConfig, ocpdb: OcpdbConfig):
        settings = ocpdb.settings()
        payload = config.replay_file or config.landed_file
        partition = context.partition_key if context.has_partition_key else None
        # the Backfill dialog takes tags, not config: `ocpdb/allow_older=true` replays a range of older snapshots
        allow_older = config.allow_older or context.run.tags.get(ALLOW_OLDER_TAG, '').lower() == 'true'
        with source_apply_lock(settings.database.url.get_secret_value(), spec.uid, wait_seconds=RUN_LOCK_WAIT_SECONDS):
            report = _run(
                context,
                run_static,
                settings,
                spec.uid,
                replay_path=payload,
                snapshot_id=partition,  # a payload file (an upload, a replayed file) is archived under it
                force=config.force,
                allow_older=allow_older,
                origin='landing' if config.landed_file else 'replay',
            )
        if report.snapshot_id and report.snapshot_id != partition:
            add_partition(context.instance, spec, report.snapshot_id)  # replayable from the partition bar
        if config.landed_file:
            landing = LandingArea(settings.path(settings.landing.dir))
            for landed in landing.pending(spec.uid, 'static'):
                if str(landed.path) == config.landed_file:
                    landing.done(landed)
        context.log.info(f'{spec.uid}: {report.metadata()}')
        with ocpdb.connection() as conn:
            checks = static_check_results(
                conn,
                spec,
                skipped=len(report.skipped),
                incoming=report.counts.get('incoming_locations', 0),
                cache_dir=settings.boundary_cache_dir(),
            )
        return dg.MaterializeResult(metadata=report_metadata(report), check_results=checks)

    return _static


def build_realtime_asset(spec: SourceSpec, interval_seconds: int) -> dg.AssetsDefinition:
    @dg.asset(
        key=realtime_key(spec),
        deps=[static_key(spec)],
        group_name=spec.group,
        description=f'Live EVSE statuses of {spec.name}. Usually reported by the source sensor without a run.',
        check_specs=realtime_check_specs(spec),
        freshness_policy=realtime_freshness_policy(interval_seconds),
        kinds={'python', 'postgres'},
        metadata={'uid': spec.uid, 'interval_seconds': interval_seconds},
        tags={'family': spec.family},
        pool=source_pool(spec),
    )
    def _realtime(context: dg.AssetExecutionContext, config: RealtimeImportConfig, ocpdb: OcpdbConfig):
        settings = ocpdb.settings()
        replay = replay_pages_from_file(config.replay_file) if config.replay_file else None
        with source_apply_lock(settings.database.url.get_secret_value(), spec.uid, wait_seconds=RUN_LOCK_WAIT_SECONDS):
            report = _run(context, run_realtime, settings, spec.uid, replay_pages=replay)
        with ocpdb.connection() as conn:
            evaluation = realtime_fresh_evaluation(conn, spec, interval_seconds)
        checks = [
            dg.AssetCheckResult(
                check_name=evaluation.check_name,
                passed=evaluation.passed,
                severity=evaluation.severity,
                metadata=evaluation.metadata,
            ),
            dg.AssetCheckResult(
                check_name=PULL_CHECK,
                passed=True,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={'outcome': report.outcome, 'trigger': 'replay' if replay else 'run'},
            ),
        ]
        return dg.MaterializeResult(metadata=report_metadata(report), check_results=checks)

    return _realtime

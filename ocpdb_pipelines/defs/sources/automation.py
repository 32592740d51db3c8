"""A schedule and a sensor per source, on or off as config.yaml says.

The sensor is how realtime stays cheap: instead of launching a run per source per minute (about
7 CPU seconds each here), it applies live statuses in the sensor tick itself and reports the result
as a runless materialization of `source/<uid>/realtime`, plus the freshness check. It also picks up
pushed payloads from the landing area: realtime ones are applied in the tick, static ones (uploads)
get a run of the static asset.
"""

import time
from datetime import UTC, datetime

import dagster as dg

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.defs.resources import OcpdbConfig
from ocpdb_pipelines.defs.sources.assets import report_metadata
from ocpdb_pipelines.defs.sources.checks import realtime_fresh_evaluation
from ocpdb_pipelines.defs.sources.keys import realtime_key, run_tags, schedule_name, sensor_name, static_key
from ocpdb_pipelines.defs.sources.partitions import new_fetch_key, partitions_name, snapshot_partitions
from ocpdb_pipelines.defs.sources.push import landed_push_events
from ocpdb_pipelines.defs.sources.realtime_pull import PullOutcome, TickState, pull, pull_check
from ocpdb_pipelines.http.archive import new_snapshot_id
from ocpdb_pipelines.http.errors import FetchBudgetExceeded
from ocpdb_pipelines.landing import Landed, LandingArea
from ocpdb_pipelines.sources.options import source_options
from ocpdb_pipelines.sources.registry import SourceSpec


def is_enabled(settings: Settings, spec: SourceSpec) -> bool:
    config = source_options(settings, spec.uid)
    return config is not None and config.enabled and not spec.missing_config(config)


def auto_fetch(settings: Settings, spec: SourceSpec) -> bool:
    config = source_options(settings, spec.uid)
    return is_enabled(settings, spec) and bool(config and config.auto_fetch) and not settings.schedule.disable_autofetch


def realtime_interval(settings: Settings, spec: SourceSpec) -> int:
    config = source_options(settings, spec.uid)
    if config and config.realtime_interval_seconds:
        return config.realtime_interval_seconds
    return max(spec.realtime_interval_seconds, settings.schedule.realtime_pull_seconds)


def static_cron(settings: Settings, spec: SourceSpec) -> str:
    config = source_options(settings, spec.uid)
    if config and config.static_cron:
        return config.static_cron
    if spec.static_cron != '0 1 * * *':
        return spec.static_cron
    return f'{settings.schedule.static_pull_minute} {settings.schedule.static_pull_hour} * * *'


def build_fetch_schedule(
    settings: Settings, spec: SourceSpec, static_asset: dg.AssetsDefinition
) -> dg.ScheduleDefinition:
    """The static schedule: each tick adds a partition (a new snapshot id) and runs it, i.e. fetches."""
    running = auto_fetch(settings, spec)

    @dg.schedule(
        name=schedule_name(spec),
        cron_schedule=static_cron(settings, spec),
        target=static_asset,
        execution_timezone='UTC',
        tags=run_tags(spec),  # counted per value by dagster.yaml's tag_concurrency_limits
        default_status=dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED,
        description=f'Full static import of {spec.uid}: a new snapshot partition per tick'
        + ('' if is_enabled(settings, spec) else f' (off: sources.{spec.uid} is not configured)'),
    )
    def _schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        key = new_fetch_key(spec, context.instance, context.scheduled_execution_time)
        return dg.RunRequest(run_key=key, partition_key=key, tags={**run_tags(spec), 'ocpdb/trigger': 'schedule'})

    return _schedule


def landed_partition_key(landed: Landed) -> str:
    """The snapshot id of a landed upload: its arrival time (the landing name starts with it, in ns)."""
    arrived_ns = int(landed.path.name.split('-', 1)[0])
    return new_snapshot_id(datetime.fromtimestamp(arrived_ns / 1e9, UTC))


def build_sensor(
    settings: Settings,
    spec: SourceSpec,
    static_asset: dg.AssetsDefinition,
    realtime_asset: dg.AssetsDefinition | None = None,
) -> dg.SensorDefinition:
    realtime = spec.has_realtime
    interval = realtime_interval(settings, spec) if realtime else 300
    op_name = static_key(spec).to_python_identifier()
    # a pull source runs its sensor when auto_fetch is on; one that receives pushes whenever it is enabled,
    # since accepted pushes must be applied
    pushes = bool(spec.push_inputs)
    running = auto_fetch(settings, spec) if realtime and not pushes else is_enabled(settings, spec)
    targets = [static_asset, *([realtime_asset] if realtime_asset is not None else [])]

    @dg.sensor(
        name=sensor_name(spec),
        minimum_interval_seconds=interval,
        target=targets,
        default_status=dg.DefaultSensorStatus.RUNNING if running else dg.DefaultSensorStatus.STOPPED,
        description=(
            f'Every {interval} s: pushed uploads of {spec.uid} -> static run'
            + ('; live statuses applied in the tick, reported as source realtime materializations' if realtime else '')
        ),
    )
    def _sensor(context: dg.SensorEvaluationContext, ocpdb: OcpdbConfig) -> dg.SensorResult:
        current = ocpdb.settings()
        state = TickState.from_cursor(context.cursor)
        landing = LandingArea(current.path(current.landing.dir))
        # each landed upload is a partition of its own (its arrival time as the snapshot id), archived under it
        uploads = {landed_partition_key(landed): landed for landed in landing.pending(spec.uid, 'static')}
        run_requests = [
            dg.RunRequest(
                run_key=landed.path.name,
                asset_selection=[static_key(spec)],
                partition_key=key,
                run_config={'ops': {op_name: {'config': {'landed_file': str(landed.path)}}}},
                tags={**run_tags(spec), 'ocpdb/trigger': 'landing'},
            )
            for key, landed in uploads.items()
        ]
        new_keys = [key for key in uploads if not context.instance.has_dynamic_partition(partitions_name(spec), key)]
        events: list[dg.AssetMaterialization | dg.AssetCheckEvaluation] = []
        messages: list[str] = []
        if realtime or pushes:
            # what was accepted is applied even if the source is switched off meanwhile: nothing pushed is lost
            events += _apply_landed_realtime(current, spec, landing, messages)
        if realtime and is_enabled(current, spec):
            config = source_options(current, spec.uid)
            if config is not None and auto_fetch(current, spec) and not config.realtime_by_push:
                outcome = pull(current, spec, state, interval, context.log)
                messages.append(_describe_pull(outcome))
                if outcome.report is not None and outcome.report.outcome == 'applied':
                    events.append(
                        dg.AssetMaterialization(asset_key=realtime_key(spec), metadata=report_metadata(outcome.report))
                    )
                check = pull_check(spec, outcome, state)
                if check is not None:
                    events.append(check)
                too_large = isinstance(outcome.error, FetchBudgetExceeded) and outcome.error.answered
                if too_large and realtime_asset is not None:
                    # an answer too large for a tick: a run has no tick limit (and queues behind any run of this
                    # source). An upstream that never answered gets none: the run would only hang as long, in a
                    # run slot of the instance's four; the tick backs off instead
                    run_requests.append(
                        dg.RunRequest(
                            run_key=f'realtime-budget-{int(time.time())}',
                            asset_selection=[realtime_key(spec)],
                            tags={**run_tags(spec), 'ocpdb/trigger': 'tick-budget'},
                        )
                    )
            with ocpdb.connection() as conn:
                freshness = realtime_fresh_evaluation(conn, spec, interval)
            # record the check when data arrived or the verdict flipped, not on every idle tick
            materialized = any(isinstance(e, dg.AssetMaterialization) for e in events)
            if materialized or state.fresh != freshness.passed:
                events.append(freshness)
                state.fresh = freshness.passed
        context.update_cursor(state.to_cursor())
        if not run_requests:
            # the reason shows in the tick history; the events (checks, runless materializations) are reported anyway
            return dg.SensorResult(asset_events=events, skip_reason='; '.join(messages) or 'nothing new')
        partitions = [snapshot_partitions(spec).build_add_request(new_keys)] if new_keys else []
        return dg.SensorResult(run_requests=run_requests, asset_events=events, dynamic_partitions_requests=partitions)

    return _sensor


def _describe_pull(outcome: PullOutcome) -> str:
    if outcome.failed:
        return f'pull failed: {outcome.error}'
    if outcome.busy or outcome.backing_off:
        return f'pull skipped: {outcome.busy or outcome.backing_off}'
    assert outcome.report is not None
    return f'pull: {outcome.report.outcome} {outcome.report.message}'.strip()


def _apply_landed_realtime(
    settings: Settings, spec: SourceSpec, landing: LandingArea, messages: list[str]
) -> list[dg.AssetMaterialization]:
    """Apply pushed payloads (realtime bodies, giro-e requests) in arrival order; see defs/sources/push.py."""
    return landed_push_events(settings, spec, messages)

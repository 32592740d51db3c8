"""Rebuild realtime history from the Dagster UI: the job `rebuild_status_history` (Launchpad form).

A data engineer who fixed a status mapping opens Jobs -> rebuild_status_history -> Launchpad, picks
the source from a list, types the UTC range and launches: every realtime snapshot archived in
[start, end) is parsed again with today's parser and the source's `evse_status_history` rows of the
range are replaced (`ocpdb_pipelines.history`; the CLI's `ocpdb import history` does the same). The
run reports an observation on `source/<uid>/realtime`, so the rebuild shows on that asset's page.

Why a job with typed config rather than a partitioned asset over realtime snapshots: realtime
snapshots arrive every minute, so a source would carry ~1,400 dynamic partitions a day (tens of
thousands per retention period, thirty-six sources) that the instance stores and the partition bar
draws for what is a repair done a few times a year; time windows would fit no cadence (sources poll
every 1-15 minutes) and would duplicate the runless materializations the sensor already reports.
The history table is not a data product of its own either: it is a by-product of realtime applies,
and the question asked is "this range, again", which is exactly a range in a form. The config is
typed: the source is an enum of the realtime sources (a drop-down, nothing else accepted), the
bounds are ISO 8601 strings checked before anything runs.
"""

import enum
from datetime import UTC, datetime

import dagster as dg
from pydantic import Field

from ocpdb_pipelines.defs.resources import OcpdbConfig
from ocpdb_pipelines.defs.sources.assets import NO_RETRY_TAGS
from ocpdb_pipelines.defs.sources.keys import realtime_key
from ocpdb_pipelines.sources.registry import REGISTRY

JOB_NAME = 'rebuild_status_history'
OP_NAME = 'rebuild_history'  # the Launchpad's config path: ops.rebuild_history.config

# the Launchpad's drop-down: every source with a realtime parser of its own
RealtimeSource = enum.Enum(  # type: ignore[misc]
    'RealtimeSource', {spec.uid: spec.uid for spec in REGISTRY.values() if spec.has_realtime}
)


class HistoryRebuildConfig(dg.Config):
    source: RealtimeSource = Field(description='The source whose evse_status_history is rebuilt.')  # type: ignore[valid-type]
    start: str = Field(description='Start of the range, inclusive: ISO 8601, UTC unless an offset is given.')
    end: str = Field(description='End of the range, exclusive: ISO 8601, UTC unless an offset is given.')


def parse_bound(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f'{name} {value!r} is not an ISO 8601 time (e.g. 2026-11-30T06:00:00)') from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def build_history_job() -> dg.JobDefinition:
    @dg.op(name=OP_NAME, description=__doc__.split('\n\n')[0])
    def _rebuild(context: dg.OpExecutionContext, config: HistoryRebuildConfig, ocpdb: OcpdbConfig) -> None:
        from ocpdb_pipelines.history import rebuild_status_history
        from ocpdb_pipelines.sources.registry import get_spec

        uid = config.source.value
        try:
            start, end = parse_bound(config.start, 'start'), parse_bound(config.end, 'end')
            report = rebuild_status_history(ocpdb.settings(), uid, start, end)
        except (ValueError, NotImplementedError) as exc:
            # a wrong range or a source without a parser: a retry cannot fix it
            context.instance.add_run_tags(context.run.run_id, NO_RETRY_TAGS)
            raise dg.Failure(description=str(exc), allow_retries=False) from None
        metadata = {
            'start': start.isoformat(),
            'end': end.isoformat(),
            'snapshots': report.snapshots,
            'statuses_read': report.statuses_read,
            'rows_deleted': report.rows_deleted,
            'rows_written': report.rows_written,
            'skipped_snapshots': len(report.skipped_snapshots),
        }
        for skipped in report.skipped_snapshots:
            context.log.warning(f'skipped realtime snapshot {skipped}')
        context.log.info(f'{uid}: status history rebuilt: {metadata}')
        context.log_event(
            dg.AssetObservation(
                asset_key=realtime_key(get_spec(uid)),
                description='evse_status_history rebuilt from archived realtime snapshots',
                metadata=metadata,
            )
        )

    @dg.job(
        name=JOB_NAME,
        description='Rebuild evse_status_history of one source for a UTC range from its archived realtime '
        'snapshots (after fixing a status mapping). Launchpad: source, start, end.',
        tags={'ocpdb/trigger': 'history-rebuild'},
    )
    def _job() -> None:
        _rebuild()

    return _job

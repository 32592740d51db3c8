"""`products/availability_statistics`: daily partitions (Europe/Berlin) of per-EVSE availability.

Backfill any day range from the UI; each partition replaces its day. The partition's numeric metadata
(shares of all sources and per source) is what the UI plots across partitions as the availability trend;
the Markdown table shows the day per source with an occupancy-by-hour sparkline.
"""

from datetime import date

import dagster as dg

from ocpdb_pipelines.db.connection import connect
from ocpdb_pipelines.defs.resources import OcpdbConfig
from ocpdb_pipelines.products.statistics.availability import TIME_ZONE, compute_day, summarize_day
from ocpdb_pipelines.products.statistics.report import markdown, total

STATISTICS_KEY = dg.AssetKey(['products', 'availability_statistics'])
PARTITIONS = dg.DailyPartitionsDefinition(start_date='2024-01-01', timezone=TIME_ZONE)
DAILY_CRON = '30 0 * * *'


def build_statistics_asset(realtime_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=STATISTICS_KEY,
        deps=realtime_keys,
        partitions_def=PARTITIONS,
        group_name='products',
        kinds={'python', 'postgres'},
        automation_condition=(
            dg.AutomationCondition.in_latest_time_window()
            & dg.AutomationCondition.cron_tick_passed(DAILY_CRON, cron_timezone=TIME_ZONE)
            & ~dg.AutomationCondition.in_progress()
        ).with_label(f'the day just ended, at {DAILY_CRON} {TIME_ZONE}'),
        description='Per EVSE and local day: share of time in each status, time without data, occupancy by hour '
        '(table evse_availability_daily; /api/public/v1/statistics/availability).',
    )
    def availability_statistics(context: dg.AssetExecutionContext, ocpdb: OcpdbConfig) -> dg.MaterializeResult:
        day = date.fromisoformat(context.partition_key)
        with connect(ocpdb.settings().database.url.get_secret_value()) as conn:
            evses = compute_day(conn, day)
            days = summarize_day(conn, day)
        metadata: dict[str, object] = {'evses': evses, 'sources': len(days)}
        overall = total(days)
        if overall is not None:
            metadata.update({f'share {k.replace("_", " ")}': v for k, v in overall.shares().items()})
            for source_day in days:
                shares = source_day.shares()
                metadata[f'available {source_day.source}'] = shares['available']
                metadata[f'no data {source_day.source}'] = shares['no_data']
        metadata['by source'] = dg.MetadataValue.md(markdown(days))
        return dg.MaterializeResult(metadata=metadata)

    return availability_statistics

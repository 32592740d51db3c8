"""`products/dumps`: the full open-data dump (GeoParquet, CSV, GeoJSON lines) as atomic generations.

Automated declaratively: once a day, and whenever a large import (the BNetzA register) has landed.
"""

import dagster as dg

from ocpdb_pipelines.defs.resources import OcpdbConfig

DUMPS_KEY = dg.AssetKey(['products', 'dumps'])
DAILY_CRON = '0 3 * * *'
# the imports large enough to change a dump noticeably between two daily runs
LARGE_IMPORTS = ('bnetza_api', 'bnetza_excel')


class DumpConfig(dg.Config):
    keep_generations: int = 3
    """Generations kept on disk; a download in progress survives at least one newer generation."""


def dump_automation(large_import_keys: list[dg.AssetKey]) -> dg.AutomationCondition:
    daily = dg.AutomationCondition.cron_tick_passed(DAILY_CRON, cron_timezone='UTC')
    after_large_import = dg.AutomationCondition.any_deps_match(dg.AutomationCondition.newly_updated()).allow(
        dg.AssetSelection.assets(*large_import_keys)
    )
    return ((daily | after_large_import) & ~dg.AutomationCondition.in_progress()).with_label(
        f'daily ({DAILY_CRON} UTC) or after a register import'
    )


def build_dumps_asset(upstream: list[dg.AssetKey], large_import_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=DUMPS_KEY,
        deps=upstream,
        group_name='products',
        kinds={'python', 'parquet', 'csv'},
        automation_condition=dump_automation(large_import_keys),
        description='Full dump of every location with its EVSEs, connectors and current status: GeoParquet 1.1, '
        'gzip CSV and gzip GeoJSON lines, with each source licence and attribution; served at '
        '/api/public/v1/dumps.',
    )
    def dumps(config: DumpConfig, ocpdb: OcpdbConfig) -> dg.MaterializeResult:
        settings = ocpdb.settings()
        from ocpdb_pipelines.products.dumps.write import write_generation  # pyarrow: imported when a dump runs

        report = write_generation(
            settings.database.url.get_secret_value(),
            settings.path(settings.exports.dir) / 'dumps',
            keep=config.keep_generations,
        )
        return dg.MaterializeResult(
            metadata={
                'generation': report.generation,
                'path': dg.MetadataValue.path(str(report.path)),
                'locations': report.locations,
                'evses': report.evses,
                **{f'bytes {name}': size for name, size in report.files.items()},
                'seconds': round(report.seconds, 2),
                'pruned': dg.MetadataValue.json(report.pruned),
            }
        )

    return dumps

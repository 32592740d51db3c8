"""DATEX II export assets and their Mobilithek pushes.

`exports/datex2_static` and `exports/datex2_realtime_full` write the export file under EXPORT_DIR and,
when `mobilithek.enabled`, push it (snapshotPush). `exports/datex2_realtime_diff` pushes a deltaPush of the
EVSEs whose status OCPDB saw change since the Redis watermark; its sensor does that in the tick (one run a
minute would cost more CPU than the push itself) and reports a runless materialization.
"""

import importlib
import time
from typing import TYPE_CHECKING

import dagster as dg
import orjson

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.defs.resources import OcpdbConfig

if TYPE_CHECKING:
    from ocpdb_pipelines.exports.datex2.push import PushReport

# the export, schema and push modules (xmlschema, the Mobilithek client) are imported when an export runs:
# loading the code location (every process that loads the definitions) does not pay for them
PUSH_MODULE = 'ocpdb_pipelines.exports.datex2.push'


def _push_function(name: str):  # type: ignore[no-untyped-def]
    return getattr(importlib.import_module(PUSH_MODULE), name)


STATIC_KEY = dg.AssetKey(['exports', 'datex2_static'])
REALTIME_FULL_KEY = dg.AssetKey(['exports', 'datex2_realtime_full'])
REALTIME_DIFF_KEY = dg.AssetKey(['exports', 'datex2_realtime_diff'])


class ExportConfig(dg.Config):
    push: bool | None = None
    """Push to the Mobilithek; default: `mobilithek.enabled`."""
    version: str | None = None
    """DATEX II version of the file ('3.5' or '3.7'); default: MOBILITHEK_VERSION."""


def _schema_check(settings: Settings, path: str, version: str, kind: str, check_name: str) -> dg.AssetCheckResult:
    from ocpdb_pipelines.exports.datex2 import validate

    root = validate.schema_root(settings)
    if root is None:
        return dg.AssetCheckResult(
            check_name=check_name,
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={'reason': 'DATEX II schemas not found: set DATEX2_SCHEMA_DIR'},
        )
    with open(path, 'rb') as handle:
        document = orjson.loads(handle.read())
    errors = validate.json_errors(root, document, version, kind)
    return dg.AssetCheckResult(
        check_name=check_name,
        passed=not errors,
        metadata={'errors': len(errors), 'first_errors': dg.MetadataValue.json(errors[:5])},
    )


def _push_metadata(report: 'PushReport') -> dict[str, object]:
    return {f'push_{k}': v for k, v in report.__dict__.items() if v is not None and k != 'message'}


def _export_and_push(config: ExportConfig, settings: Settings, kind: str, push_name: str) -> dg.MaterializeResult:
    """Write the export file, push it when enabled, and check it against the schema."""
    from ocpdb_pipelines.exports.datex2.export import export

    push = _push_function(push_name)
    version = config.version or _push_function('datex_version')(settings)
    started = time.monotonic()
    report = export(settings, version, kind, 'json')
    metadata: dict[str, object] = {
        'version': version,
        'sites': report.sites,
        'bytes': report.bytes,
        'path': report.path,
        'seconds': round(time.monotonic() - started, 2),
    }
    if report.notes:
        metadata['structure'] = report.notes
    if config.push if config.push is not None else settings.mobilithek.enabled:
        metadata.update(_push_metadata(push(settings)))
    check = _schema_check(settings, str(report.path), version, kind, 'valid_against_schema')
    return dg.MaterializeResult(metadata=metadata, check_results=[check])


def build_export_assets(upstream: list[dg.AssetKey], realtime: list[dg.AssetKey]) -> list[dg.AssetsDefinition]:
    """`upstream`: what the static publication reads; the realtime ones read the live statuses too."""

    @dg.asset(
        key=STATIC_KEY,
        deps=upstream,
        group_name='exports',
        kinds={'python', 'json'},
        description='DATEX II static publication of all locations with live EVSEs (file; push when enabled).',
        check_specs=[dg.AssetCheckSpec('valid_against_schema', asset=STATIC_KEY, blocking=False)],
    )
    def datex2_static(config: ExportConfig, ocpdb: OcpdbConfig) -> dg.MaterializeResult:
        return _export_and_push(config, ocpdb.settings(), 'static', 'push_static')

    @dg.asset(
        key=REALTIME_FULL_KEY,
        deps=[*upstream, *realtime],
        group_name='exports',
        kinds={'python', 'json'},
        description='DATEX II realtime status publication of every live EVSE (file; snapshotPush when enabled).',
        check_specs=[dg.AssetCheckSpec('valid_against_schema', asset=REALTIME_FULL_KEY, blocking=False)],
    )
    def datex2_realtime_full(config: ExportConfig, ocpdb: OcpdbConfig) -> dg.MaterializeResult:
        return _export_and_push(config, ocpdb.settings(), 'realtime', 'push_realtime_full')

    @dg.asset(
        key=REALTIME_DIFF_KEY,
        deps=[REALTIME_FULL_KEY, *realtime],
        group_name='exports',
        kinds={'python', 'json'},
        description='deltaPush of EVSE status changes since the watermark (Redis key last_datex_realtime_push). '
        'Usually reported by the exports_datex2_realtime_diff sensor without a run.',
    )
    def datex2_realtime_diff(config: ExportConfig, ocpdb: OcpdbConfig) -> dg.MaterializeResult:
        settings = ocpdb.settings()
        if not (config.push if config.push is not None else settings.mobilithek.enabled):
            raise dg.Failure(description='mobilithek.enabled is false: there is no publication to push a diff to')
        return dg.MaterializeResult(metadata=_push_metadata(_push_function('push_realtime_diff')(settings)))

    return [datex2_static, datex2_realtime_full, datex2_realtime_diff]


def build_export_automation(
    settings: Settings, assets: list[dg.AssetsDefinition]
) -> tuple[list[dg.ScheduleDefinition], list[dg.SensorDefinition]]:
    static_asset, full_asset, _ = assets
    running_schedule = (
        dg.DefaultScheduleStatus.RUNNING if settings.mobilithek.enabled else dg.DefaultScheduleStatus.STOPPED
    )
    running_sensor = dg.DefaultSensorStatus.RUNNING if settings.mobilithek.enabled else dg.DefaultSensorStatus.STOPPED
    static_schedule = dg.ScheduleDefinition(
        name='exports_datex2_static_schedule',
        cron_schedule=f'{settings.mobilithek.static_push_minute} {settings.mobilithek.static_push_hour} * * *',
        target=static_asset,
        execution_timezone='UTC',
        default_status=running_schedule,
        description='Daily static export and snapshotPush to the Mobilithek',
    )
    full_interval = settings.mobilithek.realtime_full_push_seconds

    @dg.sensor(
        name='exports_datex2_realtime_full_sensor',
        minimum_interval_seconds=full_interval,
        target=full_asset,
        default_status=running_sensor,
        description=f'Every {full_interval} s: realtime full export and snapshotPush (a run)',
    )
    def realtime_full_sensor(context: dg.SensorEvaluationContext) -> dg.RunRequest:
        return dg.RunRequest(run_key=str(int(time.time()) // full_interval))

    diff_interval = settings.mobilithek.realtime_diff_push_seconds

    @dg.sensor(
        name='exports_datex2_realtime_diff_sensor',
        minimum_interval_seconds=diff_interval,
        default_status=running_sensor,
        description=f'Every {diff_interval} s: deltaPush of status changes, in the tick (runless)',
    )
    def realtime_diff_sensor(context: dg.SensorEvaluationContext, ocpdb: OcpdbConfig) -> dg.SensorResult:
        current = ocpdb.settings()
        if not current.mobilithek.enabled:
            return dg.SensorResult(skip_reason='mobilithek.enabled is false')
        report = _push_function('push_realtime_diff')(current)
        if not report.sent:
            return dg.SensorResult(skip_reason=f'nothing changed since {report.since}')
        materialization = dg.AssetMaterialization(asset_key=REALTIME_DIFF_KEY, metadata=_push_metadata(report))
        return dg.SensorResult(asset_events=[materialization])

    return [static_schedule], [realtime_full_sensor, realtime_diff_sensor]

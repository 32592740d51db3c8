"""Asset `images/download` (the images sources reference, fetched into DYNAMIC_IMAGE_DIR) and its daily schedule."""

import dagster as dg

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.defs.resources import OcpdbConfig
from ocpdb_pipelines.defs.sources.keys import static_key
from ocpdb_pipelines.images.download import ImageDownloadReport, download_images
from ocpdb_pipelines.sources.registry import REGISTRY

IMAGES_KEY = dg.AssetKey(['images', 'download'])
IMAGES_SCHEDULE = 'images_download_schedule'


class ImageDownloadConfig(dg.Config):
    source_uid: str | None = None
    """Only images linked to this source's locations, stations, EVSEs and operators."""


def _metadata(report: ImageDownloadReport) -> dict[str, object]:
    metadata: dict[str, object] = {
        key: dg.MetadataValue.json(value) if isinstance(value, dict) else value
        for key, value in report.as_metadata().items()
    }
    if report.failures:
        lines = [f'- image {f.image_id} {f.url}: {f.reason}' for f in report.failures[:20]]
        metadata['failed_sample'] = dg.MetadataValue.md('\n'.join(lines))
    return metadata


def build_image_asset() -> dg.AssetsDefinition:
    @dg.asset(
        key=IMAGES_KEY,
        deps=[static_key(spec) for spec in REGISTRY.values()],
        group_name='images',
        kinds={'python', 'postgres'},
        description='Images referenced by the sources, downloaded once per URL into DYNAMIC_IMAGE_DIR/<id>.<type> '
        '(new or changed ones only; failures are counted, not fatal, and retried next time).',
    )
    def images_download(
        context: dg.AssetExecutionContext, config: ImageDownloadConfig, ocpdb: OcpdbConfig
    ) -> dg.MaterializeResult:
        try:
            report = download_images(ocpdb.settings(), source_uid=config.source_uid)
        except KeyError as exc:
            raise dg.Failure(description=str(exc.args[0])) from None
        context.log.info(f'images: {report.as_metadata()}')
        return dg.MaterializeResult(metadata=_metadata(report))

    return images_download


def build_image_definitions(settings: Settings) -> dg.Definitions:
    asset = build_image_asset()
    schedule = dg.ScheduleDefinition(
        name=IMAGES_SCHEDULE,
        cron_schedule=f'{settings.images.pull_minute} {settings.images.pull_hour} * * *',
        target=asset,
        execution_timezone='UTC',
        default_status=dg.DefaultScheduleStatus.STOPPED
        if settings.schedule.disable_autofetch
        else dg.DefaultScheduleStatus.RUNNING,
        description='Daily download of new and changed source images.',
    )
    return dg.Definitions(assets=[asset], schedules=[schedule])

"""`ocpdb` commands (the predecessor's `flask ...` commands, same names)."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

import click

from ocpdb_pipelines.config import ConfigError, Settings, current_settings
from ocpdb_pipelines.sources.options import check_sources, source_options


def _settings() -> Settings:
    try:
        return check_sources(current_settings())
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


class LazyGroup(click.Group):
    """A group whose listed subcommands are imported only when invoked: `ocpdb import static` does not
    pay for the modules of `ocpdb demo`, `ocpdb export` or `ocpdb import images`."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            import importlib

            module, attribute = self.lazy[cmd_name].split(':')
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup,
    lazy={
        'demo': 'ocpdb_pipelines.cli.demo:demo',
        'match': 'ocpdb_pipelines.cli.downstream:match',
        'location': 'ocpdb_pipelines.cli.downstream:location',
        'export': 'ocpdb_pipelines.cli.downstream:export_group',
    },
)
def main() -> None:
    """Open ChargePoint DataBase: imports, database, API."""
    from ocpdb_pipelines.logs import configure_logging

    with contextlib.suppress(ConfigError):  # the command itself reports a config error
        configure_logging(current_settings().logging)  # parsed once per process (cached for _settings)


@main.group()
def db() -> None:
    """Database schema."""


@db.command('upgrade')
def db_upgrade() -> None:
    """Create the database if needed and apply pending migrations (a no-op when up to date)."""
    from ocpdb_pipelines.db.migrations import ensure_database, upgrade
    from ocpdb_pipelines.db.roles import set_role_passwords

    settings = _settings()
    ensure_database(settings.database.url.get_secret_value())
    applied = upgrade(settings.database.url.get_secret_value())
    click.echo(f'applied: {", ".join(applied)}' if applied else 'database is up to date')
    for role in set_role_passwords(settings):
        click.echo(f'password of role {role} set from its configured URL')


@db.command('maintain')
@click.option('--every', type=float, default=0, help='repeat every SECONDS (0: once)')
def db_maintain(every: float) -> None:
    """VACUUM the live tables when LIVE_VACUUM_SECONDS passed; needs the owner's DATABASE_URL (the one step
    that holds it besides `db upgrade`: the pipelines connect as ocpdb_writer, which may not VACUUM)."""
    import time

    from ocpdb_pipelines.db.connection import connect
    from ocpdb_pipelines.store.maintenance import may_vacuum, maybe_vacuum_live_tables

    settings = _settings()
    with connect(settings.database.url.get_secret_value(), autocommit=True) as conn:
        if not may_vacuum(conn):
            raise click.ClickException('DATABASE_URL must name the owner of the tables: VACUUM needs ownership')
    while True:
        ran = maybe_vacuum_live_tables(settings.database.url.get_secret_value(), settings.imports.live_vacuum_seconds)
        click.echo('vacuumed the live tables' if ran else 'live tables not due')
        if every <= 0:
            return
        time.sleep(every)


def _materialize(
    selection_keys: list[Any],
    run_config: dict[str, Any] | None = None,
    tags: dict | None = None,
    partition: tuple[Any, str] | None = None,
) -> bool:
    """Materialize assets of the code location in-process, recorded in the Dagster instance."""
    import dagster as dg

    from ocpdb_pipelines.definitions import build_definitions

    by_key = {}
    for asset in build_definitions(_settings()).assets or []:
        assert isinstance(asset, dg.AssetsDefinition)
        for key in asset.keys:
            by_key[key] = asset
    return _materialize_assets([by_key[key] for key in selection_keys], run_config, tags, partition)


def _materialize_assets(
    assets: list[Any],
    run_config: dict[str, Any] | None = None,
    tags: dict | None = None,
    partition: tuple[Any, str] | None = None,
) -> bool:
    """Run these asset definitions in-process as one run recorded in the Dagster instance (the UI shows it
    beside scheduled runs). A source import builds only its own asset: the whole code location (37 sources'
    assets, schedules and sensors, downstream) would cost more than the import itself.

    `partition` = (source spec, snapshot id): the run materializes that snapshot partition (added first);
    (None, key): a partition of a fixed partitioning (a day of the statistics).
    """
    import dagster as dg

    from ocpdb_pipelines.defs.instance import get_instance
    from ocpdb_pipelines.defs.resources import build_resources

    settings = _settings()
    instance = get_instance()
    partition_key = None
    if partition is not None:
        from ocpdb_pipelines.defs.sources.partitions import add_partition

        spec, partition_key = partition
        if spec is not None:
            add_partition(instance, spec, partition_key)
    result = dg.materialize(
        assets,
        instance=instance,
        partition_key=partition_key,
        resources=build_resources(settings),
        run_config={**(run_config or {}), 'loggers': {'console': {'config': {'log_level': 'INFO'}}}},
        raise_on_error=False,
        tags={'ocpdb/trigger': 'cli', **(tags or {})},
    )
    for event in result.get_asset_materialization_events():
        # the metrics are in the run's log already (the asset logs them): one line with the outcome here
        materialization = event.materialization
        outcome = getattr(materialization.metadata.get('outcome'), 'value', 'materialized')
        click.echo(f'{materialization.asset_key.to_user_string()}: {outcome}')
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure and event.step_failure_data is not None:
                error = event.step_failure_data.error
                click.echo(f'FAILED: {error.message.strip() if error else event.message}', err=True)
    return result.success


def _source_asset(spec: Any, kind: str) -> Any:
    """The one asset definition of a source import, built as the code location builds it."""
    from ocpdb_pipelines.defs.sources.assets import build_realtime_asset, build_static_asset
    from ocpdb_pipelines.defs.sources.automation import realtime_interval

    if kind == 'static':
        return build_static_asset(spec)
    return build_realtime_asset(spec, realtime_interval(_settings(), spec))


@main.group('import', cls=LazyGroup, lazy={'images': 'ocpdb_pipelines.cli.images:import_images'})
def import_group() -> None:
    """Import sources (each import is a Dagster run)."""


@import_group.command('static')
@click.argument('uid')
@click.option(
    '--from-file',
    'from_file',
    type=click.Path(exists=True, resolve_path=True),
    help='Replay a payload file or an archived snapshot directory (data/raw/<uid>/static/<id>).',
)
@click.option('--snapshot', 'snapshot_id', help='Replay the archived snapshot with this id (its partition key).')
@click.option('--force', is_flag=True, help='Apply even if the payload is unchanged or the shrink guard refuses.')
@click.option('--allow-older', is_flag=True, help='Replay a snapshot older than the last applied one.')
def import_static(uid: str, from_file: str | None, snapshot_id: str | None, force: bool, allow_older: bool) -> None:
    """Full static import of one source: a fresh fetch (a new snapshot partition) or a replay."""
    from ocpdb_pipelines.defs.sources.keys import run_tags, static_key
    from ocpdb_pipelines.http.archive import new_snapshot_id
    from ocpdb_pipelines.imports import snapshot_at
    from ocpdb_pipelines.sources.registry import get_spec

    spec = _spec(uid, get_spec)
    key = static_key(spec)
    config: dict[str, Any] = {'force': force, 'allow_older': allow_older}
    partition: str | None = snapshot_id
    if from_file:
        snapshot = snapshot_at(from_file)
        archived = snapshot is not None and snapshot.path.parent.parent.name == uid and snapshot.kind == 'static'
        if archived:
            partition = snapshot.id  # a snapshot of this source's archive: replay its partition
        else:
            config['replay_file'] = str(from_file)
            partition = partition or new_snapshot_id()  # the file is archived under this new partition
    elif partition is None:
        partition = new_snapshot_id()  # a fresh fetch, archived under its new partition
    run_config = {'ops': {key.to_python_identifier(): {'config': config}}}
    partition_arg = (spec, partition) if partition else None
    if not _materialize_assets(
        [_source_asset(spec, 'static')], run_config, tags=run_tags(spec), partition=partition_arg
    ):
        sys.exit(1)


@import_group.command('history')
@click.argument('uid')
@click.option('--from', 'start', required=True, type=click.DateTime(), help='Start of the range (UTC, inclusive).')
@click.option('--to', 'end', required=True, type=click.DateTime(), help='End of the range (UTC, exclusive).')
def import_history(uid: str, start: Any, end: Any) -> None:
    """Rebuild evse_status_history of a source for a time range from its archived realtime snapshots."""
    from datetime import UTC

    from ocpdb_pipelines.history import rebuild_status_history
    from ocpdb_pipelines.sources.registry import get_spec

    _spec(uid, get_spec)
    report = rebuild_status_history(_settings(), uid, start.replace(tzinfo=UTC), end.replace(tzinfo=UTC))
    click.echo(
        f'{uid}: {report.snapshots} realtime snapshots, {report.statuses_read} statuses read, '
        f'{report.rows_deleted} history rows replaced by {report.rows_written}'
    )
    for skipped in report.skipped_snapshots:
        click.echo(f'skipped {skipped}', err=True)


@import_group.command('realtime')
@click.argument('uid')
@click.option(
    '--from-file',
    'from_file',
    type=click.Path(exists=True, resolve_path=True),
    help='Replay a payload file or snapshot.',
)
def import_realtime(uid: str, from_file: str | None) -> None:
    """Apply live statuses of one source."""
    from ocpdb_pipelines.defs.sources.keys import realtime_key, run_tags
    from ocpdb_pipelines.sources.registry import get_spec

    spec = _spec(uid, get_spec)
    if not spec.has_realtime:
        raise click.ClickException(f'source {uid} has no realtime data')
    key = realtime_key(spec)
    run_config = {'ops': {key.to_python_identifier(): {'config': {'replay_file': from_file}}}}
    if not _materialize_assets([_source_asset(spec, 'realtime')], run_config, tags=run_tags(spec)):
        sys.exit(1)


@import_group.command('all')
def import_all() -> None:
    """Static then realtime import of every enabled source with fetch_at_init; one failure does not stop the rest."""
    from ocpdb_pipelines.defs.sources.automation import is_enabled
    from ocpdb_pipelines.defs.sources.keys import run_tags
    from ocpdb_pipelines.sources.registry import REGISTRY

    settings = _settings()
    failed = []
    for spec in REGISTRY.values():
        config = source_options(settings, spec.uid)
        if not is_enabled(settings, spec) or not (config and config.fetch_at_init):
            continue
        assets = [_source_asset(spec, 'static')]
        if spec.has_realtime and not spec.realtime_from_static:
            assets.append(_source_asset(spec, 'realtime'))
        if not _materialize_assets(assets, tags=run_tags(spec)):
            failed.append(spec.uid)
    if failed:
        click.echo(f'failed sources: {", ".join(failed)}', err=True)
        sys.exit(1)


def _spec(uid: str, get_spec: Any) -> Any:
    try:
        return get_spec(uid)
    except KeyError as exc:
        raise click.ClickException(str(exc.args[0])) from None


@main.group()
def source() -> None:
    """Sources."""


@source.command('list')
@click.option('--verbose', '-v', is_flag=True, help='Show family, state and status.')
def source_list(verbose: bool) -> None:
    """Print every registered source uid."""
    from ocpdb_pipelines.defs.sources.automation import is_enabled
    from ocpdb_pipelines.sources.registry import REGISTRY

    settings = _settings()
    for spec in REGISTRY.values():
        if verbose:
            state = 'enabled' if is_enabled(settings, spec) else 'off'
            click.echo(f'{spec.uid:28} {spec.family:16} {state}')
        else:
            click.echo(spec.uid)


@source.command('delete')
@click.argument('uid')
def source_delete(uid: str) -> None:
    """Delete a source with its locations and tariffs."""
    from ocpdb_pipelines.db.connection import connect
    from ocpdb_pipelines.store.sources import delete_source

    settings = _settings()
    with connect(settings.database.url.get_secret_value()) as conn, conn.transaction():
        counts = delete_source(conn, uid)
    click.echo(f'deleted {counts["locations"]} locations and {counts["tariffs"]} tariffs of {uid}')


@main.command('api')
@click.option('--host', default='127.0.0.1', show_default=True)
@click.option('--port', default=8000, show_default=True, type=int)
def api(host: str, port: int) -> None:
    """Serve the read API, tiles and map page with uvicorn."""
    _settings()  # a broken config fails here, with the CLI's message
    # the API is its own package and process entry point (`python -m ocpdb_api`); the pipelines never import it
    os.execv(sys.executable, [sys.executable, '-m', 'ocpdb_api', '--host', host, '--port', str(port)])

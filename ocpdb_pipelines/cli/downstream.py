"""`ocpdb match`, `ocpdb location`, `ocpdb export`: the downstream commands (as Dagster materializations)."""

from __future__ import annotations

import sys

import click
import dagster as dg

from ocpdb_pipelines.cli.main import _materialize, _settings

VG25 = dg.AssetKey(['regions', 'vg25'])
CODES = dg.AssetKey(['regions', 'official_region_codes'])
MATCHING = dg.AssetKey(['matching', 'bnetza'])


def _run(keys: list[dg.AssetKey], config: dict[dg.AssetKey, dict] | None = None) -> None:
    run_config = {'ops': {key.to_python_identifier(): {'config': value} for key, value in (config or {}).items()}}
    if not _materialize(keys, run_config):
        sys.exit(1)


@click.group()
def match() -> None:
    """BNetzA matching."""


@match.command('run')
def match_run() -> None:
    """Link BNetzA locations to the live locations they duplicate."""
    _run([MATCHING])


@click.group()
def location() -> None:
    """Location-wide operations."""


@location.command('assign-regionalschluessel')
@click.option('-s', '--source-id', 'source_uid', default=None, help='Only locations of this source uid.')
@click.option('--re-assign', is_flag=True, help='Also look up locations that already have a code.')
def assign_regionalschluessel(source_uid: str | None, re_assign: bool) -> None:
    """Assign official regional codes (loads the VG25 GeoPackage first when needed)."""
    _run([VG25, CODES], {CODES: {'source_uid': source_uid, 're_assign': re_assign}})


def _push(key_name: str) -> None:
    key = dg.AssetKey(['exports', key_name])
    _run([key], {key: {'push': True}})


@location.command('push-mobilithek-static')
def push_static() -> None:
    """Export and push the static DATEX II snapshot."""
    _push('datex2_static')


@location.command('push-mobilithek-realtime-full')
def push_realtime_full() -> None:
    """Export and push the full realtime snapshot."""
    _push('datex2_realtime_full')


@location.command('push-mobilithek-realtime-diff')
def push_realtime_diff() -> None:
    """Push the status changes since the last realtime push."""
    _push('datex2_realtime_diff')


@click.group('export')
def export_group() -> None:
    """Write exports to files."""


@export_group.command('datex2')
@click.option('--version', 'version', type=click.Choice(['3.5', '3.7']), default='3.5', show_default=True)
@click.option('--kind', type=click.Choice(['static', 'realtime']), default='static', show_default=True)
@click.option('--format', 'fmt', type=click.Choice(['json', 'xml']), default='json', show_default=True)
@click.option('--output', type=click.Path(dir_okay=False), required=True)
def export_datex2(version: str, kind: str, fmt: str, output: str) -> None:
    """Write a DATEX II export without pushing it."""
    from ocpdb_pipelines.exports.datex2.export import export

    try:
        report = export(_settings(), version, kind, fmt, output)
    except (ValueError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f'wrote {report.sites} sites ({report.bytes} bytes) to {report.path}')

"""`ocpdb demo`: the whole system on this machine, offline.

Migrates, generates sample payloads for every source family (the project's own generators, not
recorded data), imports them as Dagster materializations (so the UI shows them), runs the downstream
assets, then serves the Dagster UI (webserver + daemon) and the API until interrupted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

from ocpdb_pipelines.config import PROJECT_ROOT


@click.command('demo')
@click.option(
    '--serve/--no-serve', default=True, show_default=True, help='Start the Dagster UI and the API afterwards.'
)
@click.option('--dagster-port', default=3000, show_default=True, type=int)
@click.option('--api-port', default=8000, show_default=True, type=int)
def demo(serve: bool, dagster_port: int, api_port: int) -> None:
    """Run the demo: migrate, import generated samples of every source, run downstream assets, serve."""
    from ocpdb_pipelines.cli.main import _materialize, _settings
    from ocpdb_pipelines.db.migrations import ensure_database, upgrade
    from ocpdb_pipelines.defs.instance import ensure_dagster_home
    from ocpdb_pipelines.defs.sources.keys import realtime_key, static_key
    from ocpdb_pipelines.samples.catalog import write_demo_samples
    from ocpdb_pipelines.sources.registry import get_spec

    settings = _settings()
    ensure_dagster_home()
    ensure_database(settings.DATABASE_URL)
    upgrade(settings.DATABASE_URL)
    directory = settings.path(settings.DATA_DIR) / 'demo'
    payloads = write_demo_samples(directory)
    click.echo(f'generated {len(payloads)} sample payloads in {directory}')
    failed = []
    # live sources first: the register sample then gets entries duplicating some of them (see matching)
    register = [p for p in payloads if p.uid == 'bnetza_api']
    payloads = [p for p in payloads if p.uid != 'bnetza_api'] + register
    for payload in payloads:
        if payload.uid == 'bnetza_api':
            _add_register_duplicates(settings, Path(payload.path))
        spec = get_spec(payload.uid)
        key = static_key(spec) if payload.kind == 'static' else realtime_key(spec)
        run_config = {'ops': {key.to_python_identifier(): {'config': {'replay_file': str(payload.path)}}}}
        click.echo(f'-> {payload.uid} {payload.kind} from {Path(payload.path).name}')
        if not _materialize([key], run_config, tags={'ocpdb/trigger': 'demo'}):
            failed.append(f'{payload.uid}/{payload.kind}')
    _use_demo_regions(settings, directory)
    for step in _downstream_steps():
        click.echo(f'-> {step}')
        if not _materialize_downstream(step):
            failed.append(step)
    if failed:
        click.echo(f'demo steps that failed: {", ".join(failed)}', err=True)
    if serve:
        _serve(dagster_port, api_port)
    elif failed:
        sys.exit(1)


def _add_register_duplicates(settings, path: Path) -> None:  # type: ignore[no-untyped-def]
    from ocpdb_pipelines.db.connection import connect
    from ocpdb_pipelines.samples.register_duplicates import add_register_duplicates, live_locations

    with connect(settings.DATABASE_URL) as conn:
        live = live_locations(conn, 60)
    added = add_register_duplicates(path, live)
    click.echo(f'added {added} register entries duplicating live locations to {path.name}')


def _use_demo_regions(settings, directory: Path) -> None:  # type: ignore[no-untyped-def]
    """Offline, the VG25 download is impossible: unless a real GeoPackage is in place, use a generated one."""
    from ocpdb_pipelines.samples.vg25 import write_vg25_geopackage

    if settings.path(settings.VG25_GEOPACKAGE_PATH).exists():
        return
    path = directory / 'vg25_demo.gpkg'
    count = write_vg25_geopackage(path)
    os.environ['OCPDB_VG25_GEOPACKAGE_PATH'] = str(path)
    click.echo(f'generated a demo VG25 GeoPackage with {count} municipalities (the real one is not downloaded)')


def _downstream_steps() -> list[str]:
    """Downstream asset keys present in the code location, in dependency order."""
    from ocpdb_pipelines.cli.main import _settings
    from ocpdb_pipelines.definitions import build_definitions

    wanted = [
        'regions/vg25',
        'regions/official_region_codes',
        'matching/bnetza',
        'exports/datex2_static',
        'exports/datex2_realtime_full',
    ]
    present = set()
    for asset in build_definitions(_settings()).assets or []:
        for key in getattr(asset, 'keys', []):
            present.add(key.to_user_string())
    return [key for key in wanted if key in present]


def _materialize_downstream(key: str) -> bool:
    import dagster as dg

    from ocpdb_pipelines.cli.main import _materialize

    return _materialize([dg.AssetKey(key.split('/'))], tags={'ocpdb/trigger': 'demo'})


def _serve(dagster_port: int, api_port: int) -> None:
    env = {**os.environ}
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                '-m',
                'dagster',
                'dev',
                '-w',
                str(PROJECT_ROOT / 'workspace.yaml'),
                '-h',
                '0.0.0.0',
                '-p',
                str(dagster_port),
            ],
            cwd=PROJECT_ROOT,
            env=env,
        ),
        subprocess.Popen(
            [sys.executable, '-m', 'ocpdb_pipelines.cli', 'api', '--host', '0.0.0.0', '--port', str(api_port)],
            cwd=PROJECT_ROOT,
            env=env,
        ),
    ]
    click.echo(
        f'Dagster UI: http://localhost:{dagster_port}   API and map: http://localhost:{api_port}   (Ctrl-C stops)'
    )
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

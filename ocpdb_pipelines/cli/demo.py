"""`ocpdb demo`: the whole system on this machine, offline.

Starts local sample feeds on 127.0.0.1 (cli/demo_feeds.py) and points every realtime source at them,
migrates, generates sample payloads for every registered source (the project's own generators, not
recorded data) describing a few minutes ago, imports them as Dagster materializations (so the UI shows
every source materialized and freshness is judged from a true age), turns on the sensors of what it
imported (their ticks pull fresh samples from the feeds), runs the downstream assets, then serves the
Dagster UI (webserver + daemon) and the API until Ctrl-C or SIGTERM, which stop them and the feeds.
The DATEX II exports push to a local Mobilithek stand-in (cli/demo_mobilithek.py, mutual TLS), so the
static, full and diff pushes really happen and their assets report them.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click
import orjson

from ocpdb_pipelines.config import PROJECT_ROOT

# the sample generators and the dev services are development tools: the wheel leaves them out
# ([tool.hatch.build.targets.wheel] exclude), a source checkout (`scripts/run demo`) has them
SAMPLES = 'ocpdb_pipelines.samples'
MISSING_SAMPLES = (
    'ocpdb demo needs the sample generators (ocpdb_pipelines/samples/), which are development tools and not part '
    'of the installed package. Run the demo from a source checkout: `git clone` the project, then `scripts/run demo`.'
)


def require_samples() -> None:
    """Fail with a clear message when the sample generators are not installed (a wheel without them)."""
    if importlib.util.find_spec(SAMPLES) is None:
        raise click.ClickException(MISSING_SAMPLES)


if TYPE_CHECKING:
    from ocpdb_pipelines.cli.demo_feeds import SampleFeeds
    from ocpdb_pipelines.cli.demo_mobilithek import Receiver


@click.command('demo')
@click.option(
    '--serve/--no-serve', default=True, show_default=True, help='Start the Dagster UI and the API afterwards.'
)
@click.option('--dagster-port', default=3000, show_default=True, type=int)
@click.option('--api-port', default=8000, show_default=True, type=int)
@click.option(
    '--feeds-port', default=0, show_default=True, type=int, help='Port of the local sample feeds (0: any free one).'
)
def demo(serve: bool, dagster_port: int, api_port: int, feeds_port: int) -> None:
    """Run the demo: migrate, import generated samples of every source, run downstream assets, serve."""
    require_samples()
    from ocpdb_pipelines.cli.demo_feeds import serve_sample_feeds

    with (
        stop_on_sigterm(),
        serve_sample_feeds(port=feeds_port) as feeds,
        sources_pointed_at(feeds),
        mobilithek_stand_in() as receiver,
    ):
        failed = _import_everything(receiver)
        if serve:
            serve_until_stopped(_serve_commands(dagster_port, api_port), banner=_banner(dagster_port, api_port))
        elif failed:
            sys.exit(1)


@contextmanager
def sources_pointed_at(feeds: SampleFeeds) -> Iterator[None]:
    """Configure every pulled source to fetch from the demo's local feeds (OCPDB_SOURCES: this process and
    the `dagster dev` it starts), so the sensors' realtime ticks succeed offline and freshness is true;
    the environment is as before once the demo ends."""
    from ocpdb_pipelines.config import get_settings

    previous = os.environ.get('OCPDB_SOURCES')
    try:
        _point_sources_at(feeds)
        yield
    finally:
        if previous is None:
            os.environ.pop('OCPDB_SOURCES', None)
        else:
            os.environ['OCPDB_SOURCES'] = previous
        get_settings.cache_clear()


def _point_sources_at(feeds: SampleFeeds) -> None:
    from ocpdb_pipelines.cli.demo_feeds import demo_client_certificate
    from ocpdb_pipelines.cli.main import _settings
    from ocpdb_pipelines.config import get_settings
    from ocpdb_pipelines.sources.registry import REGISTRY

    credentials = demo_client_certificate(_settings().path(_settings().data_dir) / 'demo' / 'client-certificate')
    sources = {
        uid: feeds.source_config(uid, credentials)
        for uid, spec in REGISTRY.items()
        if spec.has_realtime and (spec.auth != 'mtls' or credentials)
    }
    os.environ['OCPDB_SOURCES'] = orjson.dumps(sources).decode()
    get_settings.cache_clear()
    click.echo(f'sample feeds on {feeds.url}: {len(sources)} sources pull from them')


DEMO_PUBLICATIONS = {'static_publication_id': 'ocpdb-demo-static', 'realtime_publication_id': 'ocpdb-demo-realtime'}


@contextmanager
def mobilithek_stand_in() -> Iterator[Receiver | None]:
    """Serve the Mobilithek stand-in and turn `mobilithek` on pointing at it (OCPDB_MOBILITHEK__*: this
    process and the `dagster dev` it starts, whose export schedule and sensors then run); the environment is
    as before once the demo ends. Without `openssl`: no receiver, the push stays off (None)."""
    from ocpdb_pipelines.cli.demo_mobilithek import serve_mobilithek
    from ocpdb_pipelines.cli.main import _settings
    from ocpdb_pipelines.config import get_settings

    with serve_mobilithek(_settings().path(_settings().data_dir) / 'demo' / 'mobilithek-tls') as receiver:
        if receiver is None:
            click.echo('openssl not found: no Mobilithek stand-in, the DATEX II exports are not pushed', err=True)
            yield None
            return
        values = {
            'enabled': 'true',
            'url': receiver.url,
            'name': 'OCPDB demo',
            'key_dir': str(receiver.key_dir),
            'certificate_filename': receiver.certificate_filename,
            'key_filename': receiver.key_filename,
            'ca_file': str(receiver.ca_file),
            **DEMO_PUBLICATIONS,
        }
        names = {f'OCPDB_MOBILITHEK__{key.upper()}': value for key, value in values.items()}
        previous = {name: os.environ.get(name) for name in names}
        try:
            os.environ.update(names)
            get_settings.cache_clear()
            click.echo(f'Mobilithek stand-in on {receiver.url} (mutual TLS): the DATEX II exports push to it')
            yield receiver
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            get_settings.cache_clear()


# the samples describe this long ago; their realtime part a few minutes later (see samples/sites.py)
SAMPLE_AGE = timedelta(minutes=8)


def _import_everything(receiver: Receiver | None = None) -> list[str]:
    from ocpdb_pipelines.cli.main import _materialize_assets, _settings, _source_asset
    from ocpdb_pipelines.db.migrations import ensure_database, upgrade
    from ocpdb_pipelines.defs.instance import ensure_dagster_home
    from ocpdb_pipelines.defs.sources.keys import realtime_key, run_tags, static_key
    from ocpdb_pipelines.http.archive import new_snapshot_id
    from ocpdb_pipelines.samples.catalog import write_demo_samples
    from ocpdb_pipelines.samples.sites import samples_at
    from ocpdb_pipelines.sources.registry import get_spec

    settings = _settings()
    ensure_dagster_home()
    ensure_database(settings.database.url.get_secret_value())
    upgrade(settings.database.url.get_secret_value())
    directory = settings.path(settings.data_dir) / 'demo'
    with samples_at(datetime.now(UTC) - SAMPLE_AGE):
        payloads = write_demo_samples(directory)
    click.echo(f'generated {len(payloads)} sample payloads in {directory}')
    failed: list[str] = []
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
        asset = _source_asset(spec, payload.kind)
        # a static sample is a snapshot partition like any import (the partition bar shows it materialized,
        # and the automation of what reads the source sees no missing partition)
        partition = (spec, new_snapshot_id()) if payload.kind == 'static' else None
        tags = {**run_tags(spec), 'ocpdb/trigger': 'demo'}
        if not _materialize_assets([asset], run_config, tags=tags, partition=partition):
            failed.append(f'{payload.uid}/{payload.kind}')
    imported = sorted({p.uid for p in payloads} - {f.split('/')[0] for f in failed})
    started = start_sensors([f'{uid}_sensor' for uid in imported])
    click.echo(f'turned on {started} sensors of the imported sources')
    _use_demo_regions(settings, directory)
    live = [p.uid for p in payloads if p.kind == 'realtime' and f'{p.uid}/realtime' not in failed]
    for step in _downstream_steps(pushed=receiver is not None):
        if step == DIFF_STEP and live:
            # a deltaPush carries what changed since the full push: one more pull from the feeds changes some
            click.echo(f'-> {live[0]} realtime from the sample feeds (changes for the deltaPush)')
            if not _materialize_assets([_source_asset(get_spec(live[0]), 'realtime')], tags={'ocpdb/trigger': 'demo'}):
                failed.append(f'{live[0]}/realtime')
        click.echo(f'-> {step}')
        if not _materialize_downstream(step):
            failed.append(step)
    if receiver is not None:
        counts = ', '.join(f'{name} {count}' for name, count in sorted(receiver.received.items()))
        click.echo(f'the Mobilithek stand-in received: {counts or "nothing"}')
    if failed:
        click.echo(f'demo steps that failed: {", ".join(failed)}', err=True)
    return failed


def start_sensors(names: list[str]) -> int:
    """Turn the named sensors on in the instance, as the UI's toggle does (the code location loaded in
    process under workspace.yaml's location name, so `dagster dev` finds the same sensor states)."""
    from dagster._core.remote_origin import InProcessCodeLocationOrigin
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget

    from ocpdb_pipelines.defs.instance import get_instance

    origin = InProcessCodeLocationOrigin(
        loadable_target_origin=LoadableTargetOrigin(module_name='ocpdb_pipelines.definitions', attribute='defs'),
        location_name=WORKSPACE_LOCATION,
    )
    instance = get_instance()
    started = 0
    with WorkspaceProcessContext(instance, InProcessWorkspaceLoadTarget([origin])) as workspace:
        location = workspace.create_request_context().get_code_location(WORKSPACE_LOCATION)
        for repository in location.get_repositories().values():
            for name in names:
                if repository.has_sensor(name):
                    sensor = repository.get_sensor(name)
                    state = instance.get_instigator_state(sensor.get_remote_origin_id(), sensor.selector_id)
                    if state is None or not state.is_running:
                        instance.start_sensor(sensor)
                    started += 1
    return started


WORKSPACE_LOCATION = 'ocpdb'


class Stopped(Exception):
    """SIGTERM arrived: stop like Ctrl-C."""


@contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """SIGTERM (docker stop, systemd, kill) stops the demo as Ctrl-C does; both exit quietly.

    Every in-process Dagster run (the imports) maps SIGTERM to whatever SIGINT does afterwards. Started in
    the background, the shell has SIGINT ignored: SIGTERM would then be ignored too, and so would the SIGINT
    that stops the children (they inherit the ignored disposition). So SIGINT raises KeyboardInterrupt here
    in any case, which the children inherit as their default."""

    def handler(signum: int, frame: object) -> None:
        raise Stopped

    previous_int = signal.getsignal(signal.SIGINT)
    if previous_int is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    except (KeyboardInterrupt, Stopped):
        click.echo('demo stopped', err=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


def _serve_commands(dagster_port: int, api_port: int) -> list[list[str]]:
    return [
        [sys.executable, '-m', 'dagster', 'dev', '-w', str(PROJECT_ROOT / 'workspace.yaml'), '-h', '0.0.0.0',
         '-p', str(dagster_port)],
        [sys.executable, '-m', 'ocpdb_pipelines.cli', 'api', '--host', '0.0.0.0', '--port', str(api_port)],
    ]  # fmt: skip


def _banner(dagster_port: int, api_port: int) -> str:
    return (
        f'Dagster UI: http://localhost:{dagster_port}   API and map: http://localhost:{api_port}   '
        '(Ctrl-C or SIGTERM stops)'
    )


def serve_until_stopped(commands: list[list[str]], *, banner: str = '', grace_seconds: float = 20.0) -> None:
    """Run the commands until one exits or we are stopped; then stop every child with everything it started:
    SIGINT to its process group (Ctrl-C: what `dagster dev` with its webserver, daemon and code server, and
    uvicorn shut down cleanly on), SIGKILL to the group after `grace_seconds` (killing `dagster dev` alone
    would leave its webserver and daemon running)."""
    environment = serve_environment()
    processes = [
        subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, start_new_session=True) for command in commands
    ]
    if banner:
        click.echo(banner)
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    finally:
        for process in processes:
            _signal_group(process, signal.SIGINT)
        deadline = time.monotonic() + grace_seconds
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        while time.monotonic() < deadline and any(_group_alive(p) for p in processes):
            time.sleep(0.2)  # the grandchildren finish their own shutdown
        for process in processes:
            _signal_group(process, signal.SIGKILL)
            process.wait()


def serve_environment() -> dict[str, str]:
    """The served processes' environment: this one, with Dagster's gRPC deadlines long enough for a code
    server slowed by a loaded machine (defs/instance.py GRPC_TIMEOUTS; values already set win)."""
    from ocpdb_pipelines.defs.instance import GRPC_TIMEOUTS

    return {**GRPC_TIMEOUTS, **os.environ}


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def _group_alive(process: subprocess.Popen) -> bool:
    try:
        os.killpg(process.pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _add_register_duplicates(settings, path: Path) -> None:  # type: ignore[no-untyped-def]
    from ocpdb_pipelines.db.connection import connect
    from ocpdb_pipelines.samples.register_duplicates import add_register_duplicates, live_locations

    with connect(settings.database.url.get_secret_value()) as conn:
        live = live_locations(conn, 60)
    added = add_register_duplicates(path, live)
    click.echo(f'added {added} register entries duplicating live locations to {path.name}')


def _use_demo_regions(settings, directory: Path) -> None:  # type: ignore[no-untyped-def]
    """Offline, the VG25 download is impossible: unless a real GeoPackage is in place, use a generated one."""
    from ocpdb_pipelines.samples.vg25 import write_vg25_geopackage

    if settings.path(settings.vg25.geopackage_path).exists():
        return
    path = directory / 'vg25_demo.gpkg'
    count = write_vg25_geopackage(path)
    os.environ['OCPDB_VG25__GEOPACKAGE_PATH'] = str(path)
    click.echo(f'generated a demo VG25 GeoPackage with {count} municipalities (the real one is not downloaded)')


DIFF_STEP = 'exports/datex2_realtime_diff'


def _downstream_steps(*, pushed: bool = True) -> list[str]:
    """Downstream asset keys present in the code location, in dependency order."""
    from ocpdb_pipelines.cli.main import _settings
    from ocpdb_pipelines.definitions import build_definitions

    # every asset below the sources, so the UI shows none "Never materialized" (their automation, schedules
    # and sensors take over from here); exports/datex2_realtime_diff only reports a deltaPush, so only when
    # the Mobilithek stand-in receives pushes
    wanted = [
        'regions/vg25',
        'regions/official_region_codes',
        'matching/bnetza',
        'matching/cross_source_duplicates',
        'exports/datex2_static',
        'exports/datex2_realtime_full',
        *([DIFF_STEP] if pushed else []),
        'products/dumps',
        'products/availability_statistics',
        'landing/quarantine',
        'images/download',
    ]
    present = set()
    for asset in build_definitions(_settings()).assets or []:
        for key in getattr(asset, 'keys', []):
            present.add(key.to_user_string())
    return [key for key in wanted if key in present]


def _materialize_downstream(key: str) -> bool:
    import dagster as dg

    from ocpdb_pipelines.cli.main import _materialize

    partition = None
    if key == 'products/availability_statistics':  # daily partitions: the last complete day
        from ocpdb_pipelines.defs.downstream.statistics import PARTITIONS

        partition = (None, PARTITIONS.get_last_partition_key())
    return _materialize([dg.AssetKey(key.split('/'))], tags={'ocpdb/trigger': 'demo'}, partition=partition)

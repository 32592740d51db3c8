"""The README demo command, without serving: every step succeeds offline on generated samples."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from click.testing import CliRunner
from dagster._core.scheduler.instigation import InstigatorType

from ocpdb_pipelines.cli import main
from ocpdb_pipelines.cli.demo import SAMPLE_AGE
from ocpdb_pipelines.sources.registry import REGISTRY
from tests.dagster.processes import tails_left_by_runs_of


def test_demo_imports_every_family_and_runs_downstream(demo_env, settings, db, tmp_path):
    # as a fresh `ocpdb demo` process would: settings and the code location built from this environment,
    # not from whatever an earlier test of this worker cached
    from ocpdb_pipelines.config import get_settings

    get_settings.cache_clear()
    sys.modules.pop('ocpdb_pipelines.definitions', None)
    started = time.time()
    result = CliRunner().invoke(main, ['demo', '--no-serve'])
    assert result.exit_code == 0, result.output[-3000:]

    sources = db.execute('SELECT uid, static_status, static_error_count FROM source ORDER BY uid').fetchall()
    families = {REGISTRY[s['uid']].family for s in sources}
    assert families == {spec.family for spec in REGISTRY.values()}
    assert all(s['static_status'] == 'ACTIVE' and s['static_error_count'] == 0 for s in sources)
    live = db.execute("SELECT count(*) AS n FROM evse WHERE status NOT IN ('STATIC', 'UNKNOWN')").fetchone()['n']
    assert live > 500
    linked = db.execute('SELECT count(*) AS n FROM location WHERE dynamic_location_id IS NOT NULL').fetchone()['n']
    assert linked >= 50
    coded = db.execute('SELECT count(*) AS n FROM location WHERE official_region_code IS NOT NULL').fetchone()['n']
    assert coded > 100
    assert (tmp_path / 'exports' / 'datex2_v3.5_static.json').stat().st_size > 100_000
    assert (tmp_path / 'exports' / 'datex2_v3.5_realtime.json').exists()

    instance = dg.DagsterInstance.get()
    # its in-process runs (about 40) left no compute-log mirroring (`tail -F`) running
    assert tails_left_by_runs_of(instance) == []
    for key in (['source', 'bnetza_api'], ['source', 'datex2_enbw', 'realtime'], ['matching', 'bnetza']):
        assert instance.get_latest_materialization_event(dg.AssetKey(key)) is not None

    # every asset of the code location is materialized: none says "Never materialized"
    from ocpdb_pipelines.definitions import build_definitions
    from ocpdb_pipelines.defs.sources.partitions import partitions_name

    graph = build_definitions(get_settings()).resolve_asset_graph()
    never = [key.to_user_string() for key in graph.materializable_asset_keys if not _materialized(instance, key)]
    assert never == []
    # ... honestly: the DATEX II pushes went to the demo's Mobilithek stand-in over mutual TLS, the diff too
    assert 'Mobilithek stand-in on https://127.0.0.1:' in result.output
    for name in ('datex2_static', 'datex2_realtime_full', 'datex2_realtime_diff'):
        latest = instance.get_latest_materialization_event(dg.AssetKey(['exports', name]))
        assert latest.asset_materialization.metadata['push_sent'].value is True, name
    diff = instance.get_latest_materialization_event(dg.AssetKey(['exports', 'datex2_realtime_diff']))
    assert diff.asset_materialization.metadata['push_protocol'].value == 'deltaPush'
    assert diff.asset_materialization.metadata['push_changed_evses'].value > 0
    assert 'the Mobilithek stand-in received: ocpdb-demo-realtime 2, ocpdb-demo-static 1' in result.output
    assert not any(name.startswith('OCPDB_MOBILITHEK__') for name in os.environ)
    # ... and the checks are green where the demo's data is complete: every German location has its code
    codes = dg.AssetCheckKey(dg.AssetKey(['regions', 'official_region_codes']), 'german_locations_have_codes')
    (record,) = instance.event_log_storage.get_asset_check_execution_history(codes, limit=1)
    evaluation = record.event.dagster_event.event_specific_data
    assert evaluation.passed, evaluation.metadata
    assert evaluation.metadata['without_code'].value == 0
    # ... and no check the demo evaluated is red (a red one would be a sample or demo set-up bug, not news)
    assert _red_checks(instance, list(graph.asset_check_keys)) == {}
    # ... and a static sample is a snapshot partition: the partition bar shows it green, not one grey key
    # beside an unpartitioned run (which also kept the eager automation below the sources waiting)
    for uid, spec in REGISTRY.items():
        latest = instance.get_latest_materialization_event(dg.AssetKey(['source', uid]))
        assert latest is not None, uid
        partition = latest.asset_materialization.partition
        assert partition in instance.get_dynamic_partitions(partitions_name(spec)), uid
        if spec.has_realtime:
            realtime = dg.AssetKey(['source', uid, 'realtime'])
            assert instance.get_latest_materialization_event(realtime) is not None, f'{uid} realtime'
    # the sensors of what it imported are on
    running = {
        state.instigator_name
        for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
        if state.is_running
    }
    # ... stored as running in the instance, or running by default in the code location the demo serves
    # (every realtime source configured to pull from the demo's feeds: see cli/demo_feeds.py)
    assert 'sample feeds on http://127.0.0.1:' in result.output
    assert 'OCPDB_SOURCES' not in os.environ  # the demo's configuration ends with the demo
    assert {f'{uid}_sensor' for uid in REGISTRY} <= running | _running_by_default_in_the_demo(settings, tmp_path)
    # the samples describe a few minutes ago, not a fixed date: freshness is judged on a true age
    stamps = db.execute(
        'SELECT uid, extract(epoch FROM realtime_data_updated_at) AS at FROM source '
        'WHERE realtime_data_updated_at IS NOT NULL'
    ).fetchall()
    assert stamps
    # written when the demo started, describing SAMPLE_AGE earlier (the demo itself may take long under load)
    earliest = started - SAMPLE_AGE.total_seconds() - 60
    assert all(earliest < float(row['at']) < time.time() + 60 for row in stamps), stamps


@pytest.mark.parametrize('started', ['in a terminal', 'in the background'])
def test_the_demo_server_stops_cleanly_on_sigterm(started, tmp_path):
    """The serving part of `ocpdb demo` stops its children (Dagster, API) and exits 0 on SIGTERM, also after
    in-process Dagster runs (the imports: Dagster then maps SIGTERM to whatever SIGINT does) and when started
    in the background, where the shell ignores SIGINT for the demo and, through it, for its children."""
    child_pid, grandchild_pid = tmp_path / 'child.pid', tmp_path / 'grandchild.pid'
    # the child stands for `dagster dev`: it stops on SIGINT unless SIGINT is ignored; its own child (the
    # webserver, the daemon) is slow to stop: it ignores SIGINT and must not outlive the demo
    grandchild = tmp_path / 'grandchild.py'
    grandchild.write_text(
        'import os, signal, time\n'
        'signal.signal(signal.SIGINT, signal.SIG_IGN)\n'
        f'open({str(grandchild_pid)!r}, "w").write(str(os.getpid()))\n'
        'time.sleep(600)\n'
    )
    child = tmp_path / 'child.py'
    child.write_text(
        'import os, subprocess, sys, time\n'
        f'subprocess.Popen([sys.executable, {str(grandchild)!r}])\n'
        f'open({str(child_pid)!r}, "w").write(str(os.getpid()))\n'
        'time.sleep(600)\n'
    )
    script = (
        'import signal, sys\n'
        + ('signal.signal(signal.SIGINT, signal.SIG_IGN)\n' if started == 'in the background' else '')
        + 'import dagster as dg\n'
        'from ocpdb_pipelines.cli.demo import serve_until_stopped, stop_on_sigterm\n'
        '@dg.asset\n'
        'def sample(): return 1\n'
        'with stop_on_sigterm():\n'
        '    assert dg.materialize([sample]).success\n'  # as the demo's imports run, in process
        f'    serve_until_stopped([[sys.executable, {str(child)!r}]], grace_seconds=10)\n'
        'print("exited cleanly")\n'
    )
    demo = subprocess.Popen([sys.executable, '-c', script], stdout=subprocess.PIPE, text=True)
    pids: list[int] = []
    try:
        for _ in range(1200):
            if all(p.exists() and p.read_text() for p in (child_pid, grandchild_pid)):
                break
            time.sleep(0.1)
        pids = [int(p.read_text()) for p in (child_pid, grandchild_pid)]
        demo.send_signal(signal.SIGTERM)
        out, _ = demo.communicate(timeout=120)
        left = [pid for pid in pids if _still_running(pid)]
    finally:
        if demo.poll() is None:
            demo.kill()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert demo.returncode == 0
    assert 'exited cleanly' in out
    assert left == [], 'the demo left what it started running'


def _still_running(pid: int, wait_seconds: float = 5.0) -> bool:
    """Whether `pid` still runs (read before the test's own clean-up kills it). A killed process whose parent
    has gone stays a zombie until the init process reaps it, which may take a moment: that is not running."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            state = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        if state in ('Z', 'X'):
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.1)


def _red_checks(instance: dg.DagsterInstance, keys: list[dg.AssetCheckKey]) -> dict[str, dict]:
    red = {}
    for key, record in instance.event_log_storage.get_latest_asset_check_execution_by_key(keys).items():
        event = record.event.dagster_event if record.event else None
        if event is None or event.event_type_value != 'ASSET_CHECK_EVALUATION':
            continue
        evaluation = event.event_specific_data
        if not evaluation.passed:
            red[f'{key.asset_key.to_user_string()}:{key.name}'] = {k: v.value for k, v in evaluation.metadata.items()}
    return red


def _materialized(instance: dg.DagsterInstance, key: dg.AssetKey) -> bool:
    return bool(instance.fetch_materializations(key, limit=1).records)


def _running_by_default_in_the_demo(settings, tmp_path) -> set[str]:
    """The sensors that are on by default in the code location as `ocpdb demo` configures it."""
    from ocpdb_pipelines.cli.demo_feeds import SampleFeeds
    from ocpdb_pipelines.definitions import build_definitions

    feeds = SampleFeeds(directory=tmp_path, url='http://127.0.0.1:9')
    credentials = dict.fromkeys(('mobilithek_cert_path', 'mobilithek_key_path', 'realtime_subscription_id'), 'demo')
    realtime = [uid for uid, spec in REGISTRY.items() if spec.has_realtime]
    sources = {uid: dict(feeds.source_config(uid, credentials)) for uid in realtime}
    repository = build_definitions(settings.with_values(sources=sources)).get_repository_def()
    return {s.name for s in repository.sensor_defs if s.default_status == dg.DefaultSensorStatus.RUNNING}


def test_the_served_dagster_waits_for_a_code_server_slowed_by_load(demo_env):
    """A run launched from the UI asks the code server for its execution plan over gRPC (60 s by default);
    on a loaded machine that answered too late ("deadline exceeded"). The demo's `dagster dev` gets longer
    gRPC deadlines (sensor ticks keep their 60 s limit) and its instance a longer code server start/reload."""
    from ocpdb_pipelines.cli.demo import serve_environment
    from ocpdb_pipelines.defs.instance import get_instance

    probe = (
        'from dagster._grpc import utils\n'
        'print(utils.default_grpc_timeout(), utils.default_repository_grpc_timeout(),'
        ' utils.default_schedule_grpc_timeout(), utils.default_sensor_grpc_timeout())'
    )
    seen = subprocess.run(
        [sys.executable, '-c', probe], env=serve_environment(), capture_output=True, text=True, check=True
    ).stdout.split()
    assert [int(value) for value in seen] == [180, 300, 120, 60]
    instance = get_instance()  # the instance the demo writes (DAGSTER_HOME with the project's dagster.yaml)
    assert instance.code_server_process_startup_timeout == 300
    assert instance.code_server_reload_timeout == 300

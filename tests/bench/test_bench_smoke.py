"""Smoke tests for the benchmark scripts in bench/: each runs end to end on the smallest input it allows.

Every script runs as a subprocess (`sys.executable`, cwd = project root, invoked as its docstring says)
with its own database `<OCPDB_TEST_DB>_bench_<xdist worker>_<test>`, dropped afterwards, and writes its
files under tmp_path. The tests check what a run proves (exit code 0, the expected keys and rows,
counts that match the generated input); they never assert a duration or a speed.
"""

from __future__ import annotations

import ast
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import orjson
import psycopg
import pytest
from python_calamine import CalamineWorkbook

from bench.realtime_baseline import main_url
from ocpdb_pipelines.db.migrations import drop_database
from tests.conftest import ADMIN_URL
from tests.fixtures_dir import fixture_path, schemas_dir

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / 'bench'
WORKER = os.environ.get('PYTEST_XDIST_WORKER', 'gw0')
# under the suite's own database name, so two suites on one server never share a bench database
BENCH_DB_PREFIX = os.environ.get('OCPDB_TEST_DB', 'ocpdb_test') + '_bench'
TIMEOUT = 300  # seconds: a hung script fails the test instead of blocking the suite

# every Python file in bench/ and the test(s) below that run it
COVERED = {
    'bench_api.py': 'test_bench_api',
    'bench_api_tipg.py': 'test_bench_api_tipg_imports (needs a separate tipg install: --help only)',
    'bench_bnetza_import.py': 'test_bench_bnetza_import, test_bench_bnetza_import_before',
    'bench_bnetza_parse.py': 'test_bench_bnetza_parse',
    'bench_catalogue.py': 'test_bench_catalogue',
    'bench_cli_startup.py': 'test_bench_cli_startup',
    'bench_config_load.py': 'test_bench_config_load',
    'bench_churn.py': 'test_bench_churn',
    'bench_germany_day.py': 'test_bench_germany_day',
    'bnetza_baseline.py': 'test_bench_bnetza_import (the "baseline COPY" runs)',
    'bnetza_floor.py': 'test_bench_bnetza_import (the "floor" runs)',
    'bench_without_analyze.py': 'test_bench_without_analyze',
    'bench_dagster_realtime.py': 'test_bench_dagster_realtime',
    'bench_datex2_import.py': 'test_bench_datex2_import',
    'bench_datex2_parse.py': 'test_bench_datex2_parse',
    'bench_dumps.py': 'test_bench_dumps',
    'bench_export.py': 'test_bench_export',
    'bench_faults.py': 'test_bench_faults',
    'bench_live_vacuum.py': 'test_bench_live_vacuum',
    'bench_location_stamp.py': 'test_bench_location_stamp',
    'bench_map_tiles.py': 'test_bench_map_tiles',
    'bench_matching.py': 'test_bench_matching',
    'bench_realtime.py': 'test_bench_realtime',
    'realtime_baseline.py': "test_bench_realtime (main's writer, A of its A/B)",
    'bench_list_page.py': 'test_bench_list_page',
    'list_page_floor.py': "test_bench_list_page (each tree's SQL floor)",
    'bench_regions.py': 'test_bench_regions',
    'generate_bnetza.py': 'test_generate_bnetza',
    'generate_datex2.py': 'test_generate_datex2',
}


def run_script(*args: str, env: dict[str, str] | None = None) -> str:
    """Run `python ARGS` from the project root; fail with the output's tail unless it exits 0. Returns stdout.

    The script gets its own process group so a timeout also ends what it started (API, Dagster processes).
    """
    command = [sys.executable, *args]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f'{" ".join(args)} did not finish in {TIMEOUT} s\n{_tail(stdout, stderr)}')
    assert process.returncode == 0, f'{" ".join(args)} exited with {process.returncode}\n{_tail(stdout, stderr)}'
    return stdout


def _tail(stdout: str, stderr: str) -> str:
    return f'--- stdout ---\n{stdout[-4000:]}\n--- stderr ---\n{stderr[-4000:]}'


def search(pattern: str, text: str) -> re.Match[str]:
    match = re.search(pattern, text, re.M)
    assert match, f'no line matches {pattern!r} in:\n{text}'
    return match


@pytest.fixture
def bench_db(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a database of this test alone; the scripts create it (dropping what was there), and it is
    dropped afterwards (not before as well: each DROP DATABASE costs the server an immediate checkpoint)."""
    label = re.sub(r'[^a-z0-9]+', '_', request.node.name.removeprefix('test_').lower()).strip('_')
    url = psycopg.conninfo.make_conninfo(ADMIN_URL, dbname=f'{BENCH_DB_PREFIX}_{WORKER}_{label}'[:63])
    yield url
    drop_database(url)


def _database_name(url: str) -> str:
    return psycopg.conninfo.conninfo_to_dict(url)['dbname']


def _free_port_pair(count: int = 2) -> int:
    """A port p with p .. p + count - 1 free: bench_api.py serves on --port and --port + 1 (bench_list_page.py
    on three).

    Taken below the kernel's ephemeral range (ip_local_port_range), so that no client connection of the
    suite, which gets its source port from that range, can take p + 1 between this check and the bind of
    the second server (seen once in CI: "address already in use" on p + 1).
    """
    low = _ephemeral_range()[0]
    for _ in range(200):
        port = random.randrange(20000, low - count)
        with ExitStack() as stack:
            try:
                for i in range(count):
                    stack.enter_context(socket.socket()).bind(('127.0.0.1', port + i))
            except OSError:
                continue
        return port
    raise RuntimeError('no adjacent free ports')


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path('/proc/sys/net/ipv4/ip_local_port_range').read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def _requires(*tools: str) -> pytest.MarkDecorator:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    return pytest.mark.skipif(bool(missing), reason=f'{", ".join(missing)} not installed (not on PATH)')


def test_every_bench_script_has_a_smoke_test() -> None:
    assert sorted(path.name for path in BENCH.glob('*.py')) == sorted(COVERED)


# the longest runs first, so that pytest-xdist spreads them over the workers


def test_bench_dagster_realtime(bench_db: str, redis_url: str, tmp_path: Path) -> None:
    from ocpdb_pipelines.sources.registry import REGISTRY

    out = tmp_path / 'dagster.json'
    stdout = run_script(
        '-m', 'bench.bench_dagster_realtime', '--warmup', '0', '--measure', '2', '--sample', '1', '--body-kb', '1',
        '--database-url', bench_db, '--redis-url', redis_url, '--json', str(out),
    )  # fmt: skip
    realtime_sources = sum(1 for spec in REGISTRY.values() if spec.has_realtime)
    assert realtime_sources > 0
    assert f'{realtime_sources} realtime sources against http://127.0.0.1:' in stdout
    report = json.loads(out.read_text())
    summary, samples = report['summary'], report['samples']
    assert summary['sources'] == realtime_sources
    assert summary['upstream'] == 'quiet'
    roles = {'code server', 'daemon'}
    assert set(summary['cpu_seconds_per_minute']) == {*roles, 'bench process (upstream server)'}
    assert all(summary['processes (max in window)'][role] >= 1 for role in roles)
    assert summary['window_minutes'] > 0
    assert len(samples) >= 2
    # the code server has imported Dagster and the definitions by the first sample: CPU seconds > 0
    assert all(sample['cpu']['code server'] > 0 for sample in samples)
    assert summary['target_cpu_seconds_per_minute'] == 15


def test_bench_cli_startup(bench_db: str) -> None:
    # without the unmeasured warm-up runs: 6 processes instead of 10
    stdout = run_script('-m', 'bench.bench_cli_startup', '--database-url', bench_db, '--rounds', '1', '--no-warmup')
    for regime in ('source', 'bytecode'):  # modules compiled from source in every process, or cached bytecode
        for name in ('import dagster', 'floor', 'cli'):
            assert search(rf'^{regime} +{name} +wall median +[0-9.]+ s .* cpu median +[0-9.]+ s', stdout)
        assert search(rf'^{regime} +cli / floor: wall [0-9.]+ +cpu [0-9.]+$', stdout)
    # one measured import per regime, each recorded as a run in the instance
    assert search(r'^runs recorded in the instance: 2 \(imports made: 2\)$', stdout)


def test_bench_config_load() -> None:
    for extra in ((), ('--pure-yaml',)):
        stdout = run_script('-m', 'bench.bench_config_load', '--rounds', '3', *extra)
        assert search(r'^load average [0-9.]+, 3 rounds, interleaved; new loader YAML: \w+', stdout)
        for name in ('old', 'new'):
            assert search(rf'^{name}: median [0-9.]+ ms, p90 [0-9.]+ ms$', stdout)
        assert search(r'^new/old median: [0-9.]+$', stdout)


def test_bench_bnetza_import_before(bench_db: str, tmp_path: Path) -> None:
    """`--before DIR` (here this same tree) runs a first import of that checkout beside this tree's, each round."""
    n = 60
    stdout = run_script(
        '-m', 'bench.bench_bnetza_import', '--n', str(n), '--broken', '1', '--rounds', '2', '--layouts', 'api',
        '--before', str(ROOT), '--first-only', '--database', _database_name(bench_db), '--out', str(tmp_path),
        env={'OCPDB_BENCH_ADMIN_URL': ADMIN_URL},
    )  # fmt: skip
    runs = json.loads((tmp_path / f'bnetza_results_{n}.json').read_text())['runs']
    floor_name = 'floor (binary COPY of the final rows)'
    assert set(runs) == {
        f'api {run}, round {number}' for run in ('first', 'first (before)', floor_name) for number in (1, 2)
    }
    assert runs['api first (before), round 1']['counts'] == runs['api first, round 1']['counts']
    # the order rotates: round 1 before first, round 2 this tree first
    assert stdout.index('api first import (before), round 1') < stdout.index('api first import, round 1')
    assert stdout.index('api first import, round 2') < stdout.index('api first import (before), round 2')
    with psycopg.connect(ADMIN_URL) as conn:
        left = conn.execute(
            'SELECT datname FROM pg_database WHERE datname = %s', (f'{_database_name(bench_db)}_before',)
        )
        assert left.fetchall() == [], 'the before database is dropped at the end'


def test_bench_bnetza_parse(tmp_path: Path) -> None:
    n = 80
    stdout = run_script(
        '-m', 'bench.bench_bnetza_parse', '--n', str(n), '--broken', '2', '--rounds', '2', '--before', str(ROOT),
        '--out', str(tmp_path),
    )  # fmt: skip
    results = json.loads((tmp_path / f'bnetza_parse_results_{n}.json').read_text())
    assert [(r['round'], r['tree']) for r in results] == [(1, 'before'), (1, 'after'), (2, 'after'), (2, 'before')]
    for result in results:
        assert result['skipped'] == 2
        assert result['rows'] == results[0]['rows']
        assert result['parse_cpu'] > 0
    assert search(r'^round 1 before: parse CPU [0-9.]+ s', stdout)


def test_bench_bnetza_import(bench_db: str, tmp_path: Path) -> None:
    n, broken = 100, 2
    stdout = run_script(
        '-m', 'bench.bench_bnetza_import', '--n', str(n), '--broken', str(broken), '--rounds', '1', '--baseline',
        '--database', _database_name(bench_db), '--out', str(tmp_path),
        env={'OCPDB_BENCH_ADMIN_URL': ADMIN_URL},
    )  # fmt: skip
    target = tmp_path / f'bnetza_results_{n}.json'
    assert f'results in {target}' in stdout
    assert (tmp_path / f'bnetza_api_{n}.json').is_file()
    assert (tmp_path / f'bnetza_register_{n}.xlsx').is_file()
    assert not list(tmp_path.glob('.child-*')), 'measure() left its child output file behind'
    results = json.loads(target.read_text())
    assert (results['n'], results['broken']) == (n, broken)
    assert results['machine']['postgres']['server_version']
    runs = results['runs']
    floor_name = 'floor (binary COPY of the final rows), round 1'
    assert set(runs) == {
        f'{layout} {run}'
        for layout in ('api', 'excel')
        for run in ('first, round 1', floor_name, 'unchanged', 'unchanged skipped', 'baseline COPY')
    }
    for layout in ('api', 'excel'):
        assert results[f'{layout}_file_mib'] > 0
        first, unchanged, baseline, floor = (
            runs[f'{layout} {run}'] for run in ('first, round 1', 'unchanged', 'baseline COPY', floor_name)
        )
        for run in (first, unchanged, baseline, floor):
            assert run['seconds'] > 0
            assert run['peak_rss_mib'] > 0
        # every deliberately broken installation is skipped, once
        assert first['skipped'] == unchanged['skipped'] == broken
        counts = first['counts']
        assert 0 < counts['locations_inserted'] == counts['incoming_locations'] <= n - broken
        # the instrumented phases still exist and are called: a first import takes the COPY path (store/
        # first_import.py), the forced re-import of the same payload the set-based one
        for phase in ('parse', 'rows (screen, staging rows)', 'copy path: parents + reserved ids'):
            assert phase in first['phases'], phase
        assert {f'copy path: COPY {table}' for table in ('location', 'charging_station', 'evse', 'connector')} <= set(
            first['phases']
        )
        for phase in ('stage (COPY into temp tables)', 'sql apply_locations'):
            assert phase in unchanged['phases'], phase
        # an unchanged payload is recognised and not applied (forced, it is re-applied)
        assert runs[f'{layout} unchanged skipped']['outcome'] == 'unchanged'
        assert unchanged['outcome'] == 'applied'
        # an unchanged re-import writes nothing
        assert unchanged['counts']['incoming_locations'] == counts['incoming_locations']
        assert not any(value for key, value in unchanged['counts'].items() if key.endswith('_inserted'))
        # bnetza_baseline.copy_flat_rows and the floor write exactly the rows the import inserted
        for rows in (baseline['rows'], floor['rows']):
            assert rows['location'] == counts['locations_inserted']
            assert rows['charging_station'] == counts['stations_inserted']
            assert rows['evse'] == counts['evses_inserted']
            assert rows['connector'] == counts['connectors_inserted']
            assert rows['business'] > 0
        assert set(floor['per_table']) == {*floor['rows'], 'commit'}
    with psycopg.connect(ADMIN_URL) as conn:
        left = conn.execute(
            'SELECT datname FROM pg_database WHERE datname = %s', (f'{_database_name(bench_db)}_floor',)
        )
        assert left.fetchall() == [], 'the floor database is dropped at the end'


def test_bench_catalogue(bench_db: str, tmp_path: Path) -> None:
    """Both variants from this tree (the script takes any tree as --base): the table holds every figure."""
    database = _database_name(bench_db)
    stdout = run_script(
        '-m', 'bench.bench_catalogue', '--base', str(ROOT), '--n', '60', '--rounds', '1', '--requests', '2',
        '--database', database, '--out', str(tmp_path), env={'OCPDB_TEST_ADMIN_URL': ADMIN_URL},
    )  # fmt: skip
    assert (tmp_path / 'bnetza_api_60.json').is_file()
    runs = [json.loads(line.split(': ', 1)[1]) for line in stdout.splitlines() if line.startswith('round 1 ')]
    assert len(runs) == 2
    assert runs[0]['locations'] == runs[1]['locations']
    assert runs[0]['locations']['locations_inserted'] > 0
    for figure in ('first import s', 'forced re-import s', 'v1 list (limit 100) ms', 'OCPI 2.2.1 list (limit 100) ms'):
        search(rf'^\| {re.escape(figure)} \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|$', stdout)
    for variant in ('base', 'branch'):
        drop_database(psycopg.conninfo.make_conninfo(ADMIN_URL, dbname=f'{database}_{variant}'))


@pytest.mark.parametrize(
    ('mode', 'only'),
    [
        pytest.param('httpx', r'list page \(v1|radius|tile z14|trivial', id='httpx'),
        pytest.param('wrk', 'tile z14 uncached', id='wrk', marks=_requires('wrk', 'pgbench')),
    ],
)
@_requires('psql')
def test_bench_api(mode: str, only: str, bench_db: str, redis_url: str, tmp_path: Path) -> None:
    locations, rounds = 300, 1
    out = tmp_path / 'api.json'
    stdout = run_script(
        str(BENCH / 'bench_api.py'), '--database-url', bench_db, '--redis-url', redis_url,
        '--generate', str(locations), '--requests', '20', '-c', '2', '--port', str(_free_port_pair()),
        '--rounds', str(rounds), '--only', only, '--out', str(out),
        *(['--wrk', '1'] if mode == 'wrk' else []),
    )  # fmt: skip
    assert f'generated {locations} locations' in stdout
    report = json.loads(out.read_text())
    assert report['meta']['locations'] == locations
    assert report['meta']['evses'] == 3 * locations  # api_dataset.sql: 3 EVSEs per location
    assert report['meta']['requests_per_scenario'] == 20
    results = report['results']
    if mode == 'httpx':
        scenarios = [
            'list page (v1, limit 100, EVSEs+connectors)',
            'radius search (2 km, limit 100)',
            'tile z14 cached',
            'trivial endpoint (/tiles.json, no database)',
            'tile z14 uncached',
        ]
        assert report['uncached_vs_bare'] == {}
    else:
        scenarios = ['tile z14 uncached']
    expected = {name for scenario in scenarios for name in (scenario, f'{scenario}, 1 connection')}
    expected.add('tile z14 bare SQL (psycopg)')
    assert set(results) == expected
    for name, result in results.items():
        assert result['requests'] > 0, name
        assert 0 < result['p50_ms'] <= result['p99_ms'], name
        if 'bare SQL' in name:
            assert result['tool'] == 'psycopg'
            continue
        assert result['rps'] > 0, name
        assert result['errors'] == 0, name
        assert result['non_2xx'] == 0, name
        if mode == 'wrk':
            assert result['tool'].startswith('wrk '), name
        else:
            assert result['requests'] == 20, name
        assert f'| {name} | {result["requests"]} |' in stdout
    if mode == 'wrk':
        comparison = report['uncached_vs_bare']['14']  # JSON keys are strings
        assert comparison['tiles'] > 0
        assert comparison['api_p50_ms'] > 0
        assert comparison['bare_p50_ms'] > 0
        assert comparison['ratio'] > 0
        assert len(comparison['api_rounds']) == len(comparison['bare_rounds']) == rounds
        assert '| 14 |' in stdout


def test_bench_datex2_import(bench_db: str, tmp_path: Path) -> None:
    sites, realtime = 50, 20
    stdout = run_script(
        '-m', 'bench.bench_datex2_import', '--sites', str(sites), '--realtime', str(realtime),
        '--admin-url', ADMIN_URL, '--database', _database_name(bench_db), '--out', str(tmp_path),
    )  # fmt: skip
    assert (tmp_path / f'datex2_static_{sites}.json').is_file()
    assert (tmp_path / f'datex2_delta_{realtime}.json').is_file()
    tail = r': .*, skipped (\d+), locations inserted (\S+), evses inserted (\S+), statuses changed (\S+)$'
    first = search(r'^static import \(empty database\)' + tail, stdout)
    assert first.groups() == ('0', str(sites), str(4 * sites), str(4 * sites))
    again = search(r'^static re-import \(unchanged\)' + tail, stdout)
    assert again.groups() == ('0', '0', '0', '0')
    delta = search(rf'^realtime delta of {realtime} points' + tail, stdout)
    assert delta.group(1) == '0'
    # a status drawn at random can equal the stored one
    assert 0 < int(delta.group(4)) <= realtime


@pytest.mark.parametrize(('version', 'fmt'), [('3.5', 'json'), ('3.7', 'xml')])
def test_bench_export(version: str, fmt: str, bench_db: str) -> None:
    locations, changed = 200, 20
    stdout = run_script(
        '-m', 'bench.bench_export', '--locations', str(locations), '--changed', str(changed),
        '--version', version, '--format', fmt, '--database-url', bench_db,
        '--schema-dir', str(schemas_dir() / 'datex2'),
    )  # fmt: skip
    assert f'generated {locations} locations' in stdout
    static = search(rf'^static {re.escape(version)} {fmt}: (\d+) sites, ([\d.]+) MB', stdout)
    assert int(static.group(1)) == locations
    assert float(static.group(2)) > 0
    diff = search(rf'^realtime diff: {changed} changed EVSEs -> (\d+) sites', stdout)
    assert 0 < int(diff.group(1)) <= changed  # two EVSEs per site: a site can hold two changed EVSEs


def test_bench_dumps(bench_db: str) -> None:
    locations = 300
    stdout = run_script(
        '-m', 'bench.bench_dumps', '--locations', str(locations), '--batch-rows', '100,1000', '--repeats', '1',
        '--database-url', bench_db,
    )  # fmt: skip
    assert f'generated {locations} locations' in stdout
    evses = int(search(rf'^dataset: {locations} locations, (\d+) EVSEs', stdout).group(1))
    for batch in (100, 1000):
        run = search(
            rf'^run 1 batch {batch}: (\d+) locations, (\d+) EVSEs in .*ocpdb-evses.parquet ([\d.]+) MB', stdout
        )
        assert (int(run.group(1)), int(run.group(2))) == (locations, evses)
        assert float(run.group(3)) > 0


def test_bench_matching(bench_db: str) -> None:
    static, live = 200, 100
    stdout = run_script(
        '-m', 'bench.bench_matching', '--static', str(static), '--live', str(live), '--database-url', bench_db
    )
    assert f'generated {static} + {live} locations' in stdout
    match = search(r'^matching: [\d.]+ s, (\d+) candidate pairs, (\d+) matched$', stdout)
    candidates, matched = int(match.group(1)), int(match.group(2))
    # 40 % of the register entries are near duplicates of a live location
    assert 0 < matched <= min(candidates, static)
    histogram = ast.literal_eval(search(r'^score histogram: (\{.*\})$', stdout).group(1))
    assert sum(histogram.values()) == matched


def test_bench_map_tiles(bench_db: str, tmp_path: Path) -> None:
    out = tmp_path / 'map_tiles.json'
    stdout = run_script(
        str(BENCH / 'bench_map_tiles.py'), '--database-url', bench_db, '--generate', '300', '--rounds', '1',
        '--tiles', '10', '--out', str(out),
    )  # fmt: skip
    assert stdout.lstrip().startswith('300 locations')
    report = json.loads(out.read_text())
    assert report['locations'] == 300
    assert list(report['results']) == ['old (0005)', 'new, no filter', 'new, min 50 kW', 'new, Type 2 + 1 operator']
    for by_zoom in report['results'].values():
        assert {z: r['calls'] for z, r in by_zoom.items()} == {'6': 1, '10': 3, '14': 10}


def test_bench_regions(bench_db: str) -> None:
    locations = 200
    gpkg = fixture_path('vg25', 'vg5000_gem_in_vg25_layout.gpkg')
    stdout = run_script(
        '-m', 'bench.bench_regions', '--locations', str(locations), '--gpkg', str(gpkg), '--database-url', bench_db
    )
    assert int(search(r'^VG25 load: (\d+) municipalities', stdout).group(1)) > 0
    match = search(r'^assignment: [\d.]+ s for (\d+) locations, (\d+) in a municipality, (\d+) updated$', stdout)
    candidates, found, updated = (int(group) for group in match.groups())
    assert candidates == locations
    assert 0 < found <= locations  # random points in Germany's bounding box: most inside, some abroad
    assert updated == found  # a fresh database: every found location gets its first code


def test_bench_realtime(bench_db: str) -> None:
    evses, changed, small, repeat = 400, 40, 10, 2
    try:
        stdout = run_script(
            '-m', 'bench.bench_realtime', '--evses', str(evses), '--changed', str(changed), '--small', str(small),
            '--repeat', str(repeat), '--database-url', bench_db,
        )  # fmt: skip
    finally:
        drop_database(main_url(bench_db))  # A's database: main's layout
    # the script itself asserts that A, B and the hand-written statements changed exactly what they should
    for variant in ('A', 'B'):
        assert f'{variant}: generated {evses} EVSEs via apply_static' in stdout
        search(rf'^no-change tick {variant}: .*, 0 changed$', stdout)
    for round_number in range(1, repeat + 1):
        search(rf'^round {round_number}:, (A|B) db [\d.]+ s, ', stdout)
    assert f'median of {repeat} interleaved rounds (datex profile), A = main (1a43acf), B = this tree:' in stdout
    for label in (rf'A +{evses} statuses', rf'B small +{small} statuses', r'ratio B / A database time: full'):
        search(rf'^  {label}', stdout)
    statements = re.findall(r'^    [\d.]+ s  (.+)$', stdout, re.M)
    assert 'COMMIT' in statements
    assert any(s.startswith('WITH target AS MATERIALIZED') for s in statements)  # B's one statement
    assert any(s.startswith('CREATE TEMPORARY TABLE rt_target') for s in statements)  # A's (main's)


def test_bench_list_page(bench_db: str, redis_url: str, tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCH))
    from bench_api import generate

    generate(bench_db, 300)
    with psycopg.connect(bench_db, autocommit=True) as conn:  # realtime keys on uid (bench_churn.prepare)
        conn.execute("UPDATE evse SET uid = 'EV' || id")
    tree = tmp_path / 'main'
    tree.mkdir()
    archive = subprocess.run(['git', 'archive', '1a43acf'], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(['tar', '-x', '-C', str(tree)], input=archive, check=True)
    out = tmp_path / 'list.json'
    stdout = run_script(
        str(BENCH / 'bench_list_page.py'), '--database-url', bench_db, '--redis-url', redis_url,
        '--cold-redis-url', redis_url,  # this worker's own: emptied before each cold request
        '--churn-ticks', '2,3', '--churn-share', '0.05',
        '--main-tree', str(tree), '--pages', '3', '--rounds', '1', '--port', str(_free_port_pair(3)),
        '--out', str(out),
    )  # fmt: skip
    report = json.loads(out.read_text())
    assert report['meta']['locations'] == 300
    for route in ('v1', 'ocpi22', 'ocpi221'):
        variants = ('floor A', 'A', 'floor B', 'data B', 'B', 'B cold')
        assert all(len(report['rounds'][route][k]) == 1 for k in variants)
        assert all(v > 0 for v in report['summary'][route].values())
        search(rf'^\| {route}' + r' \| [\d.]+' * 12 + r' \|$', stdout)
        search(rf'^\| {route}' + r' \| [\d.]+' * 3 + r' \| ([\d.]+|-) \|$', stdout)
        assert all(len(report['cpu_ms_per_page'][route][k]) == 3 for k in ('A', 'B', 'B cold'))  # one per page
    assert [row['ticks'] for row in report['churn']] == [2, 3]
    assert all(row['changed_evses'] > 0 and 0 <= row['hit_share'] <= 1 for row in report['churn'])
    search(r'^\| 3 \| \d+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|$', stdout)


def test_bench_datex2_parse() -> None:
    sites, realtime = 50, 20
    stdout = run_script('-m', 'bench.bench_datex2_parse', '--sites', str(sites), '--realtime', str(realtime))
    assert f'{sites} sites / {4 * sites} refill points' in stdout
    pattern = r'^static parse: [\d.]+ s -> (\d+) locations, (\d+) EVSEs, (\d+) grouped tariffs, (\d+) skipped$'
    static = search(pattern, stdout)
    locations, evses, tariffs, skipped = (int(group) for group in static.groups())
    assert (locations, evses, skipped) == (sites, 4 * sites, 0)
    assert tariffs > 0
    delta = search(r'^realtime delta: .* -> (\d+) updates \(deltaPush, (\d+) station statuses\)$', stdout)
    assert int(delta.group(1)) == realtime
    assert int(delta.group(2)) > 0
    search(r'^memory: RSS \d+ MiB before, \d+ MiB after parse, peak RSS \d+ MiB$', stdout)
    assert stdout.splitlines()[-1] in ('within targets', 'OUTSIDE TARGETS')  # a verdict on time: not asserted


def test_generate_datex2(tmp_path: Path) -> None:
    sites, realtime = 30, 25
    static_path, delta_path = tmp_path / 'nested' / 'static.json', tmp_path / 'delta.json'
    assert f'wrote {static_path}' in run_script(
        '-m', 'bench.generate_datex2', '--sites', str(sites), '--out', str(static_path)
    )
    run_script(
        '-m', 'bench.generate_datex2', '--sites', str(sites), '--realtime', str(realtime), '--out', str(delta_path)
    )
    publication = orjson.loads(static_path.read_bytes())['payload']['aegiEnergyInfrastructureTablePublication']
    site_list = publication['energyInfrastructureTable'][0]['energyInfrastructureSite']
    assert len(site_list) == sites
    points = [
        point
        for site in site_list
        for station in site['energyInfrastructureStation']
        for point in station['refillPoint']
    ]
    assert len(points) == 4 * sites
    container = orjson.loads(delta_path.read_bytes())['messageContainer']
    assert container['exchangeInformation']['exchangeContext']['codedExchangeProtocol']['value'] == 'deltaPush'
    status_publication = container['payload'][0]['aegiEnergyInfrastructureStatusPublication']
    statuses = [
        status['aegiRefillPointStatus']['reference']['idG']
        for site in status_publication['energyInfrastructureSiteStatus']
        for station in site['energyInfrastructureStationStatus']
        for status in station['refillPointStatus']
    ]
    assert len(statuses) == len(set(statuses)) == realtime
    # the delta refers to EVSEs of the static publication of the same size
    assert set(statuses) <= {point['aegiElectricChargingPoint']['idG'] for point in points}


def test_generate_bnetza(tmp_path: Path) -> None:
    n, broken = 50, 2
    stdout = run_script('-m', 'bench.generate_bnetza', '--n', str(n), '--broken', str(broken), '--out', str(tmp_path))
    api, excel = tmp_path / f'bnetza_api_{n}.json', tmp_path / f'bnetza_register_{n}.xlsx'
    assert f'{api}: {n} installations' in stdout
    assert f'{excel}: {n} installations' in stdout
    assert len(orjson.loads(api.read_bytes())['chargingStations']) == n
    rows = CalamineWorkbook.from_path(str(excel)).get_sheet_by_index(0).to_python()
    assert len(rows) == 11 + n  # 10 preamble rows and the header row, then one row per installation


def test_bench_api_tipg_imports() -> None:
    """bench_api_tipg.py needs tipg in a separate environment: only check that it imports and parses its options."""
    stdout = run_script(str(BENCH / 'bench_api_tipg.py'), '--help')
    assert '--tipg-python' in stdout


def test_bench_faults(tmp_path: Path) -> None:
    """Every fault scenario on 20 sites with 2 s outages: the script asserts its own invariants (exit 0)."""
    out = tmp_path / 'faults.json'
    stdout = run_script(
        '-m', 'bench.bench_faults', '--sites', '20', '--outage', '2', '--clients', '2', '--payloads', '3',
        '--bomb-rounds', '1', '--bomb-mib', '128', '--json', str(out),
    )  # fmt: skip
    skipped = re.search(r'^skipped: .*$', stdout, re.M)
    if skipped:
        pytest.skip(skipped.group(0))
    assert 'imported 20 sites (80 EVSEs)' in stdout
    results = json.loads(out.read_text())
    scenarios = {'pg_restart', 'pg_outage', 'redis_kill', 'landing_full', 'kill_import', 'kill_apply', 'bombs'}
    assert set(results) == scenarios
    for name, figures in results.items():
        search(rf'^scenario {name}: ', stdout)
        assert figures.get('http_500', 0) == 0, (name, figures)
        assert figures.get('lost', 0) == 0, (name, figures)
    assert results['pg_outage']['http_503'] > 0  # the outage was real and answered 503
    assert results['pg_outage']['recovery_s'] is not None
    assert results['kill_import']['unchanged_after_kill'] is True
    assert results['kill_apply']['pending_after'] == 0
    assert results['bombs']['push_413'] >= 1
    search(r'^invariants: held', stdout)


@_requires('psql')
def test_bench_churn(bench_db: str, redis_url: str, tmp_path: Path) -> None:
    locations = 300
    out = tmp_path / 'churn.json'
    stdout = run_script(
        str(BENCH / 'bench_churn.py'), '--database-url', bench_db, '--redis-url', redis_url,
        '--generate', str(locations), '--seconds', '1', '--rounds', '1', '--bloat-ticks', '3', '--share', '0.02',
        '--tick', '0.3', '--pool', '10', '--list-pages', '3', '--concurrency', '2', '--vacuum-every', '2',
        '--port', str(_free_port_pair()),
        '--out', str(out),
    )  # fmt: skip
    assert f'generated {locations} locations' in stdout
    report = json.loads(out.read_text())
    meta = report['meta']
    assert (meta['locations'], meta['evses']) == (locations, 3 * locations)
    assert meta['changed_per_tick'] == int(meta['live_evses'] * 0.02)
    assert len(meta['loadavg_before']) == 3
    assert set(report['tiles']) == {'quiet', 'churn', 'churn+global'}
    for phase, runs in report['tiles'].items():
        assert len(runs) == 1, phase
        assert runs[0]['requests'] > 0, phase
        assert runs[0]['errors'] == 0, phase
        assert 0 <= runs[0]['hit_rate'] <= 1, phase
        assert f'| {phase} | 1 | {runs[0]["requests"]} |' in stdout
    layouts = {x['layout']: x for x in report['layouts']}
    assert set(layouts) == {'hot', 'old', 'hot+vacuum'}
    assert (layouts['hot+vacuum']['vacuums'], layouts['hot']['vacuums']) == (1, 0)  # at tick 2 of 3
    for name, x in layouts.items():
        assert x['ticks'] == 3, name
        assert x['evses_changed'] > 0, name
        assert x['updates'] > 0, name
        for key in ('list_vacuumed', 'list_after_churn', 'list_vacuumed_after_churn'):
            assert set(x[key]) == {'api_ms', 'count_ms', 'page_ms'}, (name, key)
    # what the layouts are about: the hot layout's EVSE and station updates are mostly HOT (a tiny table's
    # pages can run out of room), the old one's never
    assert layouts['hot']['hot_share']['evse'] > 0.5
    assert layouts['hot']['hot_share']['charging_station'] > 0.5
    assert layouts['old']['hot_share']['evse'] == 0.0
    assert layouts['old']['hot_share']['charging_station'] == 0.0
    with psycopg.connect(bench_db) as conn:  # the run leaves the migrations' layout behind
        names = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'evse'")}
    assert 'ix_evse_status' not in names


def test_bench_germany_day(bench_db: str, tmp_path: Path) -> None:
    from bench.bench_germany_day import STEPS, sizes

    out = tmp_path / 'day.json'
    stdout = run_script(
        str(BENCH / 'bench_germany_day.py'), '--database-url', bench_db, '--scale', '0.002',
        '--work', str(tmp_path / 'work'), '--out', str(out),
    )  # fmt: skip
    report = json.loads(out.read_text())
    n = sizes(0.002)
    assert report['meta']['sizes'] == n
    steps = {r['step']: r for r in report['steps']}
    assert list(steps) == STEPS
    for name, r in steps.items():
        assert r['peak_rss_mib'] > 0, name
        assert r['database_mib'] > 0, name
        assert f'| {name} | {r["seconds"]} |' in stdout
    assert steps['DATEX II static (datex2_enbw)']['detail']['locations'] == n['datex2']
    assert steps['chargecloud AFIR (chargecloud_ludwigsburg)']['detail']['locations'] == n['afir']
    assert steps['OCPI (ocpi_stadtnavi)']['detail']['locations'] == n['ocpi']
    assert steps['realtime tick (datex2_enbw)']['detail']['outcome'] == 'applied'
    live = n['datex2'] + n['afir'] + n['ocpi']
    register = steps['register (bnetza_api)']['detail']['locations']
    assert steps['DATEX II static export (3.5)']['detail']['sites'] <= live + register
    with psycopg.connect(bench_db) as conn:
        total = conn.execute('SELECT count(*) FROM location').fetchone()[0]
    assert total == live + register


def test_bench_location_stamp(bench_db: str, tmp_path: Path) -> None:
    """One round each way on a tiny register: with the triggers every location has its stamp, without none."""
    out = tmp_path / 'stamp.json'
    stdout = run_script(
        str(BENCH / 'bench_location_stamp.py'), '--database-url', bench_db, '--rounds', '1', '--scale', '0.002',
        '--work', str(tmp_path / 'work'), '--out', str(out),
    )  # fmt: skip
    runs = json.loads(out.read_text())['runs']
    assert [len(runs['with']), len(runs['without'])] == [1, 1]
    (with_,), (without,) = runs['with'], runs['without']
    assert with_['locations'] == without['locations'] > 0
    assert (with_['stamps'], without['stamps']) == (with_['locations'], 0)
    assert 'median first import with triggers' in stdout


def test_bench_live_vacuum(tmp_path: Path) -> None:
    """Four variants on 200 locations for 4 s: every variant sampled, the owner's VACUUM ran, nobody else's."""
    out = tmp_path / 'live_vacuum.json'
    stdout = run_script(
        'bench/bench_live_vacuum.py', '--locations', '200', '--seconds', '4', '--sample', '2', '--tick', '0.5',
        '--share', '0.05', '--out', str(out),
    )  # fmt: skip
    results = json.loads(out.read_text())['results']
    assert set(results) == {'autovacuum-0150', 'autovacuum-default', 'owner-vacuum', 'none'}
    assert all(len(rows) == 2 for rows in results.values())
    assert results['owner-vacuum'][-1]['vacuums'] >= 1
    assert results['none'][-1]['vacuums'] == 0
    search(r'^\| owner-vacuum \| 4 \|', stdout)


def test_bench_without_analyze(bench_db: str, tmp_path: Path) -> None:
    from bench.bench_germany_day import sizes
    from bench.bench_without_analyze import IMPORTS, MEASURED

    work, out = tmp_path / 'work', tmp_path / 'without.json'
    run_script(str(BENCH / 'bench_germany_day.py'), '--scale', '0.002', '--work', str(work), '--generate-only')
    name = _database_name(bench_db)
    try:
        run_script(
            str(BENCH / 'bench_without_analyze.py'), '--admin-url', ADMIN_URL, '--database', name,
            '--work', str(work), '--out', str(out), '--order', 'without,with',
        )  # fmt: skip
    finally:
        drop_database(psycopg.conninfo.make_conninfo(ADMIN_URL, dbname=f'{name}_run'))
    report = json.loads(out.read_text())
    assert [r['step'] for r in report['imports']] == IMPORTS
    assert report['imports'][0]['detail']['locations'] > 0
    # no writer analysed: the source database has no statistics on location and evse
    assert report['source_statistics_rows'] == 0
    without, with_ = report['rounds']
    assert (without['variant'], with_['variant']) == ('without', 'with')
    assert without['statistics_rows'] == 0
    assert 'analyze_seconds' not in without
    assert with_['statistics_rows'] > 0
    assert with_['analyze_seconds'] >= 0
    live = sum(v for k, v in sizes(0.002).items() if k in ('datex2', 'afir', 'ocpi'))
    everything = live + report['imports'][0]['detail']['locations']
    for entry in (without, with_):
        steps = {s['step']: s for s in entry['steps']}
        assert list(steps) == MEASURED
        assert steps['matching']['seconds'] > 0
        assert 0 < steps['DATEX II static export (3.5)']['detail']['sites'] <= everything

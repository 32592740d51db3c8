"""Fault suite: the API and the pipelines under database, Redis, disk and hostile-input faults, counted.

    python -m bench.bench_faults [--scenarios pg_restart,pg_outage,redis_kill,landing_full,kill_import,
                                  kill_apply,bombs] [--sites 2000] [--outage 10] [--clients 8] [--json PATH]

Everything runs against services the script creates and removes itself: a throwaway PostgreSQL cluster
(PostgreSQL 15's initdb/pg_ctl; port OCPDB_TEST_FAULT_PG_PORT or a free one), a throwaway redis-server
(OCPDB_TEST_FAULT_REDIS_PORT or a free one), a 2 MiB tmpfs for the full-disk scenario (root only; skipped
with the reason otherwise), and the API as its own process (`python -m ocpdb_api`) under a constant load
of `--clients` threads. Each scenario prints one `scenario NAME: key=value ...` line:

- `http_500` (5xx other than the intended 503) and `lost` (requests without any HTTP answer, or pushes
  acknowledged but not landed, or payloads neither applied nor pending) must be 0;
- `recovery_s` is the time from the fault's end (database or Redis back, disk space freed) to the first
  of an unbroken run of 200s; `health_max_s` the slowest /health answer during the fault.

The script exits 1 when an invariant breaks. bench/RESULTS-faults.md holds a run's figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import psycopg

from bench.generate_datex2 import realtime_delta, static_publication
from ocpdb_pipelines.config import Settings, load_settings
from ocpdb_pipelines.db.migrations import recreate_database
from ocpdb_pipelines.imports import run_realtime, run_static
from ocpdb_pipelines.landing import LandingArea
from ocpdb_pipelines.push.kinds import REALTIME
from ocpdb_pipelines.push.realtime import apply_pending_realtime
from ocpdb_pipelines.sources.base import Page
from tests.faults.services import ThrowawayPostgres, ThrowawayRedis, Unavailable, free_port, port_from_env

ROOT = Path(__file__).resolve().parent.parent
UID = 'datex2_enbw'
KEY = 'bench-fault-key'
DB = 'ocpdb_faults'
REF_DB = 'ocpdb_faults_ref'
PUSH_URL = f'/api/server/v1/datex/v3.5/{UID}/realtime?key={KEY}'
READ_PATHS = ('/api/public/v1/locations?limit=10', '/tiles/8/134/88.mvt', '/api/public/v1/evses?limit=5')
MiB = 1024 * 1024
SCENARIOS = ('pg_restart', 'pg_outage', 'redis_kill', 'landing_full', 'kill_import', 'kill_apply', 'bombs')


def settings_for(url: str, redis_url: str, landing: Path) -> Settings:
    sources = {UID: {'api_key': KEY, 'use_realtime_push': True, 'static_subscription_id': '1',
                     'mobilithek_cert_path': '/dev/null', 'mobilithek_key_path': '/dev/null'}}  # fmt: skip
    env = {
        'DATABASE_URL': url,
        'REDIS_URL': redis_url,
        'OCPDB_LANDING__DIR': str(landing),
        'OCPDB_DATA_DIR': str(landing.parent / 'data'),
        'OCPDB_ARCHIVE__DIR': str(landing.parent / 'raw'),
        'OCPDB_SOURCES': json.dumps(sources),
    }
    return load_settings(config_file=os.devnull, environ=env)


def api_env(settings: Settings, port: int) -> dict[str, str]:
    return {
        **os.environ,
        'OCPDB_CONFIG': os.devnull,
        'DATABASE_URL': settings.database.url.get_secret_value(),
        'REDIS_URL': settings.redis.url.get_secret_value(),
        'OCPDB_LANDING__DIR': settings.landing.dir,
        'OCPDB_SOURCES': json.dumps(settings.sources),
        'OCPDB_API__PROJECT_URL': f'http://127.0.0.1:{port}',
    }


@contextmanager
def api_process(settings: Settings) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    base = f'http://127.0.0.1:{port}'
    proc = subprocess.Popen(
        [sys.executable, '-m', 'ocpdb_api', '--port', str(port)], cwd=ROOT, env=api_env(settings, port),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f'{base}/health', timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError('the API did not become healthy')
            time.sleep(0.1)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class Sample:
    at: float
    path: str
    status: int | None  # None: no HTTP answer at all (connection error, timeout)
    seconds: float


@dataclass
class Load:
    """`clients` threads requesting READ_PATHS and /health round-robin until stopped."""

    base: str
    clients: int
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def _run(self, offset: int) -> None:
        paths = (*READ_PATHS, '/health')
        with httpx.Client(base_url=self.base, timeout=10) as client:
            n = offset
            while not self._stop.is_set():
                path = paths[n % len(paths)]
                n += 1
                started = time.monotonic()
                try:
                    status: int | None = client.get(path).status_code
                except httpx.HTTPError:
                    status = None
                self.samples.append(Sample(started, path, status, time.monotonic() - started))
                time.sleep(0.01)

    def __enter__(self) -> Load:
        for offset in range(self.clients):
            thread = threading.Thread(target=self._run, args=(offset,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)


def summarize(samples: list[Sample], fault_start: float, fault_end: float) -> dict:
    statuses = Counter(s.status for s in samples)
    during = [s for s in samples if fault_start <= s.at <= fault_end]
    health = [s.seconds for s in during if s.path == '/health' and s.status is not None]
    reads = sorted((s for s in samples if s.path != '/health' and s.at + s.seconds >= fault_end), key=lambda s: s.at)
    recovery = None
    for index, sample in enumerate(reads):
        if all(later.status == 200 or (later.path.startswith('/tiles') and later.status in (200, 204))
               for later in reads[index:]):  # fmt: skip
            recovery = max(0.0, sample.at + sample.seconds - fault_end)
            break
    return {
        'requests': len(samples),
        'http_200': statuses.get(200, 0),
        'http_503': statuses.get(503, 0),
        'health_503': sum(1 for s in samples if s.path == '/health' and s.status == 503),
        'http_500': sum(n for status, n in statuses.items() if status is not None and status >= 500 and status != 503),
        'lost': statuses.get(None, 0),
        'health_max_s': round(max(health), 3) if health else None,
        'recovery_s': round(recovery, 2) if recovery is not None else None,
    }


def scenario_pg(cluster: ThrowawayPostgres, settings: Settings, clients: int, outage: float) -> dict:
    """outage 0: `pg_ctl restart`; else the cluster stays down `outage` seconds under load."""
    with api_process(settings) as (base, _), Load(base, clients) as load:
        time.sleep(2)
        fault_start = time.monotonic()
        if outage:
            cluster.stop()
            time.sleep(outage)
            cluster.start()
        else:
            cluster.restart()
        fault_end = time.monotonic()
        time.sleep(max(5.0, outage))
    return summarize(load.samples, fault_start, fault_end)


def scenario_redis(redis: ThrowawayRedis, settings: Settings, clients: int, outage: float) -> dict:
    with api_process(settings) as (base, _), Load(base, clients) as load:
        time.sleep(2)
        fault_start = time.monotonic()
        redis.stop()
        time.sleep(outage)
        redis.start()
        fault_end = time.monotonic()
        time.sleep(5)
    # /health reports Redis down (503) while it is: that is its job, not a failure of a read (health_503)
    return summarize(load.samples, fault_start, fault_end)


@contextmanager
def tmpfs(size: str) -> Iterator[Path | None]:
    point = Path(tempfile.mkdtemp(prefix='ocpdb-fault-landing-'))
    mounted = os.geteuid() == 0 and shutil.which('mount') is not None and subprocess.run(
        ['mount', '-t', 'tmpfs', '-o', f'size={size}', 'tmpfs', str(point)], capture_output=True
    ).returncode == 0  # fmt: skip
    try:
        yield point if mounted else None
    finally:
        if mounted:
            subprocess.run(['umount', '-l', str(point)], check=False)
        shutil.rmtree(point, ignore_errors=True)


def scenario_landing_full(settings: Settings, sites: int) -> dict:
    body = orjson.dumps(realtime_delta(min(sites * 4, 2000), sites, protocol='snapshot')) + b' ' * 150_000
    with tmpfs('2m') as point:
        if point is None:
            return {'skipped': 'mounting a tmpfs needs root and mount'}
        full = settings.with_values(landing={'dir': str(point)})
        with api_process(full) as (base, _), httpx.Client(base_url=base, timeout=30) as client:
            statuses = Counter()
            for _ in range(60):
                status = client.post(PUSH_URL, content=body).status_code
                statuses[status] += 1
                if statuses[503] >= 3:
                    break
            landing = LandingArea(point)
            landed = len(landing.pending(UID, REALTIME))
            fragments = [p.name for p in point.rglob('*') if p.is_file() and p.name.endswith('.tmp')]
            orphans = [p.name for p in point.rglob('*.body') if not Path(str(p)[:-5] + '.meta.json').exists()]
            freed_at = time.monotonic()
            applied = apply_pending_realtime(full, UID)  # the sensor's tick frees the space
            recovered = None
            while time.monotonic() - freed_at < 30:
                if client.post(PUSH_URL, content=body).status_code == 200:
                    recovered = round(time.monotonic() - freed_at, 2)
                    break
                time.sleep(0.2)
    return {
        'acked': statuses[200],
        'http_503': statuses[503],
        'http_500': sum(n for s, n in statuses.items() if s >= 500 and s != 503),
        'landed_when_full': landed,
        'lost': statuses[200] - landed,
        'fragments_left': len(fragments) + len(orphans),
        'applied_after': len(applied.reports),
        'recovery_s': recovered,
    }


def fingerprint(url: str) -> str:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            'SELECT l.uid, l.name, e.uid, e.status::text FROM location l JOIN charging_station cs ON cs.location_id = '
            'l.id JOIN evse e ON e.charging_station_id = cs.id ORDER BY 1, 3'
        ).fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def _child(code: str, settings: Settings, app_name: str) -> subprocess.Popen:
    env = {**api_env(settings, 0), 'PGAPPNAME': app_name}
    return subprocess.Popen([sys.executable, '-c', code], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)


def _kill_when_writing(proc: subprocess.Popen, url: str, app_name: str, timeout: float = 120) -> bool:
    """SIGKILL `proc` once its backend is inside a write transaction; False if it finished first."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline and proc.poll() is None:
            row = conn.execute(
                'SELECT 1 FROM pg_stat_activity WHERE application_name = %s AND backend_xid IS NOT NULL', (app_name,)
            ).fetchone()
            if row:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                return True
            time.sleep(0.005)
    proc.wait()
    return False


def scenario_kill_import(settings: Settings, sites: int, payload: Path) -> dict:
    before = fingerprint(settings.database.url.get_secret_value())
    code = (
        'from pathlib import Path; from ocpdb_pipelines.config import get_settings; '
        'from ocpdb_pipelines.imports import run_static; from ocpdb_pipelines.sources.base import Page; '
        f'run_static(get_settings(), {UID!r}, replay_pages=[Page(body=Path({str(payload)!r}).read_bytes())])'
    )
    killed = _kill_when_writing(
        _child(code, settings, 'fault-import'), settings.database.url.get_secret_value(), 'fault-import'
    )
    after_kill = fingerprint(settings.database.url.get_secret_value())
    started = time.monotonic()
    report = run_static(settings, UID, replay_pages=[Page(body=payload.read_bytes())])
    return {
        'killed_mid_write': killed,
        'unchanged_after_kill': after_kill == before,
        'lost': 0 if after_kill == before or not killed else 1,
        'next_import': report.outcome,
        'next_import_s': round(time.monotonic() - started, 2),
    }


def fresh(url: str, settings: Settings, static: Path) -> None:
    """A new database at `url` holding the static import of `static`."""
    recreate_database(url)
    run_static(settings.with_values(database={'url': url}), UID, replay_pages=[Page(body=static.read_bytes())])


def scenario_kill_apply(settings: Settings, sites: int, payloads: int, static: Path) -> dict:
    reference_url = psycopg.conninfo.make_conninfo(settings.database.url.get_secret_value(), dbname=REF_DB)
    reference = settings.with_values(database={'url': reference_url})
    for url in (settings.database.url.get_secret_value(), reference.database.url.get_secret_value()):
        fresh(url, settings, static)
    landing = LandingArea(settings.path(settings.landing.dir))
    bodies = [orjson.dumps(realtime_delta(min(sites * 4, 400), sites, seed=n)) for n in range(payloads)]
    for body in bodies:
        landing.write(UID, REALTIME, body, {})
    code = (
        'from ocpdb_pipelines.config import get_settings; '
        'from ocpdb_pipelines.push.realtime import apply_pending_realtime; '
        f'apply_pending_realtime(get_settings(), {UID!r})'
    )
    proc = _child(code, settings, 'fault-apply')
    while proc.poll() is None and len(landing.pending(UID, REALTIME)) == payloads:
        time.sleep(0.005)
    killed = _kill_when_writing(proc, settings.database.url.get_secret_value(), 'fault-apply')
    left = len(landing.pending(UID, REALTIME))
    result = apply_pending_realtime(settings, UID)  # the next tick
    # the same payloads applied in order, without a kill, to a reference database with the same static data
    for body in bodies:
        run_realtime(reference, UID, replay_pages=[Page(body=body)])
    same = fingerprint(settings.database.url.get_secret_value()) == fingerprint(
        reference.database.url.get_secret_value()
    )
    return {
        'payloads': payloads,
        'killed_mid_write': killed,
        'pending_after_kill': left,
        'applied_next_tick': len(result.reports),
        'pending_after': len(landing.pending(UID, REALTIME)),
        'lost': 0 if same and not landing.pending(UID, REALTIME) else 1,
    }


def _rss_peak_mb(pid: int) -> float:
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmHWM:'):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def gzip_bomb(mib: int) -> bytes:
    """One gzip member of `mib` MiB of zeros (~1 kB per MiB), compressed in 1 MiB steps."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    block = bytes(MiB)
    return b''.join([*(compressor.compress(block) for _ in range(mib)), compressor.flush()])


def scenario_bombs(settings: Settings, clients: int, rounds: int, bomb_mib: int) -> dict:
    bomb = gzip_bomb(bomb_mib)
    with api_process(settings) as (base, proc), Load(base, clients) as load:
        time.sleep(1)
        rss_before = _rss_peak_mb(proc.pid)
        statuses: Counter = Counter()
        fault_start = time.monotonic()
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(rounds):
                headers = {'Content-Encoding': 'gzip'}
                statuses[client.post(PUSH_URL, content=bomb, headers=headers).status_code] += 1
                big = iter([b'<' * MiB] * 80)  # 80 MiB without Content-Length: cut off while reading
                try:
                    statuses[client.post(PUSH_URL, content=big).status_code] += 1
                except httpx.HTTPError:
                    statuses['closed'] += 1
        fault_end = time.monotonic()
        time.sleep(1)
        rss_after = _rss_peak_mb(proc.pid)
    result = summarize(load.samples, fault_start, fault_end)
    result.update(
        bomb_bytes=len(bomb), push_413=statuses[413], push_other=sum(n for s, n in statuses.items() if s != 413),
        rss_peak_before_mb=rss_before, rss_peak_after_mb=rss_after,
    )  # fmt: skip
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--scenarios', default=','.join(SCENARIOS))
    parser.add_argument('--sites', type=int, default=2000, help='DATEX II sites of the static import (4 EVSEs each)')
    parser.add_argument('--outage', type=float, default=10.0, help='seconds PostgreSQL / Redis stay down')
    parser.add_argument('--clients', type=int, default=8, help='concurrent load threads against the API')
    parser.add_argument('--payloads', type=int, default=20, help='landed realtime payloads for kill_apply')
    parser.add_argument('--bomb-rounds', type=int, default=3)
    parser.add_argument('--bomb-mib', type=int, default=1024, help='what one gzip bomb inflates to')
    parser.add_argument('--json', type=Path, help='also write the figures here')
    args = parser.parse_args()
    chosen = [s.strip() for s in args.scenarios.split(',') if s.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f'unknown scenarios: {sorted(unknown)}')
    print(f'load: {os.getloadavg()[0]:.2f} (1-minute average) on {os.cpu_count()} CPUs')
    results: dict[str, dict] = {}
    work = Path(tempfile.mkdtemp(prefix='ocpdb-bench-faults-'))
    try:
        cluster = ThrowawayPostgres(port_from_env('OCPDB_TEST_FAULT_PG_PORT'))
        redis = ThrowawayRedis(port_from_env('OCPDB_TEST_FAULT_REDIS_PORT'))
    except Unavailable as exc:
        print(f'skipped: {exc}')
        return
    try:
        cluster.start()
        redis.start()
        settings = settings_for(cluster.url(DB), redis.url, work / 'landing')
        static = work / 'static.json'
        static.write_bytes(orjson.dumps(static_publication(args.sites)))
        changed = work / 'static_changed.json'
        changed.write_bytes(orjson.dumps(static_publication(args.sites, seed=2)))
        fresh(settings.database.url.get_secret_value(), settings, static)
        print(f'imported {args.sites} sites ({args.sites * 4} EVSEs) into {DB}')
        for name in chosen:
            started = time.monotonic()
            if name == 'pg_restart':
                result = scenario_pg(cluster, settings, args.clients, 0)
            elif name == 'pg_outage':
                result = scenario_pg(cluster, settings, args.clients, args.outage)
            elif name == 'redis_kill':
                result = scenario_redis(redis, settings, args.clients, args.outage)
            elif name == 'landing_full':
                result = scenario_landing_full(settings, args.sites)
            elif name == 'kill_import':
                result = scenario_kill_import(settings, args.sites, changed)
            elif name == 'kill_apply':
                result = scenario_kill_apply(settings, args.sites, args.payloads, static)
            else:
                result = scenario_bombs(settings, args.clients, args.bomb_rounds, args.bomb_mib)
            result['scenario_s'] = round(time.monotonic() - started, 1)
            results[name] = result
            print(f'scenario {name}: ' + ' '.join(f'{k}={v}' for k, v in result.items()), flush=True)
    finally:
        redis.stop()
        cluster.destroy()
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    broken = [n for n, r in results.items() if r.get('http_500') or r.get('lost')]
    print('invariants: ' + ('held (0 http_500, 0 lost)' if not broken else f'BROKEN in {", ".join(broken)}'))
    sys.exit(1 if broken else 0)


if __name__ == '__main__':
    main()

"""CPU cost of Dagster orchestrating realtime: every realtime source enabled at 60 s, steady state.

    python -m bench.bench_dagster_realtime [--warmup 180] [--measure 480] [--body-kb 100] [--webserver]

What runs (all started here, all stopped here, by pid):
- a local HTTP server (a thread of this process) standing in for every upstream: JSON families get
  the same ~100 KB body on every request, the Mobilithek (DATEX II) subscriptions answer 304, OCHP
  SOAP POSTs get the same body. The bench database holds each source as statically ACTIVE with the
  sha256 of that body as its last realtime payload hash, so every tick does the real work of a quiet
  upstream: HTTP request (+ raw archive write), hash compare, NotModified, freshness check.
- `dagster code-server start -m ocpdb_pipelines.definitions` (the code location, where sensors run),
- `dagster-daemon run` against a workspace pointing at that code server,
- optionally `dagster-webserver` (the UI; not part of the target, reported apart).

DAGSTER_HOME is a temp dir with the project's dagster.yaml copied in (or `--dagster-yaml`), the
OCPDB config a generated config.yaml enabling the 35 realtime sources at 60 s, the database
`ocpdb_bench_dagster` (dropped and recreated). CPU = user+system seconds of each process tree (live
processes plus their reaped children), sampled with psutil every `--sample` seconds; the steady-state
figure is the delta over the measurement window after the warm-up, per minute. Target: < 15 CPU s/min.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import trustme
import yaml

from ocpdb_pipelines.config import PROJECT_ROOT
from ocpdb_pipelines.db.connection import connect
from ocpdb_pipelines.db.migrations import recreate_database
from ocpdb_pipelines.sources.registry import REGISTRY, SourceSpec
from ocpdb_pipelines.store.sources import ensure_source, mark_realtime_success, mark_static_success

DEFAULT_URL = os.environ.get('BENCH_DATABASE_URL', 'postgresql://postgres@127.0.0.1:5432/ocpdb_bench_dagster')
BIN = Path(sys.executable).parent


# --- the stand-in upstream -------------------------------------------------------------------------


def make_body(kilobytes: int) -> bytes:
    """One body every JSON family's realtime fetch accepts up to the hash compare (empty pages)."""
    filler = 'x' * max(0, kilobytes * 1024 - 80)
    return json.dumps({'items': [], 'next': None, 'next_path': None, 'data': [], 'filler': filler}).encode()


def changing_body(family: str, kilobytes: int, generation: int) -> bytes:
    """A payload the family parses (no EVSE statuses, ~kilobytes big) that differs every generation."""
    filler = 'x' * max(0, kilobytes * 1024 - 200) + str(generation)
    if family == 'goldbeck':  # a JSON array: pad with whitespace instead
        return b'[' + b' ' * (kilobytes * 1024 + generation % 7) + b']'
    if family == 'ochp':
        return (
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
            '<ns:GetStatusResponse xmlns:ns="http://ochp.eu/1.4"><ns:result><ns:resultCode>ok</ns:resultCode>'
            f'</ns:result></ns:GetStatusResponse><!-- {filler} --></soapenv:Body></soapenv:Envelope>'
        ).encode()
    if family == 'datex2':
        publication = {'publicationTime': '2026-01-01T00:00:00Z', 'energyInfrastructureSiteStatus': [], 'x': filler}
        return json.dumps({'payload': {'aegiEnergyInfrastructureStatusPublication': publication}}).encode()
    document = {
        'items': [],
        'next': None,
        'next_path': None,
        'data': [],
        'status_code': 1000,
        'EVSEStatuses': [],
        'operator': {'operatorPlaces': []},
        'filler': filler,
    }
    return json.dumps(document).encode()


class Upstream:
    """`quiet`: the same body every time (DATEX II: 304). `changing`: a new body every minute."""

    def __init__(self, body: bytes, *, mode: str = 'quiet', kilobytes: int = 100):
        self.body = body
        self.mode = mode
        self.kilobytes = kilobytes
        self.requests: Counter[str] = Counter()
        self.lock = threading.Lock()
        self._cache: dict[tuple[str, int], bytes] = {}
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def _answer(self) -> None:
                length = int(self.headers.get('Content-Length') or 0)
                if length:
                    self.rfile.read(length)
                parts = self.path.split('?', 1)[0].split('/')
                family, source = (parts[1], parts[2]) if len(parts) > 2 else ('?', '?')
                with upstream.lock:
                    upstream.requests[source] += 1
                status, headers, body = upstream.answer(family, self.headers.get('If-Modified-Since'))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = _answer  # noqa: N815 -- the http.server API
            do_POST = _answer  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, family: str, if_modified_since: str | None) -> tuple[int, dict[str, str], bytes]:
        if self.mode == 'quiet':
            if family == 'datex2':
                return 304, {}, b''
            return 200, {'Content-Type': 'application/json'}, self.body
        generation = int(time.time() // 60)
        if family == 'datex2':  # Mobilithek: Last-Modified = start of this minute; 304 once the client has it
            modified = generation * 60
            since = parsedate_to_datetime(if_modified_since).timestamp() if if_modified_since else 0
            if since >= modified:
                return 304, {}, b''
            headers = {'Content-Type': 'application/json', 'Last-Modified': formatdate(modified, usegmt=True)}
            return 200, headers, self._body(family, generation)
        return 200, {'Content-Type': 'application/json'}, self._body(family, generation)

    def _body(self, family: str, generation: int) -> bytes:
        with self.lock:
            key = (family, generation)
            if key not in self._cache:
                self._cache[key] = changing_body(family, self.kilobytes, generation)
            return self._cache[key]

    @property
    def base(self) -> str:
        return f'http://127.0.0.1:{self.server.server_address[1]}'

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def total(self) -> int:
        with self.lock:
            return sum(self.requests.values())


# --- configuration and database ----------------------------------------------------------------


def source_config(spec: SourceSpec, base: str, cert: Path, key: Path) -> dict[str, object]:
    url = f'{base}/{spec.family}/{spec.uid}'
    # realtime_url too: it wins over the registry's realtime URL (opendata_swiss)
    config: dict[str, object] = {'url': url, 'realtime_url': url, 'realtime_interval_seconds': 60}
    if spec.family == 'datex2':
        config.update(
            static_subscription_id='1',
            realtime_subscription_id='2',
            mobilithek_cert_path=str(cert),
            mobilithek_key_path=str(key),
        )
    for name in spec.required_config:
        if name not in config:
            config[name] = {'api_key': 'bench-key', 'token': 'bench-token', 'user': 'bench', 'password': 'bench'}[name]
    return config


def write_config(workdir: Path, base: str, *, idle: bool = False) -> Path:
    ca = trustme.CA()
    cert = workdir / 'client.pem'
    key = workdir / 'client.key'
    issued = ca.issue_cert('ocpdb-bench')
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    data = workdir / 'data'
    config = {
        'schedule': {'realtime_pull_seconds': 60},
        'data_dir': str(data),
        'images': {'dir': str(data / 'images')},
        'archive': {'dir': str(data / 'raw')},
        'landing': {'dir': str(data / 'landing')},
        'exports': {'dir': str(data / 'exports')},
        'http': {'timeout': 30},
        'sources': {}
        if idle
        else {spec.uid: source_config(spec, base, cert, key) for spec in REGISTRY.values() if spec.has_realtime},
        'logging': {'version': 1},
    }
    path = workdir / 'config.yaml'
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def prepare_database(url: str, body: bytes) -> int:
    recreate_database(url)
    digest = hashlib.sha256(body).hexdigest()
    count = 0
    with connect(url) as conn, conn.transaction():
        for spec in REGISTRY.values():
            if not spec.has_realtime:
                continue
            ensure_source(conn, spec)
            mark_static_success(conn, spec.uid, 0, None)
            mark_realtime_success(conn, spec.uid, 0, None)
            conn.execute(
                "INSERT INTO fetch_state (source_uid, kind, content_hash) VALUES (%s, 'realtime', %s)",
                (spec.uid, digest),
            )
            count += 1
    return count


# --- processes and CPU accounting --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def host_port(port: int) -> list[str]:
    return ['-h', '127.0.0.1', '-p', str(port)]


def tree_cpu(root: psutil.Process) -> float:
    """user+system of the live tree plus everything its members reaped."""
    total = 0.0
    try:
        members = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    for process in members:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def tree_size(root: psutil.Process) -> int:
    try:
        return 1 + len(root.children(recursive=True))
    except psutil.NoSuchProcess:
        return 0


@dataclass
class Sample:
    at: float
    cpu: dict[str, float]
    processes: dict[str, int]
    requests: int
    machine_busy: float  # CPU seconds of the whole machine (all cores) since boot
    load: tuple[float, float, float]


@dataclass
class Role:
    name: str
    process: subprocess.Popen
    handle: psutil.Process = field(init=False)

    def __post_init__(self) -> None:
        self.handle = psutil.Process(self.process.pid)


def machine_busy() -> float:
    times = psutil.cpu_times()
    return times.user + times.system + times.nice + getattr(times, 'irq', 0) + getattr(times, 'softirq', 0)


def sample(roles: list[Role], upstream: Upstream, me: psutil.Process) -> Sample:
    cpu = {role.name: tree_cpu(role.handle) for role in roles}
    own = me.cpu_times()
    cpu['bench process (upstream server)'] = own.user + own.system
    return Sample(
        at=time.monotonic(),
        cpu=cpu,
        processes={role.name: tree_size(role.handle) for role in roles},
        requests=upstream.total(),
        machine_busy=machine_busy(),
        load=os.getloadavg(),
    )


def start(name: str, args: list[str], env: dict[str, str], log: Path) -> Role:
    handle = log.open('ab')
    process = subprocess.Popen(args, env=env, cwd=PROJECT_ROOT, stdout=handle, stderr=subprocess.STDOUT)
    return Role(name, process)


def stop(role: Role) -> None:
    if role.process.poll() is not None:
        return
    role.process.send_signal(signal.SIGTERM)
    try:
        role.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        for child in role.handle.children(recursive=True):
            child.kill()
        role.process.kill()
        role.process.wait()


def wait_for_port(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(('127.0.0.1', port)) == 0:
                return
        time.sleep(0.5)
    raise RuntimeError(f'nothing listens on port {port} after {timeout} s')


def tick_counts(dagster_home: Path, since: float, until: float) -> dict[str, int]:
    """Sensor/schedule ticks in the window by status, from the instance's SQLite schedule storage."""
    database = dagster_home / 'schedules' / 'schedules.db'
    if not database.exists():
        return {}
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            'SELECT type, status, count(*) FROM job_ticks '
            "WHERE timestamp BETWEEN datetime(?, 'unixepoch') AND datetime(?, 'unixepoch') GROUP BY type, status",
            (since, until),
        ).fetchall()
    return {f'{kind.lower()} {status.lower()}': count for kind, status, count in rows}


def event_counts(dagster_home: Path, since: float) -> dict[str, int]:
    database = dagster_home / 'history' / 'runs' / 'index.db'
    if not database.exists():
        return {}
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT dagster_event_type, count(*) FROM event_logs WHERE timestamp >= datetime(?, 'unixepoch') "
            'GROUP BY dagster_event_type',
            (since,),
        ).fetchall()
    return {str(kind): count for kind, count in rows}


def run_count(dagster_home: Path) -> int:
    database = dagster_home / 'history' / 'runs.db'
    if not database.exists():
        return 0
    with sqlite3.connect(database) as conn:
        return conn.execute('SELECT count(*) FROM runs').fetchone()[0]


# --- main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--warmup', type=float, default=180, help='seconds before the measurement window')
    parser.add_argument('--measure', type=float, default=480, help='seconds of the measurement window')
    parser.add_argument('--sample', type=float, default=10, help='seconds between samples')
    parser.add_argument('--body-kb', type=int, default=100, help='size of the upstream realtime payload')
    parser.add_argument(
        '--upstream',
        choices=('quiet', 'changing'),
        default='quiet',
        help='quiet: nothing changes (hash compare / 304); changing: a new payload every minute (parse, apply, '
        'runless materialization)',
    )
    parser.add_argument('--idle', action='store_true', help='baseline: no source configured, every sensor stopped')
    parser.add_argument('--dagster-yaml', type=Path, default=PROJECT_ROOT / 'dagster.yaml')
    parser.add_argument('--webserver', action='store_true', help='also run dagster-webserver (reported apart)')
    parser.add_argument('--database-url', default=DEFAULT_URL)
    parser.add_argument('--redis-url', default='redis://127.0.0.1:6379/8')
    parser.add_argument('--keep', action='store_true', help='keep the temp dir (logs, DAGSTER_HOME)')
    parser.add_argument('--json', type=Path, help='write the samples and the summary here')
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix='ocpdb-dagster-bench-'))
    body = make_body(args.body_kb)
    upstream = Upstream(body, mode=args.upstream, kilobytes=args.body_kb)
    upstream.start()
    config = write_config(workdir, upstream.base, idle=args.idle)
    sources = prepare_database(args.database_url, body)
    dagster_home = workdir / 'dagster_home'
    dagster_home.mkdir()
    shutil.copy(args.dagster_yaml, dagster_home / 'dagster.yaml')
    port = free_port()
    (workdir / 'workspace.yaml').write_text(
        yaml.safe_dump({'load_from': [{'grpc_server': {'host': '127.0.0.1', 'port': port, 'location_name': 'ocpdb'}}]})
    )
    env = {
        **os.environ,
        'DAGSTER_HOME': str(dagster_home),
        'OCPDB_CONFIG': str(config),
        'DATABASE_URL': args.database_url,
        'REDIS_URL': args.redis_url,
        'PYTHONUNBUFFERED': '1',
    }
    print(
        f'workdir {workdir}; {sources} realtime sources against {upstream.base}; '
        f'upstream {args.upstream}, ~{args.body_kb} KB payloads'
    )
    roles: list[Role] = []
    try:
        roles.append(
            start(
                'code server',
                [str(BIN / 'dagster'), 'code-server', 'start', '-m', 'ocpdb_pipelines.definitions', *host_port(port)],
                env,
                workdir / 'code_server.log',
            )
        )
        wait_for_port(port)
        roles.append(
            start(
                'daemon',
                [str(BIN / 'dagster-daemon'), 'run', '-w', str(workdir / 'workspace.yaml')],
                env,
                workdir / 'daemon.log',
            )
        )
        if args.webserver:
            roles.append(
                start(
                    'webserver',
                    [str(BIN / 'dagster-webserver'), '-w', str(workdir / 'workspace.yaml'), *host_port(free_port())],
                    env,
                    workdir / 'webserver.log',
                )
            )
        me = psutil.Process()
        samples: list[Sample] = []
        started = time.monotonic()
        started_wall = time.time()
        end = started + args.warmup + args.measure
        while time.monotonic() < end:
            for role in roles:
                if role.process.poll() is not None:
                    raise RuntimeError(f'{role.name} exited with {role.process.returncode}; see {workdir}')
            samples.append(sample(roles, upstream, me))
            print(
                f'  t={samples[-1].at - started:6.0f} s  '
                + '  '.join(f'{k}={v:7.1f}' for k, v in samples[-1].cpu.items())
                + f'  requests={samples[-1].requests}  load={samples[-1].load[0]:.2f}',
                flush=True,
            )
            time.sleep(args.sample)
        samples.append(sample(roles, upstream, me))
    finally:
        for role in reversed(roles):
            stop(role)
        upstream.stop()

    window = [s for s in samples if s.at - started >= args.warmup]
    first, last = window[0], window[-1]
    minutes = (last.at - first.at) / 60
    per_minute = {name: (last.cpu[name] - first.cpu[name]) / minutes for name in last.cpu}
    target_roles = [role.name for role in roles if role.name != 'webserver']
    dagster_total = sum(per_minute[name] for name in target_roles)
    machine = (last.machine_busy - first.machine_busy) / minutes
    window_start_wall = started_wall + (first.at - started)
    window_end_wall = started_wall + (last.at - started)
    summary = {
        'sources': sources,
        'upstream': 'none (idle baseline: every sensor stopped)' if args.idle else args.upstream,
        'window_minutes': round(minutes, 2),
        'cpu_seconds_per_minute': {k: round(v, 2) for k, v in per_minute.items()},
        'dagster_cpu_seconds_per_minute (daemon + code server + runs)': round(dagster_total, 2),
        'machine_cpu_seconds_per_minute (all processes, all cores)': round(machine, 2),
        'cores': psutil.cpu_count(),
        'upstream_requests_per_minute': round((last.requests - first.requests) / minutes, 1),
        'processes (max in window)': {
            name: max(s.processes.get(name, 0) for s in window) for name in (r.name for r in roles)
        },
        'load_average_1m (min/median/max in window)': [
            round(min(s.load[0] for s in window), 2),
            round(sorted(s.load[0] for s in window)[len(window) // 2], 2),
            round(max(s.load[0] for s in window), 2),
        ],
        'ticks_in_window': tick_counts(dagster_home, window_start_wall, window_end_wall),
        'events_in_window': event_counts(dagster_home, window_start_wall),
        'runs_total': run_count(dagster_home),
        'target_cpu_seconds_per_minute': 15,
    }
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(
            json.dumps({'summary': summary, 'samples': [s.__dict__ for s in samples]}, indent=1, default=str)
        )
    if args.keep:
        print(f'kept {workdir}')
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()

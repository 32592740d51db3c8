"""Realtime apply at scale: main's writer (A) against the working tree's (B), and a hand-written UPDATE.

    python -m bench.bench_realtime [--evses 80000] [--changed 4000] [--small 250] [--repeat 5]
        [--profile datex|bare] [--database-url URL]

The databases (default `ocpdb_bench_realtime` for B, the same name + `_main` for A) are created fresh;
80,000 EVSEs (20,000 locations with one station of four EVSEs) are written through the real static store. Each round
then applies all `--evses` statuses, `--changed` of them different from the stored ones (a full
DATEX II status publication), in one transaction through A = main's `store.realtime.apply_realtime`
(commit 1a43acf, loaded from git, on main's layout: bench/realtime_baseline.py) and B = the
working tree's, the order alternating per round; then the same status change as one hand-written
`UPDATE evse ... FROM (VALUES ...)` (and as `FROM unnest(arrays)`). A small tick (`--small`
statuses, all changed: what a push or a 0.1 % churn tick sends) runs through A and B as well.
Between measurements the changed EVSEs are put back and the tables are vacuumed, outside the timings.
`--profile datex` (default) sends what a DATEX II publication carries: every status with its EVSE id and its
two timestamps (an unchanged one its old stamp, a changed one a new one); `--profile bare` only uid and
status, as the runs of RESULTS-realtime.md sections 1-3 did. Each tick's row updates of evse,
charging_station and location are counted with their HOT share (the backend's own counters, read in the
tick's transaction outside the timings).

Database time = the wall time of every statement round trip, COPY and COMMIT as seen by the client
on a localhost connection (pg_stat_statements is not loaded here). Total = the whole call including
building and de-duplicating the Python update objects. Targets: < 1 s database time (issue 3); B's
database time half of A's (issue 13).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from bench import realtime_baseline
from ocpdb_pipelines.db.connection import connect, normalize_url
from ocpdb_pipelines.db.migrations import recreate_database
from ocpdb_pipelines.model.enums import EvseStatus
from ocpdb_pipelines.model.updates import ChargingStationUpdate, EvseRealtimeUpdate, EvseUpdate, LocationUpdate
from ocpdb_pipelines.sources.registry import get_spec
from ocpdb_pipelines.store.realtime import apply_realtime
from ocpdb_pipelines.store.sources import mark_static_success
from ocpdb_pipelines.store.static import apply_static

DEFAULT_URL = os.environ.get('BENCH_DATABASE_URL', 'postgresql://postgres@127.0.0.1:5432/ocpdb_bench_realtime')
SOURCE = 'ocpi_stadtnavi'
EVSES_PER_LOCATION = 4
STAMP = datetime(2026, 1, 1, 12, tzinfo=UTC)  # an unchanged status's lastUpdated in the datex profile
TABLES = ('evse', 'charging_station', 'location')


class StatementTimer:
    """Wall time per statement kind, measured around each client round trip."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def add(self, label: str, seconds: float) -> None:
        self.seconds[label] += seconds

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def _label(query: Any) -> str:
    text = query if isinstance(query, str) else str(query)
    words = ' '.join(text.split())
    return words[:60]


def timed_connection(url: str, timer: StatementTimer) -> psycopg.Connection:
    """A connection whose cursors report each execute and COPY to the timer."""

    class TimedCursor(psycopg.Cursor):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return super().execute(query, params, **kwargs)
            finally:
                timer.add(_label(query), time.perf_counter() - started)

        @contextmanager
        def copy(self, statement: Any, params: Any = None, **kwargs: Any) -> Iterator[Any]:
            started = time.perf_counter()
            with super().copy(statement, params, **kwargs) as copy:
                yield copy
            timer.add('COPY (incl. client-side row encoding)', time.perf_counter() - started)

    conn = connect(url)
    conn.cursor_factory = TimedCursor
    return conn


def evse_uid(n: int) -> str:
    return f'DE*BEN*E{n:07d}'


def generate(url: str, evses: int) -> float:
    locations = []
    for number in range(evses // EVSES_PER_LOCATION):
        first = number * EVSES_PER_LOCATION
        station = ChargingStationUpdate(
            uid=f'S{number}',
            evses=[
                EvseUpdate(uid=evse_uid(first + k), evse_id=evse_uid(first + k), status=EvseStatus.AVAILABLE)
                for k in range(EVSES_PER_LOCATION)
            ],
        )
        locations.append(
            LocationUpdate(
                uid=f'L{number}',
                lat=Decimal('47.5') + Decimal(number % 700) / 100,
                lon=Decimal('6.0') + Decimal(number % 900) / 100,
                name=f'Bench location {number}',
                charging_pool=[station],
            )
        )
    started = time.perf_counter()
    with connect(url) as conn, conn.transaction():
        apply_static(conn, get_spec(SOURCE), locations)
        mark_static_success(conn, SOURCE, 0, None)
    return time.perf_counter() - started


def changed_uids(evses: int, changed: int, round_number: int) -> list[str]:
    """A different, spread-out set of EVSEs each round."""
    step = evses // changed
    offset = round_number % step
    return [evse_uid(offset + k * step) for k in range(changed)]


def statuses(evses: int, changed: list[str], profile: str = 'datex') -> list[EvseRealtimeUpdate]:
    flipped = set(changed)
    now = datetime.now(UTC)
    updates = []
    for n in range(evses):
        uid = evse_uid(n)
        status = EvseStatus.CHARGING if uid in flipped else EvseStatus.AVAILABLE
        if profile == 'bare':
            updates.append(EvseRealtimeUpdate(uid=uid, status=status))
        else:
            stamp = now if uid in flipped else STAMP
            updates.append(
                EvseRealtimeUpdate(uid=uid, evse_id=uid, status=status, last_updated=stamp, status_last_updated=stamp)
            )
    return updates


def flipped_only(uids: list[str], profile: str) -> list[EvseRealtimeUpdate]:
    """A small tick: only changed statuses (a push, a churn tick)."""
    stamp = {} if profile == 'bare' else {'last_updated': datetime.now(UTC), 'status_last_updated': datetime.now(UTC)}
    ids = (lambda uid: {}) if profile == 'bare' else (lambda uid: {'evse_id': uid})
    return [EvseRealtimeUpdate(uid=uid, status=EvseStatus.CHARGING, **ids(uid), **stamp) for uid in uids]


def _row_updates(conn: psycopg.Connection) -> dict[str, tuple[int, int]]:
    """(updated, HOT-updated) rows per table so far in this backend, outside the statement timer."""
    with psycopg.Cursor(conn, row_factory=tuple_row) as cursor:
        return {
            table: tuple(
                cursor.execute(
                    'SELECT pg_stat_get_xact_tuples_updated(%s::regclass), '
                    'pg_stat_get_xact_tuples_hot_updated(%s::regclass)',
                    (table, table),
                ).fetchone()
            )
            for table in TABLES
        }


def reset(url: str, uids: list[str]) -> None:
    with psycopg.connect(normalize_url(url), autocommit=True) as conn:
        conn.execute("UPDATE evse SET status = 'AVAILABLE' WHERE uid = ANY(%s)", (uids,))
        conn.execute('VACUUM ANALYZE evse, charging_station, location, live_change_area')
        conn.execute('VACUUM ANALYZE evse_status_history')


def run_store(
    url: str, updates: list[EvseRealtimeUpdate], variant: str = 'B', hot: dict[str, list[int]] | None = None
) -> tuple[float, StatementTimer, int]:
    """One tick through A (main's writer, on main's layout) or B (the working tree's); `hot` collects the
    tick's row updates per table as [updated, HOT]."""
    timer = StatementTimer()
    conn = timed_connection(url, timer)
    apply = realtime_baseline.load().apply_realtime if variant == 'A' else apply_realtime
    try:
        with conn.transaction():
            before = _row_updates(conn)
            started = time.perf_counter()
            result = apply(conn, get_spec(SOURCE), updates)
            applied = time.perf_counter()
            if hot is not None:
                for table, (updated, hot_updated) in _row_updates(conn).items():
                    counts = hot.setdefault(table, [0, 0])
                    counts[0] += updated - before[table][0]
                    counts[1] += hot_updated - before[table][1]
            commit_started = time.perf_counter()
        timer.add('COMMIT', time.perf_counter() - commit_started)
        return applied - started + time.perf_counter() - commit_started, timer, result.changed
    finally:
        conn.close()


HAND_UPDATE = """
UPDATE evse e SET status = v.status::"EvseStatus", status_observed_at = now(), modified = now(),
    last_updated = now(), status_last_updated = now()
FROM {source} v(uid, status)
JOIN evse x ON x.uid = v.uid
JOIN charging_station cs ON cs.id = x.charging_station_id
JOIN location l ON l.id = cs.location_id AND l.source = %s
WHERE e.id = x.id AND e.status <> v.status::"EvseStatus"
"""


def run_hand(url: str, updates: list[EvseRealtimeUpdate], form: str) -> tuple[float, int]:
    """One UPDATE statement plus COMMIT; the statement text is built before the clock starts."""
    with psycopg.connect(normalize_url(url)) as conn:
        if form == 'values':
            rows = sql.SQL(', ').join(
                sql.SQL('({}, {})').format(sql.Literal(u.uid), sql.Literal(u.status.value)) for u in updates
            )
            query = sql.SQL(HAND_UPDATE).format(source=sql.SQL('(VALUES {})').format(rows)).as_string(conn)
            params: tuple[Any, ...] = (SOURCE,)
        else:
            query = HAND_UPDATE.format(source='unnest(%s::text[], %s::text[])')
            params = ([u.uid for u in updates], [u.status.value for u in updates], SOURCE)
        started = time.perf_counter()
        changed = conn.execute(query, params).rowcount
        conn.commit()
        return time.perf_counter() - started, changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--evses', type=int, default=80_000)
    parser.add_argument('--changed', type=int, default=4_000)
    parser.add_argument('--small', type=int, default=250, help='statuses of the small tick, all changed')
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--profile', choices=('datex', 'bare'), default='datex', help='what each status carries')
    parser.add_argument('--database-url', default=DEFAULT_URL)
    args = parser.parse_args()
    url = args.database_url

    urls = {'A': realtime_baseline.main_url(url), 'B': url}  # A: main's layout (realtime_baseline.py), B: this tree's
    for variant, target in urls.items():
        recreate_database(target)
        print(f'{variant}: generated {args.evses} EVSEs via apply_static in {generate(target, args.evses):.1f} s')
    realtime_baseline.downgrade(urls['A'])
    for target in urls.values():
        reset(target, [])
    load_before = os.getloadavg()

    db: dict[str, list[float]] = {'A': [], 'B': [], 'A small': [], 'B small': []}
    totals: dict[str, list[float]] = {k: [] for k in db}
    breakdowns: dict[str, list[dict[str, float]]] = {k: [] for k in db}
    hot: dict[str, dict[str, list[int]]] = {k: {} for k in db}
    hand_values, hand_unnest = [], []
    for round_number in range(args.repeat):
        uids = changed_uids(args.evses, args.changed, round_number)
        updates = statuses(args.evses, uids, args.profile)
        small_uids = changed_uids(args.evses, args.small, round_number + 1)
        small = flipped_only(small_uids, args.profile)
        order = ('A', 'B') if round_number % 2 == 0 else ('B', 'A')
        line = [f'round {round_number + 1}:']
        for variant in order:
            for label, batch, flipped, expected in (
                (variant, updates, uids, args.changed),
                (f'{variant} small', small, small_uids, args.small),
            ):
                total, timer, changed = run_store(urls[variant], batch, variant, hot[label])
                assert changed == expected, (label, changed)
                db[label].append(timer.total)
                totals[label].append(total)
                breakdowns[label].append(dict(timer.seconds))
                reset(urls[variant], flipped)
                line.append(f'{label} db {timer.total:.3f} s')
        seconds, changed = run_hand(url, updates, 'values')
        assert changed == args.changed, changed
        hand_values.append(seconds)
        reset(url, uids)
        seconds, changed = run_hand(url, updates, 'unnest')
        assert changed == args.changed, changed
        hand_unnest.append(seconds)
        reset(url, uids)
        line.append(f'hand VALUES {hand_values[-1]:.3f} s, hand unnest {hand_unnest[-1]:.3f} s')
        print(', '.join(line), flush=True)

    for variant in ('A', 'B'):  # a tick where nothing changed: still every status compared
        total, timer, changed = run_store(urls[variant], statuses(args.evses, [], args.profile), variant)
        print(f'no-change tick {variant}: total {total:.3f} s, db {timer.total:.3f} s, {changed} changed')

    median = statistics.median
    print()
    print(f'load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}')
    print(f'median of {args.repeat} interleaved rounds ({args.profile} profile), A = main (1a43acf), B = this tree:')
    for label in db:
        n = args.small if 'small' in label else args.evses
        print(f'  {label:8} {n} statuses: database {median(db[label]):.3f} s, total {median(totals[label]):.3f} s')
    print(
        f'  ratio B / A database time: full {median(db["B"]) / median(db["A"]):.2f}, '
        f'small {median(db["B small"]) / median(db["A small"]):.2f}'
    )
    print(f'  hand UPDATE ... FROM (VALUES) {median(hand_values):.3f} s, FROM unnest() {median(hand_unnest):.3f} s')
    print(f'  ratio B db / hand unnest: {median(db["B"]) / median(hand_unnest):.2f}')
    for label, counts in hot.items():
        shares = ', '.join(
            f'{table} {updated} ({hot_updated / updated:.2f} HOT)' if updated else f'{table} 0'
            for table, (updated, hot_updated) in counts.items()
        )
        print(f'  {label} row updates over all rounds: {shares}')
    for label, runs in breakdowns.items():
        print(f'  {label} database time by statement (median):')
        labels = sorted({k for b in runs for k in b}, key=lambda k: -median([b.get(k, 0) for b in runs]))
        for key in labels:
            seconds = median([b.get(key, 0.0) for b in runs])
            if seconds >= 0.0005:
                print(f'    {seconds:.3f} s  {key}')


if __name__ == '__main__':
    main()

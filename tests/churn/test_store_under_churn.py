"""The writer side under churn: realtime updates are HOT, a tick records where it changed something and
leaves the static data version alone, history is pruned and downsampled, statistics exist after an import."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ocpdb_pipelines.model.updates import EvseRealtimeUpdate
from ocpdb_pipelines.store.history import HistoryPolicy, prune_history
from ocpdb_pipelines.store.realtime import apply_realtime
from ocpdb_pipelines.store.statistics import needs_analyze
from tests.foundation.test_store import SPEC, apply, location


def _hot(db, table: str) -> tuple[int, int]:
    row = db.execute(
        'SELECT pg_stat_get_xact_tuples_updated(%s::regclass) AS upd, '
        'pg_stat_get_xact_tuples_hot_updated(%s::regclass) AS hot',
        (table, table),
    ).fetchone()
    return row['upd'], row['hot']


def test_realtime_updates_are_hot_and_do_not_bump_the_static_version(db):
    apply(db, SPEC, [location(str(i), evses=2, status='AVAILABLE') for i in range(20)])
    version = db.execute('SELECT version FROM data_version').fetchone()['version']
    live = db.execute('SELECT COALESCE((SELECT version FROM live_version), 0) AS v').fetchone()['v']
    later = datetime.now(UTC) + timedelta(minutes=1)
    updates = [EvseRealtimeUpdate(uid=f'{i}-E0', status='CHARGING', last_updated=later) for i in range(20)]
    with db.transaction():
        assert apply_realtime(db, SPEC, updates).changed == 20
        evse, station = _hot(db, 'evse'), _hot(db, 'charging_station')
    assert evse == (20, 20)
    assert station == (20, 20)
    assert db.execute('SELECT version FROM data_version').fetchone()['version'] == version
    assert db.execute('SELECT COALESCE((SELECT version FROM live_version), 0) AS v').fetchone()['v'] == live + 1
    # all 20 locations share one Stuttgart area tile (or the neighbours their margin reaches)
    areas = db.execute('SELECT x, y, seq FROM live_change_area').fetchall()
    assert 1 <= len(areas) <= 4
    assert {a['seq'] for a in areas} == {live + 1}
    # the z14 tile of Stuttgart (48.7758, 9.1829): x 8609.92, y 5642.15
    assert {'x': 8609, 'y': 5642} in [{'x': a['x'], 'y': a['y']} for a in areas]


def test_unchanged_statuses_record_nothing(db):
    apply(db, SPEC, [location('A', status='AVAILABLE')])
    live = db.execute('SELECT COALESCE((SELECT version FROM live_version), 0) AS v').fetchone()['v']
    with db.transaction():
        assert apply_realtime(db, SPEC, [EvseRealtimeUpdate(uid='A-E0', status='AVAILABLE')]).changed == 0
    assert db.execute('SELECT COALESCE((SELECT version FROM live_version), 0) AS v').fetchone()['v'] == live


def test_history_retention_and_downsampling(db):
    apply(db, SPEC, [location('A', evses=2, status='AVAILABLE')])
    evse_id = db.execute("SELECT id FROM evse WHERE uid = 'A-E0'").fetchone()['id']
    now = db.execute("SELECT date_bin('15 minutes', now(), TIMESTAMPTZ '2000-01-01') AS t").fetchone()['t']
    rows = []
    # 100 days ago: expired; 10 days ago: four changes in one 15-minute bucket and one in the next; today: kept
    rows += [(now - timedelta(days=100, minutes=m), 'CHARGING') for m in (1, 2)]
    old = now - timedelta(days=10)
    rows += [(old + timedelta(minutes=m), s) for m, s in ((1, 'CHARGING'), (2, 'AVAILABLE'), (3, 'BLOCKED'))]
    rows += [(old + timedelta(minutes=14), 'CHARGING'), (old + timedelta(minutes=16), 'AVAILABLE')]
    rows += [(now - timedelta(minutes=m), 'CHARGING') for m in (1, 2, 3)]
    db.execute('DELETE FROM evse_status_history')
    for at, status in rows:
        db.execute(
            'INSERT INTO evse_status_history (evse_id, status, observed_at) VALUES (%s, %s, %s)',
            (evse_id, status, at),
        )
    policy = HistoryPolicy(retention_days=90, full_resolution_days=7, bucket_minutes=15, batch=2)
    with db.transaction():
        first = prune_history(db, policy)
    assert first.expired == 2
    # small batches resume from the watermark until everything older than 7 days is downsampled
    for _ in range(20):
        with db.transaction():
            prune_history(db, policy)
    kept = db.execute('SELECT observed_at, status FROM evse_status_history ORDER BY observed_at').fetchall()
    assert [(r['observed_at'], r['status']) for r in kept] == [
        (old + timedelta(minutes=14), 'CHARGING'),  # the last status of its bucket
        (old + timedelta(minutes=16), 'AVAILABLE'),
        *[(now - timedelta(minutes=m), 'CHARGING') for m in (3, 2, 1)],
    ]


def test_statistics_exist_after_an_import(db):
    started = db.execute('SELECT now() AS t').fetchone()['t']
    apply(db, SPEC, [location(str(i), evses=1) for i in range(1200)])
    row = db.execute(
        'SELECT c.reltuples, s.last_analyze FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid '
        "WHERE c.relname = 'location'"
    ).fetchone()
    assert row['reltuples'] >= 1200
    assert row['last_analyze'] is not None
    assert row['last_analyze'] >= started
    assert (
        db.execute("SELECT count(*) AS n FROM pg_stats WHERE tablename = 'evse' AND attname = 'uid'").fetchone()['n']
        == 1
    )
    # a small follow-up change does not analyse again
    assert not needs_analyze(1200, 3)
    assert needs_analyze(-1, 3)


def test_live_tables_are_vacuumed_at_most_once_per_interval(db, db_url):
    from ocpdb_pipelines.store.maintenance import maybe_vacuum_live_tables

    apply(db, SPEC, [location('A', status='AVAILABLE')])
    with db.transaction():
        apply_realtime(db, SPEC, [EvseRealtimeUpdate(uid='A-E0', status='CHARGING')])
    started = db.execute('SELECT now() AS t').fetchone()['t']
    assert maybe_vacuum_live_tables(db_url, 3600) is True
    assert maybe_vacuum_live_tables(db_url, 3600) is False  # the interval has not passed
    assert maybe_vacuum_live_tables(db_url, 0) is False  # switched off
    db.execute('SELECT pg_stat_clear_snapshot()')
    rows = db.execute(
        'SELECT relname, last_vacuum FROM pg_stat_user_tables WHERE relname = ANY(%s)',
        (['evse', 'charging_station', 'location'],),
    ).fetchall()
    assert len(rows) == 3
    assert all(r['last_vacuum'] is not None and r['last_vacuum'] >= started for r in rows)

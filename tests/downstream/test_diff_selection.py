"""The realtime diff export finds its changed EVSEs through evse_status_history's observed_at index and
selects exactly the locations with a live status observed since the watermark (what the evse scan gave)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ocpdb_pipelines.exports.datex2.query import Selection, count_changed_evses, iter_locations
from ocpdb_pipelines.model.updates import EvseRealtimeUpdate
from ocpdb_pipelines.store.realtime import apply_realtime
from tests.foundation.test_store import SPEC, apply, location


def _reference(db, since: datetime) -> tuple[set[str], int]:
    """Locations and count of the EVSEs whose live status was observed at or after `since`, by scanning evse."""
    rows = db.execute(
        """
        SELECT l.uid AS location, e.id FROM evse e
        JOIN charging_station cs ON cs.id = e.charging_station_id JOIN location l ON l.id = cs.location_id
        WHERE e.status_observed_at >= %s AND e.status <> 'STATIC'
        """,
        (since,),
    ).fetchall()
    return {r['location'] for r in rows}, len({r['id'] for r in rows})


def _selected(db, since: datetime) -> set[str]:
    return {row['location']['uid'] for row in iter_locations(db, Selection.CHANGED_SINCE, since=since)}


def _shift_back(db, delta: timedelta) -> None:
    """Make everything observed so far `delta` older, the EVSE stamp and its history row alike."""
    db.execute('UPDATE evse SET status_observed_at = status_observed_at - %s', (delta,))
    db.execute('UPDATE evse_status_history SET observed_at = observed_at - %s', (delta,))


def test_the_diff_selects_exactly_the_locations_observed_since(db):
    # an hour ago: a static import of six locations, then a tick changing two of them
    apply(db, SPEC, [location(str(i), evses=2, status='AVAILABLE') for i in range(6)])
    with db.transaction():
        apply_realtime(db, SPEC, [EvseRealtimeUpdate(uid=f'{i}-E0', status='CHARGING') for i in (0, 1)])
    _shift_back(db, timedelta(hours=1))
    # now: a tick changing location 1 again and location 4, one status sent unchanged (location 5), and a
    # static import that puts the changed statuses back to AVAILABLE (0, 1, 4) and adds a live location and a
    # STATIC one (no live status: left out of every diff)
    with db.transaction():
        result = apply_realtime(
            db,
            SPEC,
            [
                EvseRealtimeUpdate(uid='1-E1', status='CHARGING'),
                EvseRealtimeUpdate(uid='4-E0', status='OUTOFORDER'),
                EvseRealtimeUpdate(uid='5-E0', status='AVAILABLE'),
            ],
        )
    assert result.changed == 2
    apply(
        db,
        SPEC,
        [location(str(i), evses=2, status='AVAILABLE') for i in range(6)]
        + [location('new-live', status='AVAILABLE'), location('new-static', status='STATIC')],
    )
    assert db.execute("SELECT count(*) AS n FROM evse WHERE status = 'STATIC'").fetchone()['n'] == 2
    now = db.execute('SELECT now() AS t').fetchone()['t']
    expected = {
        now - timedelta(hours=2): {'0', '1', '2', '3', '4', '5', 'new-live'},
        now - timedelta(minutes=30): {'0', '1', '4', 'new-live'},
        now + timedelta(minutes=1): set(),
    }
    for since, locations in expected.items():
        reference, changed = _reference(db, since)
        assert reference == locations, since
        assert _selected(db, since) == locations, since
        assert count_changed_evses(db, since) == changed, since
    # 0-E0, 1-E0, 1-E1, 4-E0 and new-live's two EVSEs
    assert count_changed_evses(db, now - timedelta(minutes=30)) == 6


def test_the_diff_query_reads_the_history_index(db):
    apply(db, SPEC, [location(str(i), evses=2, status='AVAILABLE') for i in range(3)])
    with db.transaction():
        apply_realtime(db, SPEC, [EvseRealtimeUpdate(uid='0-E0', status='CHARGING')])
    since = datetime.now(UTC) - timedelta(minutes=1)
    with db.transaction():
        db.execute('SET LOCAL enable_seqscan = off')  # a table this small would be scanned anyway
        plan = db.execute(
            'EXPLAIN SELECT count(DISTINCT evse_id) FROM evse_status_history WHERE observed_at >= %s', (since,)
        ).fetchall()
    assert any('ix_evse_status_history_observed_at' in r['QUERY PLAN'] for r in plan)

"""A full realtime publication through the one-statement tick: what it writes and what it leaves alone.

A DATEX II publication sends every status with its timestamps, most of them unchanged; the tick stages them by
binary COPY and must still write nothing for an unchanged status, history and a forward-only last_updated
chain for each changed one, with HOT row updates (bench/RESULTS-realtime.md, section 4).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ocpdb_pipelines.model.updates import EvseRealtimeUpdate
from ocpdb_pipelines.store.realtime import apply_realtime
from tests.churn.test_store_under_churn import _hot
from tests.foundation.test_store import OTHER, SPEC, T0, apply, location

TABLES = ('evse', 'charging_station', 'location')
LATER = datetime.now(UTC) + timedelta(hours=1)  # after the static import's own stamps


def _rows(db, table: str) -> dict[str, dict]:
    return {r['uid']: r for r in db.execute(f'SELECT * FROM {table}').fetchall()}


def test_a_publication_writes_only_the_changed_statuses(db):
    apply(db, SPEC, [location(str(i), status='AVAILABLE', last_updated=T0, evse_last_updated=T0) for i in range(10)])
    apply(db, OTHER, [location('X', status='AVAILABLE')])
    before = {t: _rows(db, t) for t in TABLES}
    history_before = db.execute('SELECT count(*) AS n FROM evse_status_history').fetchone()['n']  # the import's
    flipped = {'1-E0', '4-E1', '7-E0'}
    publication = [
        EvseRealtimeUpdate(
            uid=f'{i}-E{k}',
            evse_id=f'DE*SWS*E{i}{k}',  # as stored: evse_id is indexed, so a new one is no HOT update
            status='CHARGING' if f'{i}-E{k}' in flipped else 'AVAILABLE',
            last_updated=LATER if f'{i}-E{k}' in flipped else T0,
            status_last_updated=LATER if f'{i}-E{k}' in flipped else T0,
        )
        for i in range(10)
        for k in range(2)
    ]
    publication += [
        EvseRealtimeUpdate(uid='NOPE', status='CHARGING', last_updated=LATER),
        EvseRealtimeUpdate(uid='X-E0', status='CHARGING', last_updated=LATER),  # another source's EVSE
    ]
    with db.transaction():
        start = {t: _hot(db, t) for t in TABLES}  # this backend's counters not yet flushed to the statistics
        result = apply_realtime(db, SPEC, publication)
        hot = {t: tuple(a - b for a, b in zip(_hot(db, t), start[t], strict=True)) for t in TABLES}
    assert (result.received, result.changed, result.unknown) == (22, 3, 2)
    # three EVSE rows, their three stations and three locations written, every update HOT
    assert hot == {'evse': (3, 3), 'charging_station': (3, 3), 'location': (3, 3)}

    evses = _rows(db, 'evse')
    for uid, row in evses.items():
        if uid in flipped:
            assert (row['status'], row['last_updated'], row['status_last_updated']) == ('CHARGING', LATER, LATER)
            assert row['status_observed_at'] > before['evse'][uid]['modified']
        else:
            assert row == before['evse'][uid], uid  # not a single column of an unchanged status moved
    history = db.execute(
        'SELECT e.uid, h.status, h.source_timestamp FROM evse_status_history h JOIN evse e ON e.id = h.evse_id '
        'ORDER BY h.id OFFSET %s',
        (history_before,),
    ).fetchall()
    assert sorted((h['uid'], h['status'], h['source_timestamp']) for h in history) == [
        (uid, 'CHARGING', LATER) for uid in sorted(flipped)
    ]
    stations, locations = _rows(db, 'charging_station'), _rows(db, 'location')
    changed_locations = {uid.split('-')[0] for uid in flipped}
    for uid, row in locations.items():
        expected = LATER if uid in changed_locations else before['location'][uid]['last_updated']
        assert row['last_updated'] == expected, uid
        assert stations[f'{uid}-CS']['last_updated'] == (
            LATER if uid in changed_locations else before['charging_station'][f'{uid}-CS']['last_updated']
        )
    # the OCPI date_from mirror follows the chained location stamp exactly
    stamps = db.execute(
        'SELECT count(*) AS n FROM location l JOIN location_stamp s ON s.location_id = l.id '
        'WHERE s.last_updated = l.last_updated'
    ).fetchone()['n']
    assert stamps == len(locations)

    # the same publication again: nothing differs, nothing is written, no history, no live change
    live = db.execute('SELECT version FROM live_version').fetchone()['version']
    with db.transaction():
        start = _hot(db, 'evse')
        again = apply_realtime(db, SPEC, publication)
        assert _hot(db, 'evse') == start
    assert (again.changed, again.unknown) == (0, 2)
    assert db.execute('SELECT count(*) AS n FROM evse_status_history').fetchone()['n'] == history_before + 3
    assert db.execute('SELECT version FROM live_version').fetchone()['version'] == live


def test_an_older_timestamp_never_moves_last_updated_backwards(db):
    apply(db, SPEC, [location('A', status='AVAILABLE', last_updated=LATER, evse_last_updated=LATER)])
    with db.transaction():
        assert apply_realtime(db, SPEC, [EvseRealtimeUpdate(uid='A-E0', status='CHARGING', last_updated=T0)]).changed
    assert db.execute("SELECT last_updated FROM evse WHERE uid = 'A-E0'").fetchone()['last_updated'] == T0
    assert db.execute('SELECT last_updated FROM charging_station').fetchone()['last_updated'] == LATER
    assert db.execute('SELECT last_updated FROM location').fetchone()['last_updated'] == LATER


def test_one_staged_uid_on_two_evses_of_the_source_counts_once(db):
    apply(db, SPEC, [location('A', status='AVAILABLE'), location('B', status='AVAILABLE')])
    db.execute("UPDATE evse SET uid = 'SHARED' WHERE uid IN ('A-E0', 'B-E0')")
    with db.transaction():
        result = apply_realtime(db, SPEC, [EvseRealtimeUpdate(uid='SHARED', status='CHARGING')])
    assert (result.received, result.changed, result.unknown) == (1, 2, 0)


def test_a_zone_less_timestamp_means_the_session_zone(db):
    """As it did when the statuses were staged in text form."""
    apply(db, SPEC, [location('A', status='AVAILABLE')])
    with db.transaction():
        db.execute("SET LOCAL TimeZone = 'Europe/Berlin'")
        update = EvseRealtimeUpdate(uid='A-E0', status='CHARGING', last_updated=datetime(2026, 6, 1, 12, 0))
        assert apply_realtime(db, SPEC, [update]).changed == 1
    stored = db.execute("SELECT last_updated FROM evse WHERE uid = 'A-E0'").fetchone()['last_updated']
    assert stored == datetime(2026, 6, 1, 10, 0, tzinfo=UTC)

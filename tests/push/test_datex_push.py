"""DATEX II v3.5 realtime push over real HTTP (spec/sources.md §5.2): the predecessor's answers, every
accepted body landed first, small deltas applied at once, the rest by the sensor's applier; after a static
import of datex2_enbw from the recorded EnBW sample, with push bodies built from the EnBW status sample."""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta, timezone

import orjson
import psycopg
import pytest

from ocpdb_api.settings import ingest_url
from ocpdb_pipelines.db.locks import landing_lock
from ocpdb_pipelines.imports import run_static
from ocpdb_pipelines.push.realtime import apply_pending_realtime
from ocpdb_pipelines.sources.base import Page
from tests.fixtures_dir import fixture_bytes
from tests.push.conftest import DATEX_KEY
from tests.push.payloads import datex_push, push_uids

UID = 'datex2_enbw'
URL = f'/api/server/v1/datex/v3.5/{UID}/realtime?key={DATEX_KEY}'
PUBLISHED = datetime(2026, 3, 12, 1, 0, 0, 8000, tzinfo=timezone(timedelta(hours=1)))


@pytest.fixture
def enbw(settings, db):
    """datex2_enbw imported from the recorded static sample: 57 EVSEs, all UNKNOWN."""
    run_static(settings, UID, replay_pages=[Page(body=fixture_bytes('datex2', 'enbw_static.json'))])


def _statuses(db) -> dict[str, str]:
    rows = db.execute(
        """
        SELECT e.uid, e.status::text AS status FROM evse e JOIN charging_station cs ON cs.id = e.charging_station_id
        JOIN location l ON l.id = cs.location_id WHERE l.source = %s
        """,
        (UID,),
    ).fetchall()
    return {row['uid']: row['status'] for row in rows}


def _source(db) -> dict:
    return db.execute(
        'SELECT realtime_status::text AS status, realtime_data_updated_at FROM source WHERE uid = %s', (UID,)
    ).fetchone()


def _pending(server):
    return server.landing.pending(UID, 'realtime')


@pytest.mark.parametrize('uid', ['nope', 'datex2_giroe', 'giroe', 'bnetza_api'])
@pytest.mark.parametrize('method', ['HEAD', 'POST'])
def test_unknown_or_non_35_source_is_404(server, uid, method):
    with server.client() as client:
        response = client.request(method, f'/api/server/v1/datex/v3.5/{uid}/realtime?key={DATEX_KEY}')
    assert response.status_code == 404
    if method == 'POST':
        assert response.json()['error']['code'] == 'not_found'


def test_head_before_and_after_a_push(server, enbw, db):
    with server.client() as client:
        db.execute('UPDATE source SET realtime_data_updated_at = NULL WHERE uid = %s', (UID,))
        response = client.head(URL)
        assert response.status_code == 200
        assert 'last-modified' not in response.headers
        assert client.post(URL, content=datex_push(stations=2)).status_code == 200
        response = client.head(URL)
    assert response.status_code == 200
    assert response.headers['last-modified'] == 'Thu, 12 Mar 2026 00:00:00 +0000'


@pytest.mark.parametrize(
    ('body', 'headers', 'fragment'),
    [
        (b'', {}, 'no realtime payload'),
        (b'   ', {}, 'no realtime payload'),
        (gzip.compress(b'', mtime=0), {'Content-Encoding': 'gzip'}, 'no realtime payload'),
        (b'{"messageContainer": ', {}, 'invalid realtime payload'),
        (b'{"messageContainer": {"payload": []}}', {}, 'invalid realtime payload'),
        (orjson.dumps({'hello': 'world'}), {}, 'invalid realtime payload'),
        (b'\x1f\x8b garbage', {'Content-Encoding': 'gzip'}, 'gzip'),
    ],
)
def test_empty_or_invalid_body_is_400_and_lands_nothing(server, body, headers, fragment):
    with server.client() as client:
        response = client.post(URL, content=body, headers=headers)
    assert response.status_code == 400
    assert fragment in response.json()['error']['message']
    assert _pending(server) == []


def test_small_delta_is_applied_at_once(server, enbw, db):
    body = datex_push('deltaPush', stations=3)
    with server.client() as client:
        response = client.post(URL, content=gzip.compress(body), headers={'Content-Encoding': 'gzip'})
    assert response.status_code == 200
    assert response.content == b''
    assert _pending(server) == []  # landed, applied, removed
    statuses = _statuses(db)
    changed = {uid for uid, status in statuses.items() if status != 'UNKNOWN'}
    assert changed
    assert changed <= push_uids(body)
    assert statuses['DE*EBW*E914081*1'] == 'OUTOFORDER'  # faulted, in the first station of the sample
    source = _source(db)
    assert source['status'] == 'ACTIVE'
    assert source['realtime_data_updated_at'] == PUBLISHED


def test_the_immediate_apply_records_its_live_change_and_leaves_maintenance_to_the_sensor(serve_with, enbw, db):
    """As ocpdb_ingest the receiver's apply tells caches where statuses changed (live_version, live_change_area)
    but neither prunes history nor VACUUMs (the role may do neither): the sensor's run does, when they are due."""
    server = serve_with(DATEX2_ASYNC_STATION_STATUS_THRESHOLD=3)
    db.execute('DELETE FROM maintenance_state')  # history retention and VACUUM both due
    with server.client() as client:
        assert client.post(URL, content=datex_push('deltaPush', stations=3)).status_code == 200
    assert _pending(server) == []  # applied at once
    assert db.execute('SELECT version FROM live_version').fetchone()['version'] >= 1
    assert db.execute('SELECT count(*) AS n FROM live_change_area').fetchone()['n'] > 0
    assert db.execute('SELECT name FROM maintenance_state').fetchall() == []

    with server.client() as client:  # a bigger delta waits for the sensor, which runs the maintenance
        assert client.post(URL, content=datex_push('deltaPush', status='occupied')).status_code == 200
    assert len(apply_pending_realtime(server.settings, UID).reports) == 1
    done = db.execute("SELECT name FROM maintenance_state WHERE done_at > now() - interval '1 hour'").fetchall()
    assert {row['name'] for row in done} == {'evse_status_history', 'live_vacuum'}


@pytest.mark.parametrize(
    ('body', 'updates'),
    [
        (datex_push('snapshot'), {}),  # any snapshot waits for the sensor
        (datex_push('deltaPush'), {'DATEX2_ASYNC_STATION_STATUS_THRESHOLD': 4}),  # 5 stations > 4
        (datex_push('deltaPush', stations=2), {'DATEX2_SYNC_MAX_CONTENT_LENGTH': 100}),  # too big to parse now
    ],
)
def test_snapshots_large_deltas_and_big_bodies_wait_for_the_sensor(serve_with, enbw, db, body, updates):
    server = serve_with(**updates)
    with server.client() as client:
        assert client.post(URL, content=body).status_code == 200
    (landed,) = _pending(server)
    assert landed.body == body
    assert set(_statuses(db).values()) == {'UNKNOWN'}

    result = apply_pending_realtime(server.settings, UID)
    assert (len(result.reports), result.rejected, result.failed) == (1, 0, False)
    assert result.reports[0].counts['statuses_changed'] > 0
    assert _pending(server) == []
    statuses = _statuses(db)
    assert statuses['DE*EBW*E914081*1'] == 'OUTOFORDER'
    assert _source(db)['realtime_data_updated_at'] == PUBLISHED


def test_a_big_invalid_body_is_accepted_unparsed_then_set_aside(serve_with, enbw, db):
    server = serve_with(DATEX2_SYNC_MAX_CONTENT_LENGTH=10)
    with server.client() as client:
        assert client.post(URL, content=b'{"this is": "not DATEX II"}').status_code == 200
        assert client.post(URL, content=datex_push('deltaPush', status='occupied')).status_code == 200
    assert len(_pending(server)) == 2
    result = apply_pending_realtime(server.settings, UID)
    assert (len(result.reports), result.rejected) == (1, 1)
    assert server.landing.pending(UID, 'rejected')[0].body == b'{"this is": "not DATEX II"}'
    assert {status for uid, status in _statuses(db).items() if uid in push_uids(datex_push())} == {'CHARGING'}


def test_pushes_apply_in_arrival_order_and_never_twice(serve_with, enbw, db):
    server = serve_with(DATEX2_ASYNC_STATION_STATUS_THRESHOLD=0)
    with server.client() as client:
        assert client.post(URL, content=datex_push('deltaPush', status='occupied')).status_code == 200
        assert client.post(URL, content=datex_push('deltaPush', status='available')).status_code == 200
    result = apply_pending_realtime(server.settings, UID)
    assert len(result.reports) == 2
    uids = push_uids(datex_push())
    assert {status for uid, status in _statuses(db).items() if uid in uids} == {'AVAILABLE'}
    history = db.execute('SELECT count(*) AS n FROM evse_status_history').fetchone()['n']
    again = apply_pending_realtime(server.settings, UID)
    assert again.reports == []
    assert db.execute('SELECT count(*) AS n FROM evse_status_history').fetchone()['n'] == history


def test_push_before_the_static_import_waits(server, db):
    with server.client() as client:
        body = datex_push('deltaPush', stations=1)
        assert client.post(URL, content=body).status_code == 200
    assert len(_pending(server)) == 1  # realtime needs an ACTIVE static import: kept, not lost
    result = apply_pending_realtime(server.settings, UID)
    assert result.reports == []
    assert result.pending_left == 1
    assert 'not ACTIVE' in result.messages[0]

    run_static(server.settings, UID, replay_pages=[Page(body=fixture_bytes('datex2', 'enbw_static.json'))])
    assert len(apply_pending_realtime(server.settings, UID).reports) == 1
    assert _pending(server) == []
    statuses = _statuses(db)
    assert {statuses[uid] for uid in push_uids(body)} == {'AVAILABLE', 'CHARGING'}


def test_small_delta_while_another_applier_works_is_left_for_the_sensor(server, enbw, db):
    with landing_lock(server.settings.database.url.get_secret_value(), UID) as acquired:
        assert acquired
        with server.client() as client:
            assert client.post(URL, content=datex_push('deltaPush', stations=1)).status_code == 200
        assert len(_pending(server)) == 1  # accepted and kept; not applied beside the lock holder
    assert set(_statuses(db).values()) == {'UNKNOWN'}
    assert len(apply_pending_realtime(server.settings, UID).reports) == 1
    assert _pending(server) == []


def test_receivers_never_use_the_writer_url(serve_with, enbw, db, settings):
    """With DATABASE_URL unusable (a role that does not exist), look-ups and the immediate apply of a
    small delta still work: the receivers act as ocpdb_ingest (INGEST_DATABASE_URL)."""
    info = psycopg.conninfo.conninfo_to_dict(settings.database.url.get_secret_value())
    writer = psycopg.conninfo.make_conninfo(**{**info, 'user': 'no_such_writer'})
    server = serve_with(DATABASE_URL=writer, INGEST_DATABASE_URL=ingest_url(settings))
    body = datex_push('deltaPush', stations=3)
    with server.client() as client:
        assert client.post(URL, content=body).status_code == 200
        assert client.head(URL).headers['last-modified']
    assert _pending(server) == []  # applied at once, as ocpdb_ingest
    assert _statuses(db)['DE*EBW*E914081*1'] == 'OUTOFORDER'
    roles = db.execute("SELECT DISTINCT usename FROM pg_stat_activity WHERE usename LIKE 'no_such%'").fetchall()
    assert roles == []

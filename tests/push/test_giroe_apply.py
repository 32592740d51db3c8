"""Applying landed giro-e requests into the real database: PUT/PATCH/DELETE end to end over HTTP, a failed
apply keeps the request (and everything after it) for the next run, nothing is applied twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import orjson
import pytest

from ocpdb_pipelines.db.locks import landing_lock
from ocpdb_pipelines.push.giroe_apply import apply_pending_giroe
from ocpdb_pipelines.sources.giroe.parse import location_uid
from tests.push.conftest import GIROE_AUTH
from tests.push.payloads import SECRET, giroe_connector, giroe_location

LOCATIONS = '/api/server/v1/giroe/locations'
CONNECTORS = '/api/server/v1/giroe/connectors'


def _put(client, location_id: int, *evse_uids: str, **fields) -> None:
    connectors = [giroe_connector(location_id * 10 + n, uid) for n, uid in enumerate(evse_uids)]
    body = orjson.dumps(giroe_location(location_id, connectors, **fields))
    assert client.put(f'{LOCATIONS}/{location_id}', content=body).status_code == 204


def _patch(client, evse_uid: str, modified: str, status: str | None = None) -> None:
    body = {'modified': modified} | ({'status': status} if status else {})
    assert client.patch(f'{CONNECTORS}/{evse_uid}', content=orjson.dumps(body)).status_code == 204


def _location(db, location_id: int) -> dict | None:
    return db.execute(
        "SELECT * FROM location WHERE source = 'giroe' AND uid = %s", (location_uid(location_id, SECRET),)
    ).fetchone()


def _evses(db) -> dict[str, dict]:
    rows = db.execute(
        """
        SELECT e.uid, e.status::text AS status, e.last_updated, e.status_last_updated, l.uid AS location_uid
        FROM evse e JOIN charging_station cs ON cs.id = e.charging_station_id
        JOIN location l ON l.id = cs.location_id WHERE l.source = 'giroe'
        """
    ).fetchall()
    return {row['uid']: row for row in rows}


def _version(db) -> int:
    return db.execute('SELECT version FROM data_version').fetchone()['version']


def test_put_patch_delete_end_to_end(server, db):
    with server.client(auth=GIROE_AUTH) as client:
        _put(client, 7, 'DEGIR0007A', 'DEGIR0007B')
        _put(client, 8, 'DEGIR0008A')
        _patch(client, 'DEGIR0007A', '2024-06-02T08:00:00', 'charging')  # zone-less: UTC
        _patch(client, 'DEGIR0007B', '2024-06-03T00:00:00Z')  # no status: the status stays
        assert client.delete(f'{LOCATIONS}/8').status_code == 204
    assert db.execute('SELECT count(*) AS n FROM location').fetchone()['n'] == 0

    report = apply_pending_giroe(server.settings)
    assert (report.applied, report.rejected, report.failed) == (5, 0, False)
    assert report.operations == {'put_location': 2, 'patch_connector': 2, 'delete_location': 1}
    assert report.counts['locations_inserted'] == 2
    assert report.counts['locations_deleted'] == 1
    assert report.counts['statuses_received'] == 1  # one PATCH carried a status
    assert report.counts['evses_touched'] == 1  # the other moved last_updated only
    assert server.landing.pending('giroe', 'push') == []

    location = _location(db, 7)
    assert (location['address'], location['postal_code'], location['city'], location['country']) == (
        'Alexanderplatz 1',
        '10178',
        'Berlin',
        'DEU',
    )
    assert location['name'] is None
    assert location['time_zone'] == 'Europe/Berlin'
    assert _location(db, 8) is None
    evses = _evses(db)
    assert set(evses) == {'DEGIR0007A', 'DEGIR0007B'}
    assert evses['DEGIR0007A']['status'] == 'CHARGING'
    assert evses['DEGIR0007A']['status_last_updated'] == datetime(2024, 6, 2, 8, tzinfo=UTC)
    assert evses['DEGIR0007A']['last_updated'] == datetime(2024, 6, 2, 8, tzinfo=UTC)
    # the predecessor's PATCH without status cleared it; here it stays and only last_updated moves
    assert evses['DEGIR0007B']['status'] == 'AVAILABLE'
    assert evses['DEGIR0007B']['last_updated'] == datetime(2024, 6, 3, tzinfo=UTC)
    assert _location(db, 7)['last_updated'] == datetime(2024, 6, 3, tzinfo=UTC)
    history = db.execute('SELECT count(*) AS n FROM evse_status_history').fetchone()['n']

    # a second run finds nothing: nothing is applied twice
    version = _version(db)
    again = apply_pending_giroe(server.settings)
    assert (again.applied, again.counts) == (0, {})
    assert _version(db) == version
    assert db.execute('SELECT count(*) AS n FROM evse_status_history').fetchone()['n'] == history


def test_put_updates_and_public_false_deletes(server, db):
    with server.client(auth=GIROE_AUTH) as client:
        _put(client, 7, 'DEGIR0007A')
        _put(client, 9, 'DEGIR0009A', public=False)  # unknown and not public: not created (the predecessor did)
    apply_pending_giroe(server.settings)
    assert _location(db, 7) is not None
    assert _location(db, 9) is None

    with server.client(auth=GIROE_AUTH) as client:
        _put(client, 7, 'DEGIR0007A', 'DEGIR0007C', address='Karl-Marx-Allee 2', modified='2024-07-01T00:00:00Z')
    report = apply_pending_giroe(server.settings)
    assert report.counts['locations_updated'] == 1
    assert _location(db, 7)['address'] == 'Karl-Marx-Allee 2'
    assert set(_evses(db)) == {'DEGIR0007A', 'DEGIR0007C'}

    with server.client(auth=GIROE_AUTH) as client:
        _put(client, 7, 'DEGIR0007A', public=False)
    report = apply_pending_giroe(server.settings)
    assert report.counts['locations_deleted'] == 1
    assert _location(db, 7) is None
    assert _evses(db) == {}


@pytest.fixture
def failing_address(db) -> Iterator[None]:
    """A real database failure: a trigger refuses locations whose address is FAIL."""
    db.execute(
        """
        CREATE FUNCTION ocpdb_push_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.address = 'FAIL' THEN RAISE EXCEPTION 'refused by the test trigger'; END IF;
            RETURN NEW;
        END $$
        """
    )
    db.execute(
        'CREATE TRIGGER ocpdb_push_test_refuse BEFORE INSERT OR UPDATE ON location '
        'FOR EACH ROW EXECUTE FUNCTION ocpdb_push_test_refuse()'
    )
    try:
        yield
    finally:
        db.execute('DROP TRIGGER IF EXISTS ocpdb_push_test_refuse ON location')
        db.execute('DROP FUNCTION IF EXISTS ocpdb_push_test_refuse()')


def test_failed_apply_keeps_the_request_and_the_rest(server, db, failing_address):
    with server.client(auth=GIROE_AUTH) as client:
        _put(client, 7, 'DEGIR0007A')
        _put(client, 8, 'DEGIR0008A', address='FAIL')
        _patch(client, 'DEGIR0007A', '2024-06-02T08:00:00Z', 'OUTOFORDER')

    report = apply_pending_giroe(server.settings)
    assert report.failed
    assert (report.applied, report.pending_left) == (1, 2)
    assert 'refused by the test trigger' in report.messages[0]
    pending = server.landing.pending('giroe', 'push')
    assert [p.meta['op'] for p in pending] == ['put_location', 'patch_connector']
    assert _location(db, 7) is not None
    assert _location(db, 8) is None
    assert _evses(db)['DEGIR0007A']['status'] == 'AVAILABLE'  # the PATCH after the failure waited

    # still failing: still kept, and the first request is not applied again
    assert apply_pending_giroe(server.settings).applied == 0
    assert len(server.landing.pending('giroe', 'push')) == 2

    db.execute('DROP TRIGGER ocpdb_push_test_refuse ON location')
    report = apply_pending_giroe(server.settings)
    assert (report.applied, report.failed) == (2, False)
    assert report.counts['incoming_locations'] == 1  # only location 8: location 7 was not applied twice
    assert _location(db, 8)['address'] == 'FAIL'
    assert _evses(db)['DEGIR0007A']['status'] == 'OUTOFORDER'
    assert server.landing.pending('giroe', 'push') == []


def test_an_undecodable_landed_request_is_set_aside(server, db):
    with server.client(auth=GIROE_AUTH) as client:
        _put(client, 7, 'DEGIR0007A')
    server.landing.write('giroe', 'push', b'{"id": 8, "lat": "x"}', {'op': 'put_location', 'location_id': 8})
    server.landing.write('giroe', 'push', b'', {'op': 'something_else'})
    with server.client(auth=GIROE_AUTH) as client:
        _patch(client, 'DEGIR0007A', '2024-06-02T08:00:00Z', 'BLOCKED')

    report = apply_pending_giroe(server.settings)
    assert (report.applied, report.rejected, report.failed) == (2, 2, False)
    assert _evses(db)['DEGIR0007A']['status'] == 'BLOCKED'
    assert server.landing.pending('giroe', 'push') == []
    rejected = server.landing.pending('giroe', 'rejected')
    assert [r.meta['rejected_from'] for r in rejected] == ['push', 'push']
    assert 'latitude' in rejected[0].meta['reason']
    assert rejected[0].body == b'{"id": 8, "lat": "x"}'


def test_only_one_applier_at_a_time(server, db):
    with server.client(auth=GIROE_AUTH) as client:
        _put(client, 7, 'DEGIR0007A')
    with landing_lock(server.settings.database.url.get_secret_value(), 'giroe') as acquired:
        assert acquired
        report = apply_pending_giroe(server.settings)
    assert (report.applied, report.pending_left) == (0, 1)
    assert 'another process' in report.messages[0]
    assert _location(db, 7) is None
    assert apply_pending_giroe(server.settings).applied == 1
    assert _location(db, 7) is not None


def test_put_with_implausible_coordinates(server, db):
    """A location outside Germany is not stored (the request is consumed, the skip counted); swapped axes are
    fixed. (0/0 is already refused by the receiver with 400.)"""
    with server.client(auth=GIROE_AUTH) as client:
        _put(client, 9, 'DEGIR0009A', lat='48.8566', lon='2.3522')
        _put(client, 10, 'DEGIR0010A', lat='13.4049540', lon='52.5200066')
    report = apply_pending_giroe(server.settings)
    assert (report.applied, report.rejected, report.failed) == (2, 0, False)
    assert report.counts['coordinates_skipped_outside_country'] == 1
    assert report.counts['coordinates_swapped_fixed'] == 1
    assert _location(db, 9) is None
    fixed = _location(db, 10)
    assert (float(fixed['lat']), float(fixed['lon'])) == (52.5200066, 13.404954)
    assert server.landing.pending('giroe', 'push') == []


def _station_last_updated(db) -> datetime:
    return db.execute(
        'SELECT cs.last_updated FROM charging_station cs JOIN location l ON l.id = cs.location_id '
        "WHERE l.source = 'giroe'"
    ).fetchone()['last_updated']


def test_a_patch_moves_last_updated_forwards_only_up_the_tree(server, db):
    """A status-less PATCH stamps the EVSE, its station and its location with `modified`, never backwards."""
    with server.client(auth=GIROE_AUTH) as client:
        _put(client, 7, 'DEGIR0007A', 'DEGIR0007B')
        _patch(client, 'DEGIR0007A', '2024-06-05T00:00:00Z')
        _patch(client, 'DEGIR0007A', '2024-06-04T00:00:00Z')  # later request, older time: the newer one stays
        _patch(client, 'DEGIR0007B', '2024-06-03T00:00:00Z')
    report = apply_pending_giroe(server.settings)
    assert report.counts['evses_touched'] == 2
    evses = _evses(db)
    assert evses['DEGIR0007A']['last_updated'] == datetime(2024, 6, 5, tzinfo=UTC)
    assert evses['DEGIR0007B']['last_updated'] == datetime(2024, 6, 3, tzinfo=UTC)
    assert _station_last_updated(db) == datetime(2024, 6, 5, tzinfo=UTC)
    assert _location(db, 7)['last_updated'] == datetime(2024, 6, 5, tzinfo=UTC)

    with server.client(auth=GIROE_AUTH) as client:
        _patch(client, 'DEGIR0007A', '2024-06-01T00:00:00Z')  # older than what is stored: nothing moves
    report = apply_pending_giroe(server.settings)
    assert report.applied == 1
    assert report.counts['evses_touched'] == 0
    assert _evses(db)['DEGIR0007A']['last_updated'] == datetime(2024, 6, 5, tzinfo=UTC)
    assert _station_last_updated(db) == datetime(2024, 6, 5, tzinfo=UTC)
    assert _location(db, 7)['last_updated'] == datetime(2024, 6, 5, tzinfo=UTC)

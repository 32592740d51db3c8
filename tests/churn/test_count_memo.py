"""Memoised totals under churn: a live change never leaves a status-filtered total stale, and totals that
do not read live columns keep their memo across realtime ticks."""

from __future__ import annotations

from ocpdb_api.freshness import count_key
from tests.churn.test_tile_freshness import _status, _two_cities


def test_status_filtered_total_follows_a_realtime_change(db, client):
    _two_cities(db)
    url = '/api/public/v1/locations?evse_status=AVAILABLE'
    assert client.get(url).json()['total_count'] == 2
    assert client.get('/api/public/v1/locations').json()['total_count'] == 2
    _status(db, 'E-munich-1', 'CHARGING')
    assert client.get(url).json()['total_count'] == 1
    assert client.get('/api/public/v1/locations').json()['total_count'] == 2


def test_count_key_ignores_live_changes_for_static_queries(db, client):
    _two_cities(db)
    res = client.app.state.resources
    plain = 'SELECT count(*) AS n FROM location l WHERE TRUE'
    live = "SELECT count(*) AS n FROM location l WHERE EXISTS (SELECT 1 FROM evse e WHERE e.status = 'AVAILABLE')"

    def keys():
        return client.portal.call(count_key, res, None, plain), client.portal.call(count_key, res, None, live)

    before = keys()
    _status(db, 'E-munich-1', 'CHARGING')
    after = keys()
    assert after[0] == before[0]
    assert after[1] != before[1]

"""Availability statistics: partitions computed from a constructed status history give the expected shares,
with gaps counted as no data (never as available), on normal and DST days."""

from __future__ import annotations

import os
from datetime import date, timedelta

import dagster as dg
import pytest
from starlette.testclient import TestClient

from ocpdb_api.app import create_app
from ocpdb_api.settings import ApiSettings
from ocpdb_pipelines.defs.downstream.statistics import STATISTICS_KEY, build_statistics_asset
from ocpdb_pipelines.defs.resources import OcpdbConfig
from ocpdb_pipelines.products.statistics.availability import compute_day, summarize_day

DAY = date(2026, 6, 10)  # CEST: local midnight is 22:00 UTC the day before
H = 3600
STATS = '/api/public/v1/statistics/availability'


@pytest.fixture
def history(db):
    db.execute(
        """
        INSERT INTO source (uid, realtime_data_updated_at) VALUES
            ('live_a', '2026-06-20T00:00:00Z'),  -- still delivering after the day
            ('live_b', '2026-06-10T04:00:00Z'),  -- stopped at 06:00 local on the day
            ('register', NULL);
        INSERT INTO business (name) VALUES ('Operator A');
        INSERT INTO location (id, uid, source, lat, lon, last_updated, operator_id) VALUES
            (1, 'LA', 'live_a', 48.9, 9.19, now(), (SELECT id FROM business)),
            (2, 'LB', 'live_b', 48.8, 9.18, now(), NULL),
            (3, 'LR', 'register', 48.7, 9.17, now(), NULL);
        INSERT INTO charging_station (id, location_id, uid, last_updated) VALUES (1, 1, 's1', now()),
            (2, 2, 's2', now()), (3, 3, 's3', now());
        INSERT INTO evse (id, charging_station_id, uid, last_updated, status) VALUES
            (1, 1, 'E-A', now(), 'AVAILABLE'), (2, 1, 'E-B', now(), 'UNKNOWN'),
            (3, 2, 'E-C', now(), 'AVAILABLE'), (4, 3, 'E-R', now(), 'STATIC');
        INSERT INTO evse_status_history (evse_id, status, observed_at) VALUES
            (1, 'AVAILABLE', '2026-06-08T12:00:00Z'),  -- carried into the day
            (1, 'CHARGING', '2026-06-10T06:00:00Z'),   -- 08:00 local
            (1, 'AVAILABLE', '2026-06-10T08:30:00Z'),  -- 10:30 local
            (2, 'OUTOFORDER', '2026-06-10T10:00:00Z'), -- first seen at 12:00 local
            (2, 'UNKNOWN', '2026-06-10T16:00:00Z'),    -- 18:00 local
            (3, 'AVAILABLE', '2026-06-01T00:00:00Z'),
            (1, 'CHARGING', '2026-06-11T06:00:00Z');   -- the next day: not in this partition
        """
    )
    return db


def _rows(db, day):
    return {r['evse_uid']: r for r in db.execute('SELECT * FROM evse_availability_daily WHERE day = %s', (day,))}


def test_shares_from_a_constructed_history(history):
    assert compute_day(history, DAY) == 3  # the register EVSE has no history: no row
    rows = _rows(history, DAY)
    a, b, c = rows['E-A'], rows['E-B'], rows['E-C']
    assert a['day_seconds'] == 24 * H
    assert a['status_seconds'] == {'AVAILABLE': 21.5 * H, 'CHARGING': 2.5 * H}
    assert a['no_data_seconds'] == 0
    assert (a['source'], a['operator'], a['location_id']) == ('live_a', 'Operator A', 1)
    assert a['known_seconds_by_hour'] == [H] * 24
    assert a['occupied_seconds_by_hour'] == [0] * 8 + [H, H, H // 2] + [0] * 13
    # before its first observation there is no data; UNKNOWN is reported, but not known
    assert b['status_seconds'] == {'OUTOFORDER': 6 * H, 'UNKNOWN': 6 * H}
    assert b['no_data_seconds'] == 12 * H
    assert b['known_seconds_by_hour'] == [0] * 12 + [H] * 6 + [0] * 6
    assert b['occupied_seconds_by_hour'] == [0] * 24
    # the source stopped delivering at 06:00 local: 15 minutes of grace, then no data (not AVAILABLE)
    assert c['status_seconds'] == {'AVAILABLE': 6.25 * H}
    assert c['no_data_seconds'] == 24 * H - 6.25 * H


def test_recompute_replaces_the_partition(history):
    compute_day(history, DAY)
    history.execute('DELETE FROM evse_status_history WHERE evse_id = 2')
    assert compute_day(history, DAY) == 2
    assert set(_rows(history, DAY)) == {'E-A', 'E-C'}


def test_daylight_saving_day_has_25_hours(history):
    day = date(2026, 10, 25)
    history.execute("UPDATE source SET realtime_data_updated_at = '2026-11-01T00:00:00Z'")
    compute_day(history, day)
    a = _rows(history, day)['E-A']
    assert a['day_seconds'] == 25 * H
    assert a['status_seconds'] == {'CHARGING': 25 * H}  # the last change before the day was on 11 June
    assert a['known_seconds_by_hour'][2] == 2 * H  # 02:00-03:00 local happens twice
    assert sum(a['known_seconds_by_hour']) == 25 * H


def test_summary_per_source(history):
    compute_day(history, DAY)
    summary = {s.source: s for s in summarize_day(history, DAY)}
    live_a = summary['live_a']
    assert live_a.evses == 2
    assert live_a.seconds == 48 * H
    assert live_a.shares() == {
        'available': round(21.5 / 48, 4),
        'occupied': round(2.5 / 48, 4),
        'out_of_service': round(6 / 48, 4),
        'unknown': round(6 / 48, 4),
        'no_data': round(12 / 48, 4),
        'other': 0.0,
    }
    occupancy = live_a.occupancy_by_hour()
    assert occupancy[8] == 1.0  # E-A charging, E-B without data: the gap does not dilute the share
    assert occupancy[10] == 0.5
    assert occupancy[13] == 0.0  # E-A available, E-B out of order
    assert occupancy[20] == 0.0  # E-A available, E-B UNKNOWN (not known)
    assert summary['live_b'].shares()['no_data'] == round(17.75 / 24, 4)


def test_partition_materialized_in_dagster(history, settings, monkeypatch):
    monkeypatch.setenv('OCPDB_CONFIG', os.devnull)
    asset = build_statistics_asset([])
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [asset],
            resources={'ocpdb': OcpdbConfig(database_url=settings.database.url.get_secret_value())},
            instance=instance,
            partition_key=DAY.isoformat(),
        )
        assert result.success
        event = instance.get_latest_materialization_event(STATISTICS_KEY)
    assert event.asset_materialization.partition == '2026-06-10'
    metadata = event.asset_materialization.metadata
    assert metadata['evses'].value == 3
    # EVSE-time of the day over all sources: 72 h, of which 12 h (E-B) + 17.75 h (E-C) without data
    assert metadata['share no data'].value == round(29.75 / 72, 4)
    assert metadata['available live_a'].value == round(21.5 / 48, 4)
    table = metadata['by source'].value
    assert '| live_a | 2 | 44.8 % | 5.2 % | 12.5 % | 12.5 % | 25.0 % |' in table
    assert history.execute('SELECT count(*) AS n FROM evse_availability_daily').fetchone()['n'] == 3


@pytest.fixture
def stats_client(history, settings):
    compute_day(history, DAY)
    compute_day(history, DAY + timedelta(days=1))
    api = ApiSettings.from_settings(settings, version_ttl_seconds=0.0, pool_min_size=1, pool_max_size=2)
    with TestClient(create_app(api)) as client:
        yield client


def test_api_per_evse_and_day(stats_client):
    body = stats_client.get(STATS, params={'date_from': '2026-06-10', 'date_to': '2026-06-10'}).json()
    assert body['total_count'] == 3
    items = {i['evse_uid']: i for i in body['items']}
    a = items['E-A']
    assert (a['day'], a['source'], a['operator'], a['location_id']) == ('2026-06-10', 'live_a', 'Operator A', 1)
    assert a['shares'] == {
        'available': round(21.5 / 24, 4),
        'occupied': round(2.5 / 24, 4),
        'out_of_service': 0.0,
        'unknown': 0.0,
        'no_data': 0.0,
        'other': 0.0,
    }
    assert a['occupancy_by_hour'][8:11] == [1.0, 1.0, 0.5]
    b = items['E-B']
    assert b['shares']['no_data'] == 0.5
    assert b['occupancy_by_hour'][:12] == [None] * 12  # no data: unknown, not "free"


def test_api_per_source_over_days_and_filters(stats_client):
    body = stats_client.get(STATS, params={'date_from': '2026-06-10', 'date_to': '2026-06-11', 'group_by': 'source'})
    items = {i['source']: i for i in body.json()['items']}
    assert items['live_a']['days'] == 2
    assert items['live_a']['evse_days'] == 4
    assert items['live_b']['shares']['no_data'] == round((17.75 + 24) / 48, 4)  # dead all of 11 June
    latest = stats_client.get(STATS, params={'source': 'live_a', 'evse_uid': 'E-A'}).json()
    assert latest['date_from'] == latest['date_to'] == '2026-06-11'
    assert [i['evse_uid'] for i in latest['items']] == ['E-A']
    page = stats_client.get(STATS, params={'date_from': '2026-06-10', 'date_to': '2026-06-11', 'limit': 2}).json()
    assert (page['total_count'], len(page['items'])) == (6, 2)


@pytest.mark.parametrize(
    'params',
    [
        {'date_from': '2026-13-01'},
        {'date_from': '2026-06-11', 'date_to': '2026-06-10'},
        {'group_by': 'planet'},
        {'limit': '-1'},
        {'limit': '100000'},
        {'location_id': 'x'},
        {'bogus': '1'},
        {'date_from': '2020-01-01', 'date_to': '2026-01-01'},
    ],
)
def test_api_bad_parameters_are_400(stats_client, params):
    response = stats_client.get(STATS, params=params)
    assert response.status_code == 400
    assert response.json()['error']['code'] == 'validation_error'


def test_api_before_any_statistics_is_404(db, settings):
    api = ApiSettings.from_settings(settings, version_ttl_seconds=0.0, pool_min_size=1, pool_max_size=2)
    with TestClient(create_app(api)) as client:
        response = client.get(STATS)
    assert response.status_code == 404
    assert response.json()['error']['message'] == 'no availability statistics have been computed yet'

"""DATEX II realtime: the EnBW status sample, the push helper, and static -> realtime -> static end to end."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import orjson
import pytest

from ocpdb_pipelines.imports import run_realtime, run_static
from ocpdb_pipelines.model.enums import EvseStatus
from ocpdb_pipelines.sources.base import Page, PayloadError
from ocpdb_pipelines.sources.datex2.realtime import parse_realtime_push, parse_status_bodies
from tests.fixtures_dir import fixture_bytes

PLUS_ONE = timezone(timedelta(hours=1))
EXPECTED = {
    'DE*EBW*E914082*2': EvseStatus.AVAILABLE,
    'DE*EBW*E914082*1': EvseStatus.CHARGING,
    'DE*EBW*E914081*1': EvseStatus.OUTOFORDER,  # faulted
    'DE*EBW*E914081*2': EvseStatus.AVAILABLE,
    'DE*EBW*E909938*2': EvseStatus.AVAILABLE,
    'DE*EBW*E909938*3': EvseStatus.CHARGING,  # occupied
    'DE*EBW*E909938*1': EvseStatus.AVAILABLE,
    'DE*EBW*E909932*1': EvseStatus.CHARGING,
    'DE*EBW*E909932*2': EvseStatus.AVAILABLE,
    'DE*EBW*E910941*1': EvseStatus.AVAILABLE,
    'DE*EBW*E910941*2': EvseStatus.AVAILABLE,
}


def _realtime() -> dict:
    return orjson.loads(fixture_bytes('datex2', 'enbw_realtime.json'))


def _statuses(document: dict) -> list[dict]:
    publication = document['messageContainer']['payload'][0]['aegiEnergyInfrastructureStatusPublication']
    return [
        entry
        for site in publication['energyInfrastructureSiteStatus']
        for station in site['energyInfrastructureStationStatus']
        for entry in station['refillPointStatus']
    ]


def test_enbw_realtime_statuses():
    batch, protocol, stations = parse_realtime_push(fixture_bytes('datex2', 'enbw_realtime.json'))
    assert protocol == 'deltaPull'
    assert stations == 5
    assert batch.skipped == []
    assert {u.uid: u.status for u in batch.updates} == EXPECTED
    update = batch.updates[0]
    assert update.evse_id == update.uid
    assert update.last_updated == datetime(2026, 3, 12, 6, 51, 57, 79000, tzinfo=PLUS_ONE)
    assert update.status_last_updated == update.last_updated
    assert batch.source_timestamp == datetime(2026, 3, 12, 1, 0, 0, 8000, tzinfo=PLUS_ONE)


def test_push_body_gzip_and_bad_entries():
    document = _realtime()
    station = document['messageContainer']['payload'][0]['aegiEnergyInfrastructureStatusPublication'][
        'energyInfrastructureSiteStatus'
    ][0]['energyInfrastructureStationStatus'][0]
    entries = station['refillPointStatus'] = [*station['refillPointStatus'], {'somethingElse': {}}]
    entries[1]['aegiRefillPointStatus']['status']['value'] = 'extendedG'
    second = document['messageContainer']['payload'][0]['aegiEnergyInfrastructureStatusPublication'][
        'energyInfrastructureSiteStatus'
    ][0]['energyInfrastructureStationStatus'][1]
    second['refillPointStatus'][0]['aegiRefillPointStatus']['reference'] = {}
    second['refillPointStatus'].append(
        {
            'aegiElectricChargingPointStatus': {
                'reference': {'idG': 'DE*EBW*E914082*2'},
                'lastUpdated': '2026-03-12T07:00:00Z',
                'status': {'value': 'reserved'},
            }
        }
    )
    batch, _, _ = parse_realtime_push(gzip.compress(orjson.dumps(document)))
    reasons = sorted(s.reason for s in batch.skipped)
    assert reasons == [
        'refill point status without a known variant',
        'refill point status without reference idG',
        "unknown refill point status 'extendedG'",
    ]
    statuses = {u.uid: u.status for u in batch.updates}
    assert statuses['DE*EBW*E914082*2'] == EvseStatus.RESERVED  # the later entry wins
    assert 'DE*EBW*E914082*1' not in statuses


@pytest.mark.parametrize('body', [b'', b'{}', b'null', b'{"messageContainer": {"payload": []}}', b'garbage'])
def test_push_rejects_non_datex(body):
    with pytest.raises(PayloadError):
        parse_realtime_push(body)


def test_later_pages_win():
    first = _realtime()
    second = _realtime()
    for entry in _statuses(second):
        entry['aegiRefillPointStatus']['status']['value'] = 'removed'
    batch = parse_status_bodies([orjson.dumps(first), orjson.dumps(second)])
    assert {u.status for u in batch.updates} == {EvseStatus.REMOVED}
    assert len(batch.updates) == 11


# -- end to end through the importer and the real database -----------------------------------


def _page(name: str, last_modified: str | None = None) -> Page:
    headers = {'last-modified': last_modified} if last_modified else {}
    return Page(body=fixture_bytes('datex2', name), headers=headers)


def _evses(db) -> dict[str, dict]:
    rows = db.execute(
        """
        SELECT e.uid, e.evse_id, e.status::text AS status, e.last_updated, e.status_last_updated
        FROM evse e JOIN charging_station cs ON cs.id = e.charging_station_id
        JOIN location l ON l.id = cs.location_id WHERE l.source = 'datex2_enbw'
        """
    ).fetchall()
    return {row['uid']: row for row in rows}


def test_enbw_static_then_realtime_then_static_again(settings, db):
    report = run_static(
        settings, 'datex2_enbw', replay_pages=[_page('enbw_static.json', 'Thu, 19 Mar 2026 00:00:00 GMT')]
    )
    assert report.outcome == 'applied'
    assert db.execute("SELECT count(*) AS n FROM location WHERE source = 'datex2_enbw'").fetchone()['n'] == 10
    evses = _evses(db)
    assert len(evses) == 57
    assert {row['status'] for row in evses.values()} == {'UNKNOWN'}
    source = db.execute("SELECT * FROM source WHERE uid = 'datex2_enbw'").fetchone()
    assert source['static_data_updated_at'] == datetime(2026, 3, 19, tzinfo=UTC)

    location = db.execute("SELECT * FROM location WHERE source = 'datex2_enbw' AND uid = '800030182'").fetchone()
    assert location['address'] == 'Siemensstraße 10'
    assert location['postal_code'] == '73117'
    assert location['city'] == 'Wangen'
    assert location['country'] == 'DEU'
    assert location['lat'] == Decimal('48.7185440')
    assert location['help_phone'] == '+49 721 72 586 460'
    assert location['twentyfourseven'] is True
    operator = db.execute('SELECT * FROM business WHERE id = %s', (location['operator_id'],)).fetchone()
    assert (operator['name'], operator['emobility_uid']) == ('ENBW', 'EBW')
    connector = db.execute(
        """
        SELECT c.* FROM connector c JOIN evse e ON e.id = c.evse_id WHERE e.uid = 'DE*EBW*E909938*3'
        """
    ).fetchone()
    assert connector['standard'] == 'IEC_62196_T2'
    assert connector['format'] == 'SOCKET'
    assert connector['power_type'] == 'AC_3_PHASE'
    assert (connector['max_voltage'], connector['max_amperage'], connector['max_electric_power']) == (230, 32, 22000)
    tariffs = db.execute("SELECT uid, currency FROM tariff WHERE source = 'datex2_enbw'").fetchall()
    assert len(tariffs) == 2
    assert {t['currency'] for t in tariffs} == {'EUR'}
    links = db.execute('SELECT count(*) AS n FROM evse_tariff_association').fetchone()['n']
    assert links == 57

    report = run_realtime(
        settings, 'datex2_enbw', replay_pages=[_page('enbw_realtime.json', 'Thu, 12 Mar 2026 06:17:23 GMT')]
    )
    assert report.outcome == 'applied'
    evses = _evses(db)
    assert {uid: evses[uid]['status'] for uid in EXPECTED} == {uid: s.value for uid, s in EXPECTED.items()}
    assert evses['DE*EBW*E914081*1']['status_last_updated'] == datetime(2026, 3, 12, 6, 51, 57, 79000, tzinfo=PLUS_ONE)
    untouched = set(evses) - set(EXPECTED)
    assert {evses[uid]['status'] for uid in untouched} == {'UNKNOWN'}

    # a static re-import carries no status and keeps the live ones
    run_static(settings, 'datex2_enbw', replay_pages=[_page('enbw_static.json')])
    evses = _evses(db)
    assert {uid: evses[uid]['status'] for uid in EXPECTED} == {uid: s.value for uid, s in EXPECTED.items()}
    assert len(db.execute("SELECT uid FROM tariff WHERE source = 'datex2_enbw'").fetchall()) == 2


def test_giroe_static_import(settings, db):
    run_static(settings, 'datex2_giroe', replay_pages=[_page('giroe_static_v3_7.json')])
    location = db.execute("SELECT * FROM location WHERE source = 'datex2_giroe' AND uid = '2629'").fetchone()
    assert location['postal_code'] == '44789'
    assert location['time_zone'] == '+01:00'
    counts = db.execute(
        """
        SELECT count(DISTINCT t.id) AS tariffs, count(DISTINCT ta.id) AS associations
        FROM tariff t JOIN tariff_association ta ON ta.tariff_id = t.id WHERE t.source = 'datex2_giroe'
        """
    ).fetchone()
    assert counts['tariffs'] == counts['associations']
    assert counts['tariffs'] >= 10


def test_broken_static_payload_changes_nothing(settings, db):
    run_static(settings, 'datex2_enbw', replay_pages=[_page('enbw_static.json')])
    before = db.execute('SELECT count(*) AS n FROM evse').fetchone()['n']
    with pytest.raises(PayloadError):
        run_static(settings, 'datex2_enbw', replay_pages=[Page(body=b'{"not": "datex"}')])
    assert db.execute('SELECT count(*) AS n FROM evse').fetchone()['n'] == before
    source = db.execute("SELECT static_status::text AS s FROM source WHERE uid = 'datex2_enbw'").fetchone()
    assert source['s'] == 'FAILED'

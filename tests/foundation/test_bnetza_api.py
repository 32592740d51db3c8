"""BNetzA JSON API: the real recorded register extract imported end to end into PostGIS."""

from __future__ import annotations

from datetime import date

import orjson
import pytest

from ocpdb_pipelines.sources.base import PayloadError
from tests.foundation.helpers import (
    BNETZA_API,
    bnetza_api_document,
    counts,
    import_bytes,
    import_fixture,
    table_snapshot,
)


def test_imports_whole_register_extract(settings, db):
    report = import_fixture(settings, 'bnetza_api', *BNETZA_API)
    # 918 installations at 721 distinct coordinates; one connector without a type is dropped
    assert report.counts['incoming_locations'] == 721
    assert counts(db, 'bnetza_api') == {'locations': 721, 'stations': 918, 'evses': 1822, 'connectors': 2012}
    assert report.skipped == []
    source = db.execute("SELECT * FROM source WHERE uid = 'bnetza_api'").fetchone()
    assert source['static_status'] == 'ACTIVE'
    assert source['static_error_count'] == 0
    assert source['attribution_license'] == 'CC BY 4.0'
    assert db.execute('SELECT DISTINCT status FROM evse').fetchall() == [{'status': 'STATIC'}]


def test_location_fields(settings, db):
    import_fixture(settings, 'bnetza_api', *BNETZA_API)
    location = db.execute(
        """
        SELECT l.*, b.name AS operator_name, ST_X(l.geometry) AS x, ST_Y(l.geometry) AS y
        FROM location l JOIN business b ON b.id = l.operator_id WHERE l.source = 'bnetza_api' AND l.uid = '1000001'
        """
    ).fetchone()
    assert location['address'] == 'Frachtstraße 1'
    assert location['postal_code'] == '40474'
    assert location['city'] == 'Düsseldorf'
    assert location['state'] == 'Nordrhein-Westfalen'
    assert location['country'] == 'DEU'
    assert location['time_zone'] == 'Europe/Berlin'
    assert str(location['lat']) == '51.2808240'
    assert str(location['lon']) == '6.7699470'
    assert (location['x'], location['y']) == pytest.approx((6.769947, 51.280824))
    assert location['operator_name'] == 'Stadtwerke Düsseldorf AG'
    assert location['twentyfourseven'] is None


def test_house_number_zero_is_dropped(settings, db):
    import_fixture(settings, 'bnetza_api', *BNETZA_API)
    row = db.execute("SELECT address FROM location WHERE source = 'bnetza_api' AND uid = '1000022'").fetchone()
    assert row['address'] == 'Niederheider Straße'


def test_installations_at_same_coordinates_share_a_location(settings, db):
    import_fixture(settings, 'bnetza_api', *BNETZA_API)
    rows = db.execute(
        """
        SELECT l.uid AS location_uid, cs.uid, cs.go_live_date, cs.max_power_value, cs.max_power_unit
        FROM charging_station cs JOIN location l ON l.id = cs.location_id
        WHERE cs.uid IN ('1000104', '1000105', '1000106', '1000107') ORDER BY cs.uid
        """
    ).fetchall()
    assert [r['location_uid'] for r in rows] == ['1000104'] * 4
    assert all(r['max_power_unit'] == 'KW' for r in rows)
    assert isinstance(rows[0]['go_live_date'], date)


def test_evses_and_connectors(settings, db):
    import_fixture(settings, 'bnetza_api', *BNETZA_API)
    evses = db.execute(
        """
        SELECT e.uid, e.evse_id, e.status, c.uid AS connector_uid, c.standard, c.format, c.power_type,
               c.max_electric_power, c.max_voltage, c.max_amperage
        FROM evse e JOIN charging_station cs ON cs.id = e.charging_station_id
        JOIN connector c ON c.evse_id = e.id WHERE cs.uid = '1000001' ORDER BY e.uid, c.uid
        """
    ).fetchall()
    assert [(e['uid'], e['connector_uid']) for e in evses] == [
        ('BNETZA*1000001*1', '1'),
        ('BNETZA*1000001*1', '2'),
        ('BNETZA*1000001*2', '1'),
        ('BNETZA*1000001*2', '2'),
    ]
    type2, schuko = evses[0], evses[1]
    assert type2['evse_id'] == 'BNETZA*1000001*1'
    assert (type2['standard'], type2['format'], type2['power_type']) == ('IEC_62196_T2', 'SOCKET', 'AC_3_PHASE')
    # 22 kW on three phases at 400 V is 32 A per phase (the predecessor wrote 230 A)
    assert (type2['max_electric_power'], type2['max_voltage'], type2['max_amperage']) == (22000, 400, 32)
    assert (schuko['standard'], schuko['power_type']) == ('DOMESTIC_F', 'AC_1_PHASE')
    assert (schuko['max_electric_power'], schuko['max_voltage'], schuko['max_amperage']) == (3700, 230, 16)


def test_dc_connectors_and_given_evse_ids(settings, db):
    import_fixture(settings, 'bnetza_api', *BNETZA_API)
    dc = db.execute(
        """
        SELECT c.standard, c.format, c.power_type, c.max_electric_power, c.max_voltage, c.max_amperage
        FROM connector c JOIN evse e ON e.id = c.evse_id WHERE e.uid = 'BNETZA*1000079*2' ORDER BY c.uid
        """
    ).fetchall()
    assert [(c['standard'], c['format'], c['power_type']) for c in dc] == [
        ('IEC_62196_T2_COMBO', 'CABLE', 'DC'),
        ('CHADEMO', 'CABLE', 'DC'),
    ]
    assert (dc[0]['max_electric_power'], dc[0]['max_voltage'], dc[0]['max_amperage']) == (50000, 400, 125)
    ids = db.execute("SELECT evse_id FROM evse WHERE uid LIKE 'BNETZA*1000543*%%' ORDER BY uid").fetchall()
    assert [r['evse_id'] for r in ids] == ['DE*KL1*ETE200000107*01', 'DE*KL1*ETE200000107*02']


def test_connector_without_type_is_dropped_but_evse_kept(settings, db):
    import_fixture(settings, 'bnetza_api', *BNETZA_API)
    rows = db.execute(
        "SELECT c.uid FROM connector c JOIN evse e ON e.id = c.evse_id WHERE e.uid = 'BNETZA*1000187*4'"
    ).fetchall()
    assert [r['uid'] for r in rows] == ['1']  # connector uids count the dropped one too


def test_payment_systems_become_capabilities(settings, db):
    import_fixture(settings, 'bnetza_api', *BNETZA_API)
    row = db.execute("SELECT capabilities FROM charging_station WHERE uid = '1000203'").fetchone()
    # CHIP_CARD_SUPPORT 4, CONTACTLESS 8, CREDIT_CARD 16, REMOTE_START_STOP 128, RFID 512
    assert row['capabilities'] == 4 | 8 | 16 | 128 | 512


def test_opening_hours(settings, db):
    import_fixture(settings, 'bnetza_api', *BNETZA_API)
    row = db.execute("SELECT twentyfourseven, regular_hours FROM location WHERE uid = '1000010'").fetchone()
    assert row['twentyfourseven'] is False
    assert row['regular_hours'][0] == {'weekday': 1, 'period_begin': '06:00', 'period_end': '22:00'}
    assert len(row['regular_hours']) == 7
    # the first installation at a coordinate gives the location its opening hours
    first_at: dict = {}
    for station in bnetza_api_document()['chargingStations']:
        first_at.setdefault((station['coordinates']['latitude'], station['coordinates']['longitude']), station)
    expected = sorted(str(s['id']) for s in first_at.values() if s['opening_hours_specification'] == '247')
    rows = db.execute('SELECT uid FROM location WHERE twentyfourseven ORDER BY uid').fetchall()
    assert expected
    assert [r['uid'] for r in rows] == expected


def test_ignore_operators(settings, db):
    configured = settings.with_values(sources={'bnetza_api': {'ignore_operators': ['Stadtwerke Düsseldorf AG']}})
    report = import_fixture(configured, 'bnetza_api', *BNETZA_API)
    operators = db.execute(
        'SELECT count(*) AS n FROM location l JOIN business b ON b.id = l.operator_id WHERE b.name = %s',
        ('Stadtwerke Düsseldorf AG',),
    ).fetchone()
    assert operators['n'] == 0
    assert report.counts['incoming_locations'] < 721


def test_bad_records_are_skipped_and_counted(settings, db):
    document = bnetza_api_document()
    stations = document['chargingStations']
    del stations[0]['coordinates']
    stations[1]['id'] = 'not-a-number'
    stations[2]['go_live_date'] = '2020-01-01'
    stations[3]['evses'][0]['connectors'][0]['connector_type'] = 'AC Typ 9 Zauberstecker'
    report = import_bytes(settings, 'bnetza_api', orjson.dumps(document))
    reasons = [s.reason for s in report.skipped]
    assert any('coordinates' in r for r in reasons)
    assert any('id missing' in r for r in reasons)
    assert any('go_live_date' in r for r in reasons)
    assert any('unknown connector type' in r for r in reasons)
    assert db.execute('SELECT static_error_count FROM source').fetchone()['static_error_count'] == len(reasons)
    assert db.execute("SELECT count(*) AS n FROM location WHERE uid = '1000001'").fetchone()['n'] == 0
    assert counts(db, 'bnetza_api')['locations'] > 700


@pytest.mark.parametrize('body', [b'{"chargingStations": [', b'<html>maintenance</html>', b'{"items": []}'])
def test_corrupt_payload_fails_and_changes_nothing(settings, db, body):
    import_fixture(settings, 'bnetza_api', *BNETZA_API)
    before = table_snapshot(db)
    with pytest.raises(PayloadError):
        import_bytes(settings, 'bnetza_api', body)
    after = table_snapshot(db)
    assert after['location'] == before['location']
    assert after['evse'] == before['evse']
    assert after['source'][0]['static_status'] == 'FAILED'


def _first_at_shared_coordinates(stations: list[dict]) -> tuple[dict, list[dict]]:
    """An installation that is the first at a coordinate pair other installations share, and those others."""
    at: dict = {}
    for station in stations:
        at.setdefault((station['coordinates']['latitude'], station['coordinates']['longitude']), []).append(station)
    members = next(group for group in at.values() if len(group) > 1)
    return members[0], members[1:]


def test_a_broken_location_part_skips_the_location_with_its_installations(settings, db):
    """An opening day without its times, or an operator name too long for a business, is a broken location:
    skipped and counted with every installation at its coordinates (an opening day without times used to
    fail the whole run with a KeyError)."""
    document = bnetza_api_document()
    stations = document['chargingStations']
    first, others = _first_at_shared_coordinates(stations)
    first['opening_hours_specification'] = 'Eingeschränkt'
    first['opening_days'] = [{'weekday': 'Montag', 'open_to': '18:00'}]
    long_name = next(s for s in stations if s is not first and s not in others)
    long_name['operator']['companyName'] = 'x' * 300
    report = import_bytes(settings, 'bnetza_api', orjson.dumps(document))
    reasons = {s.reference: s.reason for s in report.skipped}
    assert "'open_from'" in reasons[f'installation {first["id"]}']
    assert 'at most 255 characters' in reasons[f'installation {long_name["id"]}']
    uids = {str(s['id']) for s in (first, *others, long_name)}
    stored = db.execute('SELECT uid FROM charging_station WHERE uid = ANY(%s)', (list(uids),)).fetchall()
    assert stored == []
    assert db.execute('SELECT static_error_count FROM source').fetchone()['static_error_count'] == 2


def test_a_repeated_installation_id_is_stored_once_the_later_wins(settings, db):
    """The same installation twice at one coordinate pair is one station (the later record's values); the
    same id as the first installation at two coordinate pairs is one location, at the later pair."""
    document = bnetza_api_document()
    stations = document['chargingStations']
    first, _ = _first_at_shared_coordinates(stations)
    again = orjson.loads(orjson.dumps(first))
    again['max_electric_power_station'] = 99
    moved = orjson.loads(orjson.dumps(first))
    moved['coordinates'] = {'latitude': 50.1109221, 'longitude': 8.6821267}
    moved['max_electric_power_station'] = 77
    report = import_bytes(settings, 'bnetza_api', orjson.dumps({'chargingStations': [*stations, again]}))
    assert report.skipped == []
    row = db.execute('SELECT max_power_value FROM charging_station WHERE uid = %s', (str(first['id']),)).fetchone()
    assert row['max_power_value'] == 99
    assert counts(db, 'bnetza_api')['locations'] == 721
    import_bytes(settings, 'bnetza_api', orjson.dumps({'chargingStations': [*stations, moved]}))
    rows = db.execute(
        'SELECT l.lat, l.lon, cs.max_power_value FROM location l JOIN charging_station cs ON cs.location_id = l.id '
        "WHERE l.source = 'bnetza_api' AND l.uid = %s",
        (str(first['id']),),
    ).fetchall()
    assert [(float(r['lat']), float(r['lon']), r['max_power_value']) for r in rows] == [(50.1109221, 8.6821267, 77)]

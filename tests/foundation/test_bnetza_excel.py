"""BNetzA Excel register: the real recorded extract imported end to end."""

from __future__ import annotations

import io

import openpyxl
import pytest

from ocpdb_pipelines.sources.base import PayloadError
from tests.fixtures_dir import fixture_path
from tests.foundation.helpers import BNETZA_EXCEL, counts, import_bytes, import_fixture, table_snapshot


def _workbook_bytes(edit) -> bytes:
    workbook = openpyxl.load_workbook(fixture_path(*BNETZA_EXCEL))
    edit(workbook.active)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_imports_extract_under_its_own_uid(settings, db):
    report = import_fixture(settings, 'bnetza_excel', *BNETZA_EXCEL)
    assert report.skipped == []
    assert counts(db, 'bnetza_excel') == {'locations': 94, 'stations': 94, 'evses': 189, 'connectors': 226}
    assert db.execute('SELECT DISTINCT source FROM location').fetchall() == [{'source': 'bnetza_excel'}]
    assert db.execute('SELECT DISTINCT status FROM evse').fetchall() == [{'status': 'STATIC'}]


def test_location_uid_is_coordinate_hash_and_fields(settings, db):
    import_fixture(settings, 'bnetza_excel', *BNETZA_EXCEL)
    location = db.execute(
        """
        SELECT l.*, b.name AS operator FROM location l JOIN business b ON b.id = l.operator_id
        WHERE l.uid = '81d943a159d326f16932'
        """
    ).fetchone()
    assert location['address'] == 'Ennabeurer Weg'  # house number "0" dropped
    assert (location['postal_code'], location['city']) == ('72535', 'Heroldstatt')
    assert location['operator'] == 'Albwerk GmbH & Co. KG'
    assert str(location['lat']) == '48.4423980'
    assert location['last_updated'].date().isoformat() == '2020-01-11'
    evses = db.execute(
        """
        SELECT e.uid, e.evse_id, c.uid AS connector_uid, c.standard, c.power_type, c.max_electric_power,
               c.max_amperage
        FROM evse e JOIN charging_station cs ON cs.id = e.charging_station_id JOIN connector c ON c.evse_id = e.id
        WHERE cs.location_id = %s ORDER BY e.uid
        """,
        (location['id'],),
    ).fetchall()
    assert [e['uid'] for e in evses] == ['BNETZA*81d943a159d326f16932*0*1', 'BNETZA*81d943a159d326f16932*0*2']
    assert evses[0]['evse_id'] == evses[0]['uid']
    assert evses[0]['connector_uid'] == '81d943a159d326f16932-0-1-0'
    assert (evses[0]['standard'], evses[0]['power_type'], evses[0]['max_electric_power']) == (
        'IEC_62196_T2',
        'AC_3_PHASE',
        22000,
    )
    assert evses[0]['max_amperage'] == 32


def test_two_plugs_in_one_slot_and_schuko_cap(settings, db):
    import_fixture(settings, 'bnetza_excel', *BNETZA_EXCEL)
    rows = db.execute(
        """
        SELECT e.uid, array_agg(c.standard::text ORDER BY c.uid) AS standards,
               array_agg(c.max_electric_power ORDER BY c.uid) AS powers
        FROM evse e JOIN connector c ON c.evse_id = e.id GROUP BY e.uid HAVING count(*) = 2
        """
    ).fetchall()
    pairs = {tuple(r['standards']): r['powers'] for r in rows}
    assert pairs[('IEC_62196_T2', 'DOMESTIC_F')][1] == 3700
    ccs = db.execute("SELECT DISTINCT format FROM connector WHERE standard = 'IEC_62196_T2_COMBO'").fetchall()
    assert ccs == [{'format': 'CABLE'}]


def test_bad_row_skipped_and_counted(settings, db):
    def edit(sheet):
        sheet.cell(row=12, column=10).value = 'nördlich'
        sheet.cell(row=13, column=14).value = 'Superladeeinrichtung'

    report = import_bytes(settings, 'bnetza_excel', _workbook_bytes(edit))
    assert len(report.skipped) == 2
    assert {s.reference for s in report.skipped} == {'row 12', 'row 13'}
    assert db.execute('SELECT static_error_count FROM source').fetchone()['static_error_count'] == 2


def test_wrong_header_fails_the_run(settings, db):
    import_fixture(settings, 'bnetza_excel', *BNETZA_EXCEL)
    before = table_snapshot(db)

    def edit(sheet):
        sheet.cell(row=11, column=10).value = 'Latitude'

    with pytest.raises(PayloadError, match='column 10'):
        import_bytes(settings, 'bnetza_excel', _workbook_bytes(edit))
    assert table_snapshot(db)['location'] == before['location']


def test_not_a_workbook_fails(settings, db):
    with pytest.raises(PayloadError):
        import_bytes(settings, 'bnetza_excel', b'PK\x03\x04 truncated')
    assert db.execute('SELECT static_status FROM source').fetchone()['static_status'] == 'FAILED'

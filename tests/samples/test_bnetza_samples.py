"""The generated BNetzA register (both layouts) imports cleanly through the real parsers and store."""

from __future__ import annotations

import collections

import openpyxl
import pytest

from ocpdb_pipelines.imports import run_static
from ocpdb_pipelines.samples import bnetza
from ocpdb_pipelines.sources.base import Page
from ocpdb_pipelines.sources.bnetza.excel import HEADERS

N, SEED, BROKEN = 400, 7, 3


def _expected(uid: str, broken: int) -> dict[str, int]:
    valid = [i for i in bnetza.generate(N, SEED, broken) if i.broken is None]
    locations = len({(i.lat, i.lon) for i in valid})
    return {
        'locations': locations,
        # the API makes a station of each installation, the Excel register one station per location
        'stations': len(valid) if uid == 'bnetza_api' else locations,
        'evses': sum(len(i.evses) for i in valid),
        'connectors': sum(len(e.connectors) for i in valid for e in i.evses),
    }


def _counts(db, source: str) -> dict[str, int]:
    return db.execute(
        """
        SELECT (SELECT count(*) FROM location WHERE source = %(s)s) AS locations,
               (SELECT count(*) FROM charging_station cs JOIN location l ON l.id = cs.location_id
                WHERE l.source = %(s)s) AS stations,
               (SELECT count(*) FROM evse e JOIN charging_station cs ON cs.id = e.charging_station_id
                JOIN location l ON l.id = cs.location_id WHERE l.source = %(s)s) AS evses,
               (SELECT count(*) FROM connector c JOIN evse e ON e.id = c.evse_id
                JOIN charging_station cs ON cs.id = e.charging_station_id
                JOIN location l ON l.id = cs.location_id WHERE l.source = %(s)s) AS connectors
        """,
        {'s': source},
    ).fetchone()


def test_generation_is_deterministic_and_realistic(tmp_path):
    first = bnetza.write_bnetza_api_json(tmp_path / 'a.json', N, SEED).read_bytes()
    assert first == bnetza.write_bnetza_api_json(tmp_path / 'b.json', N, SEED).read_bytes()
    assert first != bnetza.write_bnetza_api_json(tmp_path / 'c.json', N, SEED + 1).read_bytes()
    installations = bnetza.generate(5000, SEED)
    assert [i.id for i in installations] == list(range(bnetza.FIRST_ID, bnetza.FIRST_ID + 5000))
    sites = collections.Counter((i.lat, i.lon) for i in installations)
    shared = sum(count for count in sites.values() if count > 1) / len(installations)
    assert 0.1 < shared < 0.35  # the real register: about a fifth share their coordinates
    operators = collections.Counter(i.operator for i in installations)
    assert operators.most_common(1)[0][0] == 'EnBW mobility+ AG und Co.KG'
    assert len(operators) > 500  # a long tail of small operators
    plugs = collections.Counter(c.api_type for i in installations for e in i.evses for c in e.connectors)
    assert plugs.most_common(1)[0][0] == 'AC Typ 2 Steckdose'
    assert {'DC Fahrzeugkupplung Typ Combo 2 (CCS)', 'DC CHAdeMO', 'AC Schuko'} <= set(plugs)


@pytest.mark.parametrize('uid', ['bnetza_api', 'bnetza_excel'])
def test_generated_register_imports_without_skips(settings, db, tmp_path, uid):
    writer = bnetza.write_bnetza_api_json if uid == 'bnetza_api' else bnetza.write_bnetza_excel
    body = writer(tmp_path / 'register', N, SEED).read_bytes()
    report = run_static(settings, uid, replay_pages=[Page(body=body)])
    assert report.skipped == []
    assert _counts(db, uid) == _expected(uid, 0)
    statuses = {row['status'] for row in db.execute('SELECT DISTINCT status::text FROM evse')}
    assert 'STATIC' in statuses
    again = run_static(settings, uid, replay_pages=[Page(body=body)])
    assert not any(value for key, value in again.counts.items() if key.endswith(('_inserted', '_updated', '_deleted')))


@pytest.mark.parametrize('uid', ['bnetza_api', 'bnetza_excel'])
def test_broken_records_are_skipped_and_counted(settings, db, tmp_path, uid):
    writer = bnetza.write_bnetza_api_json if uid == 'bnetza_api' else bnetza.write_bnetza_excel
    body = writer(tmp_path / 'register', N, SEED, broken=BROKEN).read_bytes()
    report = run_static(settings, uid, replay_pages=[Page(body=body)])
    assert len(report.skipped) == BROKEN
    assert all(s.reason for s in report.skipped)
    assert _counts(db, uid) == _expected(uid, BROKEN)


def test_excel_layout_matches_the_register(tmp_path):
    path = bnetza.write_bnetza_excel(tmp_path / 'register.xlsx', 20, SEED)
    sheet = openpyxl.load_workbook(path, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith('Ladesäulenregister')
    assert rows[9][0] == 'Allgemeine Informationen'
    assert rows[9][15] == '1. Ladepunkt'
    assert list(rows[10]) == HEADERS
    assert len(rows) == 11 + 20
    first = rows[11]
    assert ',' in first[9]
    assert ',' in first[10]
    assert first[11].year >= 2012  # a real date cell


@pytest.mark.parametrize(('n', 'broken'), [(100, 2), (100, 3), (10, 9), (5, 5), (50, 0), (1000, 12)])
def test_generator_yields_exactly_the_broken_installations_asked_for(n, broken):
    installations = bnetza.generate(n, SEED, broken)
    assert len(installations) == n
    assert sum(i.broken is not None for i in installations) == broken


def test_generator_refuses_more_broken_installations_than_installations():
    with pytest.raises(ValueError, match='broken must be between 0 and n'):
        bnetza.generate(3, SEED, 4)

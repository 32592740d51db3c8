"""DATEX II exports of real fixtures with JSON Schema `format` checking on (jsonschema's FormatChecker).

Decision for the 3.5 static `Time` values (tariff periods of day): local time of day without offset
(`20:00:00`, xs:time), because a fixed offset would be wrong for half of the year. The 3.5 JSON schema's
`format: time` (RFC 3339, offset required) reports exactly those values; every other format holds.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from ocpdb_pipelines.db.connection import connect
from ocpdb_pipelines.exports.datex2 import Kind, export, validate, write_export
from ocpdb_pipelines.exports.datex2.export import STRUCTURE_NOTES
from ocpdb_pipelines.imports import run_realtime, run_static
from ocpdb_pipelines.sources.base import Page
from tests.fixtures_dir import fixture_bytes, schemas_dir

LOCAL_TIME = re.compile(r'^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$')
PERIOD_OF_DAY = re.compile(r'/recurringTimePeriodOfDay/\d+/(start|end)TimeOfPeriod$')


@pytest.fixture
def imported(settings, db):
    run_static(settings, 'datex2_enbw', replay_pages=[Page(body=fixture_bytes('datex2', 'enbw_static.json'))])
    run_static(settings, 'datex2_giroe', replay_pages=[Page(body=fixture_bytes('datex2', 'giroe_static_v3_7.json'))])
    run_realtime(settings, 'datex2_enbw', replay_pages=[Page(body=fixture_bytes('datex2', 'enbw_realtime.json'))])
    return settings


def _document(settings, version: str, kind: Kind) -> dict:
    out = io.BytesIO()
    with connect(settings.database.url.get_secret_value()) as conn:
        write_export(conn, out, version, kind)
    return json.loads(out.getvalue())


@pytest.mark.parametrize('version', ['3.5', '3.7'])
@pytest.mark.parametrize('kind', [Kind.STATIC, Kind.REALTIME])
def test_formats_hold_except_the_documented_local_times(imported, version, kind):
    doc = _document(imported, version, kind)
    errors = validate.format_errors(schemas_dir() / 'datex2', doc, version, str(kind))
    documented = [
        e for e in errors if e[0] == 'time' and PERIOD_OF_DAY.search('/' + e[1]) and LOCAL_TIME.match(str(e[2]))
    ]
    assert [e for e in errors if e not in documented] == []
    if (version, kind) == ('3.5', Kind.STATIC):
        assert documented, 'the fixtures hold tariffs with periods of day: the decision must be exercised'
    else:
        assert documented == []
    assert validate.json_errors(schemas_dir() / 'datex2', doc, version, str(kind)) == []


def test_export_metadata_states_the_structure(imported):
    report = export(imported, '3.7', 'realtime')
    assert 'aegiEnergyInfrastructureStatusPublication' in report.notes
    doc = json.loads(Path(report.path).read_bytes())
    assert doc['payload']['versionG'] == '3.7'
    assert 'aegiEnergyInfrastructureStatusPublication' in doc['payload']
    assert export(imported, '3.5', 'static').notes == STRUCTURE_NOTES['3.5', 'static']
    assert export(imported, '3.7', 'static').notes is None

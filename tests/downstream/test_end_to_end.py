"""Recorded EnBW payloads imported through the real importer, then exported: valid DATEX II, same sites."""

from __future__ import annotations

import io
import json

import orjson

from ocpdb_pipelines.db.connection import connect
from ocpdb_pipelines.exports.datex2 import Kind, write_export
from ocpdb_pipelines.imports import run_realtime, run_static
from ocpdb_pipelines.sources.base import Page
from tests.downstream.datex_schemas import json_errors, xsd_37
from tests.fixtures_dir import fixture_bytes, schemas_dir


def _page(name: str, last_modified: str) -> Page:
    return Page(body=fixture_bytes('datex2', name), headers={'last-modified': last_modified})


def test_enbw_import_then_export_round_trip(settings, db) -> None:
    run_static(settings, 'datex2_enbw', replay_pages=[_page('enbw_static.json', 'Thu, 19 Mar 2026 00:00:00 GMT')])
    run_realtime(settings, 'datex2_enbw', replay_pages=[_page('enbw_realtime.json', 'Thu, 19 Mar 2026 06:17:23 GMT')])
    source = orjson.loads(fixture_bytes('datex2', 'enbw_static.json'))
    source_sites = {
        s['idG']
        for t in source['payload']['aegiEnergyInfrastructureTablePublication']['energyInfrastructureTable']
        for s in t['energyInfrastructureSite']
    }
    imported = {r['uid'] for r in db.execute("SELECT uid FROM location WHERE source = 'datex2_enbw'")}
    assert imported

    for version in ('3.5', '3.7'):
        for kind in (Kind.STATIC, Kind.REALTIME):
            out = io.BytesIO()
            with connect(settings.database.url.get_secret_value()) as conn:
                write_export(conn, out, version, kind)
            doc = json.loads(out.getvalue())
            assert json_errors(doc, version, str(kind)) == [], (version, kind)
    out = io.BytesIO()
    with connect(settings.database.url.get_secret_value()) as conn:
        write_export(conn, out, '3.5', Kind.STATIC)
    doc = json.loads(out.getvalue())
    exported = {
        s['idG']
        for s in doc['payload']['aegiEnergyInfrastructureTablePublication']['energyInfrastructureTable'][0][
            'energyInfrastructureSite'
        ]
    }
    assert exported == imported
    assert exported <= source_sites
    xml = io.BytesIO()
    with connect(settings.database.url.get_secret_value()) as conn:
        write_export(conn, xml, '3.7', Kind.STATIC, 'xml', schemas=schemas_dir() / 'datex2')
    assert list(xsd_37().iter_errors(xml.getvalue().decode())) == []

"""BNetzA Excel upload over real HTTP (spec/sources.md §5.3): the raw workbook is landed for the
bnetza_excel sensor, which starts a static run with it (the predecessor's task crashed here)."""

from __future__ import annotations

import gzip
import os

import dagster as dg
import pytest

from ocpdb_pipelines.definitions import build_definitions
from ocpdb_pipelines.defs.resources import OcpdbConfig
from tests.fixtures_dir import fixture_bytes
from tests.push.conftest import BNETZA_AUTH

URL = '/api/server/v1/bnetza/'
WORKBOOK = fixture_bytes('bnetza', 'ladesaeulenregister_extract.xlsx')


def _pending(server):
    return server.landing.pending('bnetza_excel', 'static')


def test_upload_is_landed_then_200_empty(server):
    with server.client(auth=BNETZA_AUTH) as client:
        response = client.post(URL, content=WORKBOOK, headers={'Content-Type': 'application/octet-stream'})
    assert response.status_code == 200
    assert response.content == b''
    assert response.headers['content-type'] == 'application/json'
    (landed,) = _pending(server)
    assert landed.body == WORKBOOK
    assert landed.meta['upload'].endswith('.xlsx')


def test_gzip_upload(server):
    with server.client(auth=BNETZA_AUTH) as client:
        response = client.post(URL, content=gzip.compress(WORKBOOK), headers={'Content-Encoding': 'gzip'})
    assert response.status_code == 200
    assert [p.body for p in _pending(server)] == [WORKBOOK]


@pytest.mark.parametrize(
    ('body', 'message'), [(b'', 'no import file'), (b'%PDF-1.4', 'the import file is not an XLSX workbook')]
)
def test_empty_or_foreign_upload_is_400(server, body, message):
    with server.client(auth=BNETZA_AUTH) as client:
        response = client.post(URL, content=body)
    assert response.status_code == 400
    assert response.json()['error']['message'] == message
    assert _pending(server) == []


def test_uploaded_workbook_is_imported_by_the_sensor_run(server, db, monkeypatch):
    with server.client(auth=BNETZA_AUTH) as client:
        assert client.post(URL, content=WORKBOOK).status_code == 200
    settings = server.settings.with_values(sources={'bnetza_excel': {}})
    monkeypatch.setenv('OCPDB_CONFIG', os.devnull)
    monkeypatch.setenv('DATABASE_URL', settings.database.url.get_secret_value())
    monkeypatch.setenv('OCPDB_LANDING__DIR', settings.landing.dir)
    monkeypatch.setenv('OCPDB_ARCHIVE__DIR', settings.archive.dir)
    definitions = build_definitions(settings)
    repository = definitions.get_repository_def()
    resources = {'ocpdb': OcpdbConfig(database_url=settings.database.url.get_secret_value())}
    with (
        dg.instance_for_test() as instance,
        dg.build_sensor_context(
            instance=instance, instance_ref=instance.get_ref(), resources=resources, repository_def=repository
        ) as context,
    ):
        tick = repository.get_sensor_def('bnetza_excel_sensor').evaluate_tick(context)
        (request,) = tick.run_requests
        (partitions,) = tick.dynamic_partitions_requests
        instance.add_dynamic_partitions(partitions.partitions_def_name, list(partitions.partition_keys))
        asset = next(a for a in definitions.assets if dg.AssetKey(['source', 'bnetza_excel']) in a.keys)
        result = dg.materialize(
            [asset],
            instance=instance,
            partition_key=request.partition_key,
            resources=resources,
            run_config=request.run_config,
        )
    assert result.success
    count = db.execute("SELECT count(*) AS n FROM location WHERE source = 'bnetza_excel'").fetchone()['n']
    assert count > 0
    assert _pending(server) == []  # removed after the run applied it

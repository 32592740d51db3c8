"""`/api/public/v1/dumps`: the index, the files with ETag, 304, HTTP Range; unknown names are 404, never 500."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ocpdb_api.app import create_app
from ocpdb_api.settings import ApiSettings
from ocpdb_pipelines.imports import run_static
from ocpdb_pipelines.products.dumps.write import PARQUET, write_generation
from ocpdb_pipelines.sources.base import Page
from tests.fixtures_dir import fixture_bytes

INDEX = '/api/public/v1/dumps'


@pytest.fixture
def dumped(settings, db):
    run_static(settings, 'bnetza_api', replay_pages=[Page(fixture_bytes('bnetza', 'bnetza_api_chargepoints.json'))])
    api = ApiSettings.from_settings(settings, version_ttl_seconds=0.0, pool_min_size=1, pool_max_size=2)
    return api, write_generation(settings.database.url.get_secret_value(), Path(api.dumps_dir))


@pytest.fixture
def client(dumped) -> Iterator[TestClient]:
    with TestClient(create_app(dumped[0])) as c:
        yield c


def test_index_lists_every_file_with_checksum_and_licence(client, dumped):
    _, report = dumped
    body = client.get(INDEX).json()
    assert body['generation'] == report.generation
    assert body['locations'] == 721
    files = {f['name']: f for f in body['files']}
    assert set(files) == set(report.files)
    parquet = files[PARQUET]
    assert parquet['format'] == 'geoparquet'
    assert parquet['size'] == report.files[PARQUET]
    assert parquet['url'].endswith(f'/api/public/v1/dumps/{report.generation}/{PARQUET}')
    assert parquet['licences'] == [{'licence': 'CC BY 4.0', 'sources': ['bnetza_api']}]
    assert parquet['generated_at'] == body['generated_at']


def test_file_etag_304_and_range(client, dumped):
    _, report = dumped
    path = f'{INDEX}/{report.generation}/{PARQUET}'
    whole = client.get(path)
    assert whole.status_code == 200
    body = (report.path / PARQUET).read_bytes()
    assert whole.content == body
    assert whole.headers['etag'] == f'"{hashlib.sha256(body).hexdigest()}"'
    assert whole.headers['content-type'] == 'application/vnd.apache.parquet'
    assert whole.headers['accept-ranges'] == 'bytes'
    assert client.get(path, headers={'if-none-match': whole.headers['etag']}).status_code == 304
    part = client.get(path, headers={'range': 'bytes=4-11'})
    assert part.status_code == 206
    assert part.content == body[4:12]
    assert part.headers['content-range'] == f'bytes 4-11/{len(body)}'
    # resuming against the same ETag with If-Range gets the rest; a stale one gets the whole file
    rest = client.get(path, headers={'range': 'bytes=100-', 'if-range': whole.headers['etag']})
    assert (rest.status_code, rest.content) == (206, body[100:])
    stale = client.get(path, headers={'range': 'bytes=100-', 'if-range': '"stale"'})
    assert (stale.status_code, stale.content) == (200, body)
    assert client.get(f'{INDEX}/latest/{PARQUET}').content == body


@pytest.mark.parametrize(
    'path',
    [
        f'{INDEX}/20990101T000000Z/{PARQUET}',
        f'{INDEX}/latest/manifest.json',
        f'{INDEX}/latest/..%2F..%2Fetc%2Fpasswd',
        f'{INDEX}/..%2F/{PARQUET}',
        f'{INDEX}/latest/nothing.csv',
    ],
)
def test_unknown_files_are_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()['error']['code'] == 'not_found'


def test_no_dump_yet_is_404(settings, db, tmp_path):
    api = ApiSettings.from_settings(settings, pool_min_size=1, pool_max_size=2, dumps_dir=str(tmp_path / 'none'))
    with TestClient(create_app(api)) as c:
        response = c.get(INDEX)
    assert response.status_code == 404
    assert response.json()['error']['message'] == 'no dump has been generated yet'

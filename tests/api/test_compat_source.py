"""The compat `source` object and its OpenAPI schema come from the column catalogue; the object is the one the
hand-written key list gave, byte for byte, for sources imported from recorded payloads."""

from __future__ import annotations

from typing import Any

import jsonschema
import orjson

from ocpdb_api.render import compat
from ocpdb_api.render.common import ts
from ocpdb_pipelines.imports import run_realtime, run_static
from ocpdb_pipelines.sources.base import Page
from tests.fixtures_dir import fixture_bytes

# the predecessor's source object as the renderer listed it by hand before the catalogue did
LISTED_KEYS = [
    'id', 'created', 'modified', 'uid', 'name', 'public_url', 'static_data_updated_at', 'realtime_data_updated_at',
    'attribution_license', 'attribution_contributor', 'attribution_url', 'static_status', 'realtime_status',
    'static_error_count', 'realtime_error_count',
]  # fmt: skip


def _listed(row: dict[str, Any]) -> dict[str, Any]:
    return {k: ts(row[k]) if hasattr(row[k], 'astimezone') else row[k] for k in LISTED_KEYS}


def test_source_objects_are_those_of_the_listed_keys_byte_for_byte(settings, client, db):
    run_static(settings, 'opendata_swiss', replay_pages=[Page(body=fixture_bytes('opendata_swiss', 'static.json'))])
    run_realtime(settings, 'opendata_swiss', replay_pages=[Page(body=fixture_bytes('opendata_swiss', 'realtime.json'))])
    run_static(
        settings,
        'chargecloud_stuttgart',
        replay_pages=[Page(body=fixture_bytes('chargecloud', 'stuttgart_public.json'))],
    )
    rows = db.execute('SELECT * FROM source ORDER BY uid').fetchall()
    assert [r['uid'] for r in rows] == ['chargecloud_stuttgart', 'opendata_swiss']
    assert rows[1]['realtime_data_updated_at'] is not None  # timestamps, statuses and nulls all take part
    for row in rows:
        assert orjson.dumps(compat.source(row)) == orjson.dumps(_listed(row))

    served = client.get('/api/public/v1/sources', params={'limit': 10}).json()['items']
    assert served == [orjson.loads(orjson.dumps(_listed(row))) for row in rows]
    assert [list(item) for item in served] == [LISTED_KEYS] * len(rows)

    document = client.get('/documentation/public.json').json()
    schema = document['components']['schemas']['Source']
    assert list(schema['properties']) == LISTED_KEYS
    for item in served:
        jsonschema.validate(item, schema)

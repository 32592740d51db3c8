"""Schemathesis over the whole OpenAPI document against a live server: no input may produce a 500."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from ocpdb_api import openapi
from ocpdb_api.settings import ApiSettings
from ocpdb_pipelines.config import load_settings
from tests.api import builder as build
from tests.api.live import serve
from tests.conftest import worker_redis_url

MAX_EXAMPLES = int(os.environ.get('OCPDB_FUZZ_EXAMPLES', '25'))
schema = schemathesis.openapi.from_dict(openapi.document('http://127.0.0.1'))


@pytest.fixture(scope='module')
def fuzz_server(database_url):
    """One server for the module, over the predecessor dataset plus tariffs and images."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True, row_factory=psycopg.rows.dict_row) as db:
        tables = [r['tablename'] for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        keep = {'schema_migrations', 'spatial_ref_sys', 'data_version'}
        db.execute('TRUNCATE ' + ', '.join(f'"{t}"' for t in tables if t not in keep) + ' RESTART IDENTITY CASCADE')
        ids = build.predecessor_dataset(db)
        tariff = build.tariff(db, elements=[{'price_components': [{'type': 'ENERGY', 'price': 0.39}]}])
        build.link_evse_tariff(db, ids['evses'][0], build.association(db, tariff))
        img = build.image(db, 'https://img.example/x.jpg', type='jpg', category='CHARGER')
        db.execute('INSERT INTO evse_image VALUES (%s, %s)', (ids['evses'][0], img))
    base = load_settings(
        config_file=os.devnull,
        environ={'DATABASE_URL': database_url, 'REDIS_URL': worker_redis_url()},
    )
    with serve(ApiSettings.from_settings(base, version_ttl_seconds=0.0, pool_min_size=1, pool_max_size=4)) as url:
        yield url


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_input_gives_a_server_error(case, fuzz_server):
    response = case.call(base_url=fuzz_server, timeout=30)
    assert response.status_code < 500, (response.status_code, response.text[:500])
    case.validate_response(
        response,
        checks=[not_a_server_error, content_type_conformance, response_schema_conformance],
    )

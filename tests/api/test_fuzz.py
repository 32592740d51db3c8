"""Schemathesis over the whole OpenAPI document against a live server, with every check (`--checks all`).

Positive and negative generation; every built-in check of schemathesis runs on every response. One of
them is refined, not dropped: `positive_data_acceptance` expects schema-valid requests to succeed, but some
rules between parameters cannot be written in JSON Schema (lat/lon/radius together, lat_min <= lat_max,
x/y below 2^z, date_from <= date_to). The document states them (operation description and
`x-parameter-rules`); a 400 is accepted for a schema-valid request only when the request really breaks
one of those stated rules and the error names it. Anything else goes to the built-in check unchanged.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any

import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.specs.openapi.checks import positive_data_acceptance

from ocpdb_api.routes import openapi, statistics
from ocpdb_api.settings import ApiSettings
from ocpdb_pipelines.config import load_settings
from tests.api import builder as build
from tests.api.live import serve
from tests.conftest import worker_redis_url

MAX_EXAMPLES = int(os.environ.get('OCPDB_FUZZ_EXAMPLES', '25'))
schema = schemathesis.openapi.from_dict(openapi.document('http://127.0.0.1'))
load_all_checks()


def _present(query: dict[str, Any], name: str) -> bool:
    return query.get(name) not in (None, '')


def _number(value: Any) -> float:
    return float(value if not isinstance(value, list) else value[0])


def _breaks(rule: dict[str, Any], case: Any) -> bool:
    """Whether the case's parameters really break this stated rule."""
    query = dict(case.query or {})
    names = rule['parameters']
    if names == openapi.RADIUS_RULE['parameters']:
        return 0 < sum(_present(query, n) for n in names) < 3
    if names == openapi.BBOX_RULE['parameters']:
        return all(_present(query, n) for n in names) and _number(query['lat_min']) > _number(query['lat_max'])
    if names == openapi.TILE_RULE['parameters']:
        path = case.path_parameters or {}
        z = int(path['z'])
        return int(path['x']) >= 2**z or int(path['y']) >= 2**z
    if names == statistics.DATE_RULE['parameters']:
        # decidable from the request when both days are given; a defaulted day is the latest computed one,
        # and the fuzz database has none (then the answer is 404, not 400)
        if not all(_present(query, n) for n in names):
            return False
        try:
            first, last = (date.fromisoformat(str(query[n])) for n in names)
        except ValueError:
            return False
        return first > last or last - first > timedelta(days=statistics.MAX_DAYS)
    return False


def _cited(body: dict[str, Any]) -> set[str]:
    """Parameters (or the radius rule) an error body names: compat error, or the OCPI envelope's message."""
    data = (body.get('error') or {}).get('data') or {}
    names = set(data.get('field_errors') or {})
    if data.get('code') == 'post_validation_errors':
        names |= set(openapi.RADIUS_RULE['parameters'])
    message = body.get('status_message') or ''
    if message.startswith('Invalid or missing parameter: '):
        names.add(message.rsplit(' ', 1)[-1])
    return names


@schemathesis.check
def positive_data_acceptance_but_stated_rules(ctx, response, case):
    if response.status_code == 400 and case.meta is not None and case.meta.generation.mode.is_positive:
        rules = case.operation.definition.raw.get('x-parameter-rules') or []
        try:
            cited = _cited(orjson.loads(response.content))
        except orjson.JSONDecodeError:
            cited = set()
        if any(_breaks(rule, case) and cited & set(rule['parameters']) for rule in rules):
            return None
    return positive_data_acceptance(ctx, response, case)


# every registered check, the refined acceptance check (registered above) in place of the built-in one
ALL_CHECKS = [check for check in CHECKS.get_all() if check is not positive_data_acceptance]
assert positive_data_acceptance_but_stated_rules in ALL_CHECKS


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
def test_every_check_holds(case, fuzz_server):
    response = case.call(base_url=fuzz_server, timeout=30)
    assert response.status_code < 500, (response.status_code, response.text[:500])
    case.validate_response(response, checks=ALL_CHECKS)

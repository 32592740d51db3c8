"""The compat location items PostgreSQL builds (queries/location_json.py) are byte for byte what the Python
renderer (render/compat.location_22 over queries/trees.py) makes of the same rows, strict and not: for every
location of the static and realtime fixtures, and for hand-made rows with what the fixtures lack (images,
tariffs, integral floats, bit masks, falsy opening hours, every business)."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime

import orjson
import psycopg
import pytest
from psycopg.rows import dict_row

from ocpdb_api.queries import location_json, trees
from ocpdb_api.render import compat as shapes
from ocpdb_pipelines.config import load_settings
from ocpdb_pipelines.imports import run_realtime, run_static
from ocpdb_pipelines.sources.base import Page
from tests.api import builder as build
from tests.api.test_ocpi221_fixtures import REALTIME, STATIC
from tests.conftest import KEEP_TABLES, worker_redis_url
from tests.fixtures_dir import fixture_bytes

BASE = 'http://api.example/images'


def _hand_made(db) -> None:
    build.source(db, 'SOURCE-H')
    op, ow, so = build.business(db, 'Op', website='https://op.example'), build.business(db, 'Ow'), None
    so = build.business(db, 'Sub', emobility_uid='DE*SUB')
    loc = build.location(
        db, 'H1', 'SOURCE-H', operator_id=op, owner_id=ow, suboperator_id=so, max_power_unit='KW',
        max_power_value=22.0, regular_hours=orjson.dumps([]).decode(), exceptional_openings='{}',
        twentyfourseven=False, directions='[{"language": "de", "text": null}]', lat=48, lon=9,
        official_region_code='081110000000', facilities=['HOTEL', 'CAFE'],
    )  # fmt: skip
    build.location(db, 'H2', 'SOURCE-H', twentyfourseven=None, max_power_value=7.5, lat=47.1234567)
    cs = build.station(db, loc, 'CS-H', capabilities=4096 + 256 + 1, lat=48.5, lon=9, directions='[]')
    e1 = build.evse(db, cs, 'E-H1', max_reservation=15.0, parking_restrictions=1 + 64, related_resources='[]')
    e2 = build.evse(db, cs, 'E-H2', max_reservation=0.25, status='CHARGING')
    c1 = build.connector(db, e1, 'C1', standard='IEC_62196_T2', format='SOCKET', power_type='AC_3_PHASE')
    build.connector(db, e2, 'C2', standard='CHADEMO', format='CABLE', power_type='DC', max_electric_power=50000)
    t1, t2 = build.tariff(db, 'T-1', 'SOURCE-H'), build.tariff(db, 'T-2', 'SOURCE-H')
    a1, a2 = build.association(db, t1, 'TA-1', 'SOURCE-H'), build.association(db, t2, 'TA-2', 'SOURCE-H')
    a3 = build.association(db, t1, 'TA-3', 'SOURCE-H')
    build.link_connector_tariff(db, c1, a2)
    build.link_connector_tariff(db, c1, a1)
    build.link_connector_tariff(db, c1, a3)  # T-1 a second time: listed once
    build.link_evse_tariff(db, e2, a1)  # C2 inherits its EVSE's
    stamp = datetime(2025, 3, 1, 12, 30, 15, 999999, tzinfo=UTC)
    for table, owner, owner_id, kw in (
        ('evse_image', 'evse_id', e1, {'type': 'png', 'width': 10, 'height': 20, 'last_download': stamp}),
        ('evse_image', 'evse_id', e1, {'type': ''}),
        ('charging_station_image', 'charging_station_id', cs, {'type': 'jpg'}),
    ):
        image = build.image(db, f'https://img.example/{table}-{owner_id}-{kw["type"]}', category='LOCATION', **kw)
        db.execute(f'INSERT INTO {table} ({owner}, image_id) VALUES (%s, %s)', (owner_id, image))


@pytest.fixture(scope='module')
def location_ids(database_url, tmp_path_factory) -> list[int]:
    with psycopg.connect(database_url, autocommit=True) as db:
        tables = [r[0] for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        db.execute(
            'TRUNCATE ' + ', '.join(f'"{t}"' for t in tables if t not in KEEP_TABLES) + ' RESTART IDENTITY CASCADE'
        )
    tmp = tmp_path_factory.mktemp('location-json')
    env = {'DATABASE_URL': database_url, 'REDIS_URL': worker_redis_url()}
    env |= {f'OCPDB_{k}_DIR': str(tmp / k.lower()) for k in ('DATA', 'RAW_ARCHIVE', 'LANDING', 'EXPORT')}
    settings = load_settings(config_file=os.devnull, environ=env)
    for uid, folder, *files in STATIC:
        run_static(settings, uid, replay_pages=[Page(body=fixture_bytes(folder, name)) for name in files])
    for uid, folder, name in REALTIME:
        run_realtime(settings, uid, replay_pages=[Page(body=fixture_bytes(folder, name))])
    with psycopg.connect(database_url, autocommit=True) as db:
        _hand_made(db)
        return [r[0] for r in db.execute('SELECT id FROM location ORDER BY id')]


async def _both(url: str, ids: list[int], strict: bool) -> tuple[bytes, bytes]:
    ctx = shapes.Ctx(strict, BASE)
    async with await psycopg.AsyncConnection.connect(url, row_factory=dict_row, autocommit=True) as conn:
        python = [shapes.location_22(r, ctx) for r in await trees.locations(conn, ids)]
        database = await location_json.location_items(conn, ids, strict=strict, image_base=BASE)
    return orjson.dumps(python), orjson.dumps(database)


@pytest.mark.parametrize('strict', [False, True])
def test_items_equal_the_renderer_byte_for_byte(database_url, location_ids, strict):
    assert len(location_ids) > 1000
    for start in range(0, len(location_ids), 500):
        page = location_ids[start : start + 500]
        python, database = asyncio.run(_both(database_url, page, strict))
        if python != database:  # name the first object that differs
            for a, b in zip(orjson.loads(python), orjson.loads(database), strict=True):
                assert orjson.dumps(b) == orjson.dumps(a), a.get('id')
        assert python == database


def test_order_and_missing_ids(database_url, location_ids):
    ids = [location_ids[5], 10**12, location_ids[0], location_ids[-1]]
    python, database = asyncio.run(_both(database_url, ids, False))
    assert python == database
    assert [x['id'] for x in orjson.loads(database)] == [str(location_ids[i]) for i in (5, 0, -1)]
    assert asyncio.run(_both(database_url, [], False)) == (b'[]', b'[]')

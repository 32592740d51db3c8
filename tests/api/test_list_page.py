"""The list-page items (render/list_page.py over queries/list_page.py) are byte for byte what the renderers
(render/compat.location_22 and render/ocpi221.location over queries/trees.py) make of the same locations,
strict and not: for every location of the static and realtime fixtures, and for hand-made rows with what the
fixtures lack (images, tariffs, integral floats, bit masks, falsy opening hours, every business), in pages of
500 as the endpoints load them; and the endpoints serve these items."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import orjson
import psycopg
import pytest
from psycopg.rows import dict_row
from starlette.testclient import TestClient

from ocpdb_api.app import create_app
from ocpdb_api.queries import list_page, trees
from ocpdb_api.render import compat as shapes
from ocpdb_api.render import list_page as fast
from ocpdb_api.render import ocpi221
from ocpdb_api.settings import ApiSettings
from tests.api import builder as build
from tests.api.fixture_imports import import_every_fixture
from tests.conftest import settings_on, worker_redis_url

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
    import_every_fixture(database_url, tmp_path_factory.mktemp('location-json'))
    with psycopg.connect(database_url, autocommit=True) as db:
        _hand_made(db)
        return [r[0] for r in db.execute('SELECT id FROM location ORDER BY id')]


async def _both(url: str, ids: list[int], shape: str, base: str = BASE) -> tuple[bytes, bytes]:
    """(renderer over trees.locations, list-page path) for one shape: v1 (the compat location_22), v1-strict,
    ocpi221."""
    async with await psycopg.AsyncConnection.connect(url, row_factory=dict_row, autocommit=True) as conn:
        rows = await trees.locations(conn, ids)
        page = await list_page.fetch(conn, ids)
    if shape == 'ocpi221':
        current = [ocpi221.location(r, base) for r in rows]
        new = [fast.location_221(r, page, base) for r in page.locations]
    else:
        ctx = shapes.Ctx(shape == 'v1-strict', base)
        current = [shapes.location_22(r, ctx) for r in rows]
        new = [fast.location_22(r, page, base, ctx.strict) for r in page.locations]
    return orjson.dumps(current), orjson.dumps(new)


SHAPES = ['v1', 'v1-strict', 'ocpi221']


@pytest.mark.parametrize('shape', SHAPES)
def test_items_equal_the_renderers_byte_for_byte(database_url, location_ids, shape):
    assert len(location_ids) > 1000
    for start in range(0, len(location_ids), 500):
        page = location_ids[start : start + 500]
        current, new = asyncio.run(_both(database_url, page, shape))
        if current != new:  # name the first object that differs
            for a, b in zip(orjson.loads(current), orjson.loads(new), strict=True):
                assert orjson.dumps(b) == orjson.dumps(a), a.get('id')
        assert current == new


@pytest.mark.parametrize('shape', SHAPES)
def test_order_and_missing_ids(database_url, location_ids, shape):
    ids = [location_ids[5], 10**12, location_ids[0], location_ids[-1]]
    current, new = asyncio.run(_both(database_url, ids, shape))
    assert current == new
    assert [x['id'] for x in orjson.loads(new)] == [str(location_ids[i]) for i in (5, 0, -1)]
    assert asyncio.run(_both(database_url, [], shape)) == (b'[]', b'[]')


@pytest.mark.parametrize(
    ('path', 'key', 'shape'),
    [
        ('/api/public/v1/locations?limit=1000', 'items', 'v1'),
        ('/api/public/ocpi/2.2/locations?strict=true&limit=1000', 'items', 'v1-strict'),
        ('/ocpi/2.2.1/locations?limit=1000', 'data', 'ocpi221'),
    ],
)
def test_the_list_endpoints_serve_them(database_url, location_ids, tmp_path, path, key, shape):
    """Through the app (one page of 1000): the items equal the renderers' over the same ids."""
    settings = settings_on(database_url, worker_redis_url(), tmp_path)
    api_settings = ApiSettings.from_settings(settings, version_ttl_seconds=0.0, pool_min_size=1, pool_max_size=4)
    with TestClient(create_app(api_settings)) as client:
        body = client.get(path).json()[key]
        image_base = api_settings.base_url + api_settings.public_image_path.rstrip('/')
    ids = [int(x['id']) for x in body]
    assert ids == location_ids[:1000]
    current, _ = asyncio.run(_both(database_url, ids, shape, image_base))
    assert orjson.dumps(body) == current

"""The list pages' item cache (ocpdb_api/itemcache.py, routes/list_items.py): a cached item is served only while
every row it was rendered from is unchanged; a change in any of them shows on the next page, byte for byte
what rendering the rows again gives; a change elsewhere keeps an item cached; a Redis outage or a cache
turned off costs only the cache."""

from __future__ import annotations

import asyncio
import re

import orjson
import psycopg
import pytest
from psycopg.rows import dict_row
from starlette.testclient import TestClient

from ocpdb_api.app import create_app
from ocpdb_api.queries import list_page
from ocpdb_api.render import list_page as fast
from ocpdb_api.routes import list_items
from tests.api import builder as build

V1 = '/api/public/v1/locations?limit=1000'
STRICT = '/api/public/ocpi/2.2/locations?strict=true&limit=1000'
OCPI = '/ocpi/2.2.1/locations?limit=1000'
PATHS = [(V1, 'items', 'v1'), (STRICT, 'items', 'v1-strict'), (OCPI, 'data', 'ocpi221')]


def _dataset(db) -> dict[str, int]:
    """Two locations with every kind of row a list item is rendered from, one more with nothing under it."""
    build.source(db, 'S')
    op = build.business(db, 'Op')
    ids = {'op': op}
    for n in (1, 2):
        loc = build.location(db, f'L{n}', 'S', operator_id=op, lat=48 + n, lon=9)
        cs = build.station(db, loc, f'CS{n}', capabilities=1)
        e = build.evse(db, cs, f'E{n}')
        c = build.connector(db, e, f'C{n}')
        t = build.tariff(db, f'T{n}', 'S')
        a = build.association(db, t, f'TA{n}', 'S')
        build.link_connector_tariff(db, c, a)
        build.connector(db, e, f'D{n}', standard='CHADEMO')  # no tariff of its own: inherits the EVSE's
        # the EVSE's own tariff (another one), which C inherits too once its own is gone
        build.link_evse_tariff(db, e, build.association(db, build.tariff(db, f'U{n}', 'S'), f'UA{n}', 'S'))
        image = build.image(db, f'https://img.example/{n}.png', category='CHARGER', type='png')
        db.execute('INSERT INTO evse_image (evse_id, image_id) VALUES (%s, %s)', (e, image))
        ids.update({f'loc{n}': loc, f'cs{n}': cs, f'e{n}': e, f'c{n}': c, f't{n}': t, f'a{n}': a, f'i{n}': image})
    ids['loc3'] = build.location(db, 'L3', 'S', lat=47, lon=9)
    return ids


def _cache(client: TestClient):
    return list_items.item_cache_of(client.app.state.resources)


async def _rendered(url: str, ids: list[int], shape: str, base: str) -> list[bytes]:
    """Each item rendered from the rows as they are now (no cache)."""
    async with await psycopg.AsyncConnection.connect(url, row_factory=dict_row, autocommit=True) as conn:
        page = await list_page.fetch(conn, ids)
    if shape == 'ocpi221':
        return [orjson.dumps(fast.location_221(r, page, base)) for r in page.locations]
    return [orjson.dumps(fast.location_22(r, page, base, shape == 'v1-strict')) for r in page.locations]


def _items(client: TestClient, path: str, key: str) -> list[bytes]:
    r = client.get(path)
    assert r.status_code == 200
    return [orjson.dumps(x) for x in orjson.loads(r.content)[key]]


def _base(api_settings) -> str:
    return api_settings.base_url + api_settings.public_image_path.rstrip('/')


def test_every_relation_the_page_reads_is_in_the_stamp(db):
    """A relation the page queries read but the stamp leaves out would serve stale items after a change."""
    listed = db.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
    tables = {r['table_name'] for r in listed}
    named = re.compile(r'\b(?:FROM|JOIN)\s+([a-z_]+)')
    read = {t for q in list_page.QUERIES for t in named.findall(q)} & tables
    assert {'location', 'business', 'charging_station', 'evse', 'connector', 'tariff', 'image'} <= read
    assert read <= set(named.findall(list_page.STAMPS))


MUTATIONS = {
    'location': "UPDATE location SET name = 'renamed' WHERE id = %(loc1)s",
    'business': "UPDATE business SET name = 'Op renamed' WHERE id = %(op)s",
    'station': 'UPDATE charging_station SET capabilities = 4097 WHERE id = %(cs1)s',
    'station added': """WITH s AS (INSERT INTO charging_station (location_id, uid, last_updated)
                                     VALUES (%(loc1)s, 'CS1b', now()) RETURNING id)
                         INSERT INTO evse (charging_station_id, uid, evse_id, status, last_updated)
                         SELECT id, 'E1b', 'EVSE-1b', 'AVAILABLE', now() FROM s""",
    'evse status (HOT)': "UPDATE evse SET status = 'CHARGING' WHERE id = %(e1)s",
    'evse deleted': 'DELETE FROM evse WHERE id = %(e1)s',
    'connector': 'UPDATE connector SET max_electric_power = 11000 WHERE id = %(c1)s',
    'tariff uid': "UPDATE tariff SET uid = 'T1-renamed' WHERE id = %(t1)s",
    'connector tariff linked': 'INSERT INTO connector_tariff_association VALUES (%(c1)s, %(a2)s)',
    'evse tariff linked': 'INSERT INTO evse_tariff_association VALUES (%(e1)s, %(a2)s)',
    'inherited tariff': 'DELETE FROM connector_tariff_association WHERE connector_id = %(c1)s',
    'tariff association': 'UPDATE tariff_association SET tariff_id = %(t2)s WHERE id = %(a1)s',
    'image': 'UPDATE image SET width = 640, height = 480 WHERE id = %(i1)s',
    'image unlinked': 'DELETE FROM evse_image WHERE evse_id = %(e1)s',
}


@pytest.mark.parametrize('mutation', MUTATIONS)
def test_a_change_in_any_rendered_row_shows_on_the_next_page(db, db_url, client, api_settings, mutation):
    """Every shape cached, one row changed: every page equals rendering the rows again, the other location's
    item is untouched (but where the change is shared), and the change shows in at least one shape."""
    ids = _dataset(db)
    base = _base(api_settings)
    first = {shape: _items(client, path, key) for path, key, shape in PATHS}
    cache = _cache(client)
    hits = cache.hits
    assert {shape: _items(client, path, key) for path, key, shape in PATHS} == first  # from the cache
    assert cache.hits == hits + 9
    db.execute(MUTATIONS[mutation], ids)
    order = [ids['loc1'], ids['loc2'], ids['loc3']]
    shown = []
    for path, key, shape in PATHS:
        after = _items(client, path, key)
        assert after == asyncio.run(_rendered(db_url, order, shape, base)), shape
        if mutation != 'business':  # L1 and L2 share the operator
            assert after[1:] == first[shape][1:]
        shown.append(after[0] != first[shape][0])
    assert any(shown), 'the mutation must change what L1 renders to, or it proves nothing'


def test_a_status_change_elsewhere_keeps_the_other_items(db, client):
    ids = _dataset(db)
    _items(client, V1, 'items')
    cache = _cache(client)
    hits, misses = cache.hits, cache.misses
    db.execute("UPDATE evse SET status = 'CHARGING' WHERE id = %s", (ids['e2'],))
    _items(client, V1, 'items')
    assert (cache.hits - hits, cache.misses - misses) == (2, 1)  # only L2 was rendered again


def test_a_write_between_stamps_and_rows_is_never_served_as_current(db, db_url, client, api_settings, monkeypatch):
    """The rows of a miss are read after its stamp: an item rendered from rows newer than the stamp it is stored
    under is a miss next time, never a stale hit."""
    ids = _dataset(db)
    stamps = list_page.stamps

    async def write_in_between(conn, wanted):
        found = await stamps(conn, wanted)
        with psycopg.connect(db_url, autocommit=True) as other:
            other.execute("UPDATE location SET name = 'in between' WHERE id = %s", (ids['loc1'],))
        return found

    monkeypatch.setattr(list_page, 'stamps', write_in_between)
    served = _items(client, V1, 'items')
    monkeypatch.setattr(list_page, 'stamps', stamps)
    assert orjson.loads(served[0])['name'] == 'in between'  # the rows were read after the stamps
    db.execute("UPDATE location SET name = 'renamed again' WHERE id = %s", (ids['loc1'],))
    assert orjson.loads(_items(client, V1, 'items')[0])['name'] == 'renamed again'
    again = _items(client, V1, 'items')
    assert again == asyncio.run(_rendered(db_url, [ids['loc1'], ids['loc2'], ids['loc3']], 'v1', _base(api_settings)))


@pytest.mark.parametrize('override', [{'redis_url': 'redis://127.0.0.1:1/0'}, {'list_item_cache_seconds': 0}])
def test_without_the_cache_the_pages_are_the_same(db, db_url, api_settings, override):
    """Redis unreachable (every read and write fails) or the cache turned off: the same bytes, no error."""
    _dataset(db)
    with TestClient(create_app(api_settings)) as client:
        cached = {path: _items(client, path, key) for path, key, _ in PATHS}
    settings = api_settings.__class__(**{**api_settings.__dict__, **override})
    with TestClient(create_app(settings)) as client:
        for path, key, _ in PATHS:
            assert _items(client, path, key) == cached[path]
        if 'redis_url' in override:
            assert _cache(client).hits == 0
        else:
            assert _cache(client) is None


def test_items_of_different_shapes_and_hosts_never_mix(db, api_settings):
    """The key scope holds the shape, `strict` and the image base URL (here from a trusted proxy's host)."""
    _dataset(db)
    with TestClient(create_app(api_settings), client=('127.0.0.1', 40000)) as client:
        pages = {path: b''.join(_items(client, path, key)) for path, key, _ in PATHS}
        proxied = client.get(V1, headers={'X-Forwarded-Host': 'other.example'}).content
        assert b'other.example' in proxied
        assert b'other.example' not in client.get(V1).content
        assert {path: b''.join(_items(client, path, key)) for path, key, _ in PATHS} == pages
    assert len(set(pages.values())) == 3


def test_metrics_count_hits_and_misses(db, client):
    _dataset(db)
    _items(client, V1, 'items')
    _items(client, V1, 'items')
    body = client.get('/metrics').text
    assert 'ocpdb_list_items_total{result="hit"} 3.0' in body
    assert 'ocpdb_list_items_total{result="miss"} 3.0' in body


def test_vacuum_full_and_freeze_keep_the_items(db, client):
    """Maintenance rewrites rows but keeps their xmin (frozen rows keep it too): no re-render after it."""
    _dataset(db)
    first = _items(client, V1, 'items')
    db.execute('VACUUM (FULL, FREEZE) location, charging_station, evse, connector, business')
    cache = _cache(client)
    hits = cache.hits
    assert _items(client, V1, 'items') == first
    assert cache.hits == hits + 3

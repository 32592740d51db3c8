"""Tile freshness under churn: a live change only invalidates the tiles it touches (at once from the exact
zoom, within the staleness bound below it), static changes invalidate everything at once, ETags follow
content, Redis holds one entry per tile, and concurrent misses share one computation."""

from __future__ import annotations

import asyncio
import time

import redis

from ocpdb_api.freshness import LiveAreas, Versions
from ocpdb_api.tilecache import TileCache, TilePolicy
from ocpdb_pipelines.model.updates import EvseRealtimeUpdate
from ocpdb_pipelines.sources.registry import SourceSpec
from ocpdb_pipelines.store.realtime import apply_realtime
from tests.api import builder as build
from tests.api.test_tiles import decode, tile_of
from tests.churn.conftest import MAX_STALE

SPEC = SourceSpec(uid='SOURCE-1', name='SOURCE-1', family='ocpi')
BERLIN = (52.52003, 13.40489)
MUNICH = (48.13743, 11.57549)


def _two_cities(db) -> dict[str, int]:
    """One location with two EVSEs in Berlin, one in Munich, both of SOURCE-1."""
    build.source(db, 'SOURCE-1')
    ids = {}
    for city, (lat, lon) in (('berlin', BERLIN), ('munich', MUNICH)):
        loc = build.location(db, f'LOC-{city}', 'SOURCE-1', lat=lat, lon=lon)
        cs = build.station(db, loc, f'CS-{city}')
        ids[city] = build.evse(db, cs, f'E-{city}-1', status='AVAILABLE')
        build.evse(db, cs, f'E-{city}-2', status='CHARGING')
    return ids


def _status(db, uid: str, status: str) -> None:
    with db.transaction():
        result = apply_realtime(db, SPEC, [EvseRealtimeUpdate(uid=uid, status=status)])
    assert result.changed == 1


def _get(client, z: int, city: tuple[float, float], **headers):
    x, y = tile_of(*city, z)
    return client.get(f'/tiles/{z}/{x}/{y}.mvt', headers=headers)


def _available(response) -> int:
    layers = decode(response.content)
    if 'chargepoints' in layers:
        return sum(f['properties']['ca'] for f in layers['chargepoints']['features'])
    return sum(f['properties']['ca'] for f in layers['clusters']['features'])


def test_far_away_status_change_keeps_tile_and_etag(db, client):
    _two_cities(db)
    first = _get(client, 14, BERLIN)
    assert first.headers['X-Tile-Cache'] == 'miss'
    assert _get(client, 14, BERLIN).headers['X-Tile-Cache'] == 'hit'
    _status(db, 'E-munich-1', 'CHARGING')
    after = _get(client, 14, BERLIN)
    assert after.headers['X-Tile-Cache'] == 'hit'
    assert after.headers['ETag'] == first.headers['ETag']
    assert _get(client, 14, BERLIN, **{'If-None-Match': first.headers['ETag']}).status_code == 304
    # the Munich tile itself changed at once
    assert _available(_get(client, 14, MUNICH)) == 0


def test_changed_tile_shows_the_change_at_once_from_the_exact_zoom(db, client):
    _two_cities(db)
    for z in (14, 16, 18):
        assert _available(_get(client, z, BERLIN)) == 1
    _status(db, 'E-berlin-1', 'OUTOFORDER')
    for z in (14, 16, 18):
        response = _get(client, z, BERLIN)
        assert response.headers['X-Tile-Cache'] == 'miss'
        assert _available(response) == 0


def test_low_zoom_tile_shows_the_change_within_the_staleness_bound(db, client):
    _two_cities(db)
    first = _get(client, 9, BERLIN)
    assert _available(first) == 1
    _status(db, 'E-berlin-1', 'OUTOFORDER')
    changed_at = time.monotonic()
    seen = None
    while time.monotonic() - changed_at < MAX_STALE + 2:
        response = _get(client, 9, BERLIN)
        if _available(response) == 0:
            seen = time.monotonic() - changed_at
            break
        assert response.headers['X-Tile-Cache'] == 'hit'  # a stale answer only ever comes from the cache
        time.sleep(0.1)
    assert seen is not None  # within the bound (plus the loop's own slack on a loaded machine)
    assert response.headers['ETag'] != first.headers['ETag']


def test_cluster_tile_covering_both_cities_is_refreshed_once_stale(db, client):
    _two_cities(db)
    assert _available(_get(client, 4, MUNICH)) == 2
    _status(db, 'E-munich-1', 'OUTOFORDER')
    time.sleep(MAX_STALE + 0.1)
    assert _available(_get(client, 4, MUNICH)) == 1


def test_static_change_invalidates_at_once(db, client):
    _two_cities(db)
    for z in (5, 9, 14):
        _get(client, z, BERLIN)
        assert _get(client, z, BERLIN).headers['X-Tile-Cache'] == 'hit'
    db.execute("UPDATE evse SET status = 'OUTOFORDER'")
    build.bump_version(db)  # what every static import, match and region run does
    for z in (5, 9, 14):
        response = _get(client, z, BERLIN)
        assert response.headers['X-Tile-Cache'] == 'miss'
        assert _available(response) == 0


def test_etag_follows_content_not_versions(db, client):
    """A change under a tile that leaves its content as it was keeps the ETag: the browser gets a 304."""
    _two_cities(db)
    first = _get(client, 14, BERLIN)
    _status(db, 'E-berlin-2', 'BLOCKED')  # CHARGING -> BLOCKED: neither is counted in a tile property
    again = _get(client, 14, BERLIN, **{'If-None-Match': first.headers['ETag']})
    assert again.headers['X-Tile-Cache'] == 'miss'
    assert again.status_code == 304
    assert again.headers['ETag'] == first.headers['ETag']


def test_redis_holds_one_entry_per_tile_with_a_ttl(db, client, redis_url):
    _two_cities(db)
    _get(client, 14, BERLIN)
    for _ in range(3):
        build.bump_version(db)
        _status(db, 'E-berlin-1', 'CHARGING')
        _status(db, 'E-berlin-1', 'AVAILABLE')
        assert _get(client, 14, BERLIN).headers['X-Tile-Cache'] == 'miss'
    r = redis.Redis.from_url(redis_url)
    keys = r.keys('ocpdb:tile:*')
    assert len(keys) == 1
    assert 0 < r.ttl(keys[0]) <= 300
    # another query is another entry
    x, y = tile_of(*BERLIN, 14)
    client.get(f'/tiles/14/{x}/{y}.mvt?static=true')
    assert len(r.keys('ocpdb:tile:*')) == 2


def test_concurrent_misses_share_one_computation():
    cache = TileCache(None, TilePolicy(max_stale=30, exact_from_zoom=14, ttl_seconds=60))
    versions = Versions(static=1, live=0, areas=LiveAreas())
    renders = 0

    async def render() -> bytes:
        nonlocal renders
        renders += 1
        await asyncio.sleep(0.05)
        return b'tile'

    async def many():
        return await asyncio.gather(*(cache.compute('k', versions, 14, 1, 2, render) for _ in range(20)))

    results = asyncio.run(many())
    assert renders == 1
    assert [rendered for _, rendered in results].count(True) == 1
    assert {entry.body for entry, _ in results} == {b'tile'}


def test_area_margin_reaches_neighbour_tiles():
    """A change in an area next to a tile edge also marks the tile across the edge at every lower zoom
    (the tile functions read 64/4096 of a tile beyond its edge)."""
    areas = LiveAreas(area_zoom=12)
    areas.add(2048, 2048, 7)  # the area just right of / below the z1 centre
    assert areas.seq(12, 2048, 2048) == 7
    assert areas.seq(16, 2048 * 16 + 3, 2048 * 16 + 5) == 7
    assert areas.seq(1, 1, 1) == 7
    assert areas.seq(1, 0, 0) == 7  # across both edges, within the margin
    assert areas.seq(12, 2047, 2048) == 0
    assert areas.seq(8, 10, 10) == 0

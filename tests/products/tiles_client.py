"""The API over the test database, and the location ids its vector tiles show (for the duplicate tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import mapbox_vector_tile
import psycopg
from starlette.testclient import TestClient

from ocpdb_api.app import create_app
from ocpdb_api.settings import ApiSettings
from ocpdb_pipelines.config import Settings
from tests.api.test_tiles import tile_of


@contextmanager
def api_client(settings: Settings) -> Iterator[TestClient]:
    api = ApiSettings.from_settings(settings, version_ttl_seconds=0.0, pool_min_size=1, pool_max_size=2)
    with TestClient(create_app(api)) as client:
        yield client


def tile_ids(client: TestClient, db: psycopg.Connection, zoom: int, **params: str) -> list[int]:
    """Location ids in the tiles at `zoom` that cover every stored location."""
    tiles = {tile_of(float(r['lat']), float(r['lon']), zoom) for r in db.execute('SELECT lat, lon FROM location')}
    ids = []
    for x, y in tiles:
        body = client.get(f'/tiles/{zoom}/{x}/{y}.mvt', params=params).content
        layer = mapbox_vector_tile.decode(body).get('chargepoints', {'features': []})
        ids += [f['properties']['id'] for f in layer['features']]
    return ids

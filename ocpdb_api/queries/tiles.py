"""Tile bytes from PostGIS, and the data version that keys the tile cache and ETags."""

from __future__ import annotations

from ocpdb_api.db import Resources
from ocpdb_api.tile_filters import TileFilters

TILE_SQL = 'SELECT ocpdb_tile(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) AS mvt'
BOUNDARY_TILE_SQL = 'SELECT ocpdb_boundary_tile(%s, %s, %s) AS mvt'


async def data_version(res: Resources) -> int:
    return await res.data_version()


async def tile(res: Resources, z: int, x: int, y: int, filters: TileFilters) -> bytes:
    row = await res.fetchone(TILE_SQL, (z, x, y, *filters.sql_args()))
    return bytes(row['mvt']) if row and row['mvt'] is not None else b''


async def boundary_tile(res: Resources, z: int, x: int, y: int) -> bytes:
    row = await res.fetchone(BOUNDARY_TILE_SQL, (z, x, y))
    return bytes(row['mvt']) if row and row['mvt'] is not None else b''

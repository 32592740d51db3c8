"""Tile bytes from PostGIS, and the data version that keys the tile cache and ETags."""

from __future__ import annotations

from ocpdb_api.db import Resources

TILE_SQL = 'SELECT ocpdb_tile(%s, %s, %s, %s, %s) AS mvt'


async def data_version(res: Resources) -> int:
    return await res.data_version()


async def tile(res: Resources, z: int, x: int, y: int, only_static: bool | None, filter_duplicates: bool) -> bytes:
    row = await res.fetchone(TILE_SQL, (z, x, y, only_static, filter_duplicates))
    return bytes(row['mvt']) if row and row['mvt'] is not None else b''

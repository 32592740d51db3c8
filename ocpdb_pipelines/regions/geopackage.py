"""Read features from a GeoPackage with the standard library: a GeoPackage is an SQLite database.

Each geometry blob is a GeoPackage header (magic `GP`, version, flags, SRS id, optional envelope)
followed by plain WKB, which PostGIS reads directly.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# envelope size in bytes by the envelope indicator (flags bits 1-3)
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


class GeoPackageError(ValueError):
    """The file is not a GeoPackage with the expected layer or fields."""


@dataclass(frozen=True, slots=True)
class Feature:
    attributes: dict[str, object]
    wkb: bytes | None
    srid: int


def strip_header(blob: bytes) -> tuple[bytes | None, int]:
    """Return (WKB, srs id) of one GeoPackage geometry blob; WKB is None for an empty geometry."""
    if len(blob) < 8 or blob[:2] != b'GP':
        raise GeoPackageError('geometry blob without GeoPackage header')
    flags = blob[3]
    little_endian = flags & 0x01
    envelope = (flags >> 1) & 0x07
    if envelope not in _ENVELOPE_BYTES:
        raise GeoPackageError(f'invalid envelope indicator {envelope}')
    srid = struct.unpack('<i' if little_endian else '>i', blob[4:8])[0]
    if flags & 0x10:
        raise GeoPackageError('extended GeoPackage geometry types are not supported')
    if flags & 0x20:
        return None, srid
    return blob[8 + _ENVELOPE_BYTES[envelope] :], srid


def open_readonly(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise GeoPackageError(f'{path} does not exist')
    try:
        conn = sqlite3.connect(f'{path.resolve().as_uri()}?mode=ro', uri=True)
        conn.execute('SELECT 1 FROM gpkg_geometry_columns LIMIT 1')
    except sqlite3.DatabaseError as exc:
        raise GeoPackageError(f'{path} is not a GeoPackage: {exc}') from exc
    return conn


def find_column(columns: list[str], wanted: str) -> str:
    """The column named `wanted`, compared case-insensitively (VG25 releases differ in case)."""
    for column in columns:
        if column.casefold() == wanted.casefold():
            return column
    raise GeoPackageError(f'field {wanted!r} not found (fields: {", ".join(columns)})')


def read_layer(path: Path, layer: str) -> tuple[list[str], Iterator[Feature]]:
    """Field names (without the geometry) and a lazy iterator over the layer's features."""
    conn = open_readonly(path)
    row = conn.execute(
        'SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE lower(table_name) = lower(?)', (layer,)
    ).fetchone()
    if row is None:
        conn.close()
        raise GeoPackageError(f'layer {layer!r} not found in {path.name}')
    geometry_column, layer_srid = row
    table = conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND lower(name) = lower(?)", (layer,)
    ).fetchone()[0]
    cursor = conn.execute(f'SELECT * FROM "{table}"')
    names = [d[0] for d in cursor.description]
    fields = [n for n in names if n != geometry_column]

    def features() -> Iterator[Feature]:
        try:
            for values in cursor:
                record = dict(zip(names, values, strict=True))
                blob = record.pop(geometry_column)
                wkb, srid = strip_header(blob) if blob is not None else (None, layer_srid)
                yield Feature(record, wkb, srid if srid > 0 else layer_srid)
        finally:
            conn.close()

    return fields, features()

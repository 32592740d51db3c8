"""A small VG25-layout GeoPackage for the offline demo (the real one is a 400 MB download).

Layer `v_vg25_gem` with the fields the loader reads (`RegioSchlüsselAufgefüllt`,
`GeografischerName_GEN`), one square municipality around each sample city that is a kreisfreie
Stadt with a well-known 12-digit key, in EPSG:4326. Written with sqlite3: a GeoPackage is an SQLite
database whose geometry blobs are WKB behind a short header.
"""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

from ocpdb_pipelines.samples import areas

LAYER = 'v_vg25_gem'
HALF_SIZE_DEGREES = 0.12
# kreisfreie Städte: Land (2) + Regierungsbezirk (1) + Kreis (2) + 0000000
CITY_CODES = {
    'Berlin': '110000000000',
    'Hamburg': '020000000000',
    'München': '091620000000',
    'Köln': '053150000000',
    'Frankfurt am Main': '064120000000',
    'Stuttgart': '081110000000',
    'Heilbronn': '081210000000',
    'Karlsruhe': '082120000000',
    'Heidelberg': '082210000000',
    'Mannheim': '082220000000',
    'Pforzheim': '082310000000',
    'Freiburg im Breisgau': '083110000000',
    'Ulm': '084210000000',
    'Düsseldorf': '051110000000',
    'Essen': '051130000000',
    'Mönchengladbach': '051160000000',
    'Bochum': '059110000000',
    'Dortmund': '059130000000',
    'Leipzig': '147130000000',
    'Dresden': '146120000000',
    'Nürnberg': '095640000000',
}


def _polygon_blob(lon: float, lat: float, half: float) -> bytes:
    ring = [
        (lon - half, lat - half),
        (lon + half, lat - half),
        (lon + half, lat + half),
        (lon - half, lat + half),
        (lon - half, lat - half),
    ]
    # MultiPolygon (6) with one polygon (3) of one ring, little-endian WKB
    wkb = struct.pack('<BII', 1, 6, 1) + struct.pack('<BII', 1, 3, 1) + struct.pack('<I', len(ring))
    wkb += b''.join(struct.pack('<dd', x, y) for x, y in ring)
    header = b'GP' + bytes([0, 0x01]) + struct.pack('<i', 4326)  # version 0, little-endian, no envelope
    return header + wkb


def german_cities() -> list[areas.City]:
    return [
        value
        for value in vars(areas).values()
        if isinstance(value, areas.City) and value.country == 'DEU' and value.name in CITY_CODES
    ]


def write_vg25_geopackage(path: Path) -> int:
    """Write the demo GeoPackage; returns the number of municipalities."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    cities = german_cities()
    with sqlite3.connect(path) as conn:
        conn.executescript(
            f"""
            PRAGMA application_id = 1196444487;
            CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
                organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
                description TEXT);
            INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84', 4326, 'EPSG', 4326, 'GEOGCS["WGS 84"]', NULL);
            CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT,
                description TEXT DEFAULT '', last_change DATETIME, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE,
                max_y DOUBLE, srs_id INTEGER);
            INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id)
                VALUES ('{LAYER}', 'features', '{LAYER}', 4326);
            CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
                geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL);
            INSERT INTO gpkg_geometry_columns VALUES ('{LAYER}', 'geom', 'MULTIPOLYGON', 4326, 0, 0);
            CREATE TABLE {LAYER} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom BLOB,
                "RegioSchlüsselAufgefüllt" TEXT, "GeografischerName_GEN" TEXT, "Bezeichnung" TEXT);
            """
        )
        conn.executemany(
            f'INSERT INTO {LAYER} (geom, "RegioSchlüsselAufgefüllt", "GeografischerName_GEN", "Bezeichnung") '
            'VALUES (?, ?, ?, ?)',
            [
                (_polygon_blob(city.lon, city.lat, HALF_SIZE_DEGREES), CITY_CODES[city.name], city.name, 'Stadt')
                for city in cities
            ],
        )
    return len(cities)

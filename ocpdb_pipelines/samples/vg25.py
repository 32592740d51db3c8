"""A small VG25-layout GeoPackage for the offline demo (the real one is a 400 MB download).

Layer `v_vg25_gem` with the fields the loader reads (`RegioSchlüsselAufgefüllt`,
`GeografischerName_GEN`): one rectangle per German place the samples use (samples/areas.py, and the
register cities of the demo's BNetzA sample, samples/bnetza.py `places`), in EPSG:4326, with the place's
real 12-digit Amtlicher Regionalschlüssel (Land 2 + Regierungsbezirk 1 + Kreis 2 + Gemeindeverband 4 +
Gemeinde 3). Each rectangle holds every sample site of its place (the live samples' radius around the
areas centre, the register's compact spread around its own centre, plus a margin); none overlaps another.
Written with sqlite3: a GeoPackage is an SQLite database whose geometry blobs are WKB behind a short header.

Kreisfreie Städte end in 0000000; NRW and Niedersachsen municipalities in a Kreis repeat the Gemeinde
number in the Gemeindeverband (0 + Gemeinde). Uncertain: the Gemeindeverband part (digits 6-9) of the
Baden-Württemberg towns in a Landkreis (Ludwigsburg, Herrenberg, Göppingen, Geislingen, Konstanz): written
as 0 + Gemeinde as for a town in no Verwaltungsgemeinschaft, which Tübingen's key (084160041041) shows;
a town that leads a vereinbarte Verwaltungsgemeinschaft has that VVG's number there instead. The first
eight digits (the Gemeindeschlüssel) are checked against the Gemeindeverzeichnis numbers.
"""

from __future__ import annotations

import sqlite3
import struct
from dataclasses import dataclass
from math import cos, radians
from pathlib import Path

from ocpdb_pipelines.samples import areas

LAYER = 'v_vg25_gem'
KM_PER_DEGREE = 111.2
MARGIN_KM = 0.5
MUNICIPALITIES = {
    # kreisfreie Städte (and the city states)
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
    # towns in a Kreis (Region Hannover, StädteRegion Aachen, Kreis Düren, Landkreise in Baden-Württemberg)
    'Hannover': '032410001001',
    'Aachen': '053340002002',
    'Düren': '053580008008',
    'Tübingen': '084160041041',
    'Ludwigsburg': '081180048048',  # Gemeindeverband uncertain (see above)
    'Herrenberg': '081150021021',  # Gemeindeverband uncertain
    'Göppingen': '081170026026',  # Gemeindeverband uncertain
    'Geislingen an der Steige': '081170024024',  # Gemeindeverband uncertain
    'Konstanz': '083350043043',  # Gemeindeverband uncertain
}


@dataclass(frozen=True)
class Box:
    name: str
    code: str
    south: float
    west: float
    north: float
    east: float


def _disc_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    dlat = (radius_km + MARGIN_KM) / KM_PER_DEGREE
    dlon = (radius_km + MARGIN_KM) / (KM_PER_DEGREE * cos(radians(lat)))
    return lat - dlat, lon - dlon, lat + dlat, lon + dlon


def municipality_boxes() -> list[Box]:
    """One rectangle per place in MUNICIPALITIES that the samples use: around the live samples' disc
    (areas.py) and the demo register's (bnetza.py, which may name a slightly different centre)."""
    from ocpdb_pipelines.samples import bnetza

    discs: dict[str, list[tuple[float, float, float, float]]] = {}
    for city in german_cities():
        discs.setdefault(city.name, []).append(_disc_box(city.lat, city.lon, city.radius_km))
    for name, lat, lon, *_ in bnetza.CITIES:
        if name in MUNICIPALITIES:
            discs.setdefault(name, []).append(_disc_box(lat, lon, bnetza.COMPACT_MAX_KM))
    return [
        Box(
            name,
            MUNICIPALITIES[name],
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
        for name, boxes in discs.items()
    ]


def _polygon_blob(box: Box) -> bytes:
    ring = [
        (box.west, box.south),
        (box.east, box.south),
        (box.east, box.north),
        (box.west, box.north),
        (box.west, box.south),
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
        if isinstance(value, areas.City) and value.country == 'DEU' and value.name in MUNICIPALITIES
    ]


def write_vg25_geopackage(path: Path) -> int:
    """Write the demo GeoPackage; returns the number of municipalities."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    boxes = municipality_boxes()
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
            [(_polygon_blob(box), box.code, box.name, 'Stadt') for box in boxes],
        )
    return len(boxes)

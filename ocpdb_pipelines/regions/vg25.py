"""Load the BKG VG25 municipality layer into `regionalschluessel` (EPSG:25832 -> 4326), no GDAL tools.

Features are streamed from the GeoPackage with COPY into a staging table as WKB; PostGIS transforms
them in one INSERT ... SELECT. The whole reload is one transaction. A marker row (file SHA-256) makes
the import run once per file, like the predecessor's marker file; `force=True` re-imports.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import psycopg
from psycopg.rows import tuple_row

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.regions.geopackage import find_column, read_layer
from ocpdb_pipelines.store.statistics import analyze, refresh_materialized_view

LAYER = 'v_vg25_gem'
CODE_FIELD = 'RegioSchlüsselAufgefüllt'
NAME_FIELD = 'GeografischerName_GEN'
TARGET_SRID = 4326

logger = logging.getLogger(__name__)


@dataclass
class Vg25Report:
    imported: bool
    features: int
    skipped: int
    file_sha256: str
    downloaded: bool = False
    path: str = ''


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open('rb') as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def download_geopackage(
    url: str, target: Path, *, user_agent: str = 'OCPDB', transport: httpx.BaseTransport | None = None
) -> None:
    """Stream the file to `target` through a temporary name, so a broken download leaves nothing behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + '.part')
    client_args: dict = {'headers': {'User-Agent': user_agent}, 'follow_redirects': True, 'timeout': 600.0}
    if transport is not None:
        client_args['transport'] = transport
    try:
        with httpx.Client(**client_args) as client, client.stream('GET', url) as response:
            response.raise_for_status()
            with partial.open('wb') as handle:
                for chunk in response.iter_bytes(1 << 20):
                    handle.write(chunk)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def imported_hash(conn: psycopg.Connection, layer: str = LAYER) -> str | None:
    row = (
        conn.cursor(row_factory=tuple_row)
        .execute('SELECT file_sha256 FROM regionalschluessel_import WHERE layer = %s', (layer,))
        .fetchone()
    )
    return row[0] if row else None


def load_vg25(conn: psycopg.Connection, path: Path, *, force: bool = False, layer: str = LAYER) -> Vg25Report:
    """Replace `regionalschluessel` with the layer's features unless this very file is already loaded."""
    sha = file_sha256(path)
    if not force and imported_hash(conn, layer) == sha:
        count = conn.cursor(row_factory=tuple_row).execute('SELECT count(*) FROM regionalschluessel').fetchone()[0]
        return Vg25Report(imported=False, features=count, skipped=0, file_sha256=sha, path=str(path))
    fields, features = read_layer(path, layer)
    code_field = find_column(fields, CODE_FIELD)
    try:
        name_field: str | None = find_column(fields, NAME_FIELD)
    except ValueError:
        name_field = None
    skipped = 0
    with conn.transaction():
        cur = conn.cursor(row_factory=tuple_row)
        cur.execute(
            'CREATE TEMP TABLE vg25_staging (regional_code text, name text, attributes jsonb, wkb bytea, '
            'srid integer) ON COMMIT DROP'
        )
        with cur.copy('COPY vg25_staging (regional_code, name, attributes, wkb, srid) FROM STDIN') as copy:
            for feature in features:
                code = feature.attributes.get(code_field)
                if feature.wkb is None or not code:
                    skipped += 1
                    continue
                attributes = {k.casefold(): v for k, v in feature.attributes.items() if k != 'fid'}
                name = feature.attributes.get(name_field) if name_field else None
                copy.write_row((str(code).strip(), name, orjson.dumps(attributes).decode(), feature.wkb, feature.srid))
        cur.execute('TRUNCATE regionalschluessel')  # ids are not referenced; RESTART IDENTITY needs the owner
        cur.execute(
            """
            INSERT INTO regionalschluessel (regional_code, name, attributes, geom)
            SELECT regional_code, name, attributes,
                   ST_Multi(ST_CollectionExtract(ST_Transform(
                       ST_SetSRID(ST_Force2D(ST_GeomFromWKB(wkb)), srid), %s), 3))
            FROM vg25_staging
            """,
            (TARGET_SRID,),
        )
        count = cur.rowcount
        cur.execute(
            'INSERT INTO regionalschluessel_import (layer, file_sha256, feature_count) VALUES (%s, %s, %s) '
            'ON CONFLICT (layer) DO UPDATE SET file_sha256 = excluded.file_sha256, '
            'feature_count = excluded.feature_count, imported_at = now()',
            (layer, sha, count),
        )
        analyze(conn, 'regionalschluessel')
        # the map's boundary tiles (migration 0041) read the unions of this layer
        refresh_materialized_view(conn, 'region_boundary')
    logger.info('loaded %s municipalities from %s (%s skipped)', count, path.name, skipped)
    return Vg25Report(imported=True, features=count, skipped=skipped, file_sha256=sha, path=str(path))


def load_regions(
    settings: Settings, *, force: bool = False, transport: httpx.BaseTransport | None = None
) -> Vg25Report:
    """Download the GeoPackage when missing, then import it once (or again when changed or forced)."""
    from ocpdb_pipelines.db.connection import connect

    path = settings.path(settings.vg25.geopackage_path)
    downloaded = False
    if not path.exists():
        download_geopackage(
            settings.vg25.geopackage_url, path, user_agent=settings.vg25.user_agent, transport=transport
        )
        downloaded = True
    with connect(settings.database.url.get_secret_value(), autocommit=True) as conn:
        report = load_vg25(conn, path, force=force)
    report.downloaded = downloaded
    return report

"""Writing one dump generation: one consistent read of the database, streamed into three files at once.

Memory stays flat: a server-side cursor hands out `BATCH_ROWS` rows at a time; each batch goes to the
GeoParquet writer (one row group), the gzip'd CSV writer and the gzip'd GeoJSON lines file, then is dropped.
Everything is written into a hidden temporary directory that is renamed into place at the end (atomic: a
reader sees a whole generation or none); then all but the newest `keep` generations are removed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from psycopg.rows import dict_row, tuple_row

from ocpdb_pipelines.products.dumps import rows as dump_rows
from ocpdb_pipelines.products.dumps.index import (
    MANIFEST,
    TMP_PREFIX,
    generation_dirs,
    generation_name,
)

BATCH_ROWS = 5_000  # bench/RESULTS-dumps.md: memory grows with the batch, time does not fall
PARQUET = 'ocpdb-evses.parquet'
CSV = 'ocpdb-evses.csv.gz'
GEOJSONL = 'ocpdb-locations.geojsonl.gz'
SOURCES = 'sources.json'
FORMATS = {
    PARQUET: ('geoparquet', 'application/vnd.apache.parquet'),
    CSV: ('csv', 'text/csv'),
    GEOJSONL: ('geojsonl', 'application/geo+json-seq'),
    SOURCES: ('json', 'application/json'),
}
STALE_TMP_SECONDS = 24 * 3600
# zlib's default level: Arrow's gzip stream compresses at level 9, twice the time for 5 % smaller files
# (bench/RESULTS-dumps.md)
GZIP_LEVEL = 6


@dataclass
class DumpReport:
    generation: str
    path: Path
    locations: int
    evses: int
    files: dict[str, int]  # name -> bytes
    seconds: float
    pruned: list[str]


def _geo_metadata(bbox: list[float] | None) -> dict[str, Any]:
    """GeoParquet 1.1 file metadata; no `crs` member means OGC:CRS84 (longitude, latitude on WGS 84)."""
    column: dict[str, Any] = {'encoding': 'WKB', 'geometry_types': ['Point']}
    if bbox is not None:
        column['bbox'] = bbox
    return {'version': '1.1.0', 'primary_column': 'geometry', 'columns': {'geometry': column}}


def _licences(sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The licences that apply to a dump, each with the sources (that have data) under it."""
    grouped: dict[str, dict[str, Any]] = {}
    for source in sources:
        if not source['locations']:
            continue
        licence = source['attribution_license'] or 'unknown'
        entry = grouped.setdefault(licence, {'licence': licence, 'sources': []})
        entry['sources'].append(source['uid'])
    return sorted(grouped.values(), key=lambda e: e['licence'])


def _attribution(sources: list[dict[str, Any]]) -> str:
    parts = [
        f'{s["attribution_contributor"] or s["name"] or s["uid"]} ({s["attribution_license"] or "licence unknown"})'
        for s in sources
        if s['locations']
    ]
    return 'OCPDB; data: ' + '; '.join(parts) if parts else 'OCPDB'


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open('rb') as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _gzip(path: Path) -> gzip.GzipFile:
    return gzip.GzipFile(path, 'wb', compresslevel=GZIP_LEVEL)


class _Writers:
    """The three data files of one generation, fed batch by batch; `stack` closes them (also on errors)."""

    def __init__(self, directory: Path, geo: dict[str, Any], sources_json: str, stack: ExitStack) -> None:
        metadata = {b'geo': json.dumps(geo).encode(), b'ocpdb:sources': sources_json.encode()}
        schema = dump_rows.PARQUET_SCHEMA.with_metadata(metadata)
        self.parquet = stack.enter_context(pq.ParquetWriter(directory / PARQUET, schema, compression='zstd'))
        csv_stream = stack.enter_context(_gzip(directory / CSV))
        self.csv = stack.enter_context(pacsv.CSVWriter(csv_stream, dump_rows.CSV_SCHEMA))
        self.geojsonl = stack.enter_context(_gzip(directory / GEOJSONL))
        self.features = dump_rows.FeatureGrouper()
        self.locations = 0
        self.evses = 0

    def write(self, batch: list[tuple[Any, ...]]) -> None:
        table = dump_rows.parquet_batch(batch)
        self.parquet.write_batch(table)
        self.csv.write_batch(dump_rows.csv_batch(batch))
        self.evses += table.num_rows - table.column('evse_uid').null_count
        lines = [orjson.dumps(f) for f in map(self.features.add, batch) if f is not None]
        self._features(lines)

    def _features(self, lines: list[bytes]) -> None:
        if lines:
            self.locations += len(lines)
            self.geojsonl.write(b'\n'.join(lines) + b'\n')

    def finish(self) -> None:
        """The last location's feature, before the stack closes the files."""
        finished = self.features.finish()
        if finished is not None:
            self._features([orjson.dumps(finished)])


def _read_into(conn: psycopg.Connection, writers: _Writers, batch_rows: int) -> None:
    with conn.cursor(name='ocpdb_dump', row_factory=tuple_row) as cursor:
        cursor.itersize = batch_rows
        cursor.execute(dump_rows.DUMP_SQL)
        while batch := cursor.fetchmany(batch_rows):
            writers.write(batch)


def write_generation(
    database_url: str, root: Path, *, keep: int = 3, now: datetime | None = None, batch_rows: int = BATCH_ROWS
) -> DumpReport:
    """Write a new dump generation under `root` and prune old ones; returns what was written."""
    started = time.monotonic()
    generated_at = (now or datetime.now(UTC)).replace(microsecond=0)
    generation = generation_name(generated_at)
    root.mkdir(parents=True, exist_ok=True)
    _remove_stale_tmp(root)
    tmp = root / f'{TMP_PREFIX}{generation}-{os.getpid()}'
    tmp.mkdir()
    try:
        # one snapshot for every file of the generation
        with psycopg.connect(database_url, row_factory=dict_row) as conn:
            conn.read_only = True
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with conn.transaction():
                sources = conn.execute(dump_rows.SOURCES_SQL).fetchall()
                box = conn.execute(dump_rows.BBOX_SQL).fetchone()
                bbox = [box['min_lon'], box['min_lat'], box['max_lon'], box['max_lat']] if box['n'] else None
                with ExitStack() as stack:
                    writers = _Writers(tmp, _geo_metadata(bbox), json.dumps(sources, default=str), stack)
                    _read_into(conn, writers, batch_rows)
                    writers.finish()
        (tmp / SOURCES).write_text(json.dumps(sources, indent=1, default=str) + '\n')
        manifest = _manifest(tmp, generation, generated_at, sources, writers)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1) + '\n')
        final = root / generation
        if final.exists():  # a second run within the same second: the newer one wins
            shutil.rmtree(final)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pruned = prune(root, keep=keep)
    return DumpReport(
        generation=generation,
        path=final,
        locations=writers.locations,
        evses=writers.evses,
        files={f['name']: f['size'] for f in manifest['files']},
        seconds=time.monotonic() - started,
        pruned=pruned,
    )


def _manifest(
    directory: Path, generation: str, generated_at: datetime, sources: list[dict[str, Any]], writers: _Writers
) -> dict[str, Any]:
    licences = _licences(sources)
    files = []
    for name, (fmt, media_type) in FORMATS.items():
        path = directory / name
        files.append(
            {
                'name': name,
                'format': fmt,
                'media_type': media_type,
                'size': path.stat().st_size,
                'sha256': _sha256(path),
                'generated_at': generated_at.isoformat(),
                'licences': licences,
                'attribution': _attribution(sources),
            }
        )
    return {
        'generation': generation,
        'generated_at': generated_at.isoformat(),
        'locations': writers.locations,
        'evses': writers.evses,
        'files': files,
        'sources': sources,
    }


def prune(root: Path, *, keep: int) -> list[str]:
    """Remove all but the newest `keep` generations (at least one is always kept)."""
    generations = generation_dirs(root)
    doomed = generations[: max(0, len(generations) - max(keep, 1))]
    for path in doomed:
        shutil.rmtree(path, ignore_errors=True)
    return [p.name for p in doomed]


def _remove_stale_tmp(root: Path) -> None:
    """Leftovers of a crashed run (a running one is younger than a day)."""
    cutoff = time.time() - STALE_TMP_SECONDS
    for path in root.glob(f'{TMP_PREFIX}*'):
        if path.is_dir() and path.stat().st_mtime < cutoff:
            shutil.rmtree(path, ignore_errors=True)

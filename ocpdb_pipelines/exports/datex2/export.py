"""`export(settings, version, kind, fmt, output_path)`: a DATEX II file from the database, streamed."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import psycopg

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.db.connection import connect
from ocpdb_pipelines.exports.datex2 import realtime, static_v35, static_v37
from ocpdb_pipelines.exports.datex2.document import Kind, Protocol, document, write_json
from ocpdb_pipelines.exports.datex2.query import Selection, iter_locations


@dataclass
class ExportReport:
    version: str
    kind: str
    format: str
    sites: int
    bytes: int = 0
    path: str | None = None
    protocol: str | None = None
    notes: str | None = None


# What a consumer of each document should know about its structure (asset metadata, API description).
STRUCTURE_NOTES = {
    ('3.7', 'realtime'): 'the 3.7 set has no status publication: 3.7 realtime keeps the 3.5 (aegi) structure, '
    'aegiEnergyInfrastructureStatusPublication, with versionG "3.7"',
    ('3.5', 'static'): static_v35.LOCAL_TIME_NOTE,
}


def sites(
    conn: psycopg.Connection, version: str, kind: Kind, *, since: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Mapped sites (static) or site statuses (realtime), in location id order; empty ones dropped."""
    if kind == Kind.STATIC:
        mapper = static_v37.site if version == '3.7' else static_v35.site
        rows = iter_locations(conn, Selection.LIVE)
        return (s for s in map(mapper, rows) if s is not None)
    selection = Selection.LIVE if since is None else Selection.CHANGED_SINCE
    rows = iter_locations(conn, selection, since=since, detail=False)
    return (s for s in (realtime.site_status(r, version) for r in rows) if s is not None)


def write_export(
    conn: psycopg.Connection,
    out: BinaryIO,
    version: str,
    kind: Kind,
    fmt: str = 'json',
    *,
    since: datetime | None = None,
    envelope: tuple[Protocol, str | None] | None = None,
    schemas: Path | None = None,
) -> int:
    """Stream one document to `out`; return the number of sites written. XML is guided by the XSD under
    `schemas` (default: `validate.schema_root()`)."""
    items = sites(conn, version, kind, since=since)
    if fmt == 'xml':
        from ocpdb_pipelines.exports.datex2.xml import write_xml

        if envelope is not None:
            raise ValueError('the Mobilithek envelope is JSON only')
        return write_xml(out, version, kind, items, schemas)
    if fmt != 'json':
        raise ValueError(f'unknown format {fmt!r} (json or xml)')
    return write_json(out, document(version, kind, envelope=envelope), items)


def _xsd_root(settings: Settings, fmt: str) -> Path | None:
    """The configured schema root for XML (imported only then: the schema libraries are slow to load)."""
    if fmt != 'xml':
        return None
    from ocpdb_pipelines.exports.datex2.validate import schema_root

    return schema_root(settings)


def export(
    settings: Settings, version: str, kind: str, fmt: str = 'json', output_path: str | Path | None = None
) -> ExportReport:
    """Write an export file atomically (temporary file, then rename); default under EXPORT_DIR."""
    kind = Kind(kind)
    if output_path is None:
        output_path = settings.path(settings.exports.dir) / f'datex2_v{version}_{kind}.{fmt}'
    target = Path(output_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=f'.{target.name}.', dir=target.parent)
    try:
        with os.fdopen(handle, 'wb') as out, connect(settings.database.url.get_secret_value()) as conn:
            count = write_export(conn, out, version, kind, fmt, schemas=_xsd_root(settings, fmt))
        Path(partial).replace(target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return ExportReport(
        version=version,
        kind=str(kind),
        format=fmt,
        sites=count,
        bytes=target.stat().st_size,
        path=str(target),
        notes=STRUCTURE_NOTES.get((version, str(kind))),
    )

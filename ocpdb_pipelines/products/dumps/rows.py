"""What a dump holds: one row per EVSE with its location, station and connectors (a location without
EVSEs is one row with empty EVSE fields), in the Arrow schema the GeoParquet file uses."""

from __future__ import annotations

import io
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.json as pajson
import shapely

# one query, read once through a server-side cursor, ordered so a location's rows are consecutive
DUMP_SQL = """
SELECT l.id AS location_id, l.source, l.uid AS location_uid, l.name, l.address, l.postal_code, l.city, l.state,
       l.country, l.lat::float8 AS lat, l.lon::float8 AS lon, op.name AS operator, l.official_region_code,
       l.parking_type::text AS parking_type, l.time_zone, l.last_updated AS location_last_updated,
       l.dynamic_location_id, cs.uid AS station_uid, e.uid AS evse_uid, e.evse_id, e.status::text AS status,
       e.presence::text AS presence, e.status_last_updated, e.last_updated AS evse_last_updated,
       c.connectors::text AS connectors
FROM location l
LEFT JOIN business op ON op.id = l.operator_id
LEFT JOIN charging_station cs ON cs.location_id = l.id
LEFT JOIN evse e ON e.charging_station_id = cs.id
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object(
        'uid', c.uid, 'standard', c.standard, 'format', c.format, 'power_type', c.power_type,
        'max_voltage', c.max_voltage, 'max_amperage', c.max_amperage, 'max_electric_power', c.max_electric_power)
        ORDER BY c.uid) AS connectors
    FROM connector c WHERE c.evse_id = e.id
) c ON e.id IS NOT NULL
ORDER BY l.id, cs.id, e.id
"""

BBOX_SQL = """
SELECT count(*) AS n, min(lon)::float8 AS min_lon, min(lat)::float8 AS min_lat, max(lon)::float8 AS max_lon,
       max(lat)::float8 AS max_lat
FROM location
"""

SOURCES_SQL = """
SELECT s.uid, s.name, s.public_url, s.attribution_license, s.attribution_contributor, s.attribution_url,
       count(l.id) AS locations
FROM source s LEFT JOIN location l ON l.source = s.uid
GROUP BY s.id ORDER BY s.uid
"""

TIMESTAMP = pa.timestamp('us', tz='UTC')
CONNECTOR = pa.struct(
    [
        ('uid', pa.string()),
        ('standard', pa.string()),
        ('format', pa.string()),
        ('power_type', pa.string()),
        ('max_voltage', pa.int32()),
        ('max_amperage', pa.int32()),
        ('max_electric_power', pa.int32()),
    ]
)
# the query's columns in order, with their Arrow types ('connectors' arrives as JSON text)
COLUMNS: list[tuple[str, pa.DataType]] = [
    ('location_id', pa.int64()),
    ('source', pa.string()),
    ('location_uid', pa.string()),
    ('name', pa.string()),
    ('address', pa.string()),
    ('postal_code', pa.string()),
    ('city', pa.string()),
    ('state', pa.string()),
    ('country', pa.string()),
    ('lat', pa.float64()),
    ('lon', pa.float64()),
    ('operator', pa.string()),
    ('official_region_code', pa.string()),
    ('parking_type', pa.string()),
    ('time_zone', pa.string()),
    ('location_last_updated', TIMESTAMP),
    ('dynamic_location_id', pa.int64()),
    ('station_uid', pa.string()),
    ('evse_uid', pa.string()),
    ('evse_id', pa.string()),
    ('status', pa.string()),
    ('presence', pa.string()),
    ('status_last_updated', TIMESTAMP),
    ('evse_last_updated', TIMESTAMP),
    ('connectors', pa.list_(CONNECTOR)),
]
NAMES = [name for name, _ in COLUMNS]
CONNECTORS_INDEX = NAMES.index('connectors')
PARQUET_SCHEMA = pa.schema([*COLUMNS, ('geometry', pa.binary())])
# CSV has no nested values: connectors travel as a JSON array text
CSV_SCHEMA = pa.schema([(n, pa.string() if n == 'connectors' else t) for n, t in COLUMNS])


def _columns(rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    return [list(column) for column in zip(*rows, strict=True)]


_CONNECTORS_LINE = pa.schema([('c', pa.list_(CONNECTOR))])
_READ_OPTIONS = pajson.ReadOptions(use_threads=False)  # threads: same CPU, 24 MiB more peak memory


def connectors_array(texts: list[str | None]) -> pa.Array:
    """The connectors' JSON texts parsed by Arrow's JSON reader, one line per row (less CPU than building the
    nested array from Python dicts: bench/RESULTS-dumps.md)."""
    lines = '\n'.join(f'{{"c":{text or "[]"}}}' for text in texts).encode()
    options = pajson.ParseOptions(explicit_schema=_CONNECTORS_LINE)
    table = pajson.read_json(io.BytesIO(lines), read_options=_READ_OPTIONS, parse_options=options)
    return table.column('c').combine_chunks()


def parquet_batch(rows: list[tuple[Any, ...]]) -> pa.RecordBatch:
    columns = _columns(rows)
    arrays = [
        connectors_array(values) if name == 'connectors' else pa.array(values, type=t)
        for values, (name, t) in zip(columns, COLUMNS, strict=True)
    ]
    lon = arrays[NAMES.index('lon')].to_numpy(zero_copy_only=False)
    lat = arrays[NAMES.index('lat')].to_numpy(zero_copy_only=False)
    geometry = pa.array(shapely.to_wkb(shapely.points(lon, lat), output_dimension=2, byte_order=1), type=pa.binary())
    return pa.RecordBatch.from_arrays([*arrays, geometry], schema=PARQUET_SCHEMA)


def csv_batch(rows: list[tuple[Any, ...]]) -> pa.RecordBatch:
    columns = _columns(rows)
    columns[CONNECTORS_INDEX] = [value or '[]' for value in columns[CONNECTORS_INDEX]]
    arrays = [pa.array(values, type=t) for values, t in zip(columns, CSV_SCHEMA.types, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, schema=CSV_SCHEMA)


LOCATION_FIELDS = NAMES[: NAMES.index('station_uid')]
EVSE_FIELDS = NAMES[NAMES.index('station_uid') :]
_EVSE_START = len(LOCATION_FIELDS)
_EVSE_UID = NAMES.index('evse_uid')


class FeatureGrouper:
    """Turns consecutive EVSE rows of one location into one GeoJSON Feature (rows arrive ordered by location).

    Values go to orjson as they come from the database (it writes timestamps as ISO 8601 itself); the
    connectors' JSON text is embedded as it is (`orjson.Fragment`), not parsed and written again.
    """

    def __init__(self) -> None:
        self._current: dict[str, Any] | None = None
        self._location_id: int | None = None
        self._evses: list[dict[str, Any]] = []

    def add(self, row: tuple[Any, ...]) -> dict[str, Any] | None:
        """Feed one row; returns the previous location's finished Feature when a new location starts."""
        finished = None
        if row[0] != self._location_id:
            finished = self._current
            self._location_id = row[0]
            props = dict(zip(LOCATION_FIELDS, row, strict=False))
            lon, lat = props.pop('lon'), props.pop('lat')
            self._evses = props['evses'] = []
            self._current = {
                'type': 'Feature',
                'id': props['location_id'],
                'geometry': {'type': 'Point', 'coordinates': [lon, lat]},
                'properties': props,
            }
        if row[_EVSE_UID] is not None:
            evse = dict(zip(EVSE_FIELDS, row[_EVSE_START:], strict=True))
            evse['connectors'] = orjson.Fragment(evse['connectors'] or '[]')
            self._evses.append(evse)
        return finished

    def finish(self) -> dict[str, Any] | None:
        finished, self._current = self._current, None
        return finished

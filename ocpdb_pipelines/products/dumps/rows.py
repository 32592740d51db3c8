"""What a dump holds: one row per EVSE with its location, station and connectors (a location without
EVSEs is one row with empty EVSE fields), in the Arrow schema the GeoParquet file uses."""

from __future__ import annotations

from typing import Any

import orjson
import pyarrow as pa
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


def parquet_batch(rows: list[tuple[Any, ...]]) -> pa.RecordBatch:
    columns = _columns(rows)
    text = columns[CONNECTORS_INDEX]
    columns[CONNECTORS_INDEX] = [orjson.loads(value) if value else [] for value in text]
    arrays = [pa.array(values, type=t) for values, (_, t) in zip(columns, COLUMNS, strict=True)]
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


def _json_value(value: Any) -> Any:
    return value.isoformat() if hasattr(value, 'isoformat') else value


class FeatureGrouper:
    """Turns consecutive EVSE rows of one location into one GeoJSON Feature (rows arrive ordered by location)."""

    def __init__(self) -> None:
        self._current: dict[str, Any] | None = None
        self._location_id: int | None = None

    def add(self, row: tuple[Any, ...]) -> dict[str, Any] | None:
        """Feed one row; returns the previous location's finished Feature when a new location starts."""
        finished = None
        if row[0] != self._location_id:
            finished = self._current
            self._location_id = row[0]
            props = {n: _json_value(v) for n, v in zip(LOCATION_FIELDS, row, strict=False)}
            lon, lat = props.pop('lon'), props.pop('lat')
            self._current = {
                'type': 'Feature',
                'id': props['location_id'],
                'geometry': {'type': 'Point', 'coordinates': [lon, lat]},
                'properties': {**props, 'evses': []},
            }
        evse = dict(zip(EVSE_FIELDS, row[len(LOCATION_FIELDS) :], strict=True))
        if evse['evse_uid'] is not None:
            evse = {n: _json_value(v) for n, v in evse.items()}
            evse['connectors'] = orjson.loads(evse['connectors']) if evse['connectors'] else []
            self._current['properties']['evses'].append(evse)
        return finished

    def finish(self) -> dict[str, Any] | None:
        finished, self._current = self._current, None
        return finished

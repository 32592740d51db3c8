"""API fields taken from the column catalogue instead of written out per field.

A location column with `info['api'] == 'extension'` (`ocpdb_pipelines/db/catalogue.py`) is shown by the compat
renderers under its column name (hidden with `strict=true`, like every OCPDB extension), and the OpenAPI
document describes it from the column's type and `doc`. The compat `source` object is the `source` row: every
column but those marked `info['api'] == 'hidden'`, in catalogue order. A new column that needs no shaping
reaches the responses and the document without an edit in the API.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ARRAY, Boolean, Column, Date, DateTime, Integer, Numeric, Table
from sqlalchemy.dialects.postgresql import JSONB

from ocpdb_api.render.common import day, ts
from ocpdb_pipelines.db import catalogue

Schema = dict[str, Any]


def extension_columns(table: Table) -> list[Column]:
    return [c for c in table.columns if c.info.get('api') == 'extension']


LOCATION_EXTENSIONS = extension_columns(catalogue.location)
# plain str: a column name is a str subclass (`quoted_name`), which orjson refuses as a key
_LOCATION_EXTENSION_NAMES = [str(c.name) for c in LOCATION_EXTENSIONS]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return ts(value)
    if isinstance(value, date):
        return day(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def location_extensions(row: dict[str, Any]) -> dict[str, Any]:
    """{column: JSON value} of the location's extension columns."""
    return {name: _plain(row[name]) for name in _LOCATION_EXTENSION_NAMES}


SOURCE_COLUMNS = [c for c in catalogue.source.columns if c.info.get('api') != 'hidden']
_SOURCE_NAMES = [str(c.name) for c in SOURCE_COLUMNS]


def source_fields(row: dict[str, Any]) -> dict[str, Any]:
    """{column: JSON value} of a source row, nulls included (the predecessor's source object)."""
    return {name: _plain(row[name]) for name in _SOURCE_NAMES}


# (SQLAlchemy type, JSON Schema of the rendered value), first match wins (Float is a Numeric)
_SCHEMAS: list[tuple[type, Schema]] = [
    (ARRAY, {'type': 'array', 'items': {'type': 'string'}}),
    (JSONB, {}),
    (Boolean, {'type': 'boolean'}),
    (Integer, {'type': 'integer'}),
    (Numeric, {'type': 'number'}),
    (DateTime, {'type': 'string', 'format': 'date-time'}),
    (Date, {'type': 'string', 'format': 'date'}),
]


def json_schema(column: Column) -> Schema:
    """The JSON Schema of a column's rendered value, described by the column's `doc`."""
    kind = column.type
    schema = next((dict(s) for t, s in _SCHEMAS if isinstance(kind, t)), None)
    if schema is None:
        schema = {'type': 'string'}
        if getattr(kind, 'enums', None):
            schema['enum'] = list(kind.enums)
        elif getattr(kind, 'length', None):
            schema['maxLength'] = kind.length
    if column.doc:
        schema['description'] = column.doc
    return schema


def location_extension_schemas() -> dict[str, Schema]:
    return {str(c.name): json_schema(c) for c in LOCATION_EXTENSIONS}


def source_schema() -> Schema:
    """The source object: a column that may be NULL is rendered as null, so its type admits it."""
    properties = {}
    for column in SOURCE_COLUMNS:
        schema = json_schema(column)
        if column.nullable and 'type' in schema:
            schema['type'] = [schema['type'], 'null']
        properties[str(column.name)] = schema
    required = [str(c.name) for c in SOURCE_COLUMNS if not c.nullable]
    return {'type': 'object', 'properties': properties, 'required': required}

"""Staging columns and upsert expressions derived from the column catalogue (`ocpdb_pipelines/db/catalogue.py`).

A column with `info['stage']` is COPYed into the static import's staging table and written by its upsert:

- its staging type follows the column type (enums are staged as text, arrays as JSON text);
- its value expression turns the staged value into the column type (`s.parking_type::parkingtype`);
- `'replace'` writes that value (on a NOT NULL column with a default, None gives the default);
- `'keep'` keeps the stored value when the update has None; a new row then gets the column default.

A staged column with a foreign key is resolved in SQL (the staging table carries a natural key instead, e.g.
`operator_name` for `operator_id`), so it takes part in the upsert but is not COPYed.
"""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    Numeric,
    String,
    Table,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB

_PREPARER = postgresql.dialect().identifier_preparer


def is_staged(column: Column) -> bool:
    return 'stage' in column.info


def copied_columns(table: Table) -> list[Column]:
    """Staged columns whose values the import COPYs (catalogue order)."""
    return [c for c in table.columns if is_staged(c) and not c.foreign_keys]


# (SQLAlchemy type, staging type), first match wins: order matters where types subclass each other
# (Enum is a String, Double a Float, Float a Numeric, BigInteger an Integer)
_STAGING_TYPES: list[tuple[type | tuple[type, ...], str]] = [
    (Enum, 'text'),
    ((ARRAY, JSONB), 'jsonb'),
    (Float, 'float8'),
    (Numeric, 'numeric'),
    (BigInteger, 'bigint'),
    (Integer, 'integer'),
    (Boolean, 'boolean'),
    (DateTime, 'timestamptz'),
    (Date, 'date'),
]


def staging_type(column: Column) -> str:
    """The staging table's type for a column: what COPY text of the flattened value parses into."""
    return next((staged for kind, staged in _STAGING_TYPES if isinstance(column.type, kind)), 'text')


def staging_definition(table: Table) -> list[tuple[str, str]]:
    """(name, staging type) of every COPYed column of `table`."""
    return [(c.name, staging_type(c)) for c in copied_columns(table)]


def value_expression(column: Column, alias: str = 's') -> str:
    """The staged value as the column's type."""
    staged = f'{alias}.{column.name}'
    kind = column.type
    if isinstance(kind, Enum) and not column.foreign_keys:
        return f'{staged}::{_PREPARER.quote(kind.name)}'
    if isinstance(kind, ARRAY):
        return f'CASE WHEN {staged} IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text({staged})) END'
    return staged


def _default(column: Column) -> str | None:
    default = column.server_default
    return str(default.arg.text) if default is not None else None


def insert_default(column: Column) -> str | None:
    """The SQL default a new row gets for a staged column whose update value is None, if any.

    `'keep'` columns always fall back to their default; `'replace'` columns only when NOT NULL (a None is
    written as NULL otherwise).
    """
    default = _default(column)
    if default is None or (column.info.get('stage') == 'replace' and column.nullable):
        return None
    return default


# (SQLAlchemy type, PostgreSQL type psycopg dumps a value as in a binary COPY): enums travel as text (their
# binary form is their label), first match wins as in _STAGING_TYPES
_COPY_TYPES: list[tuple[type | tuple[type, ...], str]] = [
    (Enum, 'text'),
    (ARRAY, 'text[]'),
    (JSONB, 'jsonb'),
    (Float, 'float8'),
    (Numeric, 'numeric'),
    (BigInteger, 'int8'),
    (Integer, 'int4'),
    (Boolean, 'bool'),
    (DateTime, 'timestamptz'),
    (Date, 'date'),
    (String, 'text'),
]


def copy_type(column: Column) -> str:
    """The type a binary COPY into `column` sends its value as (`store/first_import.py`)."""
    kind = column.type
    if isinstance(kind, ARRAY) and not isinstance(kind.item_type, String):
        raise TypeError(f'{column}: only text arrays are written by COPY')
    for types, name in _COPY_TYPES:
        if isinstance(kind, types):
            return name
    raise TypeError(f'{column}: no COPY type for {kind!r}')


def replaced(table: Table, **overrides: str) -> dict[str, str]:
    """{column: new value} of the `'replace'` columns (the update's value, None included)."""
    out: dict[str, str] = {}
    for column in table.columns:
        if column.info.get('stage') != 'replace':
            continue
        value = value_expression(column)
        default = insert_default(column)
        out[column.name] = f'COALESCE({value}, {default})' if default else value
    out.update(overrides)
    return out


def kept(table: Table, **overrides: tuple[str, str]) -> dict[str, tuple[str, str]]:
    """{column: (update value, insert value)} of the `'keep'` columns: None keeps the stored value `t.<column>`."""
    out: dict[str, tuple[str, str]] = {}
    for column in table.columns:
        if column.info.get('stage') != 'keep':
            continue
        value = value_expression(column)
        default = insert_default(column)
        insert = f'COALESCE({value}, {default})' if default else value
        out[column.name] = (f'COALESCE({value}, t.{column.name})', insert)
    out.update(overrides)
    return out

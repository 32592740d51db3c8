"""A comparable description of a PostgreSQL schema, read through SQLAlchemy's inspector.

Two databases built differently (the migrations, the catalogue's `create_all`) describe equal when they
hold the same tables, columns (type, nullability, default, generated expression), keys, checks, indexes,
storage options and enum types. PostgreSQL itself normalises every expression, so both sides are compared
in the server's own spelling.
"""

from __future__ import annotations

from typing import Any

import geoalchemy2  # noqa: F401  (registers the geometry types for reflection)
import psycopg
import sqlalchemy as sa

# PostGIS's own table and the migration runner's bookkeeping are not part of the data model
NOT_MODELLED = frozenset({'spatial_ref_sys', 'schema_migrations'})


def engine_for(conninfo: str) -> sa.Engine:
    """An engine on a libpq URL or key/value conninfo (psycopg opens the connections)."""
    return sa.create_engine('postgresql+psycopg://', creator=lambda: psycopg.connect(conninfo), poolclass=sa.NullPool)


def _column(dialect: sa.Dialect, column: dict[str, Any]) -> dict[str, Any]:
    computed = column.get('computed')
    return {
        'type': column['type'].compile(dialect=dialect),
        'nullable': column['nullable'],
        'default': column['default'],
        'generated': computed['sqltext'] if computed else None,
    }


def _by_name(items: list[dict[str, Any]], *keys: str) -> dict[str, dict[str, Any]]:
    """Named schema objects as {name: {key: value}} (so a difference names the object)."""
    return {item['name']: {k: item.get(k) for k in keys} for item in items}


def describe(conn: sa.Connection) -> dict[str, Any]:
    """Tables (with columns, keys, checks, indexes, reloptions) and enum types of the public schema."""
    inspector = sa.inspect(conn)
    dialect = conn.dialect
    tables: dict[str, Any] = {}
    for name in sorted(set(inspector.get_table_names()) - NOT_MODELLED):
        tables[name] = {
            'columns': {c['name']: _column(dialect, c) for c in inspector.get_columns(name)},
            'primary_key': inspector.get_pk_constraint(name)['constrained_columns'],
            'foreign_keys': _by_name(
                inspector.get_foreign_keys(name), 'constrained_columns', 'referred_table', 'referred_columns', 'options'
            ),
            'unique': _by_name(inspector.get_unique_constraints(name), 'column_names'),
            'checks': _by_name(inspector.get_check_constraints(name), 'sqltext'),
            'indexes': _by_name(
                inspector.get_indexes(name), 'unique', 'column_names', 'expressions', 'dialect_options'
            ),
            # a set: ALTER TABLE ... SET reorders them
            'options': conn.execute(
                sa.text('SELECT array(SELECT unnest(reloptions) ORDER BY 1) FROM pg_class WHERE oid = to_regclass(:t)'),
                {'t': name},
            ).scalar()
            or None,
        }
    enums = {e['name']: e['labels'] for e in inspector.get_enums()}
    return {'tables': tables, 'enums': enums}


def differences(left: dict[str, Any], right: dict[str, Any], path: str = '') -> list[str]:
    """Readable paths where two descriptions differ (`location.columns.name.nullable: True != False`)."""
    if isinstance(left, dict) and isinstance(right, dict):
        out: list[str] = []
        for key in sorted(set(left) | set(right), key=str):
            where = f'{path}.{key}' if path else str(key)
            if key not in left:
                out.append(f'{where}: only in the second')
            elif key not in right:
                out.append(f'{where}: only in the first')
            else:
                out.extend(differences(left[key], right[key], where))
        return out
    return [] if left == right else [f'{path}: {left!r} != {right!r}']

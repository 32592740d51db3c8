"""The static import's staging and upsert lists follow the catalogue, and every staged column has a source."""

from __future__ import annotations

from ocpdb_pipelines.db import catalogue
from ocpdb_pipelines.store import upsert_columns
from ocpdb_pipelines.store.columns import copied_columns, kept, replaced, staging_definition
from ocpdb_pipelines.store.staging import SPECIAL_GETTERS, STAGING_TABLES, UPDATE_MODELS


def test_every_staged_column_is_read_from_its_update_model():
    """A staged catalogue column needs an attribute of that name on the update model (or a special getter):
    the check that tells whoever adds a column that the model lacks it."""
    missing = [
        f'{table}.{column.name}'
        for table, model in UPDATE_MODELS.items()
        for column in copied_columns(catalogue.metadata.tables[table])
        if column.name not in model.model_fields and column.name not in SPECIAL_GETTERS.get(table, {})
    ]
    assert UPDATE_MODELS
    assert missing == []


def test_staging_tables_hold_the_catalogue_columns():
    staged = {name for name, _ in STAGING_TABLES['stg_location']}
    assert {c.name for c in copied_columns(catalogue.location)} <= staged
    assert ('parking_type', 'text') in staging_definition(catalogue.location)  # enums are staged as text
    assert ('facilities', 'jsonb') in staging_definition(catalogue.location)  # arrays as JSON
    assert ('lat', 'numeric') in staging_definition(catalogue.location)


def test_upsert_lists_are_the_catalogue_rule_with_named_overrides():
    assert replaced(catalogue.location) == upsert_columns.LOCATION_REPLACED
    assert upsert_columns.LOCATION_REPLACED['parking_type'] == 's.parking_type::parkingtype'
    assert kept(catalogue.evse)['presence'] == (
        'COALESCE(s.presence::"PresenceStatus", t.presence)',
        'COALESCE(s.presence::"PresenceStatus", \'PRESENT\')',
    )
    # replace on a NOT NULL column with a default: None gives the default
    assert upsert_columns.TARIFF_REPLACED['elements'] == "COALESCE(s.elements, '[]'::jsonb)"
    # foreign keys resolved in SQL are upserted, never COPYed
    assert 'operator_id' in upsert_columns.LOCATION_KEPT
    assert 'operator_id' not in {c.name for c in copied_columns(catalogue.location)}

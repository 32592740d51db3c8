"""The static import's per-table column lists with their insert and update values, from the catalogue.

`store/columns.py` derives them from the catalogue's replace/keep rule; overridden here is what that rule does
not say. Both ways of writing a snapshot use these lists: the set-based upsert (`store/static.py`) as SQL over
staging alias `s`, and a source's first import (`store/first_import.py`), which writes the same columns.
"""

from __future__ import annotations

from ocpdb_pipelines.db import catalogue
from ocpdb_pipelines.store.columns import kept, replaced

# {column: value over staging alias s} for the replaced columns, {column: (update value, insert value)} for the
# kept ones (None keeps `t.<column>`)
MAX_POWER_UNIT_KEPT = (
    'CASE WHEN s.max_power_value IS NULL THEN t.max_power_unit ELSE s.max_power_unit::chargingrateunit END',
    's.max_power_unit::chargingrateunit',
)
LOCATION_REPLACED = replaced(catalogue.location)
LOCATION_KEPT = kept(catalogue.location, max_power_unit=MAX_POWER_UNIT_KEPT)
STATION_REPLACED = replaced(catalogue.charging_station)
STATION_KEPT = kept(catalogue.charging_station, max_power_unit=MAX_POWER_UNIT_KEPT)
EVSE_REPLACED = replaced(catalogue.evse)
# status changes only when the update carries one that differs (live status survives static re-imports)
_STATUS_CHANGES = 's.status IS NOT NULL AND s.status::"EvseStatus" IS DISTINCT FROM t.status'
EVSE_KEPT = kept(
    catalogue.evse,
    status=(
        f'CASE WHEN {_STATUS_CHANGES} THEN s.status::"EvseStatus" ELSE t.status END',
        'COALESCE(s.status, \'UNKNOWN\')::"EvseStatus"',
    ),
    status_last_updated=(
        f'CASE WHEN {_STATUS_CHANGES} THEN COALESCE(s.status_last_updated, now()) ELSE t.status_last_updated END',
        'CASE WHEN s.status IS NULL THEN s.status_last_updated ELSE COALESCE(s.status_last_updated, now()) END',
    ),
    status_observed_at=(f'CASE WHEN {_STATUS_CHANGES} THEN now() ELSE t.status_observed_at END', 'now()'),
)
CONNECTOR_REPLACED = replaced(catalogue.connector)
TARIFF_REPLACED = replaced(catalogue.tariff)
TARIFF_KEPT = kept(catalogue.tariff)
ASSOCIATION_REPLACED = replaced(catalogue.tariff_association)
# start_date_time has no column default: a new association without one starts now
ASSOCIATION_KEPT = kept(
    catalogue.tariff_association,
    start_date_time=('COALESCE(s.start_date_time, t.start_date_time)', 'COALESCE(s.start_date_time, now())'),
)

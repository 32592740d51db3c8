-- Realtime updates become HOT (heap-only tuples: no new index entries, the old version pruned on the page).
--
-- A realtime tick rewrites evse (status, status_last_updated, status_observed_at, last_updated, modified),
-- charging_station.last_updated and location.last_updated. PostgreSQL 15 makes an update HOT only when no
-- indexed column changes and the page has room, so:
--   * the indexes on evse.status, evse.last_updated, evse.status_observed_at and
--     charging_station.last_updated go. No query needs them: tiles, lists and exports reach EVSEs through
--     their station (ix_evse_station_uid), status filters are EXISTS per location, the realtime diff export
--     (status_observed_at >= since, once a minute) and the compat EVSE/station `last_updated_since` filters
--     scan the table instead (170-230 ms on 300,000 EVSEs at a load of 20 on 2 cores, 0.1 ms with the index;
--     bench/RESULTS-churn.md: the diff export can find its EVSEs through evse_status_history's observed_at
--     index instead);
--   * evse and charging_station keep 20 % / 10 % of every page free for the new row versions.
-- location.last_updated keeps its index: OCPI 2.2.1 `date_from` (incremental sync) depends on it, so a
-- location's chained last_updated is the one non-HOT write of a tick (one per changed location, not per EVSE).
-- Fillfactor applies to pages written from now on; an existing database gets it on its next table rewrite
-- (VACUUM FULL evse, charging_station).
DROP INDEX IF EXISTS ix_evse_status;
DROP INDEX IF EXISTS ix_evse_last_updated;
DROP INDEX IF EXISTS ix_evse_status_observed_at;
DROP INDEX IF EXISTS ix_charging_station_last_updated;
ALTER TABLE evse SET (fillfactor = 80);
ALTER TABLE charging_station SET (fillfactor = 90);

-- The pipelines run as ocpdb_writer (no DDL) and keep their maintenance (README "Database roles").
--
-- PostgreSQL 15 lets only a table's owner ANALYZE or VACUUM it and only a materialized view's owner REFRESH
-- it (the MAINTAIN privilege arrives in PostgreSQL 17); as anyone else ANALYZE and VACUUM skip the table with
-- a WARNING and succeed, so the maintenance would silently stop. Two kinds of maintenance, two answers:
--
-- * ANALYZE and REFRESH MATERIALIZED VIEW may run inside a transaction, so inside a function: the two
--   SECURITY DEFINER functions below run them as the owner (who ran this migration) for an allow-list of
--   tables and for the project's materialized views, and nothing else. Only the writer may call them.
--   ANALYZE inside the writer's own transaction still samples its uncommitted rows (store/statistics.py).
-- * VACUUM cannot run in a function or a transaction. The live tables get per-table autovacuum settings
--   (production runs autovacuum): vacuum after 500 changed rows + 1 % instead of 50 + 20 %, which keeps
--   location's visibility map (count(*), the list page's id pages) as the explicit VACUUM does. evse's
--   updates are HOT, and HOT pruning takes their dead versions off autovacuum's count, so evse never
--   reaches a threshold (bench/RESULTS-live-vacuum.md): `ocpdb db maintain` (store/maintenance.py) vacuums
--   all three every LIVE_VACUUM_SECONDS with the owner's credential, which only that maintenance step holds
--   (docker-compose.yml `db-maintenance`, deploy/helm/owner-jobs.yaml), never the Dagster services.

CREATE OR REPLACE FUNCTION ocpdb_analyze(table_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF table_name IS NULL OR table_name <> ALL (ARRAY[
        'location', 'charging_station', 'evse', 'connector', 'tariff', 'evse_status_history',
        'regionalschluessel', 'location_duplicate', 'evse_availability_daily'
    ]) THEN
        RAISE EXCEPTION 'ocpdb_analyze: % is not a table the pipelines analyse', table_name
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE format('ANALYZE public.%I', table_name);
END
$$;

CREATE OR REPLACE FUNCTION ocpdb_refresh_materialized_view(view_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- the project's materialized views: those in public owned by this function's owner (every migration's)
    IF NOT EXISTS (
        SELECT FROM pg_class c
        WHERE c.relkind = 'm' AND c.relnamespace = 'public'::regnamespace AND c.relname = view_name
          AND c.relowner = (SELECT p.proowner FROM pg_proc p
                            WHERE p.oid = 'public.ocpdb_refresh_materialized_view(text)'::regprocedure)
    ) THEN
        RAISE EXCEPTION 'ocpdb_refresh_materialized_view: % is not a materialized view of the project', view_name
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE format('REFRESH MATERIALIZED VIEW public.%I', view_name);
END
$$;

-- PUBLIC may execute every new function by default: these two only for the writer (and the owner)
REVOKE EXECUTE ON FUNCTION ocpdb_analyze(text), ocpdb_refresh_materialized_view(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ocpdb_analyze(text), ocpdb_refresh_materialized_view(text) TO ocpdb_writer;

-- the tables a realtime tick rewrites: autovacuum after 500 changed rows (plus 1 % of the table) instead of
-- 50 + 20 %, which on 300,000 EVSEs meant 60,000 changes, hours of ticks with the visibility map cleared
ALTER TABLE evse SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 500);
ALTER TABLE charging_station SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 500);
ALTER TABLE location SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 500);

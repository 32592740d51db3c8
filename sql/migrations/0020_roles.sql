-- Least privilege: three roles, each with only what its process needs (README "Database roles").
--   ocpdb_reader  the public API's pool: SELECT, bounded statements and connections, no temp tables
--   ocpdb_ingest  the push receivers: look-ups, and applying a small DATEX II delta (status columns only)
--   ocpdb_writer  the pipelines: every data change, no DDL (`ocpdb db upgrade` runs as the owner)
-- Roles are cluster-wide; the grants below are per database. Passwords come from the configured URLs
-- (`ocpdb db upgrade` sets them), never from this file.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ocpdb_ingest') THEN
        CREATE ROLE ocpdb_ingest LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ocpdb_writer') THEN
        CREATE ROLE ocpdb_writer LOGIN;
    END IF;
END
$$;

-- reader: a runaway query or a stuck client cannot hold a backend or a snapshot for long, and the role
-- cannot take every connection of the server
ALTER ROLE ocpdb_reader CONNECTION LIMIT 100;
ALTER ROLE ocpdb_reader SET statement_timeout = '30s';
ALTER ROLE ocpdb_reader SET idle_in_transaction_session_timeout = '60s';
ALTER ROLE ocpdb_ingest CONNECTION LIMIT 32;
ALTER ROLE ocpdb_ingest SET statement_timeout = '60s';
ALTER ROLE ocpdb_ingest SET idle_in_transaction_session_timeout = '120s';

-- temp tables only for the roles that stage data (PUBLIC has TEMP on every new database by default)
DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO ocpdb_ingest, ocpdb_writer', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO ocpdb_reader, ocpdb_ingest, ocpdb_writer', current_database());
END
$$;

-- advisory locks are the appliers' and importers' mutual exclusion (landing apply per source, static
-- import per source, migrations): in this database only the roles that apply may take any key, so a
-- reader cannot block an apply by holding one
DO $$
DECLARE
    fn regprocedure;
BEGIN
    FOR fn IN
        SELECT p.oid::regprocedure FROM pg_proc p
        WHERE p.pronamespace = 'pg_catalog'::regnamespace
          AND p.proname ~ '^pg_(try_)?advisory_(xact_)?lock(_shared)?$'
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', fn);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO ocpdb_ingest, ocpdb_writer, %I', fn, current_user);
    END LOOP;
END
$$;

-- writer: data changes on every table and sequence, now and for tables later migrations create
GRANT USAGE ON SCHEMA public TO ocpdb_writer, ocpdb_ingest;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO ocpdb_writer;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ocpdb_writer;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ocpdb_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO ocpdb_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ocpdb_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO ocpdb_writer;

-- ingest: the receivers' look-ups (does this location/EVSE exist, when did realtime data last arrive) and
-- the immediate apply of a small DATEX II delta (store/realtime.apply_realtime, store/sources
-- mark_realtime_success): EVSE status columns, history rows, freshness timestamps, the data version.
-- Nothing else: no inserts or deletes of locations, no static columns, no new tables' data by default.
GRANT SELECT ON source, location, charging_station, evse, data_version TO ocpdb_ingest;
GRANT UPDATE (status, evse_id, last_updated, status_last_updated, status_observed_at, modified)
    ON evse TO ocpdb_ingest;
GRANT INSERT ON evse_status_history TO ocpdb_ingest;
GRANT USAGE ON SEQUENCE evse_status_history_id_seq, source_id_seq TO ocpdb_ingest;
GRANT UPDATE (last_updated) ON charging_station, location TO ocpdb_ingest;
GRANT UPDATE (realtime_status, realtime_error_count, realtime_data_updated_at, modified) ON source TO ocpdb_ingest;
-- apply_realtime first runs store/sources.ensure_source (an upsert of the registry's descriptive fields,
-- a no-op once the source exists): those columns only, values from the code's registry, not the pusher
GRANT INSERT (uid, name, public_url, attribution_license, attribution_contributor, attribution_url),
      UPDATE (name, public_url, attribution_license, attribution_contributor, attribution_url)
    ON source TO ocpdb_ingest;
GRANT UPDATE (version, changed_at) ON data_version TO ocpdb_ingest;

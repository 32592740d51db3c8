-- The API connects as a role that can only read.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ocpdb_reader') THEN
        CREATE ROLE ocpdb_reader LOGIN;
    END IF;
END
$$;
GRANT USAGE ON SCHEMA public TO ocpdb_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO ocpdb_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ocpdb_reader;

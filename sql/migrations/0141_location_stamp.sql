-- A location's chained last_updated becomes a HOT write: its index moves to a narrow mirror table.
--
-- Every realtime change chains last_updated up to its location (OCPI: a Location's last_updated covers its
-- EVSEs). That column carried the index OCPI 2.2.1 `date_from` / `date_to` read, so each changed location was
-- a non-HOT update writing a new entry into every one of location's 15 indexes (three GiST, three trigram GIN):
-- 65 % of a realtime tick's database time (bench/RESULTS-realtime.md, section 3).
--
-- location_stamp holds (location id, last_updated) for every location, kept equal to location.last_updated by
-- statement triggers over the inserted / updated rows (every writer: static imports, realtime ticks, pushes,
-- matching), in the same transaction, so a reader filtering location_stamp sees exactly what it would see on
-- location. The index on location.last_updated goes, so the realtime location update changes no indexed
-- column and can be HOT; its stamp is one narrow row with two btree entries. Location keeps 20 % of each page
-- free for those new row versions (pages written from now on; VACUUM FULL location applies it to a database's
-- existing pages).

CREATE TABLE location_stamp (
    location_id bigint PRIMARY KEY REFERENCES location (id) ON DELETE CASCADE,
    last_updated timestamptz NOT NULL
);
INSERT INTO location_stamp (location_id, last_updated) SELECT id, last_updated FROM location;
CREATE INDEX ix_location_stamp_last_updated ON location_stamp (last_updated, location_id);

CREATE FUNCTION ocpdb_location_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO location_stamp AS s (location_id, last_updated)
    SELECT n.id, n.last_updated FROM changed_rows n
    ON CONFLICT (location_id) DO UPDATE SET last_updated = EXCLUDED.last_updated
    WHERE s.last_updated IS DISTINCT FROM EXCLUDED.last_updated;
    RETURN NULL;
END
$$;
CREATE TRIGGER location_stamp_insert AFTER INSERT ON location
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION ocpdb_location_stamp();
CREATE TRIGGER location_stamp_update AFTER UPDATE ON location
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION ocpdb_location_stamp();

DROP INDEX ix_location_last_updated;
ALTER TABLE location SET (fillfactor = 80);

-- the push receivers' immediate apply (ocpdb_ingest, 0020) chains last_updated to locations; the trigger runs
-- with its rights. ocpdb_reader and ocpdb_writer get theirs from the default privileges (0002, 0020).
GRANT SELECT, INSERT, UPDATE (last_updated) ON location_stamp TO ocpdb_ingest;

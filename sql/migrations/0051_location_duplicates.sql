-- Cross-source duplicates among live sources (products/duplicates): the follower location points at its leader
-- through location.dynamic_location_id (which tiles' filter_duplicates already honour); this table is the
-- provenance: by which rule, on what evidence, and when the link was made. Recomputed as a whole.
CREATE TABLE location_duplicate (
    location_id bigint PRIMARY KEY REFERENCES location (id) ON DELETE CASCADE,
    duplicate_of bigint NOT NULL REFERENCES location (id) ON DELETE CASCADE,
    rule varchar(32) NOT NULL,
    shared_evse_ids integer NOT NULL,
    evidence jsonb NOT NULL DEFAULT '{}',
    linked_at timestamptz NOT NULL DEFAULT now(),
    CHECK (location_id <> duplicate_of)
);
CREATE INDEX ix_location_duplicate_duplicate_of ON location_duplicate (duplicate_of);
-- the eMI3 ids compared normalised (upper case, no separators); this index serves the self-join
CREATE INDEX ix_evse_evse_id_normalised ON evse (upper(translate(evse_id, '* -', '')));
GRANT SELECT ON location_duplicate TO ocpdb_reader;

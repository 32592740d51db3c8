-- Where live (realtime) data changed, so caches can drop only what a status change touched.
--
-- A realtime apply no longer bumps data_version (which stays the version of static data: imports, matching,
-- regional codes, deletions). Instead it calls ocpdb_record_live_change(location ids), which
--   * bumps live_version.version, the sequence number of live changes, and
--   * stamps that number on every area tile (zoom ocpdb_live_area_zoom()) whose envelope, widened by the
--     64/4096 margin the tile functions read, holds a changed location.
-- A reader keeps the areas it has seen and asks only for rows with seq > the version it read last.
-- The bump holds live_version's row lock until commit, so sequence numbers become visible in commit order
-- (a reader never skips a smaller number that commits later). It is a separate row from data_version so a
-- long static import never holds up a realtime tick.

CREATE TABLE live_version (
    id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    version bigint NOT NULL DEFAULT 0,
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO live_version (id) VALUES (1);

-- one row per area tile that ever saw a live change: bounded by the populated area tiles, updated in place
CREATE TABLE live_change_area (
    x integer NOT NULL,
    y integer NOT NULL,
    seq bigint NOT NULL,
    PRIMARY KEY (x, y)
);
CREATE INDEX ix_live_change_area_seq ON live_change_area (seq);

-- z14 tiles are about 1.5 km wide in Germany: a change stays in its quarter of a city (a z12 area of a dense
-- city saw a change every few seconds at 0.1 % churn per 2 s, bench/RESULTS-churn.md), and a tick of a few
-- hundred changes touches a few hundred rows
CREATE FUNCTION ocpdb_live_area_zoom() RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT 14';

CREATE FUNCTION ocpdb_record_live_change(location_ids bigint[]) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    new_seq bigint;
    n double precision := 2 ^ ocpdb_live_area_zoom();
    -- the tile functions' margin (64 of 4096), a little wider so a point on a margin's edge is never missed
    m double precision := 65.0 / 4096;
    world double precision := 40075016.685578488;
BEGIN
    IF location_ids IS NULL OR cardinality(location_ids) = 0 THEN
        RETURN NULL;
    END IF;
    -- an upsert, so a truncated live_version (tests empty every table) starts again instead of failing
    INSERT INTO live_version AS lv (id, version) VALUES (1, 1)
    ON CONFLICT (id) DO UPDATE SET version = lv.version + 1, changed_at = now()
    RETURNING lv.version INTO new_seq;
    INSERT INTO live_change_area (x, y, seq)
    SELECT DISTINCT tx, ty, new_seq
      FROM (SELECT (ST_X(l.geometry_3857) + world / 2) / world * n AS u,
                   (world / 2 - ST_Y(l.geometry_3857)) / world * n AS v
              FROM location l WHERE l.id = ANY(location_ids)) p,
           generate_series(greatest(floor(p.u - m)::integer, 0), least(floor(p.u + m)::integer, n::integer - 1)) tx,
           generate_series(greatest(floor(p.v - m)::integer, 0), least(floor(p.v + m)::integer, n::integer - 1)) ty
    ON CONFLICT (x, y) DO UPDATE SET seq = EXCLUDED.seq;
    RETURN new_seq;
END
$$;

-- ocpdb_ingest (0020): the push receivers' immediate apply of a small DATEX II delta records its live change
-- like any realtime tick. The function runs with the caller's rights, so the role gets what its upserts
-- read and write, nothing more (no DELETE or TRUNCATE; ocpdb_writer has every privilege by 0020's defaults).
GRANT SELECT (id, version), INSERT (id, version), UPDATE (version, changed_at) ON live_version TO ocpdb_ingest;
GRANT SELECT (x, y, seq), INSERT (x, y, seq), UPDATE (seq) ON live_change_area TO ocpdb_ingest;
GRANT EXECUTE ON FUNCTION ocpdb_live_area_zoom(), ocpdb_record_live_change(bigint[]) TO ocpdb_ingest;

-- ocpdb_record_live_change (0030) without its JIT compile on every realtime tick.
--
-- 0030 expanded each changed location to the area tiles its margin reaches with two generate_series calls
-- whose bounds are expressions, so the planner assumed 1,000 rows each: 2,000 changed locations became
-- an estimate of 2 billion rows and a cost of 55 million, far above jit_above_cost / jit_optimize_above_cost,
-- and every tick paid ~120-150 ms of JIT compilation for a statement that runs in under 10 ms
-- (bench/RESULTS-realtime.md, section 3). A point's margin (65/4096 of a tile) reaches at most one
-- neighbouring tile per axis, so the range floor(u - m) .. floor(u + m) has one or two members: it is written
-- as a two-row VALUES per axis (estimated as 2 rows, which it is) and DISTINCT removes the repeats.
-- The locations are found by joining the unnested ids (an index lookup each) instead of `id = ANY(ids)`,
-- which the planner answered with a scan of every location against the whole array once the array held a
-- few thousand ids. Same areas, same sequence numbers, same grants.

CREATE OR REPLACE FUNCTION ocpdb_record_live_change(location_ids bigint[]) RETURNS bigint
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
    SELECT DISTINCT tx.v, ty.v, new_seq
      FROM (SELECT (ST_X(l.geometry_3857) + world / 2) / world * n AS u,
                   (world / 2 - ST_Y(l.geometry_3857)) / world * n AS v
              FROM unnest(location_ids) AS i(id) JOIN location l ON l.id = i.id) p
     CROSS JOIN LATERAL (VALUES (greatest(floor(p.u - m)::integer, 0)),
                                (least(floor(p.u + m)::integer, n::integer - 1))) tx(v)
     CROSS JOIN LATERAL (VALUES (greatest(floor(p.v - m)::integer, 0)),
                                (least(floor(p.v + m)::integer, n::integer - 1))) ty(v)
    ON CONFLICT (x, y) DO UPDATE SET seq = EXCLUDED.seq;
    RETURN new_seq;
END
$$;

-- Tile functions keep their plans.
--
-- PostgreSQL before 18 plans the body of a LANGUAGE sql function again on every call when it cannot inline
-- it (ST_AsMVT over a CTE never inlines). For a z14 tile that planning was about 0.45 ms of a 0.7 ms call.
-- PL/pgSQL keeps the plan of each statement for the life of the session (custom plans for the first calls,
-- then the generic plan when the planner finds it no worse), so the same queries as 0003, wrapped in
-- PL/pgSQL, cost only their execution once a pooled connection has served a few tiles.
-- Same names, arguments and results as 0003; only the language changes.
--
-- The points query (zoom 8 and up) is forced onto the generic plan: measured on 100,000 locations it is as
-- fast as a custom plan at zooms 8-14 (custom plans only add the planning), and forcing it makes every
-- pooled connection use it from its first tile instead of after five custom plans. The clusters query
-- (below zoom 8: few tiles, 100+ ms each) keeps the planner's choice; planning is noise there.
--
-- Both functions spell out the same per-location EVSE count on purpose. As one shared SQL function (which
-- PostgreSQL inlines) the planner picked an index scan and a sort instead of a bitmap heap scan and a hash
-- aggregate, and z8/z10 tiles got 20-25 % slower (pgbench on 100,000 locations: z8 18.5 -> 23.1 ms,
-- z10 5.4 -> 6.5 ms).

CREATE OR REPLACE FUNCTION ocpdb_tile_points(
    z integer, x integer, y integer, only_static boolean DEFAULT NULL, filter_duplicates boolean DEFAULT true)
RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN (
    WITH bounds AS (
        SELECT ST_TileEnvelope(z, x, y) AS env, ST_TileEnvelope(z, x, y, margin => 64.0 / 4096) AS area
    ),
    counted AS (
        SELECT l.id,
               COALESCE(NULLIF(l.name, ''), l.address) AS name,
               l.geometry_3857 AS geom,
               count(e.id)::integer AS c,
               (count(e.id) FILTER (WHERE e.status = 'AVAILABLE'))::integer AS ca,
               (count(e.id) FILTER (WHERE e.status = 'UNKNOWN'))::integer AS cu,
               (count(e.id) FILTER (WHERE e.status = 'STATIC'))::integer AS cs,
               (count(e.id) FILTER (WHERE e.parking_restrictions & 64 = 64))::integer AS cb
          FROM location l
          JOIN bounds b ON l.geometry_3857 && b.area
          LEFT JOIN charging_station s ON s.location_id = l.id
          LEFT JOIN evse e ON e.charging_station_id = s.id
                          AND (only_static IS NULL OR (e.status = 'STATIC') = only_static)
         WHERE NOT filter_duplicates OR l.dynamic_location_id IS NULL
         GROUP BY l.id
        HAVING only_static IS NULL OR count(e.id) > 0
    )
    SELECT COALESCE(ST_AsMVT(f, 'chargepoints', 4096, 'geom'), ''::bytea)
      FROM (SELECT c.id::integer AS id, c.name, c.c, c.ca, c.cu, c.cs, c.cb,
                   ST_AsMVTGeom(c.geom, b.env, 4096, 64, true) AS geom
              FROM counted c, bounds b) f
    );
END
$$;

CREATE OR REPLACE FUNCTION ocpdb_tile_clusters(
    z integer, x integer, y integer, only_static boolean DEFAULT NULL, filter_duplicates boolean DEFAULT true)
RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (
    WITH bounds AS (
        SELECT ST_TileEnvelope(z, x, y) AS env, 40075016.685578488 / (2 ^ z) / 16 AS cell
    ),
    per_location AS (
        SELECT l.id, ST_X(l.geometry_3857) AS px, ST_Y(l.geometry_3857) AS py,
               count(e.id) AS c,
               count(e.id) FILTER (WHERE e.status = 'AVAILABLE') AS ca
          FROM location l
          JOIN bounds b ON l.geometry_3857 && b.env
          LEFT JOIN charging_station s ON s.location_id = l.id
          LEFT JOIN evse e ON e.charging_station_id = s.id
                          AND (only_static IS NULL OR (e.status = 'STATIC') = only_static)
         WHERE NOT filter_duplicates OR l.dynamic_location_id IS NULL
         GROUP BY l.id
        HAVING only_static IS NULL OR count(e.id) > 0
    ),
    clusters AS (
        SELECT count(*)::integer AS count,
               (count(*) FILTER (WHERE p.ca > 0))::integer AS available,
               sum(p.c)::integer AS c,
               sum(p.ca)::integer AS ca,
               ST_SetSRID(ST_MakePoint(avg(p.px), avg(p.py)), 3857) AS geom
          FROM per_location p, bounds b
         GROUP BY floor(p.px / b.cell), floor(p.py / b.cell)
    )
    SELECT COALESCE(ST_AsMVT(f, 'clusters', 4096, 'geom'), ''::bytea)
      FROM (SELECT c.count, c.available, c.c, c.ca, ST_AsMVTGeom(c.geom, b.env, 4096, 64, true) AS geom
              FROM clusters c, bounds b) f
    );
END
$$;

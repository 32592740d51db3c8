-- Vector tiles built in PostGIS (predecessor §3, fixed): Web Mercator geometry via ST_AsMVTGeom,
-- working `static` filter, and a `clusters` layer below zoom 8 instead of an empty tile.

-- One location per feature in layer `chargepoints` (id, name, c, ca, cu, cs, cb).
-- only_static: NULL = count every EVSE; true/false = count only STATIC / only live EVSEs and drop
-- locations that have none of them. filter_duplicates hides BNetzA entries matched to a live location.
CREATE OR REPLACE FUNCTION ocpdb_tile_points(
    z integer, x integer, y integer, only_static boolean DEFAULT NULL, filter_duplicates boolean DEFAULT true)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
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
$$;

-- Locations snapped to a grid of 16 x 16 cells per tile, layer `clusters`:
-- count (locations), available (locations with an AVAILABLE EVSE), c / ca (EVSEs / AVAILABLE EVSEs).
CREATE OR REPLACE FUNCTION ocpdb_tile_clusters(
    z integer, x integer, y integer, only_static boolean DEFAULT NULL, filter_duplicates boolean DEFAULT true)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
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
$$;

-- The tile the API serves: clusters below zoom 8, one feature per location from zoom 8.
CREATE OR REPLACE FUNCTION ocpdb_tile(
    z integer, x integer, y integer, only_static boolean DEFAULT NULL, filter_duplicates boolean DEFAULT true)
RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    IF z < 8 THEN
        RETURN ocpdb_tile_clusters(z, x, y, only_static, filter_duplicates);
    END IF;
    RETURN ocpdb_tile_points(z, x, y, only_static, filter_duplicates);
END
$$;

GRANT EXECUTE ON FUNCTION ocpdb_tile_points(integer, integer, integer, boolean, boolean) TO ocpdb_reader;
GRANT EXECUTE ON FUNCTION ocpdb_tile_clusters(integer, integer, integer, boolean, boolean) TO ocpdb_reader;
GRANT EXECUTE ON FUNCTION ocpdb_tile(integer, integer, integer, boolean, boolean) TO ocpdb_reader;

-- Tiles that tell the truth and can be filtered (issue 16).
--
-- Both layers now carry what the map's colours need at every zoom, counted over the EVSEs that pass the
-- filters: c (EVSEs), cs (STATIC, no live status), cx (live but stale: the source's last import or
-- unchanged-payload check and the EVSE's own status timestamp are both older than stale_before; a status
-- with no timestamp at all is not called stale), and among the fresh live EVSEs ca (AVAILABLE),
-- co (CHARGING/BLOCKED/RESERVED), cu (UNKNOWN). Points carry their source uid (src), clusters the sorted,
-- comma-separated uids of their locations (srcs): the page attributes exactly the sources in view.
-- An all-occupied cluster now has ca = 0 with fresh live EVSEs, which the page draws as "none available"
-- (it was drawn like "no live status").
--
-- Filters (all optional, NULL = no filter), applied here so clusters count what is shown:
--   standards      connector standards: an EVSE counts when one of its connectors has one of them
--   min_power_w    an EVSE counts when one of its connectors (of such a standard) reaches this power
--   operator_ids   locations of these operators (business ids)
--   source_uids    locations of these sources
-- only_static/filter_duplicates keep their meaning (static=false is "live status only"). A location with
-- no counted EVSE is dropped whenever an EVSE-level filter is set.
--
-- stale_before is passed by the API (a time bucket minus the bound), not now(): a tile is then a pure
-- function of its arguments and the data version, so the tile cache and ETags stay exact.
-- Same structure and plan settings as 0005 (PL/pgSQL keeps its plans; points forced onto the generic plan).

DROP FUNCTION ocpdb_tile(integer, integer, integer, boolean, boolean);
DROP FUNCTION ocpdb_tile_points(integer, integer, integer, boolean, boolean);
DROP FUNCTION ocpdb_tile_clusters(integer, integer, integer, boolean, boolean);

-- Power of one connector in W: max_electric_power, else voltage x current (x3 for three-phase AC, OCPI
-- gives the voltage line to neutral).
CREATE FUNCTION ocpdb_connector_power_w(c connector)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT COALESCE(
        c.max_electric_power,
        (c.max_voltage::bigint * c.max_amperage * CASE WHEN c.power_type = 'AC_3_PHASE' THEN 3 ELSE 1 END)::integer)
$$;

CREATE FUNCTION ocpdb_tile_points(
    z integer, x integer, y integer, only_static boolean DEFAULT NULL, filter_duplicates boolean DEFAULT true,
    standards text[] DEFAULT NULL, min_power_w integer DEFAULT NULL, operator_ids bigint[] DEFAULT NULL,
    source_uids text[] DEFAULT NULL, stale_before timestamptz DEFAULT NULL)
RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    evse_filter boolean := standards IS NOT NULL OR min_power_w IS NOT NULL;
BEGIN
    RETURN (
    WITH bounds AS (
        SELECT ST_TileEnvelope(z, x, y) AS env, ST_TileEnvelope(z, x, y, margin => 64.0 / 4096) AS area
    ),
    -- when each source last confirmed its statuses: an import (static feeds may carry live statuses too), or
    -- a fetch that found the payload unchanged (fetch_state.checked_at)
    fresh AS (
        SELECT s.uid, GREATEST(s.realtime_data_updated_at, s.static_data_updated_at, max(f.checked_at)) AS at
          FROM source s
          LEFT JOIN fetch_state f ON f.source_uid = s.uid
         GROUP BY s.id
    ),
    counted AS (
        SELECT l.id,
               COALESCE(NULLIF(l.name, ''), l.address) AS name,
               l.source AS src,
               l.geometry_3857 AS geom,
               count(e.id)::integer AS c,
               (count(e.id) FILTER (WHERE e.status = 'STATIC'))::integer AS cs,
               (count(e.id) FILTER (WHERE f.stale))::integer AS cx,
               (count(e.id) FILTER (WHERE e.status = 'AVAILABLE' AND NOT f.stale))::integer AS ca,
               (count(e.id) FILTER (WHERE e.status IN ('CHARGING', 'BLOCKED', 'RESERVED') AND NOT f.stale))::integer
                   AS co,
               (count(e.id) FILTER (WHERE e.status = 'UNKNOWN' AND NOT f.stale))::integer AS cu,
               (count(e.id) FILTER (WHERE e.parking_restrictions & 64 = 64))::integer AS cb
          FROM location l
          JOIN bounds b ON l.geometry_3857 && b.area
          JOIN fresh src ON src.uid = l.source
          LEFT JOIN charging_station s ON s.location_id = l.id
          LEFT JOIN evse e ON e.charging_station_id = s.id
                          AND (only_static IS NULL OR (e.status = 'STATIC') = only_static)
                          AND (NOT evse_filter OR EXISTS (
                                  SELECT 1 FROM connector k
                                   WHERE k.evse_id = e.id
                                     AND (standards IS NULL OR k.standard::text = ANY (standards))
                                     AND (min_power_w IS NULL OR ocpdb_connector_power_w(k) >= min_power_w)))
          LEFT JOIN LATERAL (
                SELECT COALESCE(e.status <> 'STATIC'
                                AND COALESCE(GREATEST(src.at, e.status_last_updated),
                                             'infinity') < stale_before, false) AS stale) f ON true
         WHERE (NOT filter_duplicates OR l.dynamic_location_id IS NULL)
           AND (operator_ids IS NULL OR l.operator_id = ANY (operator_ids))
           AND (source_uids IS NULL OR l.source = ANY (source_uids))
         GROUP BY l.id
        HAVING (only_static IS NULL AND NOT evse_filter) OR count(e.id) > 0
    )
    SELECT COALESCE(ST_AsMVT(f, 'chargepoints', 4096, 'geom'), ''::bytea)
      FROM (SELECT c.id::integer AS id, c.name, c.src, c.c, c.ca, c.co, c.cu, c.cs, c.cx, c.cb,
                   ST_AsMVTGeom(c.geom, b.env, 4096, 64, true) AS geom
              FROM counted c, bounds b) f
    );
END
$$;

CREATE FUNCTION ocpdb_tile_clusters(
    z integer, x integer, y integer, only_static boolean DEFAULT NULL, filter_duplicates boolean DEFAULT true,
    standards text[] DEFAULT NULL, min_power_w integer DEFAULT NULL, operator_ids bigint[] DEFAULT NULL,
    source_uids text[] DEFAULT NULL, stale_before timestamptz DEFAULT NULL)
RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    evse_filter boolean := standards IS NOT NULL OR min_power_w IS NOT NULL;
BEGIN
    RETURN (
    WITH bounds AS (
        SELECT ST_TileEnvelope(z, x, y) AS env, 40075016.685578488 / (2 ^ z) / 16 AS cell
    ),
    -- when each source last confirmed its statuses: an import (static feeds may carry live statuses too), or
    -- a fetch that found the payload unchanged (fetch_state.checked_at)
    fresh AS (
        SELECT s.uid, GREATEST(s.realtime_data_updated_at, s.static_data_updated_at, max(f.checked_at)) AS at
          FROM source s
          LEFT JOIN fetch_state f ON f.source_uid = s.uid
         GROUP BY s.id
    ),
    per_location AS (
        SELECT l.id, l.source, ST_X(l.geometry_3857) AS px, ST_Y(l.geometry_3857) AS py,
               count(e.id) AS c,
               count(e.id) FILTER (WHERE e.status = 'STATIC') AS cs,
               count(e.id) FILTER (WHERE f.stale) AS cx,
               count(e.id) FILTER (WHERE e.status = 'AVAILABLE' AND NOT f.stale) AS ca,
               count(e.id) FILTER (WHERE e.status IN ('CHARGING', 'BLOCKED', 'RESERVED') AND NOT f.stale) AS co,
               count(e.id) FILTER (WHERE e.status = 'UNKNOWN' AND NOT f.stale) AS cu
          FROM location l
          JOIN bounds b ON l.geometry_3857 && b.env
          JOIN fresh src ON src.uid = l.source
          LEFT JOIN charging_station s ON s.location_id = l.id
          LEFT JOIN evse e ON e.charging_station_id = s.id
                          AND (only_static IS NULL OR (e.status = 'STATIC') = only_static)
                          AND (NOT evse_filter OR EXISTS (
                                  SELECT 1 FROM connector k
                                   WHERE k.evse_id = e.id
                                     AND (standards IS NULL OR k.standard::text = ANY (standards))
                                     AND (min_power_w IS NULL OR ocpdb_connector_power_w(k) >= min_power_w)))
          LEFT JOIN LATERAL (
                SELECT COALESCE(e.status <> 'STATIC'
                                AND COALESCE(GREATEST(src.at, e.status_last_updated),
                                             'infinity') < stale_before, false) AS stale) f ON true
         WHERE (NOT filter_duplicates OR l.dynamic_location_id IS NULL)
           AND (operator_ids IS NULL OR l.operator_id = ANY (operator_ids))
           AND (source_uids IS NULL OR l.source = ANY (source_uids))
         GROUP BY l.id
        HAVING (only_static IS NULL AND NOT evse_filter) OR count(e.id) > 0
    ),
    clusters AS (
        SELECT count(*)::integer AS count,
               (count(*) FILTER (WHERE p.ca > 0))::integer AS available,
               sum(p.c)::integer AS c, sum(p.cs)::integer AS cs, sum(p.cx)::integer AS cx,
               sum(p.ca)::integer AS ca, sum(p.co)::integer AS co, sum(p.cu)::integer AS cu,
               string_agg(DISTINCT p.source, ',' ORDER BY p.source) AS srcs,
               ST_SetSRID(ST_MakePoint(avg(p.px), avg(p.py)), 3857) AS geom
          FROM per_location p, bounds b
         GROUP BY floor(p.px / b.cell), floor(p.py / b.cell)
    )
    SELECT COALESCE(ST_AsMVT(f, 'clusters', 4096, 'geom'), ''::bytea)
      FROM (SELECT c.count, c.available, c.c, c.ca, c.co, c.cu, c.cs, c.cx, c.srcs,
                   ST_AsMVTGeom(c.geom, b.env, 4096, 64, true) AS geom
              FROM clusters c, bounds b) f
    );
END
$$;

-- The tile the API serves: clusters below zoom 8, one feature per location from zoom 8.
CREATE FUNCTION ocpdb_tile(
    z integer, x integer, y integer, only_static boolean DEFAULT NULL, filter_duplicates boolean DEFAULT true,
    standards text[] DEFAULT NULL, min_power_w integer DEFAULT NULL, operator_ids bigint[] DEFAULT NULL,
    source_uids text[] DEFAULT NULL, stale_before timestamptz DEFAULT NULL)
RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    IF z < 8 THEN
        RETURN ocpdb_tile_clusters(z, x, y, only_static, filter_duplicates, standards, min_power_w, operator_ids,
                                   source_uids, stale_before);
    END IF;
    RETURN ocpdb_tile_points(z, x, y, only_static, filter_duplicates, standards, min_power_w, operator_ids,
                             source_uids, stale_before);
END
$$;

GRANT EXECUTE ON FUNCTION ocpdb_connector_power_w(connector) TO ocpdb_reader;
GRANT EXECUTE ON FUNCTION ocpdb_tile_points(integer, integer, integer, boolean, boolean, text[], integer, bigint[],
                                            text[], timestamptz) TO ocpdb_reader;
GRANT EXECUTE ON FUNCTION ocpdb_tile_clusters(integer, integer, integer, boolean, boolean, text[], integer, bigint[],
                                              text[], timestamptz) TO ocpdb_reader;
GRANT EXECUTE ON FUNCTION ocpdb_tile(integer, integer, integer, boolean, boolean, text[], integer, bigint[], text[],
                                     timestamptz) TO ocpdb_reader;

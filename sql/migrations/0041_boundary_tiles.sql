-- The map's German boundaries and place names from the VG25 municipalities the project already loads (issue 16).
--
-- region_boundary holds, in Web Mercator, every municipality (level 3), every district (level 2: the first
-- five digits of the regional key) and every state (level 1: the first two), each district and state the
-- union of its municipalities, plus two generalised copies for small scales (tolerances of about a pixel
-- at zoom 5 and zoom 9). It is a materialized view: the unions cost seconds for the real 11,000
-- municipalities, once per VG25 import (the loader refreshes it), not per tile.
-- The label point of each municipality is ST_PointOnSurface; rank 1 = alone in its district (a kreisfreie
-- Stadt, Berlin, Hamburg), 2 = a town (Bezeichnung contains "Stadt"), 3 = any other municipality.

CREATE MATERIALIZED VIEW region_boundary AS
WITH state_name (code, name) AS (
    VALUES ('01', 'Schleswig-Holstein'), ('02', 'Hamburg'), ('03', 'Niedersachsen'), ('04', 'Bremen'),
           ('05', 'Nordrhein-Westfalen'), ('06', 'Hessen'), ('07', 'Rheinland-Pfalz'), ('08', 'Baden-Württemberg'),
           ('09', 'Bayern'), ('10', 'Saarland'), ('11', 'Berlin'), ('12', 'Brandenburg'),
           ('13', 'Mecklenburg-Vorpommern'), ('14', 'Sachsen'), ('15', 'Sachsen-Anhalt'), ('16', 'Thüringen')
),
municipality AS (
    SELECT regional_code AS code, name, attributes,
           ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Transform(geom, 3857)), 3)) AS geom
      FROM regionalschluessel
),
district AS (
    SELECT left(code, 5) AS code, ST_Multi(ST_Union(geom)) AS geom, count(*) AS members
      FROM municipality GROUP BY left(code, 5)
),
state AS (
    SELECT left(code, 2) AS code, ST_Multi(ST_Union(geom)) AS geom FROM district GROUP BY left(code, 2)
),
levels AS (
    SELECT 1 AS level, s.code, n.name, NULL::integer AS rank, s.geom
      FROM state s LEFT JOIN state_name n ON n.code = s.code
    UNION ALL
    SELECT 2, d.code, NULL, NULL, d.geom FROM district d
    UNION ALL
    SELECT 3, m.code, m.name,
           CASE WHEN d.members = 1 THEN 1 WHEN m.attributes ->> 'bezeichnung' ILIKE '%stadt%' THEN 2 ELSE 3 END,
           m.geom
      FROM municipality m JOIN district d ON d.code = left(m.code, 5)
)
SELECT level, code, name, rank, geom,
       ST_SimplifyPreserveTopology(geom, 4000) AS geom_z5,
       ST_SimplifyPreserveTopology(geom, 250) AS geom_z9,
       CASE WHEN level = 3 THEN ST_PointOnSurface(geom) END AS label
  FROM levels;

CREATE INDEX ix_region_boundary_geom ON region_boundary USING gist (geom);
CREATE INDEX ix_region_boundary_label ON region_boundary USING gist (label);

-- Layers `boundaries` (level, code, name; states always, districts from zoom 7, municipalities from zoom 10)
-- and `places` (name, rank; rank 1 from zoom 5, rank 2 from zoom 9, all from zoom 11).
CREATE FUNCTION ocpdb_boundary_tile(z integer, x integer, y integer)
RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (
    WITH bounds AS (
        SELECT ST_TileEnvelope(z, x, y) AS env, ST_TileEnvelope(z, x, y, margin => 64.0 / 4096) AS area
    ),
    shapes AS (
        SELECT r.level, r.code, r.name,
               ST_AsMVTGeom(CASE WHEN z < 7 THEN r.geom_z5 WHEN z < 11 THEN r.geom_z9 ELSE r.geom END,
                            b.env, 4096, 64, true) AS geom
          FROM region_boundary r, bounds b
         WHERE r.geom && b.area
           AND (r.level = 1 OR (r.level = 2 AND z >= 7) OR (r.level = 3 AND z >= 10))
    ),
    places AS (
        SELECT r.name, r.rank, ST_AsMVTGeom(r.label, b.env, 4096, 0, true) AS geom
          FROM region_boundary r, bounds b
         WHERE r.level = 3 AND r.label && b.env
           AND r.rank <= CASE WHEN z >= 11 THEN 3 WHEN z >= 9 THEN 2 WHEN z >= 5 THEN 1 ELSE 0 END
    )
    SELECT COALESCE((SELECT ST_AsMVT(s, 'boundaries', 4096, 'geom') FROM shapes s WHERE s.geom IS NOT NULL), '')
        || COALESCE((SELECT ST_AsMVT(p, 'places', 4096, 'geom') FROM places p WHERE p.geom IS NOT NULL), '')
    );
END
$$;

GRANT SELECT ON region_boundary TO ocpdb_reader;
GRANT EXECUTE ON FUNCTION ocpdb_boundary_tile(integer, integer, integer) TO ocpdb_reader;

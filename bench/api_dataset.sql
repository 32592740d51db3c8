-- API benchmark dataset, generated in SQL: :n locations (default 100000) in Germany, clustered around 20 cities,
-- one charging station each, 3 EVSEs per station (300000 for n = 100000), 1-2 connectors per EVSE, tariffs on
-- a tenth of the EVSEs, 5% BNetzA-style duplicates. Usage:
--   psql "$DATABASE_URL" -v n=100000 -f bench/api_dataset.sql
\if :{?n}
\else
\set n 100000
\endif

BEGIN;
DELETE FROM location WHERE source = 'bench_api';
DELETE FROM tariff WHERE source = 'bench_api';
INSERT INTO source (uid, name, static_status, realtime_status, static_data_updated_at)
VALUES ('bench_api', 'API benchmark', 'ACTIVE', 'ACTIVE', now())
ON CONFLICT (uid) DO NOTHING;
INSERT INTO business (name, emobility_uid)
SELECT 'Bench Operator ' || g, 'DE*B' || lpad(g::text, 2, '0') FROM generate_series(1, 50) g
ON CONFLICT (name) DO NOTHING;

CREATE TEMP TABLE bench_city (i int, lat float8, lon float8) ON COMMIT DROP;
INSERT INTO bench_city VALUES
  (0, 52.52, 13.40), (1, 53.55, 9.99), (2, 48.14, 11.58), (3, 50.94, 6.96), (4, 50.11, 8.68), (5, 48.78, 9.18),
  (6, 51.23, 6.78), (7, 51.51, 7.47), (8, 51.46, 7.01), (9, 51.34, 12.37), (10, 53.08, 8.80), (11, 51.05, 13.74),
  (12, 52.37, 9.73), (13, 49.45, 11.08), (14, 51.43, 6.76), (15, 48.37, 10.90), (16, 49.01, 8.40), (17, 54.32, 10.13),
  (18, 47.99, 7.85), (19, 50.08, 8.24);

INSERT INTO location (uid, source, operator_id, name, address, postal_code, city, country, lat, lon, time_zone,
                      twentyfourseven, last_updated, facilities)
SELECT 'BENCH-' || g, 'bench_api',
       (SELECT min(id) FROM business WHERE name LIKE 'Bench Operator %') + (g % 50),
       'Bench Location ' || g, 'Benchstraße ' || (g % 200 + 1), lpad((g % 99999)::text, 5, '0'), 'City ' || (g % 2000),
       'DEU',
       round(CASE WHEN g % 10 < 6 THEN c.lat + (random() - 0.5) * 0.4 ELSE 47.4 + random() * 7.5 END::numeric, 7),
       round(CASE WHEN g % 10 < 6 THEN c.lon + (random() - 0.5) * 0.6 ELSE 6.0 + random() * 8.9 END::numeric, 7),
       'Europe/Berlin', g % 7 <> 0, now() - random() * interval '60 days',
       CASE WHEN g % 5 = 0 THEN '{BATHROOM,CATERING}'::text[] ELSE '{}'::text[] END
  FROM generate_series(1, :n) g
  JOIN bench_city c ON c.i = g % 20;

INSERT INTO charging_station (location_id, uid, capabilities, last_updated)
SELECT id, 'CS-1', 512 + 16, last_updated FROM location WHERE source = 'bench_api';

INSERT INTO evse (charging_station_id, uid, evse_id, status, last_updated, status_last_updated, parking_restrictions)
SELECT cs.id, 'E' || k, 'DE*B01*E' || cs.id || '*' || k,
       (ARRAY['AVAILABLE', 'AVAILABLE', 'CHARGING', 'UNKNOWN', 'OUTOFORDER', 'STATIC']::"EvseStatus"[])
           [1 + ((cs.id * 7 + k * 3) % 6)],
       cs.last_updated, cs.last_updated, CASE WHEN (cs.id + k) % 97 = 0 THEN 64 ELSE 0 END
  FROM charging_station cs JOIN location l ON l.id = cs.location_id AND l.source = 'bench_api'
 CROSS JOIN generate_series(1, 3) k;

INSERT INTO connector (evse_id, uid, standard, format, power_type, max_voltage, max_amperage, max_electric_power,
                       last_updated)
SELECT e.id, 'C' || k,
       CASE WHEN k = 1 THEN 'IEC_62196_T2'::connectortype ELSE 'IEC_62196_T2_COMBO'::connectortype END,
       CASE WHEN k = 1 THEN 'SOCKET'::connectorformat ELSE 'CABLE'::connectorformat END,
       CASE WHEN k = 1 THEN 'AC_3_PHASE'::powertype ELSE 'DC'::powertype END,
       400, CASE WHEN k = 1 THEN 32 ELSE 375 END, CASE WHEN k = 1 THEN 22000 ELSE 150000 END, e.last_updated
  FROM evse e JOIN charging_station cs ON cs.id = e.charging_station_id
  JOIN location l ON l.id = cs.location_id AND l.source = 'bench_api'
 CROSS JOIN generate_series(1, 2) k
 WHERE k = 1 OR e.id % 2 = 0;

INSERT INTO tariff (uid, source, currency, elements, last_updated)
SELECT 'BENCH-T' || g, 'bench_api', 'EUR',
       jsonb_build_array(jsonb_build_object('price_components',
           jsonb_build_array(jsonb_build_object('type', 'ENERGY', 'price', 0.3 + g / 100.0)))), now()
  FROM generate_series(1, 20) g;
INSERT INTO tariff_association (tariff_id, uid, source, audience, start_date_time, last_updated)
SELECT id, 'TA-' || uid, 'bench_api', 'AD_HOC_PAYMENT', now(), now() FROM tariff WHERE source = 'bench_api';
INSERT INTO evse_tariff_association (evse_id, tariff_association_id)
SELECT e.id, ta.id
  FROM evse e JOIN charging_station cs ON cs.id = e.charging_station_id
  JOIN location l ON l.id = cs.location_id AND l.source = 'bench_api'
  JOIN tariff_association ta ON ta.source = 'bench_api' AND ta.uid = 'TA-BENCH-T' || (1 + e.id % 20)
 WHERE e.id % 10 = 0;

-- 5% of the locations are static duplicates matched to a neighbour (hidden by filter_duplicates)
UPDATE location l SET dynamic_location_id = l.id - 1
 WHERE l.source = 'bench_api' AND l.id % 20 = 0;
UPDATE data_version SET version = version + 1, changed_at = now();
COMMIT;
-- VACUUM as autovacuum would on a live server: sets the visibility map, so OFFSET pages and count(*) use
-- index-only scans instead of visiting the heap (this server runs with autovacuum off)
VACUUM (ANALYZE);

-- Columns that reference source(uid) have its width (varchar(256)); before, a uid longer than 64
-- characters could be registered but none of its locations or tariffs stored (fetch state: 0010).
-- Widening a varchar is a catalogue-only change in PostgreSQL (no table rewrite).
ALTER TABLE location ALTER COLUMN source TYPE varchar(256);
ALTER TABLE tariff ALTER COLUMN source TYPE varchar(256);
ALTER TABLE tariff_association ALTER COLUMN source TYPE varchar(256);

-- The API's name/address/city and operator/business-name filters are substring matches
-- (LIKE '%...%'), which a b-tree cannot serve; pg_trgm (installed by 0001) can.
CREATE INDEX IF NOT EXISTS location_name_trgm ON location USING gin (name gin_trgm_ops);
CREATE INDEX IF NOT EXISTS location_address_trgm ON location USING gin (address gin_trgm_ops);
CREATE INDEX IF NOT EXISTS location_city_trgm ON location USING gin (city gin_trgm_ops);
CREATE INDEX IF NOT EXISTS business_name_trgm ON business USING gin (name gin_trgm_ops);

-- Who may charge at a location, as the source states it (OICP `Accessibility`); NULL when the source does
-- not say. Adding a nullable column without a default is a catalogue-only change (no table rewrite).
CREATE TYPE accessibility AS ENUM ('FREE_PUBLIC', 'PAYING_PUBLIC', 'RESTRICTED', 'TEST_STATION');
ALTER TABLE location ADD COLUMN accessibility accessibility;

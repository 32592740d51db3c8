-- Cross-source duplicates by site (products/duplicate_sites): a link made by rule `same_site` carries the
-- site score it was made with (`same_evse_ids` links score 1.0: the ids are the evidence).
ALTER TABLE location_duplicate ADD COLUMN score double precision NOT NULL DEFAULT 1.0;

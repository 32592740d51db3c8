-- Availability statistics per EVSE and day (products/availability_statistics, a daily-partitioned asset).
-- A partition is recomputed as a whole (delete the day, insert it again), so backfills are idempotent.
-- Seconds are of the local day (Europe/Berlin: 23, 24 or 25 hours); time without data is not in any status.
CREATE TABLE evse_availability_daily (
    day date NOT NULL,
    evse_id bigint NOT NULL,  -- no foreign key: statistics outlive a deleted EVSE
    evse_uid varchar(64) NOT NULL,
    location_id bigint,
    source varchar(64) NOT NULL,
    operator varchar(255),
    day_seconds integer NOT NULL,
    -- {"AVAILABLE": 51234, "CHARGING": 20000, ...}: seconds in each observed status (UNKNOWN included)
    status_seconds jsonb NOT NULL,
    no_data_seconds integer NOT NULL,
    -- per local hour of day 0..23: seconds with a known status, and of those occupied (CHARGING, BLOCKED, RESERVED)
    known_seconds_by_hour integer[] NOT NULL,
    occupied_seconds_by_hour integer[] NOT NULL,
    computed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, evse_id)
);
CREATE INDEX ix_evse_availability_daily_source_day ON evse_availability_daily (source, day);
CREATE INDEX ix_evse_availability_daily_location ON evse_availability_daily (location_id, day);
CREATE INDEX ix_evse_availability_daily_evse_uid ON evse_availability_daily (evse_uid, day);
GRANT SELECT ON evse_availability_daily TO ocpdb_reader;

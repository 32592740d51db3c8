-- Retention and downsampling of evse_status_history (ocpdb_pipelines/store/history.py).
-- Rows are appended in observed_at order (inserts go to the index's rightmost page); pruning walks it in
-- that order, a batch at a time.
CREATE INDEX ix_evse_status_history_observed_at ON evse_status_history (observed_at);

-- When periodic maintenance last ran, and up to where history is already downsampled
CREATE TABLE maintenance_state (
    name text PRIMARY KEY,
    done_at timestamptz NOT NULL DEFAULT '-infinity',
    watermark timestamptz
);
INSERT INTO maintenance_state (name) VALUES ('evse_status_history');

-- One fetch-state store (ocpdb_pipelines/http/state.py) replaces source_fetch_state, whose
-- last_modified column served both as HTTP validator and as protocol cursor. Per source and kind:
-- HTTP validators, the protocol cursor ("changed since"), the content hash and parser version of
-- the last applied payload (an unchanged static payload is skipped), and the archived snapshot it
-- came from (an older snapshot is never replayed over it silently).
CREATE TABLE fetch_state (
    source_uid varchar(256) NOT NULL REFERENCES source (uid) ON DELETE CASCADE ON UPDATE CASCADE,
    kind varchar(16) NOT NULL CHECK (kind IN ('static', 'realtime')),
    etag text,
    last_modified text,
    cursor text,
    content_hash varchar(64),
    parser_version text,
    snapshot_id text,
    snapshot_fetched_at timestamptz,
    applied_at timestamptz,
    checked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_uid, kind)
);

-- Validators carry over; the protocol cursors (datex2/ochp/giroe kept them in last_modified) do
-- too, so a running realtime pull resumes where it was instead of starting over.
INSERT INTO fetch_state (source_uid, kind, etag, last_modified, cursor, content_hash, checked_at)
SELECT source_uid, kind, etag, last_modified, last_modified, content_hash, checked_at FROM source_fetch_state;

DROP TABLE source_fetch_state;

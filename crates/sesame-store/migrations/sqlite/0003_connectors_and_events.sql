-- Connector instances and rate-limit / lockout events.
--
-- `connectors` has Logto's table and column names. `seq` is not Logto's: as in 0002, it is the
-- rowid alias, AUTOINCREMENT so a value is never reused, recording insertion order for listing
-- "by creation time" (ties within a millisecond broken by insertion order); that makes `id` a
-- UNIQUE key rather than the primary key. The PostgreSQL schema keeps `id` as the primary key
-- with `seq` an identity column. JSON is TEXT, as everywhere in this schema (see 0001).
--
-- `sentinel_activities` borrows Logto's table name only; its shape is Sesame's: one row per
-- event of a bucket (what is limited, e.g. failed password attempts) for a key (whom, e.g. a
-- hashed identifier), counted in time windows and purged once expired. `id` (the rowid alias)
-- is a surrogate key; nothing looks events up by it.

CREATE TABLE connectors (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id VARCHAR(128) NOT NULL UNIQUE,
    connector_id VARCHAR(128) NOT NULL,
    config TEXT NOT NULL DEFAULT '{}',
    metadata TEXT NOT NULL DEFAULT '{}',
    sync_profile BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);

CREATE TABLE sentinel_activities (
    id INTEGER PRIMARY KEY,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Counting a key's events in a window.
CREATE INDEX sentinel_activities__bucket_key_created_at
    ON sentinel_activities (bucket, key, created_at);
-- Purging expired events.
CREATE INDEX sentinel_activities__expires_at ON sentinel_activities (expires_at);

-- Connector instances and rate-limit / lockout events.
--
-- `connectors` has Logto's table and column names. `seq` is not Logto's: as in 0002, it
-- records insertion order, for listing "by creation time" with ties between rows created in
-- the same millisecond broken by insertion order.
--
-- `sentinel_activities` borrows Logto's table name only; its shape is Sesame's: one row per
-- event of a bucket (what is limited, e.g. failed password attempts) for a key (whom, e.g. a
-- hashed identifier), counted in time windows and purged once expired. `id` is a surrogate
-- key; nothing looks events up by it.

CREATE TABLE connectors (
    id VARCHAR(128) NOT NULL,
    connector_id VARCHAR(128) NOT NULL,
    config JSONB NOT NULL DEFAULT '{}'::jsonb,
    metadata JSONB NOT NULL DEFAULT '{}'::jsonb,
    sync_profile BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    CONSTRAINT connectors_pkey PRIMARY KEY (id)
);

CREATE TABLE sentinel_activities (
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    CONSTRAINT sentinel_activities_pkey PRIMARY KEY (id)
);

-- Counting a key's events in a window.
CREATE INDEX sentinel_activities__bucket_key_created_at
    ON sentinel_activities (bucket, key, created_at);
-- Purging expired events.
CREATE INDEX sentinel_activities__expires_at ON sentinel_activities (expires_at);

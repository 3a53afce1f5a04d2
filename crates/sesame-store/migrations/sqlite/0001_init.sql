-- Logto's table and column names. Times are epoch milliseconds; JSON is stored as TEXT
-- (declared TEXT, not JSON: an unknown type name would give the column NUMERIC affinity and
-- SQLite would turn a stored "1" into the integer 1).

CREATE TABLE users (
    id VARCHAR(12) NOT NULL PRIMARY KEY,
    username TEXT,
    primary_email TEXT,
    primary_phone TEXT,
    password_encrypted TEXT,
    password_encryption_method TEXT,
    name TEXT,
    avatar TEXT,
    profile TEXT NOT NULL DEFAULT '{}',
    custom_data TEXT NOT NULL DEFAULT '{}',
    identities TEXT NOT NULL DEFAULT '{}',
    is_suspended BOOLEAN NOT NULL DEFAULT FALSE,
    last_sign_in_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Sign-in identifiers are unique regardless of case.
CREATE UNIQUE INDEX users__username ON users (lower(username));
CREATE UNIQUE INDEX users__primary_email ON users (lower(primary_email));
CREATE UNIQUE INDEX users__primary_phone ON users (primary_phone);

CREATE TABLE applications (
    id VARCHAR(21) NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    type TEXT NOT NULL,
    oidc_client_metadata TEXT NOT NULL DEFAULT '{}',
    custom_client_metadata TEXT NOT NULL DEFAULT '{}',
    is_third_party BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);

CREATE TABLE application_secrets (
    application_id VARCHAR(21) NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    PRIMARY KEY (application_id, name)
);

CREATE TABLE logto_configs (
    key TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE oidc_model_instances (
    model_name TEXT NOT NULL,
    id TEXT NOT NULL,
    grant_id TEXT,
    account_id TEXT,
    payload TEXT NOT NULL DEFAULT '{}',
    expires_at BIGINT NOT NULL,
    consumed_at BIGINT,
    PRIMARY KEY (model_name, id)
);

CREATE INDEX oidc_model_instances__grant_id ON oidc_model_instances (grant_id);
CREATE INDEX oidc_model_instances__account_id ON oidc_model_instances (account_id);
CREATE INDEX oidc_model_instances__expires_at ON oidc_model_instances (expires_at);

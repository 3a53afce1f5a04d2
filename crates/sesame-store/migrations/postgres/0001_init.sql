-- Logto's table and column names. Times are epoch milliseconds (BIGINT, as in the SQLite
-- schema, so both backends agree on "now" as chosen by the caller); JSON is jsonb.

CREATE TABLE users (
    id VARCHAR(12) NOT NULL,
    username TEXT,
    primary_email TEXT,
    primary_phone TEXT,
    password_encrypted TEXT,
    password_encryption_method TEXT,
    name TEXT,
    avatar TEXT,
    profile JSONB NOT NULL DEFAULT '{}'::jsonb,
    custom_data JSONB NOT NULL DEFAULT '{}'::jsonb,
    identities JSONB NOT NULL DEFAULT '{}'::jsonb,
    is_suspended BOOLEAN NOT NULL DEFAULT FALSE,
    last_sign_in_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT users_pkey PRIMARY KEY (id)
);

-- Sign-in identifiers are unique regardless of case.
CREATE UNIQUE INDEX users__username ON users (lower(username));
CREATE UNIQUE INDEX users__primary_email ON users (lower(primary_email));
CREATE UNIQUE INDEX users__primary_phone ON users (primary_phone);

CREATE TABLE applications (
    id VARCHAR(21) NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    type TEXT NOT NULL,
    oidc_client_metadata JSONB NOT NULL DEFAULT '{}'::jsonb,
    custom_client_metadata JSONB NOT NULL DEFAULT '{}'::jsonb,
    is_third_party BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    CONSTRAINT applications_pkey PRIMARY KEY (id)
);

CREATE TABLE application_secrets (
    application_id VARCHAR(21) NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    CONSTRAINT application_secrets_pkey PRIMARY KEY (application_id, name)
);

CREATE TABLE logto_configs (
    key TEXT NOT NULL,
    value JSONB NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT logto_configs_pkey PRIMARY KEY (key)
);

CREATE TABLE oidc_model_instances (
    model_name TEXT NOT NULL,
    id TEXT NOT NULL,
    grant_id TEXT,
    account_id TEXT,
    payload JSONB NOT NULL DEFAULT '{}'::jsonb,
    expires_at BIGINT NOT NULL,
    consumed_at BIGINT,
    CONSTRAINT oidc_model_instances_pkey PRIMARY KEY (model_name, id)
);

CREATE INDEX oidc_model_instances__grant_id ON oidc_model_instances (grant_id);
CREATE INDEX oidc_model_instances__account_id ON oidc_model_instances (account_id);
CREATE INDEX oidc_model_instances__expires_at ON oidc_model_instances (expires_at);

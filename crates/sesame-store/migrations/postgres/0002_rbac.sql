-- API resources, their scopes and roles (RBAC), with Logto's table and column names.
--
-- `seq` is not Logto's: it records insertion order, for listings "in creation order" (and to
-- break ties between rows created in the same millisecond). Here it is an identity column
-- beside the `id` primary key; the SQLite schema makes it the rowid alias instead. The store
-- reads both the same way.
--
-- Every foreign key cascades on delete. Unique indexes and constraints are named explicitly:
-- the store maps their names to the conflicting field.

CREATE TABLE resources (
    id VARCHAR(21) NOT NULL,
    name TEXT NOT NULL,
    indicator TEXT NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    access_token_ttl BIGINT NOT NULL DEFAULT 3600,
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    CONSTRAINT resources_pkey PRIMARY KEY (id)
);

CREATE UNIQUE INDEX resources__indicator ON resources (indicator);
-- At most one default resource.
CREATE UNIQUE INDEX resources__is_default ON resources (is_default) WHERE is_default;
CREATE INDEX resources__seq ON resources (seq);

CREATE TABLE scopes (
    id VARCHAR(21) NOT NULL,
    resource_id VARCHAR(21) NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    created_at BIGINT NOT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    CONSTRAINT scopes_pkey PRIMARY KEY (id),
    CONSTRAINT scopes__resource_id_fkey FOREIGN KEY (resource_id)
        REFERENCES resources (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX scopes__resource_id_name ON scopes (resource_id, name);

CREATE TABLE roles (
    id VARCHAR(21) NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT 'User',
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    CONSTRAINT roles_pkey PRIMARY KEY (id),
    CONSTRAINT roles__type CHECK (type IN ('User', 'MachineToMachine'))
);

CREATE UNIQUE INDEX roles__name ON roles (name);

CREATE TABLE roles_scopes (
    role_id VARCHAR(21) NOT NULL,
    scope_id VARCHAR(21) NOT NULL,
    CONSTRAINT roles_scopes_pkey PRIMARY KEY (role_id, scope_id),
    CONSTRAINT roles_scopes__role_id_fkey FOREIGN KEY (role_id)
        REFERENCES roles (id) ON DELETE CASCADE,
    CONSTRAINT roles_scopes__scope_id_fkey FOREIGN KEY (scope_id)
        REFERENCES scopes (id) ON DELETE CASCADE
);

CREATE INDEX roles_scopes__scope_id ON roles_scopes (scope_id);

CREATE TABLE users_roles (
    user_id VARCHAR(21) NOT NULL,
    role_id VARCHAR(21) NOT NULL,
    CONSTRAINT users_roles_pkey PRIMARY KEY (user_id, role_id),
    CONSTRAINT users_roles__user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT users_roles__role_id_fkey FOREIGN KEY (role_id)
        REFERENCES roles (id) ON DELETE CASCADE
);

CREATE INDEX users_roles__role_id ON users_roles (role_id);

CREATE TABLE applications_roles (
    application_id VARCHAR(21) NOT NULL,
    role_id VARCHAR(21) NOT NULL,
    CONSTRAINT applications_roles_pkey PRIMARY KEY (application_id, role_id),
    CONSTRAINT applications_roles__application_id_fkey FOREIGN KEY (application_id)
        REFERENCES applications (id) ON DELETE CASCADE,
    CONSTRAINT applications_roles__role_id_fkey FOREIGN KEY (role_id)
        REFERENCES roles (id) ON DELETE CASCADE
);

CREATE INDEX applications_roles__role_id ON applications_roles (role_id);

-- Listings of users and applications are newest first.
CREATE INDEX users__created_at ON users (created_at, id);
CREATE INDEX applications__created_at ON applications (created_at, id);

-- API resources, their scopes and roles (RBAC), with Logto's table and column names.
--
-- `seq` is not Logto's: it records insertion order, for listings "in creation order" (and to
-- break ties between rows created in the same millisecond). Here it is the rowid alias,
-- AUTOINCREMENT so that a value is never reused, even after the newest row is deleted, and
-- VACUUM leaves it alone; that makes `id` a UNIQUE key rather than the primary key. The
-- PostgreSQL schema keeps `id` as the primary key, with `seq` an identity column; the store
-- reads both the same way.
--
-- Every foreign key cascades on delete (SQLite enforces them only with PRAGMA foreign_keys=ON,
-- which the store sets on every connection). Unique indexes are named explicitly: the store
-- maps their names (PostgreSQL) and messages (SQLite) to the conflicting field.

CREATE TABLE resources (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id VARCHAR(21) NOT NULL UNIQUE,
    name TEXT NOT NULL,
    indicator TEXT NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    access_token_ttl BIGINT NOT NULL DEFAULT 3600
);

CREATE UNIQUE INDEX resources__indicator ON resources (indicator);
-- At most one default resource.
CREATE UNIQUE INDEX resources__is_default ON resources (is_default) WHERE is_default;

CREATE TABLE scopes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id VARCHAR(21) NOT NULL UNIQUE,
    resource_id VARCHAR(21) NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    created_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX scopes__resource_id_name ON scopes (resource_id, name);

CREATE TABLE roles (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id VARCHAR(21) NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT 'User' CHECK (type IN ('User', 'MachineToMachine')),
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX roles__name ON roles (name);

CREATE TABLE roles_scopes (
    role_id VARCHAR(21) NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    scope_id VARCHAR(21) NOT NULL REFERENCES scopes (id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, scope_id)
);

CREATE INDEX roles_scopes__scope_id ON roles_scopes (scope_id);

CREATE TABLE users_roles (
    user_id VARCHAR(21) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id VARCHAR(21) NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);

CREATE INDEX users_roles__role_id ON users_roles (role_id);

CREATE TABLE applications_roles (
    application_id VARCHAR(21) NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    role_id VARCHAR(21) NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (application_id, role_id)
);

CREATE INDEX applications_roles__role_id ON applications_roles (role_id);

-- Listings of users and applications are newest first.
CREATE INDEX users__created_at ON users (created_at, id);
CREATE INDEX applications__created_at ON applications (created_at, id);

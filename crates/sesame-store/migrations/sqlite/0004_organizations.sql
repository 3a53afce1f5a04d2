-- Organizations (multi-tenant B2B), with Logto's table and column names: the organization
-- template (organization scopes and roles, which also grant API resource scopes), the
-- organizations themselves, their user and application members, and the members' roles.
--
-- `seq` is not Logto's: as in 0002, it is the rowid alias, AUTOINCREMENT so a value is never
-- reused, recording insertion order. For `organizations` it breaks ties between organizations
-- created in the same millisecond (listings are newest first); for the membership tables it is
-- the join order. That makes `id` (or the member pair) a UNIQUE key rather than the primary key.
-- The PostgreSQL schema keeps those as primary keys, with `seq` an identity column.
--
-- Every foreign key cascades on delete, so deleting an organization, user, application,
-- organization role, organization scope or API resource scope removes every relation that
-- mentions it. A member's roles reference the membership itself, so removing a member removes
-- their roles in that organization (and only there). Unique indexes are named explicitly: the
-- store maps their names (PostgreSQL) and messages (SQLite) to the conflicting field.

CREATE TABLE organizations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id VARCHAR(21) NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT,
    custom_data TEXT NOT NULL DEFAULT '{}',
    is_mfa_required BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);

-- Listings are newest first.
CREATE INDEX organizations__created_at ON organizations (created_at, seq);

CREATE TABLE organization_scopes (
    id VARCHAR(21) NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT
);

CREATE UNIQUE INDEX organization_scopes__name ON organization_scopes (name);

CREATE TABLE organization_roles (
    id VARCHAR(21) NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    type TEXT NOT NULL DEFAULT 'User' CHECK (type IN ('User', 'MachineToMachine'))
);

CREATE UNIQUE INDEX organization_roles__name ON organization_roles (name);

CREATE TABLE organization_role_scope_relations (
    organization_role_id VARCHAR(21) NOT NULL
        REFERENCES organization_roles (id) ON DELETE CASCADE,
    organization_scope_id VARCHAR(21) NOT NULL
        REFERENCES organization_scopes (id) ON DELETE CASCADE,
    PRIMARY KEY (organization_role_id, organization_scope_id)
);

CREATE INDEX organization_role_scope_relations__organization_scope_id
    ON organization_role_scope_relations (organization_scope_id);

CREATE TABLE organization_role_resource_scope_relations (
    organization_role_id VARCHAR(21) NOT NULL
        REFERENCES organization_roles (id) ON DELETE CASCADE,
    scope_id VARCHAR(21) NOT NULL REFERENCES scopes (id) ON DELETE CASCADE,
    PRIMARY KEY (organization_role_id, scope_id)
);

CREATE INDEX organization_role_resource_scope_relations__scope_id
    ON organization_role_resource_scope_relations (scope_id);

CREATE TABLE organization_user_relations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id VARCHAR(21) NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id VARCHAR(21) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    UNIQUE (organization_id, user_id)
);

CREATE INDEX organization_user_relations__user_id ON organization_user_relations (user_id);

CREATE TABLE organization_role_user_relations (
    organization_id VARCHAR(21) NOT NULL,
    user_id VARCHAR(21) NOT NULL,
    organization_role_id VARCHAR(21) NOT NULL
        REFERENCES organization_roles (id) ON DELETE CASCADE,
    PRIMARY KEY (organization_id, user_id, organization_role_id),
    FOREIGN KEY (organization_id, user_id)
        REFERENCES organization_user_relations (organization_id, user_id) ON DELETE CASCADE
);

CREATE INDEX organization_role_user_relations__user_id
    ON organization_role_user_relations (user_id);
CREATE INDEX organization_role_user_relations__organization_role_id
    ON organization_role_user_relations (organization_role_id);

CREATE TABLE organization_application_relations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id VARCHAR(21) NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    application_id VARCHAR(21) NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    UNIQUE (organization_id, application_id)
);

CREATE INDEX organization_application_relations__application_id
    ON organization_application_relations (application_id);

CREATE TABLE organization_role_application_relations (
    organization_id VARCHAR(21) NOT NULL,
    application_id VARCHAR(21) NOT NULL,
    organization_role_id VARCHAR(21) NOT NULL
        REFERENCES organization_roles (id) ON DELETE CASCADE,
    PRIMARY KEY (organization_id, application_id, organization_role_id),
    FOREIGN KEY (organization_id, application_id)
        REFERENCES organization_application_relations (organization_id, application_id)
        ON DELETE CASCADE
);

CREATE INDEX organization_role_application_relations__application_id
    ON organization_role_application_relations (application_id);
CREATE INDEX organization_role_application_relations__organization_role_id
    ON organization_role_application_relations (organization_role_id);

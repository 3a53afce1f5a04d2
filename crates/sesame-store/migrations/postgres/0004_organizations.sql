-- Organizations (multi-tenant B2B), with Logto's table and column names: the organization
-- template (organization scopes and roles, which also grant API resource scopes), the
-- organizations themselves, their user and application members, and the members' roles.
--
-- `seq` is not Logto's: as in 0002, it is an identity column recording insertion order. For
-- `organizations` it breaks ties between organizations created in the same millisecond
-- (listings are newest first); for the membership tables it is the join order.
--
-- Scope and role names are `COLLATE "C"`, so listing them by name orders bytewise, as SQLite
-- does, whatever the database's default collation.
--
-- Every foreign key cascades on delete, so deleting an organization, user, application,
-- organization role, organization scope or API resource scope removes every relation that
-- mentions it. A member's roles reference the membership itself, so removing a member removes
-- their roles in that organization (and only there). Unique indexes and constraints are named
-- explicitly: the store maps their names to the conflicting field.

CREATE TABLE organizations (
    id VARCHAR(21) NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    custom_data JSONB NOT NULL DEFAULT '{}'::jsonb,
    is_mfa_required BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    CONSTRAINT organizations_pkey PRIMARY KEY (id)
);

-- Listings are newest first.
CREATE INDEX organizations__created_at ON organizations (created_at, seq);

CREATE TABLE organization_scopes (
    id VARCHAR(21) NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    description TEXT,
    CONSTRAINT organization_scopes_pkey PRIMARY KEY (id)
);

CREATE UNIQUE INDEX organization_scopes__name ON organization_scopes (name);

CREATE TABLE organization_roles (
    id VARCHAR(21) NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    description TEXT,
    type TEXT NOT NULL DEFAULT 'User',
    CONSTRAINT organization_roles_pkey PRIMARY KEY (id),
    CONSTRAINT organization_roles__type CHECK (type IN ('User', 'MachineToMachine'))
);

CREATE UNIQUE INDEX organization_roles__name ON organization_roles (name);

CREATE TABLE organization_role_scope_relations (
    organization_role_id VARCHAR(21) NOT NULL,
    organization_scope_id VARCHAR(21) NOT NULL,
    CONSTRAINT organization_role_scope_relations_pkey
        PRIMARY KEY (organization_role_id, organization_scope_id),
    CONSTRAINT organization_role_scope_relations__organization_role_id_fkey
        FOREIGN KEY (organization_role_id) REFERENCES organization_roles (id) ON DELETE CASCADE,
    CONSTRAINT organization_role_scope_relations__organization_scope_id_fkey
        FOREIGN KEY (organization_scope_id) REFERENCES organization_scopes (id) ON DELETE CASCADE
);

CREATE INDEX organization_role_scope_relations__organization_scope_id
    ON organization_role_scope_relations (organization_scope_id);

CREATE TABLE organization_role_resource_scope_relations (
    organization_role_id VARCHAR(21) NOT NULL,
    scope_id VARCHAR(21) NOT NULL,
    CONSTRAINT organization_role_resource_scope_relations_pkey
        PRIMARY KEY (organization_role_id, scope_id),
    CONSTRAINT organization_role_resource_scope_relations__organization_role_id_fkey
        FOREIGN KEY (organization_role_id) REFERENCES organization_roles (id) ON DELETE CASCADE,
    CONSTRAINT organization_role_resource_scope_relations__scope_id_fkey
        FOREIGN KEY (scope_id) REFERENCES scopes (id) ON DELETE CASCADE
);

CREATE INDEX organization_role_resource_scope_relations__scope_id
    ON organization_role_resource_scope_relations (scope_id);

CREATE TABLE organization_user_relations (
    organization_id VARCHAR(21) NOT NULL,
    user_id VARCHAR(21) NOT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    CONSTRAINT organization_user_relations_pkey PRIMARY KEY (organization_id, user_id),
    CONSTRAINT organization_user_relations__organization_id_fkey
        FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT organization_user_relations__user_id_fkey
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE INDEX organization_user_relations__user_id ON organization_user_relations (user_id);

CREATE TABLE organization_role_user_relations (
    organization_id VARCHAR(21) NOT NULL,
    user_id VARCHAR(21) NOT NULL,
    organization_role_id VARCHAR(21) NOT NULL,
    CONSTRAINT organization_role_user_relations_pkey
        PRIMARY KEY (organization_id, user_id, organization_role_id),
    CONSTRAINT organization_role_user_relations__organization_role_id_fkey
        FOREIGN KEY (organization_role_id) REFERENCES organization_roles (id) ON DELETE CASCADE,
    CONSTRAINT organization_role_user_relations__membership_fkey
        FOREIGN KEY (organization_id, user_id)
        REFERENCES organization_user_relations (organization_id, user_id) ON DELETE CASCADE
);

CREATE INDEX organization_role_user_relations__user_id
    ON organization_role_user_relations (user_id);
CREATE INDEX organization_role_user_relations__organization_role_id
    ON organization_role_user_relations (organization_role_id);

CREATE TABLE organization_application_relations (
    organization_id VARCHAR(21) NOT NULL,
    application_id VARCHAR(21) NOT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    CONSTRAINT organization_application_relations_pkey
        PRIMARY KEY (organization_id, application_id),
    CONSTRAINT organization_application_relations__organization_id_fkey
        FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT organization_application_relations__application_id_fkey
        FOREIGN KEY (application_id) REFERENCES applications (id) ON DELETE CASCADE
);

CREATE INDEX organization_application_relations__application_id
    ON organization_application_relations (application_id);

CREATE TABLE organization_role_application_relations (
    organization_id VARCHAR(21) NOT NULL,
    application_id VARCHAR(21) NOT NULL,
    organization_role_id VARCHAR(21) NOT NULL,
    CONSTRAINT organization_role_application_relations_pkey
        PRIMARY KEY (organization_id, application_id, organization_role_id),
    CONSTRAINT organization_role_application_relations__organization_role_id_fkey
        FOREIGN KEY (organization_role_id) REFERENCES organization_roles (id) ON DELETE CASCADE,
    CONSTRAINT organization_role_application_relations__membership_fkey
        FOREIGN KEY (organization_id, application_id)
        REFERENCES organization_application_relations (organization_id, application_id)
        ON DELETE CASCADE
);

CREATE INDEX organization_role_application_relations__application_id
    ON organization_role_application_relations (application_id);
CREATE INDEX organization_role_application_relations__organization_role_id
    ON organization_role_application_relations (organization_role_id);

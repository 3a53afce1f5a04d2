-- Social identities linked to users: Logto's `user_social_identity_relations`.
--
-- `users.identities` ({"<target>": {"userId", "details"}}) stays what the `identities` claim and
-- the Management API read; this table mirrors it, one row per linked identity, so that finding
-- the user of an upstream identity is an index lookup and the database itself refuses to link
-- one upstream identity (target + upstream user id) to two users. A user holds at most one
-- identity per target, as the JSON object's keys imply. Rows go with their user (foreign keys
-- are on for every connection).

CREATE TABLE user_social_identity_relations (
    user_id VARCHAR(12) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target TEXT NOT NULL,
    identity_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, target),
    UNIQUE (target, identity_id)
);

-- Identities written into `users.identities` before this table existed (first writer wins).
INSERT OR IGNORE INTO user_social_identity_relations (user_id, target, identity_id, created_at)
SELECT users.id, entry.key, CAST(json_extract(entry.value, '$.userId') AS TEXT), users.updated_at
FROM users, json_each(users.identities) AS entry
WHERE entry.type = 'object' AND json_extract(entry.value, '$.userId') IS NOT NULL
ORDER BY users.created_at, users.id;

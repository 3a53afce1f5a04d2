-- Social identities linked to users: Logto's `user_social_identity_relations`.
--
-- `users.identities` ({"<target>": {"userId", "details"}}) stays what the `identities` claim and
-- the Management API read; this table mirrors it, one row per linked identity, so that finding
-- the user of an upstream identity is an index lookup and the database itself refuses to link
-- one upstream identity (target + upstream user id) to two users. A user holds at most one
-- identity per target, as the JSON object's keys imply. Rows go with their user.

CREATE TABLE user_social_identity_relations (
    user_id VARCHAR(12) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target TEXT NOT NULL,
    identity_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT user_social_identity_relations_pkey PRIMARY KEY (user_id, target),
    CONSTRAINT user_social_identity_relations__target__identity_id UNIQUE (target, identity_id)
);

-- Identities written into `users.identities` before this table existed (first writer wins).
INSERT INTO user_social_identity_relations (user_id, target, identity_id, created_at)
SELECT users.id, entry.key, entry.value ->> 'userId', users.updated_at
FROM users, jsonb_each(users.identities) AS entry
WHERE jsonb_typeof(entry.value) = 'object' AND entry.value ->> 'userId' IS NOT NULL
ORDER BY users.created_at, users.id
ON CONFLICT DO NOTHING;

//! The storage port: everything Sesame persists goes through [`Store`].
//!
//! Times are epoch milliseconds chosen by the caller's [`crate::clock::Clock`], never by the
//! database, so every node (and every test) agrees on "now".

use async_trait::async_trait;
use serde_json::Value;

use crate::model::{Application, ApplicationSecret, ApplicationType, ConnectorRecord, Listing, NewUser, Page, Resource, Role, RoleType, Scope, User};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness constraint refused the write; `field` names the column (`username`, …).
    #[error("conflict on {field}")]
    Conflict { field: String },
    #[error("storage backend failed: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Kinds of short-lived OIDC artifacts, stored like oidc-provider's `oidc_model_instances`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArtifactKind {
    Interaction,
    Session,
    Grant,
    AuthorizationCode,
    AccessToken,
    RefreshToken,
}

impl ArtifactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Interaction => "Interaction",
            Self::Session => "Session",
            Self::Grant => "Grant",
            Self::AuthorizationCode => "AuthorizationCode",
            Self::AccessToken => "AccessToken",
            Self::RefreshToken => "RefreshToken",
        }
    }
}

/// One stored artifact. `id` is the lookup key (for bearer values, a hash of the value).
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    pub kind: ArtifactKind,
    pub id: String,
    /// The grant this artifact belongs to, so a whole grant can be revoked at once.
    pub grant_id: Option<String>,
    /// The user it concerns, so a user's sessions and grants can be revoked at once.
    pub account_id: Option<String>,
    pub payload: Value,
    pub expires_at: i64,
    pub consumed_at: Option<i64>,
}

/// Result of atomically marking an artifact consumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consumption {
    /// This call consumed it; no other caller can.
    Consumed,
    /// It had already been consumed at the given time.
    AlreadyConsumed { at: i64 },
    /// No such (unexpired) artifact.
    Missing,
}

#[async_trait]
pub trait Store: crate::organization::OrganizationStore + Send + Sync + 'static {
    // --- users
    async fn insert_user(&self, user: &NewUser, now: i64) -> StoreResult<User>;
    async fn find_user(&self, id: &str) -> StoreResult<Option<User>>;
    async fn find_user_by_username(&self, username: &str) -> StoreResult<Option<User>>;
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    async fn find_user_by_phone(&self, phone: &str) -> StoreResult<Option<User>>;
    async fn update_user_password(&self, id: &str, hash: &str, method: &str, now: i64) -> StoreResult<()>;
    async fn touch_user_sign_in(&self, id: &str, now: i64) -> StoreResult<()>;
    async fn set_user_suspended(&self, id: &str, suspended: bool, now: i64) -> StoreResult<()>;
    /// Users whose id, username, email, phone or name contains `search` (case-insensitive),
    /// newest first.
    async fn list_users(&self, search: Option<&str>, page: Page) -> StoreResult<Listing<User>>;
    /// Writes every mutable field of `user` (username, primary email/phone, name, avatar,
    /// profile, custom data, is_suspended) and sets `updated_at` to `now`. Not `identities`:
    /// those change only through `link_user_identity` / `unlink_user_identity`, so a stale copy
    /// of the user never drops an identity linked meanwhile.
    /// `NotFound` if absent; `Conflict` on a taken identifier.
    async fn update_user(&self, user: &User, now: i64) -> StoreResult<()>;
    /// Deletes the user, its role assignments and every artifact of its account, atomically.
    async fn delete_user(&self, id: &str) -> StoreResult<()>;

    // --- social identities: `users.identities` (`{"<target>": {"userId", "details"}}`, what the
    // `identities` claim shows) mirrored by an indexed relation table, written together
    /// The user the upstream identity `identity_id` of connector target `target` (e.g.
    /// `discord`) is linked to.
    async fn find_user_by_identity(&self, target: &str, identity_id: &str) -> StoreResult<Option<User>>;
    /// Links the identity to the user, atomically: `users.identities[target]` becomes
    /// `{"userId": identity_id, "details": details}` (no `details` key when `None`), replacing
    /// the user's previous identity of that target, and `updated_at` becomes `now`. Returns the
    /// updated user. `NotFound` if the user is absent; `Conflict{field: "identity_id"}` if
    /// another user holds the identity (one upstream identity is never linked to two users).
    async fn link_user_identity(
        &self,
        user_id: &str,
        target: &str,
        identity_id: &str,
        details: Option<&Value>,
        now: i64,
    ) -> StoreResult<User>;
    /// Removes the user's identity of `target` (relation and JSON key), atomically, setting
    /// `updated_at` to `now`; returns the updated user. `NotFound` if the user is absent or has
    /// no identity of that target.
    async fn unlink_user_identity(&self, user_id: &str, target: &str, now: i64) -> StoreResult<User>;

    // --- applications
    async fn insert_application(&self, app: &Application, secret: Option<&ApplicationSecret>) -> StoreResult<()>;
    async fn find_application(&self, id: &str) -> StoreResult<Option<Application>>;
    async fn application_secrets(&self, application_id: &str) -> StoreResult<Vec<ApplicationSecret>>;
    /// Applications of the given types (all types when empty), newest first.
    async fn list_applications(&self, types: &[ApplicationType], page: Page) -> StoreResult<Listing<Application>>;
    /// Writes name, description, oidc_client_metadata, custom_client_metadata, is_third_party.
    async fn update_application(&self, app: &Application) -> StoreResult<()>;
    /// Deletes the application with its secrets and role assignments.
    async fn delete_application(&self, id: &str) -> StoreResult<()>;
    /// `Conflict{field: "name"}` when the application already has a secret of that name.
    async fn insert_application_secret(&self, secret: &ApplicationSecret) -> StoreResult<()>;
    async fn delete_application_secret(&self, application_id: &str, name: &str) -> StoreResult<()>;

    // --- API resources and their scopes
    /// `Conflict{field: "indicator"}` on a taken indicator.
    async fn insert_resource(&self, resource: &Resource) -> StoreResult<()>;
    async fn find_resource(&self, id: &str) -> StoreResult<Option<Resource>>;
    async fn find_resource_by_indicator(&self, indicator: &str) -> StoreResult<Option<Resource>>;
    async fn default_resource(&self) -> StoreResult<Option<Resource>>;
    /// Ordered by creation (insertion) order.
    async fn list_resources(&self, page: Page) -> StoreResult<Listing<Resource>>;
    /// Writes name and access_token_ttl (not the indicator, not is_default).
    async fn update_resource(&self, resource: &Resource) -> StoreResult<()>;
    /// Makes it the default (clearing any other, atomically) or not.
    async fn set_default_resource(&self, id: &str, is_default: bool) -> StoreResult<()>;
    /// Deletes the resource with its scopes (and their role grants).
    async fn delete_resource(&self, id: &str) -> StoreResult<()>;
    /// `Conflict{field: "name"}` when the resource already has a scope of that name.
    async fn insert_scope(&self, scope: &Scope) -> StoreResult<()>;
    async fn find_scope(&self, id: &str) -> StoreResult<Option<Scope>>;
    /// Scopes of one resource, by creation time.
    async fn list_scopes(&self, resource_id: &str, page: Page) -> StoreResult<Listing<Scope>>;
    /// Writes name and description.
    async fn update_scope(&self, scope: &Scope) -> StoreResult<()>;
    /// Deletes the scope and its role grants.
    async fn delete_scope(&self, id: &str) -> StoreResult<()>;

    // --- roles (RBAC)
    /// Inserts the role and grants it `scope_ids`, atomically. `Conflict{field: "name"}`.
    async fn insert_role(&self, role: &Role, scope_ids: &[String]) -> StoreResult<()>;
    async fn find_role(&self, id: &str) -> StoreResult<Option<Role>>;
    async fn find_role_by_name(&self, name: &str) -> StoreResult<Option<Role>>;
    /// Roles of the type (any when `None`) whose name contains `search`, by creation time.
    async fn list_roles(&self, role_type: Option<RoleType>, search: Option<&str>, page: Page) -> StoreResult<Listing<Role>>;
    /// Writes name, description and is_default.
    async fn update_role(&self, role: &Role) -> StoreResult<()>;
    /// Deletes the role with its scope grants and assignments.
    async fn delete_role(&self, id: &str) -> StoreResult<()>;
    async fn role_scopes(&self, role_id: &str) -> StoreResult<Vec<Scope>>;
    /// Grants scopes (already granted ones are left as they are), atomically.
    async fn add_role_scopes(&self, role_id: &str, scope_ids: &[String]) -> StoreResult<()>;
    /// `NotFound` when the role does not hold the scope.
    async fn remove_role_scope(&self, role_id: &str, scope_id: &str) -> StoreResult<()>;
    async fn user_roles(&self, user_id: &str) -> StoreResult<Vec<Role>>;
    /// Assigns roles (already held ones are left as they are), atomically.
    async fn add_user_roles(&self, user_id: &str, role_ids: &[String]) -> StoreResult<()>;
    async fn remove_user_role(&self, user_id: &str, role_id: &str) -> StoreResult<()>;
    async fn role_users(&self, role_id: &str, page: Page) -> StoreResult<Listing<User>>;
    async fn application_roles(&self, application_id: &str) -> StoreResult<Vec<Role>>;
    async fn add_application_roles(&self, application_id: &str, role_ids: &[String]) -> StoreResult<()>;
    async fn remove_application_role(&self, application_id: &str, role_id: &str) -> StoreResult<()>;
    async fn role_applications(&self, role_id: &str, page: Page) -> StoreResult<Listing<Application>>;
    /// Names of the resource's scopes that the user's roles grant (deduplicated, sorted).
    async fn user_resource_scopes(&self, user_id: &str, resource_id: &str) -> StoreResult<Vec<String>>;
    /// Names of the resource's scopes that the application's roles grant (deduplicated, sorted).
    async fn application_resource_scopes(&self, application_id: &str, resource_id: &str) -> StoreResult<Vec<String>>;

    // --- configuration rows (keys, cookie keys, settings), like Logto's `logto_configs`
    async fn get_config(&self, key: &str) -> StoreResult<Option<Value>>;
    /// Writes `value` only if no row exists; returns the value now stored (first writer wins).
    async fn init_config(&self, key: &str, value: &Value) -> StoreResult<Value>;
    /// Replaces the row only if it still holds `expected`; returns whether it did.
    async fn swap_config(&self, key: &str, expected: &Value, value: &Value) -> StoreResult<bool>;

    // --- connectors
    /// `Conflict{field: "id"}` on a taken id.
    async fn insert_connector(&self, connector: &ConnectorRecord) -> StoreResult<()>;
    async fn find_connector(&self, id: &str) -> StoreResult<Option<ConnectorRecord>>;
    /// All connectors, by creation time.
    async fn list_connectors(&self) -> StoreResult<Vec<ConnectorRecord>>;
    /// Writes config, metadata and sync_profile.
    async fn update_connector(&self, connector: &ConnectorRecord) -> StoreResult<()>;
    async fn delete_connector(&self, id: &str) -> StoreResult<()>;

    // --- events (rate limits and lockout), counted in time windows by every node alike
    /// Records one event of `bucket` for `key` (e.g. a hashed identifier) at `at`, kept until
    /// `expires_at`.
    async fn record_event(&self, bucket: &str, key: &str, at: i64, expires_at: i64) -> StoreResult<()>;
    /// Records the event only if fewer than `limit` events of `bucket`/`key` happened after
    /// `since`; returns whether it was recorded. Atomic across connections and nodes: N
    /// concurrent callers with room for one event record exactly one.
    async fn record_event_within_limit(
        &self,
        bucket: &str,
        key: &str,
        at: i64,
        expires_at: i64,
        since: i64,
        limit: u64,
    ) -> StoreResult<bool>;
    /// How many events of `bucket`/`key` happened after `since`.
    async fn count_events(&self, bucket: &str, key: &str, since: i64) -> StoreResult<u64>;

    // --- OIDC artifacts
    async fn put_artifact(&self, artifact: &Artifact) -> StoreResult<()>;
    /// The artifact, if present and not expired at `now` (consumed ones are returned too).
    async fn find_artifact(&self, kind: ArtifactKind, id: &str, now: i64) -> StoreResult<Option<Artifact>>;
    async fn consume_artifact(&self, kind: ArtifactKind, id: &str, now: i64) -> StoreResult<Consumption>;
    async fn delete_artifact(&self, kind: ArtifactKind, id: &str) -> StoreResult<()>;
    /// Deletes every artifact of the grant, and the grant itself. Returns how many went.
    async fn revoke_grant(&self, grant_id: &str) -> StoreResult<u64>;
    /// Deletes every artifact (sessions, grants, tokens) of a user.
    async fn revoke_account(&self, account_id: &str) -> StoreResult<u64>;
    /// Deletes artifacts and events that expired at or before `now`; returns how many went.
    async fn purge_expired(&self, now: i64) -> StoreResult<u64>;
}

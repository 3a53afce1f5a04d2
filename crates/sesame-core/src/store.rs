//! The storage port: everything Sesame persists goes through [`Store`].
//!
//! Times are epoch milliseconds chosen by the caller's [`crate::clock::Clock`], never by the
//! database, so every node (and every test) agrees on "now".

use async_trait::async_trait;
use serde_json::Value;

use crate::model::{Application, ApplicationSecret, NewUser, User};

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
pub trait Store: Send + Sync + 'static {
    // --- users
    async fn insert_user(&self, user: &NewUser, now: i64) -> StoreResult<User>;
    async fn find_user(&self, id: &str) -> StoreResult<Option<User>>;
    async fn find_user_by_username(&self, username: &str) -> StoreResult<Option<User>>;
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    async fn find_user_by_phone(&self, phone: &str) -> StoreResult<Option<User>>;
    async fn update_user_password(&self, id: &str, hash: &str, method: &str, now: i64) -> StoreResult<()>;
    async fn touch_user_sign_in(&self, id: &str, now: i64) -> StoreResult<()>;
    async fn set_user_suspended(&self, id: &str, suspended: bool, now: i64) -> StoreResult<()>;

    // --- applications
    async fn insert_application(&self, app: &Application, secret: Option<&ApplicationSecret>) -> StoreResult<()>;
    async fn find_application(&self, id: &str) -> StoreResult<Option<Application>>;
    async fn application_secrets(&self, application_id: &str) -> StoreResult<Vec<ApplicationSecret>>;

    // --- configuration rows (keys, cookie keys, settings), like Logto's `logto_configs`
    async fn get_config(&self, key: &str) -> StoreResult<Option<Value>>;
    /// Writes `value` only if no row exists; returns the value now stored (first writer wins).
    async fn init_config(&self, key: &str, value: &Value) -> StoreResult<Value>;
    /// Replaces the row only if it still holds `expected`; returns whether it did.
    async fn swap_config(&self, key: &str, expected: &Value, value: &Value) -> StoreResult<bool>;

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
    /// Deletes artifacts expired before `now`; returns how many went.
    async fn purge_expired(&self, now: i64) -> StoreResult<u64>;
}

//! Typed payloads of the stored OIDC artifacts, and the helpers that save and load them.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::ids;
use crate::provider::Provider;
use crate::store::{Artifact, ArtifactKind, StoreError, StoreResult};

/// The validated authorization request, kept for the whole interaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub resources: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub prompt: Vec<String>,
    pub code_challenge: Option<String>,
    pub login_hint: Option<String>,
    /// The hosted page to open first (`/sign-in` or `/register`).
    pub first_screen: String,
    /// Logto's `direct_sign_in` (e.g. `social:discord`): the page starts that method at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_sign_in: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRecord {
    pub account_id: String,
    /// Public session id, published as the `sid` claim (never the cookie value).
    pub sid: String,
    pub login_ts: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_logout: Option<PendingLogout>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingLogout {
    pub xsrf: String,
    pub redirect: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantRecord {
    pub account_id: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub resources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeRecord {
    pub account_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub resources: Vec<String>,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
    pub sid: String,
    pub auth_time: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenRecord {
    pub account_id: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub issued_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshTokenRecord {
    pub account_id: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub resources: Vec<String>,
    pub sid: String,
    pub auth_time: i64,
    /// When this token was issued (ms).
    pub issued_at: i64,
    /// When the first token of the rotation chain was issued (ms); bounds total lifetime.
    pub chain_started_at: i64,
}

/// An artifact as loaded: its typed payload plus the store bookkeeping.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub key: String,
    pub grant_id: Option<String>,
    pub expires_at: i64,
    pub consumed_at: Option<i64>,
    pub record: T,
}

/// Saves `record` under `key` for `ttl_secs`.
pub async fn save<T: Serialize>(
    provider: &Provider,
    kind: ArtifactKind,
    key: &str,
    grant_id: Option<&str>,
    account_id: Option<&str>,
    record: &T,
    expires_at: i64,
) -> StoreResult<()> {
    let payload = serde_json::to_value(record).map_err(|err| StoreError::Backend(err.to_string()))?;
    provider
        .store
        .put_artifact(&Artifact {
            kind,
            id: key.to_owned(),
            grant_id: grant_id.map(str::to_owned),
            account_id: account_id.map(str::to_owned),
            payload,
            expires_at,
            consumed_at: None,
        })
        .await
}

/// Loads an unexpired artifact; one whose payload no longer parses counts as missing.
pub async fn load<T: DeserializeOwned>(provider: &Provider, kind: ArtifactKind, key: &str) -> StoreResult<Option<Loaded<T>>> {
    let Some(artifact) = provider.store.find_artifact(kind, key, provider.now_ms()).await? else {
        return Ok(None);
    };
    let Ok(record) = serde_json::from_value(artifact.payload) else {
        tracing::warn!(kind = kind.as_str(), "stored artifact has an unexpected shape; ignoring it");
        return Ok(None);
    };
    Ok(Some(Loaded {
        key: artifact.id,
        grant_id: artifact.grant_id,
        expires_at: artifact.expires_at,
        consumed_at: artifact.consumed_at,
        record,
    }))
}

/// Loads the artifact a bearer value (code, token, session cookie) points to.
pub async fn load_bearer<T: DeserializeOwned>(provider: &Provider, kind: ArtifactKind, value: &str) -> StoreResult<Option<Loaded<T>>> {
    load(provider, kind, &ids::bearer_key(value)).await
}

pub fn expires_in(provider: &Provider, ttl_secs: i64) -> i64 {
    provider.now_ms() + ttl_secs * 1000
}

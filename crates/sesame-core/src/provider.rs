//! [`Provider`]: the identity server's shared state (store, clock, keys, hasher) and the
//! settings every flow needs. HTTP handlers hold one `Arc<Provider>`.

use std::sync::Arc;

use serde_json::Value;

use crate::clock::Clock;
use crate::crypto::password::PasswordHasherPool;
use crate::ids;
use crate::keyring::{KeyRing, KeyRingError, KeySet};
use crate::store::{Store, StoreError};

const COOKIE_KEYS: &str = "oidc.cookieKeys";
const COOKIE_KEY_LEN: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Keys(#[from] KeyRingError),
    #[error(transparent)]
    Connectors(#[from] sesame_connectors::ConnectorError),
    #[error("stored configuration {0} is malformed")]
    MalformedConfig(&'static str),
}

/// Token lifetimes, in seconds (Logto's defaults).
#[derive(Debug, Clone)]
pub struct Lifetimes {
    pub interaction: i64,
    pub session: i64,
    pub grant: i64,
    pub authorization_code: i64,
    pub access_token: i64,
    pub id_token: i64,
    pub refresh_token: i64,
    /// A consumed refresh token still counts as fresh this long (concurrent refreshes).
    pub refresh_reuse_leeway: i64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            interaction: 3600,
            session: 14 * 86_400,
            grant: 180 * 86_400,
            authorization_code: 60,
            access_token: 3600,
            id_token: 3600,
            refresh_token: 14 * 86_400,
            refresh_reuse_leeway: 3,
        }
    }
}

pub struct Provider {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// Public base URL without a trailing slash, e.g. `http://localhost:3001`.
    pub endpoint: String,
    /// `{endpoint}/oidc`.
    pub issuer: String,
    pub lifetimes: Lifetimes,
    pub passwords: PasswordHasherPool,
    pub keys: KeyRing,
    /// The Management API's resource indicator (Logto's `https://default.logto.app/api`).
    pub management_api: String,
    /// How connectors reach their upstreams (endpoint overrides come from server settings).
    pub connector_options: sesame_connectors::ConnectorOptions,
    cookie_keys: Vec<String>,
}

/// Logto's Management API indicator for the OSS default tenant.
pub const DEFAULT_MANAGEMENT_API: &str = "https://default.logto.app/api";

impl Provider {
    /// Loads (or, on a fresh database, creates) the signing and cookie keys. Safe when several
    /// nodes start at once: the first writer's keys win and everyone uses them.
    pub async fn start(store: Arc<dyn Store>, clock: Arc<dyn Clock>, endpoint: &str) -> Result<Self, StartError> {
        let endpoint = endpoint.trim_end_matches('/').to_owned();
        let now_secs = clock.now_secs();
        let keys = KeyRing::load(store.as_ref(), now_secs).await?;
        crate::manage::seed::ensure_management_api(store.as_ref(), DEFAULT_MANAGEMENT_API, clock.now_ms()).await?;
        let cookie_keys = load_cookie_keys(store.as_ref(), now_secs).await?;
        let parallelism = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Ok(Self {
            issuer: format!("{endpoint}/oidc"),
            endpoint,
            store,
            clock,
            lifetimes: Lifetimes::default(),
            passwords: PasswordHasherPool::new(parallelism),
            keys,
            management_api: DEFAULT_MANAGEMENT_API.to_owned(),
            connector_options: sesame_connectors::ConnectorOptions::new()?,
            cookie_keys,
        })
    }

    /// The published keys; `signer(now)` signs new tokens, any of them verifies.
    pub fn key_set(&self) -> Arc<KeySet> {
        self.keys.keys()
    }

    /// Signs with the key active now.
    pub fn sign_jws<C: serde::Serialize>(&self, typ: Option<&str>, claims: &C) -> Result<String, crate::crypto::keys::KeyError> {
        let keys = self.key_set();
        crate::crypto::jws::sign(keys.signer(self.now_secs()), typ, claims)
    }

    /// Verifies a JWS signed by any published key; returns its claims.
    pub fn verify_jws(&self, token: &str) -> Option<serde_json::Value> {
        let keys = self.key_set();
        crate::crypto::jws::verify(token, keys.published())
    }

    /// The kid that signs now (for tests and diagnostics).
    pub fn signing_kid(&self) -> String {
        self.key_set().signer(self.now_secs()).kid.clone()
    }

    /// The secret that signs cookies.
    pub fn cookie_key(&self) -> &str {
        &self.cookie_keys[0]
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn now_secs(&self) -> i64 {
        self.clock.now_secs()
    }
}

async fn load_cookie_keys(store: &dyn Store, now_secs: i64) -> Result<Vec<String>, StartError> {
    let stored = match store.get_config(COOKIE_KEYS).await? {
        Some(value) => value,
        None => {
            let secret: String = (0..2).map(|_| ids::app_secret()).collect();
            let fresh = serde_json::json!([{"id": ids::entity_id(), "value": secret, "createdAt": now_secs}]);
            store.init_config(COOKIE_KEYS, &fresh).await?
        }
    };
    let keys: Vec<String> = stored
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|key| key.get("value").and_then(Value::as_str))
        .filter(|value| value.len() >= COOKIE_KEY_LEN)
        .map(str::to_owned)
        .collect();
    if keys.is_empty() {
        return Err(StartError::MalformedConfig(COOKIE_KEYS));
    }
    Ok(keys)
}

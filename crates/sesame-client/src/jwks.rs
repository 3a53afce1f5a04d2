//! The provider's public keys (JWKS), cached: fetched on first use, refetched when a token
//! names an unknown `kid` (at most once per 30 s) or when the copy is an hour old.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::clock::Clock;
use crate::error::{Error, TokenError};
use crate::http::get_json;
use crate::jwt::{check_claims, Expectations, Jws};

/// An unknown `kid` triggers a refetch at most this often.
///
/// ```
/// assert_eq!(sesame_client::UNKNOWN_KID_REFETCH_INTERVAL_SECS, 30);
/// ```
pub const UNKNOWN_KID_REFETCH_INTERVAL_SECS: i64 = 30;
/// A cached key set older than this is refreshed on next use (removed keys stop verifying).
///
/// ```
/// assert_eq!(sesame_client::JWKS_MAX_AGE_SECS, 3600);
/// ```
pub const JWKS_MAX_AGE_SECS: i64 = 3600;

/// One public key of a JWKS (RFC 7517); only the members signature checks need.
///
/// ```
/// let key: sesame_client::Jwk = serde_json::from_value(serde_json::json!({
///     "kty": "EC", "crv": "P-384", "kid": "k1", "alg": "ES384", "use": "sig",
///     "x": "AAAA", "y": "AAAA"
/// }))?;
/// assert_eq!(key.kid.as_deref(), Some("k1"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// Key type: `EC` or `RSA`.
    pub kty: String,
    /// Key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// The algorithm the key is for, if pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// `sig` or `enc`.
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub key_use: Option<String>,
    /// EC curve: `P-256` or `P-384`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// EC x coordinate (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// EC y coordinate (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// RSA modulus (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA exponent (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
}

/// A JSON Web Key Set (`{"keys": [...]}`).
///
/// ```
/// let set: sesame_client::JwkSet = serde_json::from_str(r#"{"keys": []}"#)?;
/// assert!(set.keys.is_empty());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwkSet {
    /// The keys; entries this crate cannot parse are dropped.
    #[serde(deserialize_with = "lenient_keys")]
    pub keys: Vec<Jwk>,
}

fn lenient_keys<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<Jwk>, D::Error> {
    let raw: Vec<serde_json::Value> = Vec::deserialize(deserializer)?;
    Ok(raw.into_iter().filter_map(|key| serde_json::from_value(key).ok()).collect())
}

impl JwkSet {
    fn find(&self, kid: &str) -> Option<&Jwk> {
        self.keys.iter().find(|key| key.kid.as_deref() == Some(kid))
    }
}

#[derive(Debug, Default)]
struct CachedKeys {
    keys: JwkSet,
    /// When the last fetch was attempted (successful or not).
    attempted_at: Option<i64>,
    /// When `keys` were fetched.
    fetched_at: Option<i64>,
}

/// A verification failure: the token itself, or the keys could not be had.
#[derive(Debug)]
pub(crate) enum VerifyError {
    Token(TokenError),
    Keys(Error),
}

impl From<TokenError> for VerifyError {
    fn from(error: TokenError) -> Self {
        Self::Token(error)
    }
}

/// The cached key set of one `jwks_uri`. Clones share the cache.
#[derive(Debug, Clone)]
pub(crate) struct JwksCache {
    jwks_uri: String,
    cached: Arc<Mutex<CachedKeys>>,
}

impl JwksCache {
    pub fn new(jwks_uri: String) -> Self {
        Self { jwks_uri, cached: Arc::new(Mutex::new(CachedKeys::default())) }
    }

    /// The key named `kid`, fetching or refetching the set as the rules above allow.
    async fn key(&self, http: &reqwest::Client, clock: &dyn Clock, kid: &str) -> Result<Jwk, VerifyError> {
        let mut cached = self.cached.lock().await;
        let now = clock.now_secs();
        let may_refetch =
            |cached: &CachedKeys| cached.attempted_at.is_none_or(|attempted| now - attempted >= UNKNOWN_KID_REFETCH_INTERVAL_SECS);
        let stale = cached.fetched_at.is_none_or(|fetched| now - fetched >= JWKS_MAX_AGE_SECS);
        if cached.fetched_at.is_none() || (stale && may_refetch(&cached)) {
            self.refetch(http, &mut cached, now).await?;
        }
        if let Some(key) = cached.keys.find(kid) {
            return Ok(key.clone());
        }
        if may_refetch(&cached) {
            self.refetch(http, &mut cached, now).await?;
            if let Some(key) = cached.keys.find(kid) {
                return Ok(key.clone());
            }
        }
        Err(VerifyError::Token(TokenError::UnknownKey(kid.to_owned())))
    }

    /// Fetches the set; a failure keeps the previous keys when there are any.
    async fn refetch(&self, http: &reqwest::Client, cached: &mut CachedKeys, now: i64) -> Result<(), VerifyError> {
        cached.attempted_at = Some(now);
        match get_json::<JwkSet>(http, &self.jwks_uri).await {
            Ok(keys) => {
                cached.keys = keys;
                cached.fetched_at = Some(now);
                Ok(())
            }
            Err(_) if cached.fetched_at.is_some() => Ok(()),
            Err(error) => Err(VerifyError::Keys(error)),
        }
    }

    /// Verifies a compact JWS against this key set and checks its registered claims.
    pub async fn verify<'t>(
        &self,
        http: &reqwest::Client,
        clock: &dyn Clock,
        token: &'t str,
        expected: &Expectations<'_>,
    ) -> Result<Jws<'t>, VerifyError> {
        let jws = Jws::decode(token)?;
        jws.algorithm()?;
        let kid = jws.header.kid.clone().ok_or(TokenError::MissingKeyId)?;
        let key = self.key(http, clock, &kid).await?;
        jws.verify_signature(&key)?;
        check_claims(&jws, expected)?;
        Ok(jws)
    }
}

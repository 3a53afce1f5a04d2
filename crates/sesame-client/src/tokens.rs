//! What the client keeps in [`Storage`](crate::Storage) and what the token endpoint returns:
//! the pending sign-in, the access-token cache (per resource and per organization) and the
//! token response.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Cached access tokens expire this long before the server says, against clock skew and
/// in-flight time (Logto's Python SDK uses the same margin).
///
/// ```
/// assert_eq!(sesame_client::ACCESS_TOKEN_EXPIRY_MARGIN_SECS, 60);
/// ```
pub const ACCESS_TOKEN_EXPIRY_MARGIN_SECS: i64 = 60;

/// The pending sign-in, stored by `sign_in` and consumed by `handle_sign_in_callback`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SignInSession {
    pub redirect_uri: String,
    pub code_verifier: String,
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CachedAccessToken {
    pub token: String,
    /// Seconds since the epoch after which the cached token is not used.
    pub expires_at: i64,
}

/// Access tokens by cache key: `""` for the userinfo token, the resource indicator, or
/// `urn:logto:organization:<id>`. Serialized as `{"x": {...}}`, the Python SDK's layout.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AccessTokenMap {
    #[serde(rename = "x", default)]
    pub tokens: BTreeMap<String, CachedAccessToken>,
}

impl AccessTokenMap {
    /// A stored map, or an empty one when the value is missing or unreadable.
    pub fn parse(stored: Option<&str>) -> Self {
        stored.and_then(|json| serde_json::from_str(json).ok()).unwrap_or_default()
    }

    /// The token under `key` if it is still usable at `now`.
    pub fn valid(&self, key: &str, now: i64) -> Option<&str> {
        self.tokens.get(key).filter(|cached| cached.expires_at >= now).map(|cached| cached.token.as_str())
    }

    pub fn insert(&mut self, key: &str, token: String, expires_in: i64, now: i64) {
        let expires_at = now.saturating_add(expires_in).saturating_sub(ACCESS_TOKEN_EXPIRY_MARGIN_SECS);
        self.tokens.insert(key.to_owned(), CachedAccessToken { token, expires_at });
    }
}

/// A successful token response (RFC 6749 §5.1, plus the OIDC `id_token`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub expires_in: i64,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub id_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_tokens_expire_a_minute_early() {
        let mut map = AccessTokenMap::default();
        map.insert("", "t".into(), 3600, 1000);
        assert_eq!(map.valid("", 1000 + 3540), Some("t"));
        assert_eq!(map.valid("", 1000 + 3541), None);
        assert_eq!(map.valid("https://api.example.com", 1000), None);
    }

    #[test]
    fn map_uses_the_python_sdk_layout_and_survives_garbage() {
        let mut map = AccessTokenMap::default();
        map.insert("r", "t".into(), 100, 0);
        let json = serde_json::to_string(&map).unwrap_or_default();
        assert_eq!(json, r#"{"x":{"r":{"token":"t","expiresAt":40}}}"#);
        assert_eq!(AccessTokenMap::parse(Some(&json)), map);
        assert_eq!(AccessTokenMap::parse(Some("not json")), AccessTokenMap::default());
    }
}

//! The typed claims of ID tokens, userinfo responses and JWT access tokens, as Logto's scopes
//! release them. Claims this crate does not name land in each type's `extra` map.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The claims of a verified ID token.
///
/// `profile` releases `name`, `username`, `picture`; `email` and `phone` their pairs;
/// `urn:logto:scope:organizations` the organization ids, and so on. Absent or `null` claims
/// are `None`.
///
/// ```
/// let claims: sesame_client::IdTokenClaims = serde_json::from_value(serde_json::json!({
///     "iss": "http://localhost:3001/oidc", "sub": "u1", "aud": "app", "exp": 2, "iat": 1,
///     "username": "alice", "name": null, "auth_time": 1
/// }))?;
/// assert_eq!(claims.username.as_deref(), Some("alice"));
/// assert!(claims.name.is_none());
/// assert_eq!(claims.extra["auth_time"], 1);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdTokenClaims {
    /// The issuer, `{endpoint}/oidc`.
    pub iss: String,
    /// The user id.
    pub sub: String,
    /// The application id.
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issue time, seconds since the epoch.
    pub iat: i64,
    /// Full name (`profile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Username (`profile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Avatar URL (`profile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// Primary email (`email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the email is verified (`email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// Primary phone (`phone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Whether the phone is verified (`phone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_verified: Option<bool>,
    /// Organization ids the user belongs to (`urn:logto:scope:organizations`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizations: Option<Vec<String>>,
    /// `<organization id>:<role name>` pairs (`urn:logto:scope:organization_roles`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_roles: Option<Vec<String>>,
    /// Role names (`roles`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// The session id at the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Every other claim (`auth_time`, `created_at`, `at_hash`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One linked social identity in [`UserInfo::identities`].
///
/// ```
/// let identity: sesame_client::UserIdentity = serde_json::from_value(serde_json::json!({
///     "userId": "12345", "details": {"email": "a@example.com"}
/// }))?;
/// assert_eq!(identity.user_id, "12345");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserIdentity {
    /// The user's id at the identity provider.
    #[serde(rename = "userId")]
    pub user_id: String,
    /// Whatever the connector stored about the identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

/// The userinfo endpoint's answer (`GET {endpoint}/oidc/me`).
///
/// ```
/// let info: sesame_client::UserInfo = serde_json::from_value(serde_json::json!({
///     "sub": "u1", "username": "alice", "custom_data": {"plan": "pro"},
///     "identities": {"github": {"userId": "42"}}
/// }))?;
/// assert_eq!(info.custom_data.as_ref().map(|data| &data["plan"]), Some(&serde_json::json!("pro")));
/// assert_eq!(info.identities.as_ref().map(|ids| ids["github"].user_id.as_str()), Some("42"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserInfo {
    /// The user id.
    pub sub: String,
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// Primary email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the email is verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// Primary phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Whether the phone is verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_verified: Option<bool>,
    /// The user's custom data, any JSON (`custom_data`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<Value>,
    /// Linked identities by target (`identities`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identities: Option<BTreeMap<String, UserIdentity>>,
    /// Organization ids (`urn:logto:scope:organizations`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizations: Option<Vec<String>>,
    /// `<organization id>:<role name>` pairs (`urn:logto:scope:organization_roles`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_roles: Option<Vec<String>>,
    /// Role names (`roles`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// Every other claim (`address`, `sso_identities`, `created_at`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The claims of a JWT access token (for an API resource or an organization).
///
/// ```
/// let claims: sesame_client::AccessTokenClaims = serde_json::from_value(serde_json::json!({
///     "iss": "http://localhost:3001/oidc", "sub": "u1", "aud": "https://api.example.com",
///     "exp": 2, "iat": 1, "scope": "read write", "client_id": "app"
/// }))?;
/// assert!(claims.has_scope("write"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    /// The issuer.
    pub iss: String,
    /// The user id (or the client id for machine-to-machine tokens).
    pub sub: String,
    /// The resource indicator, or `urn:logto:organization:<id>` for organization tokens.
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issue time, seconds since the epoch.
    pub iat: i64,
    /// Space-separated granted scopes (possibly empty).
    #[serde(default)]
    pub scope: String,
    /// The application the token was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The organization of an organization token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// Every other claim (`jti`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AccessTokenClaims {
    /// The granted scopes, split.
    ///
    /// ```
    /// # let claims: sesame_client::AccessTokenClaims = serde_json::from_value(serde_json::json!({
    /// #     "iss": "i", "sub": "u", "aud": "a", "exp": 2, "iat": 1, "scope": "read write"})).expect("claims");
    /// assert_eq!(claims.scopes().collect::<Vec<_>>(), ["read", "write"]);
    /// ```
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split_ascii_whitespace()
    }

    /// Whether `scope` was granted.
    ///
    /// ```
    /// # let claims: sesame_client::AccessTokenClaims = serde_json::from_value(serde_json::json!({
    /// #     "iss": "i", "sub": "u", "aud": "a", "exp": 2, "iat": 1, "scope": "read"})).expect("claims");
    /// assert!(claims.has_scope("read") && !claims.has_scope("write"));
    /// ```
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|granted| granted == scope)
    }
}

//! OpenID Provider metadata, fetched once from
//! `{endpoint}/oidc/.well-known/openid-configuration`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Error;
use crate::http::get_json;

/// The parts of the discovery document this crate uses; the rest is in `extra`.
///
/// ```
/// let metadata: sesame_client::ProviderMetadata = serde_json::from_value(serde_json::json!({
///     "issuer": "http://localhost:3001/oidc",
///     "authorization_endpoint": "http://localhost:3001/oidc/auth",
///     "token_endpoint": "http://localhost:3001/oidc/token",
///     "userinfo_endpoint": "http://localhost:3001/oidc/me",
///     "jwks_uri": "http://localhost:3001/oidc/jwks",
///     "end_session_endpoint": "http://localhost:3001/oidc/session/end",
///     "response_types_supported": ["code"]
/// }))?;
/// assert_eq!(metadata.token_endpoint, "http://localhost:3001/oidc/token");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderMetadata {
    /// The issuer every token must name exactly.
    pub issuer: String,
    /// Where sign-ins start.
    pub authorization_endpoint: String,
    /// Where codes and refresh tokens are exchanged.
    pub token_endpoint: String,
    /// Where user claims are read with an access token.
    pub userinfo_endpoint: String,
    /// The public signing keys.
    pub jwks_uri: String,
    /// RP-initiated logout, when supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_session_endpoint: Option<String>,
    /// Everything else the document says.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

pub(crate) async fn fetch(http: &reqwest::Client, discovery_url: &str) -> Result<ProviderMetadata, Error> {
    get_json(http, discovery_url).await
}

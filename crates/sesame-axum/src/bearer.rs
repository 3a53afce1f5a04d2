//! For APIs: [`VerifiedAccessToken`] requires `Authorization: Bearer <JWT>` that an
//! [`AccessTokenVerifier`] accepts (issuer, audience, expiry, configured scopes), answering
//! RFC 6750's `401`/`403` with `WWW-Authenticate` otherwise.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sesame_client::{AccessTokenClaims, AccessTokenError, AccessTokenVerifier};

/// The claims of a verified Bearer access token.
///
/// The state must provide an [`AccessTokenVerifier`] (as the state itself, or through
/// [`FromRef`]); its audience and required scopes apply to every route. Per-route scopes go
/// through [`require_scopes`](Self::require_scopes).
///
/// ```no_run
/// use axum::routing::get;
/// use axum::{Json, Router};
/// use sesame_axum::{BearerRejection, VerifiedAccessToken};
/// use sesame_client::{AccessTokenClaims, AccessTokenVerifier};
///
/// async fn orders(token: VerifiedAccessToken) -> Result<Json<AccessTokenClaims>, BearerRejection> {
///     token.require_scopes(&["read:orders"])?;
///     Ok(Json(token.0))
/// }
///
/// # fn app() -> Result<Router, sesame_client::Error> {
/// let verifier = AccessTokenVerifier::new("http://localhost:3001", "https://api.example.com")?;
/// let api: Router = Router::new().route("/orders", get(orders)).with_state(verifier);
/// # Ok(api)
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct VerifiedAccessToken(pub AccessTokenClaims);

impl VerifiedAccessToken {
    /// Checks that the token also carries `scopes`.
    ///
    /// # Errors
    /// [`BearerRejection::InsufficientScope`] naming the missing scopes (a `403`).
    ///
    /// ```
    /// # let claims: sesame_client::AccessTokenClaims = serde_json::from_value(serde_json::json!({
    /// #     "iss": "i", "sub": "u", "aud": "a", "exp": 2, "iat": 1, "scope": "read"})).expect("claims");
    /// let token = sesame_axum::VerifiedAccessToken(claims);
    /// assert!(token.require_scopes(&["read"]).is_ok());
    /// assert!(token.require_scopes(&["write"]).is_err());
    /// ```
    pub fn require_scopes(&self, scopes: &[&str]) -> Result<(), BearerRejection> {
        let missing: Vec<String> = scopes.iter().filter(|scope| !self.0.has_scope(scope)).map(|scope| (*scope).to_owned()).collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(BearerRejection::InsufficientScope { missing })
        }
    }
}

impl<S> FromRequestParts<S> for VerifiedAccessToken
where
    AccessTokenVerifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = BearerRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts).ok_or(BearerRejection::Missing)?;
        let verifier = AccessTokenVerifier::from_ref(state);
        match verifier.verify(token).await {
            Ok(claims) => Ok(Self(claims)),
            Err(AccessTokenError::Invalid(reason)) => Err(BearerRejection::Invalid { description: reason.to_string() }),
            Err(AccessTokenError::InsufficientScope { missing }) => Err(BearerRejection::InsufficientScope { missing }),
            Err(error) => Err(BearerRejection::Unavailable { description: error.to_string() }),
        }
    }
}

/// The token of `Authorization: Bearer <token>` (scheme case-insensitive).
fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Why a request was refused, answered per RFC 6750 §3.
///
/// ```
/// use axum::response::IntoResponse;
/// let response = sesame_axum::BearerRejection::Missing.into_response();
/// assert_eq!(response.status(), 401);
/// assert_eq!(response.headers()["www-authenticate"], "Bearer");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BearerRejection {
    /// No Bearer token: `401`, `WWW-Authenticate: Bearer`.
    Missing,
    /// Malformed, forged, expired or foreign: `401`, `error="invalid_token"`.
    Invalid {
        /// Why (also in `error_description`).
        description: String,
    },
    /// Valid but missing scopes: `403`, `error="insufficient_scope"`, `scope="…"`.
    InsufficientScope {
        /// The scopes the token lacks.
        missing: Vec<String>,
    },
    /// The identity server's keys could not be fetched: `503`.
    Unavailable {
        /// Why.
        description: String,
    },
}

impl std::fmt::Display for BearerRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing => f.write_str("no bearer token"),
            Self::Invalid { description } => write!(f, "invalid token: {description}"),
            Self::InsufficientScope { missing } => write!(f, "insufficient scope: {}", missing.join(" ")),
            Self::Unavailable { description } => write!(f, "cannot verify tokens: {description}"),
        }
    }
}

impl std::error::Error for BearerRejection {}

/// A quoted-string parameter value: printable ASCII without quotes or backslashes.
fn quoted(value: &str) -> String {
    value.chars().map(|c| if c == '"' || c == '\\' || !(c.is_ascii_graphic() || c == ' ') { '\'' } else { c }).collect()
}

impl IntoResponse for BearerRejection {
    fn into_response(self) -> Response {
        let (status, challenge, body) = match &self {
            Self::Missing => (
                StatusCode::UNAUTHORIZED,
                Some("Bearer".to_owned()),
                serde_json::json!({"error": "invalid_request", "error_description": "no bearer token"}),
            ),
            Self::Invalid { description } => (
                StatusCode::UNAUTHORIZED,
                Some(format!(r#"Bearer error="invalid_token", error_description="{}""#, quoted(description))),
                serde_json::json!({"error": "invalid_token", "error_description": description}),
            ),
            Self::InsufficientScope { missing } => {
                let scope = missing.join(" ");
                (
                    StatusCode::FORBIDDEN,
                    Some(format!(r#"Bearer error="insufficient_scope", scope="{}""#, quoted(&scope))),
                    serde_json::json!({"error": "insufficient_scope", "error_description": format!("missing scopes: {scope}")}),
                )
            }
            Self::Unavailable { .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                None,
                serde_json::json!({"error": "temporarily_unavailable", "error_description": "cannot verify access tokens right now"}),
            ),
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(value) = challenge.and_then(|challenge| HeaderValue::from_str(&challenge).ok()) {
            response.headers_mut().insert(WWW_AUTHENTICATE, value);
        }
        response
    }
}

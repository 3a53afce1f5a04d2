//! Everything that can go wrong, as types: transport failures, the server's OAuth errors (with
//! its `error` and `error_description`), callback problems and rejected tokens.

use std::fmt;

use crate::storage::StorageError;

/// Any failure of [`SesameClient`](crate::SesameClient).
///
/// ```
/// use sesame_client::{Error, OAuthError};
/// fn explain(error: &Error) -> &str {
///     match error {
///         Error::OAuth(OAuthError { error, .. }) if error == "invalid_grant" => "sign in again",
///         Error::NotAuthenticated => "not signed in",
///         _ => "something else",
///     }
/// }
/// assert_eq!(explain(&Error::NotAuthenticated), "not signed in");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request never got an HTTP answer (DNS, TLS, connection, timeout).
    #[error("request to {url} failed: {source}")]
    Http {
        /// The URL requested.
        url: String,
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },
    /// The HTTP client could not be built (TLS backend initialisation).
    #[error("cannot build the HTTP client: {0}")]
    HttpClientSetup(#[source] reqwest::Error),
    /// The server answered with an OAuth error body (`{"error", "error_description"}`).
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    /// The server answered with a status and body this client cannot use.
    #[error("unexpected response from {url}: HTTP {status}: {body}")]
    UnexpectedResponse {
        /// The URL requested.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The start of the response body.
        body: String,
    },
    /// A successful response whose body does not have the expected shape.
    #[error("invalid response from {url}: {reason}")]
    InvalidResponse {
        /// The URL requested.
        url: String,
        /// What was wrong with it.
        reason: String,
    },
    /// The sign-in callback could not be accepted.
    #[error(transparent)]
    Callback(#[from] CallbackError),
    /// An ID token failed verification.
    #[error("ID token rejected: {0}")]
    IdToken(#[source] TokenError),
    /// A token could not be decoded (e.g. asking for the claims of an opaque access token).
    #[error("token cannot be decoded: {0}")]
    UndecodableToken(#[source] TokenError),
    /// No ID token is stored: nobody is signed in.
    #[error("not authenticated: no ID token in storage")]
    NotAuthenticated,
    /// A new access token is needed but no refresh token is stored (signed out, or signed in
    /// with `prompt=login`).
    #[error("no refresh token in storage: sign in again to get new access tokens")]
    NoRefreshToken,
    /// Organization tokens need the `urn:logto:scope:organizations` scope in the config.
    #[error("the `urn:logto:scope:organizations` scope must be configured to fetch organization tokens")]
    OrganizationsScopeNotConfigured,
    /// The provider metadata has no `end_session_endpoint`.
    #[error("the provider does not advertise an end_session_endpoint")]
    NoEndSessionEndpoint,
    /// A URL (endpoint, redirect URI or callback) could not be parsed.
    #[error("invalid URL {url:?}: {source}")]
    InvalidUrl {
        /// The text that failed to parse.
        url: String,
        /// Why.
        #[source]
        source: url::ParseError,
    },
    /// The system random number generator failed.
    #[error("the system random number generator is unavailable")]
    RandomnessUnavailable,
    /// A value for storage could not be encoded as JSON.
    #[error("cannot encode a value for storage: {0}")]
    Serialization(#[source] serde_json::Error),
    /// The storage backend failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// An OAuth 2.0 error response (RFC 6749 §5.2), e.g. from the token or userinfo endpoint.
///
/// ```
/// let error = sesame_client::OAuthError {
///     status: 400,
///     error: "invalid_grant".into(),
///     error_description: Some("grant request is invalid".into()),
/// };
/// assert_eq!(error.to_string(), "invalid_grant: grant request is invalid (HTTP 400)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct OAuthError {
    /// The HTTP status (400, 401, …).
    pub status: u16,
    /// The `error` code, e.g. `invalid_grant`.
    pub error: String,
    /// The server's `error_description`, if any.
    pub error_description: Option<String>,
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error_description {
            Some(description) => write!(f, "{}: {description} (HTTP {})", self.error, self.status),
            None => write!(f, "{} (HTTP {})", self.error, self.status),
        }
    }
}

/// Why a sign-in callback URL was refused.
///
/// ```
/// let error = sesame_client::CallbackError::StateMismatch;
/// assert_eq!(error.to_string(), "the callback's state does not match the sign-in session");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// No sign-in was started in this storage (or it already completed).
    #[error("no sign-in session in storage: start with sign_in()")]
    NoSignInSession,
    /// The callback's path is not the redirect URI's path.
    #[error("callback path {found:?} does not match the redirect URI path {expected:?}")]
    RedirectUriMismatch {
        /// The path of the stored redirect URI.
        expected: String,
        /// The path of the callback URL.
        found: String,
    },
    /// The server reported an error (`error=…` on the callback).
    #[error("the authorization server returned {error}{}", .error_description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Authorization {
        /// The `error` code, e.g. `access_denied`.
        error: String,
        /// The `error_description`, if any.
        error_description: Option<String>,
    },
    /// `state` is missing or differs from the one the sign-in stored.
    #[error("the callback's state does not match the sign-in session")]
    StateMismatch,
    /// The callback names a different issuer (`iss`, RFC 9207) than the discovered one.
    #[error("the callback's iss {found:?} is not the issuer {expected:?}")]
    IssuerMismatch {
        /// The discovered issuer.
        expected: String,
        /// The callback's `iss`.
        found: String,
    },
    /// The callback has no `code`.
    #[error("the callback has no authorization code")]
    MissingCode,
}

/// Why a JWT (ID token or access token) was rejected.
///
/// ```
/// let error = sesame_client::TokenError::Expired { exp: 100, now: 200 };
/// assert_eq!(error.to_string(), "token expired at 100 (now 200)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Not three base64url parts with JSON header and payload.
    #[error("malformed JWT: {0}")]
    Malformed(&'static str),
    /// `alg` is not one of ES384, ES256, RS256.
    #[error("unsupported signing algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// The header has no `kid`.
    #[error("the JWT header names no kid")]
    MissingKeyId,
    /// No key with this `kid` is in the JWKS (even after a refetch).
    #[error("no key {0:?} in the JWKS")]
    UnknownKey(String),
    /// The JWKS entry cannot verify this algorithm (wrong `kty`/`crv`/`alg`, bad encoding).
    #[error("key {kid:?} is unusable for {alg}: {reason}")]
    UnusableKey {
        /// The key id.
        kid: String,
        /// The token's algorithm.
        alg: String,
        /// What does not fit.
        reason: &'static str,
    },
    /// The signature does not verify.
    #[error("signature verification failed")]
    BadSignature,
    /// `iss` is not the expected issuer.
    #[error("issuer {found:?} is not {expected:?}")]
    WrongIssuer {
        /// The expected issuer.
        expected: String,
        /// The token's `iss` (empty when absent).
        found: String,
    },
    /// `aud` does not contain the expected audience.
    #[error("audience {found} does not contain {expected:?}")]
    WrongAudience {
        /// The expected audience.
        expected: String,
        /// The token's `aud`, as JSON.
        found: String,
    },
    /// `exp` (plus the leeway) is in the past, or missing.
    #[error("token expired at {exp} (now {now})")]
    Expired {
        /// The token's `exp`.
        exp: i64,
        /// The verifier's clock.
        now: i64,
    },
    /// `iat` is later than now plus the leeway, or missing.
    #[error("token issued in the future at {iat} (now {now})")]
    IssuedInFuture {
        /// The token's `iat`.
        iat: i64,
        /// The verifier's clock.
        now: i64,
    },
    /// The header `typ` is not what this kind of token must carry (`at+jwt` for access tokens).
    #[error("token type {found:?} is not {expected:?}")]
    WrongType {
        /// The required type.
        expected: &'static str,
        /// The header's `typ` (empty when absent).
        found: String,
    },
    /// The claims do not fit the expected claim set.
    #[error("claims do not match the expected shape: {0}")]
    InvalidClaims(String),
}

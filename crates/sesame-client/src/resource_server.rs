//! For APIs behind [`SesameClient::access_token`](crate::SesameClient::access_token): verify a
//! Sesame- (or Logto-) issued JWT access token — header `typ` `at+jwt`, signature from the
//! JWKS, exact issuer, the API's audience, expiry, required scopes — into
//! [`AccessTokenClaims`].

use std::sync::Arc;

use tokio::sync::OnceCell;

use crate::claims::AccessTokenClaims;
use crate::clock::{Clock, SystemClock};
use crate::config::SesameConfig;
use crate::discovery::{self, ProviderMetadata};
use crate::error::{Error, TokenError};
use crate::http::default_http_client;
use crate::jwks::{JwksCache, VerifyError};
use crate::jwt::{into_typed, Expectations};

/// The header `typ` of JWT access tokens (RFC 9068).
///
/// ```
/// assert_eq!(sesame_client::ACCESS_TOKEN_TYPE, "at+jwt");
/// ```
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// Why an access token was refused.
///
/// ```
/// use sesame_client::AccessTokenError;
/// let error = AccessTokenError::InsufficientScope { missing: vec!["write".into()] };
/// assert_eq!(error.to_string(), "the access token lacks the scopes: write");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccessTokenError {
    /// The token is malformed, forged, expired, or for another issuer or audience.
    #[error("invalid access token: {0}")]
    Invalid(#[source] TokenError),
    /// The token is valid but lacks required scopes.
    #[error("the access token lacks the scopes: {}", .missing.join(" "))]
    InsufficientScope {
        /// The required scopes it does not carry.
        missing: Vec<String>,
    },
    /// Discovery or the JWKS could not be fetched, so nothing can be verified.
    #[error("cannot verify access tokens: {0}")]
    Unavailable(#[source] Error),
}

struct Provider {
    issuer: String,
    keys: JwksCache,
}

/// Verifies JWT access tokens for one API (one audience). Clones share the discovery and JWKS
/// caches.
///
/// ```no_run
/// use sesame_client::AccessTokenVerifier;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), sesame_client::AccessTokenError> {
/// let verifier = AccessTokenVerifier::new("http://localhost:3001", "https://api.example.com")
///     .map_err(sesame_client::AccessTokenError::Unavailable)?
///     .require_scopes(["read:orders"]);
/// # let bearer_token = "";
/// let claims = verifier.verify(bearer_token).await?;
/// println!("user {} may read orders", claims.sub);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AccessTokenVerifier {
    discovery_url: String,
    audience: String,
    required_scopes: Vec<String>,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    provider: Arc<OnceCell<Provider>>,
}

impl std::fmt::Debug for AccessTokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokenVerifier")
            .field("discovery_url", &self.discovery_url)
            .field("audience", &self.audience)
            .field("required_scopes", &self.required_scopes)
            .finish_non_exhaustive()
    }
}

impl AccessTokenVerifier {
    /// A verifier for tokens of the server at `endpoint` (issuer `{endpoint}/oidc`, discovered
    /// on first use) whose `aud` is `audience` (the API resource indicator).
    ///
    /// # Errors
    /// [`Error::HttpClientSetup`] when the HTTP client cannot be built.
    ///
    /// ```
    /// let verifier = sesame_client::AccessTokenVerifier::new("http://localhost:3001", "https://api.example.com")?;
    /// assert_eq!(verifier.audience(), "https://api.example.com");
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    pub fn new(endpoint: &str, audience: impl Into<String>) -> Result<Self, Error> {
        Ok(Self::with_http_client(endpoint, audience, default_http_client()?))
    }

    /// As [`new`](Self::new), with a given reqwest client.
    ///
    /// ```
    /// let verifier = sesame_client::AccessTokenVerifier::with_http_client(
    ///     "http://localhost:3001", "https://api.example.com", reqwest::Client::new());
    /// # let _ = verifier;
    /// ```
    pub fn with_http_client(endpoint: &str, audience: impl Into<String>, http: reqwest::Client) -> Self {
        let discovery_url = SesameConfig::new(endpoint, "").discovery_url();
        Self {
            discovery_url,
            audience: audience.into(),
            required_scopes: Vec::new(),
            http,
            clock: Arc::new(SystemClock),
            provider: Arc::new(OnceCell::new()),
        }
    }

    /// Scopes every token must carry (in addition to those passed to
    /// [`verify_with_scopes`](Self::verify_with_scopes)).
    ///
    /// ```
    /// let verifier = sesame_client::AccessTokenVerifier::new("http://localhost:3001", "https://api.example.com")?
    ///     .require_scopes(["read", "write"]);
    /// assert_eq!(verifier.required_scopes(), ["read", "write"]);
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    #[must_use]
    pub fn require_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.required_scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// The clock used for `exp`/`iat` checks and JWKS refetch limits.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// let verifier = sesame_client::AccessTokenVerifier::new("http://localhost:3001", "https://api.example.com")?
    ///     .clock(Arc::new(sesame_client::ManualClock::new()));
    /// # let _ = verifier;
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The audience tokens must be for.
    ///
    /// ```
    /// let verifier = sesame_client::AccessTokenVerifier::new("http://localhost:3001", "https://api.example.com")?;
    /// assert_eq!(verifier.audience(), "https://api.example.com");
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The scopes every token must carry.
    ///
    /// ```
    /// let verifier = sesame_client::AccessTokenVerifier::new("http://localhost:3001", "https://api.example.com")?;
    /// assert!(verifier.required_scopes().is_empty());
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    pub fn required_scopes(&self) -> &[String] {
        &self.required_scopes
    }

    async fn provider(&self) -> Result<&Provider, AccessTokenError> {
        self.provider
            .get_or_try_init(|| async {
                let metadata: ProviderMetadata = discovery::fetch(&self.http, &self.discovery_url).await?;
                Ok(Provider { issuer: metadata.issuer, keys: JwksCache::new(metadata.jwks_uri) })
            })
            .await
            .map_err(AccessTokenError::Unavailable)
    }

    /// Verifies `token` (the Bearer value) and checks the configured scopes.
    ///
    /// # Errors
    /// [`AccessTokenError`].
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let verifier = sesame_client::AccessTokenVerifier::new("http://localhost:3001", "https://api.example.com")?;
    /// let claims = verifier.verify("eyJ…").await?;
    /// # let _ = claims;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn verify(&self, token: &str) -> Result<AccessTokenClaims, AccessTokenError> {
        self.verify_with_scopes(token, &[]).await
    }

    /// Verifies `token` and checks the configured scopes plus `scopes`.
    ///
    /// # Errors
    /// [`AccessTokenError`].
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let verifier = sesame_client::AccessTokenVerifier::new("http://localhost:3001", "https://api.example.com")?;
    /// let claims = verifier.verify_with_scopes("eyJ…", &["write:orders"]).await?;
    /// # let _ = claims;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn verify_with_scopes(&self, token: &str, scopes: &[&str]) -> Result<AccessTokenClaims, AccessTokenError> {
        let provider = self.provider().await?;
        let expected = Expectations {
            issuer: &provider.issuer,
            audience: &self.audience,
            now: self.clock.now_secs(),
            typ: Some(ACCESS_TOKEN_TYPE),
        };
        let jws = provider.keys.verify(&self.http, self.clock.as_ref(), token, &expected).await.map_err(|err| match err {
            VerifyError::Token(reason) => AccessTokenError::Invalid(reason),
            VerifyError::Keys(error) => AccessTokenError::Unavailable(error),
        })?;
        let claims: AccessTokenClaims = into_typed(jws.claims).map_err(AccessTokenError::Invalid)?;
        let missing: Vec<String> = self
            .required_scopes
            .iter()
            .map(String::as_str)
            .chain(scopes.iter().copied())
            .filter(|scope| !claims.has_scope(scope))
            .map(str::to_owned)
            .collect();
        if !missing.is_empty() {
            return Err(AccessTokenError::InsufficientScope { missing });
        }
        Ok(claims)
    }
}

//! [`SesameClient`]: the Logto Python SDK's `LogtoClient` in async Rust. It builds sign-in and
//! sign-out URLs, redeems the callback, verifies ID tokens, and hands out access tokens for the
//! userinfo endpoint, API resources and organizations, refreshing and caching them.

use std::fmt;
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use tokio::sync::OnceCell;
use url::Url;

use crate::claims::{AccessTokenClaims, IdTokenClaims, UserInfo};
use crate::clock::{Clock, SystemClock};
use crate::config::{organization_urn, SesameConfig, SignInOptions, UserInfoScope, ORGANIZATION_URN_PREFIX};
use crate::discovery::{self, ProviderMetadata};
use crate::error::{CallbackError, Error};
use crate::http::{default_http_client, read_json, transport_error};
use crate::jwks::{JwksCache, VerifyError};
use crate::jwt::{decode_claims_unverified, into_typed, Expectations};
use crate::pkce::{random_token, s256_challenge};
use crate::storage::{storage_keys, MemoryStorage, Storage};
use crate::tokens::{AccessTokenMap, SignInSession, TokenResponse};
use crate::ClientAuthentication;

/// The discovered provider: its metadata and its cached keys.
#[derive(Debug)]
struct Provider {
    metadata: ProviderMetadata,
    keys: JwksCache,
}

/// What every handle of one client shares: configuration, HTTP client, clock, and the
/// discovery and JWKS caches.
struct Shared {
    config: SesameConfig,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    provider: OnceCell<Provider>,
}

/// Which access token a refresh asks for.
#[derive(Debug, Clone, Copy)]
enum TokenTarget<'a> {
    /// The token for the userinfo endpoint (no resource).
    UserInfo,
    /// An API resource indicator.
    Resource(&'a str),
    /// An organization id.
    Organization(&'a str),
}

impl TokenTarget<'_> {
    fn cache_key(self) -> String {
        match self {
            Self::UserInfo => String::new(),
            Self::Resource(resource) => resource.to_owned(),
            Self::Organization(id) => organization_urn(id),
        }
    }
}

/// A Logto-compatible OpenID Connect client bound to one user's [`Storage`].
///
/// Cloning is cheap; [`SesameClient::with_storage`] makes a handle for another user (another
/// browser session) that shares the configuration, the HTTP client and the discovery and
/// JWKS caches.
///
/// ```no_run
/// use sesame_client::{SesameClient, SesameConfig, UserInfoScope};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), sesame_client::Error> {
/// let client = SesameClient::new(
///     SesameConfig::new("http://localhost:3001", "my-app-id")
///         .app_secret("my-app-secret")
///         .scopes([UserInfoScope::Email]),
/// )?;
/// // 1. Send the browser here:
/// let url = client.sign_in("http://localhost:3000/callback").await?;
/// # let _ = url;
/// // 2. When it comes back to /callback?code=…&state=…:
/// client.handle_sign_in_callback("http://localhost:3000/callback?code=c&state=s").await?;
/// // 3. Use the session:
/// let claims = client.id_token_claims().await?;
/// let info = client.fetch_user_info().await?;
/// println!("{} {:?}", claims.sub, info.email);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SesameClient {
    shared: Arc<Shared>,
    storage: Arc<dyn Storage>,
}

impl fmt::Debug for SesameClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SesameClient")
            .field("endpoint", &self.shared.config.endpoint)
            .field("app_id", &self.shared.config.app_id)
            .finish_non_exhaustive()
    }
}

/// Builds a [`SesameClient`] with a custom storage, clock or HTTP client.
///
/// ```
/// use std::sync::Arc;
/// use sesame_client::{ManualClock, MemoryStorage, SesameClient, SesameConfig};
///
/// let client = SesameClient::builder(SesameConfig::new("http://localhost:3001", "app"))
///     .storage(MemoryStorage::new())
///     .clock(Arc::new(ManualClock::new()))
///     .build()?;
/// # let _ = client;
/// # Ok::<(), sesame_client::Error>(())
/// ```
#[must_use]
pub struct SesameClientBuilder {
    config: SesameConfig,
    storage: Option<Arc<dyn Storage>>,
    clock: Option<Arc<dyn Clock>>,
    http: Option<reqwest::Client>,
}

impl SesameClientBuilder {
    /// The storage of the first handle (default: a fresh [`MemoryStorage`]).
    ///
    /// ```
    /// # use sesame_client::{MemoryStorage, SesameClient, SesameConfig};
    /// let builder = SesameClient::builder(SesameConfig::new("http://localhost:3001", "app")).storage(MemoryStorage::new());
    /// # let _ = builder;
    /// ```
    pub fn storage(mut self, storage: impl Storage) -> Self {
        self.storage = Some(Arc::new(storage));
        self
    }

    /// The clock for token expiry and JWKS refetch limits (default: [`SystemClock`]).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use sesame_client::{ManualClock, SesameClient, SesameConfig};
    /// let builder = SesameClient::builder(SesameConfig::new("http://localhost:3001", "app")).clock(Arc::new(ManualClock::new()));
    /// # let _ = builder;
    /// ```
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The reqwest client to use (default: rustls, no redirects, 30 s timeout).
    ///
    /// ```
    /// # use sesame_client::{SesameClient, SesameConfig};
    /// let builder = SesameClient::builder(SesameConfig::new("http://localhost:3001", "app")).http_client(reqwest::Client::new());
    /// # let _ = builder;
    /// ```
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The client.
    ///
    /// # Errors
    /// [`Error::HttpClientSetup`] when the default HTTP client cannot be built.
    ///
    /// ```
    /// # use sesame_client::{SesameClient, SesameConfig};
    /// let client = SesameClient::builder(SesameConfig::new("http://localhost:3001", "app")).build()?;
    /// # let _ = client;
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    pub fn build(self) -> Result<SesameClient, Error> {
        let http = match self.http {
            Some(http) => http,
            None => default_http_client()?,
        };
        let shared = Shared {
            config: self.config,
            http,
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            provider: OnceCell::new(),
        };
        let storage = self.storage.unwrap_or_else(|| Arc::new(MemoryStorage::new()));
        Ok(SesameClient { shared: Arc::new(shared), storage })
    }
}

impl SesameClient {
    /// A client with in-memory storage, the system clock and the default HTTP client.
    ///
    /// # Errors
    /// [`Error::HttpClientSetup`] when the HTTP client cannot be built.
    ///
    /// ```
    /// let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// # let _ = client;
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    pub fn new(config: SesameConfig) -> Result<Self, Error> {
        Self::builder(config).build()
    }

    /// A builder for custom storage, clock or HTTP client.
    ///
    /// ```
    /// let builder = sesame_client::SesameClient::builder(sesame_client::SesameConfig::new("http://localhost:3001", "app"));
    /// # let _ = builder;
    /// ```
    pub fn builder(config: SesameConfig) -> SesameClientBuilder {
        SesameClientBuilder { config, storage: None, clock: None, http: None }
    }

    /// A handle on another user's storage that shares everything else with this one.
    ///
    /// ```
    /// use sesame_client::{MemoryStorage, SesameClient, SesameConfig};
    /// let client = SesameClient::new(SesameConfig::new("http://localhost:3001", "app"))?;
    /// let for_this_browser = client.with_storage(MemoryStorage::new());
    /// # let _ = for_this_browser;
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    #[must_use]
    pub fn with_storage(&self, storage: impl Storage) -> Self {
        Self { shared: Arc::clone(&self.shared), storage: Arc::new(storage) }
    }

    /// The configuration.
    ///
    /// ```
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// assert_eq!(client.config().app_id, "app");
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    pub fn config(&self) -> &SesameConfig {
        &self.shared.config
    }

    /// The storage this handle reads and writes.
    ///
    /// ```
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let storage = client.storage();
    /// # let _ = storage;
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    async fn provider(&self) -> Result<&Provider, Error> {
        self.shared
            .provider
            .get_or_try_init(|| async {
                let metadata = discovery::fetch(&self.shared.http, &self.shared.config.discovery_url()).await?;
                let keys = JwksCache::new(metadata.jwks_uri.clone());
                Ok(Provider { metadata, keys })
            })
            .await
    }

    /// The provider metadata, fetched from `{endpoint}/oidc/.well-known/openid-configuration`
    /// on first use and cached for the life of the client.
    ///
    /// # Errors
    /// Transport or response errors of the discovery request.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), sesame_client::Error> {
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let metadata = client.provider_metadata().await?;
    /// println!("{}", metadata.token_endpoint);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn provider_metadata(&self) -> Result<&ProviderMetadata, Error> {
        Ok(&self.provider().await?.metadata)
    }

    /// Starts a sign-in: stores a fresh PKCE verifier and `state` (forgetting any previous
    /// tokens) and returns the authorization URL to redirect the browser to.
    ///
    /// The URL carries `client_id`, `redirect_uri`, `response_type=code`, `scope` (configured
    /// scopes + `openid offline_access profile`), one `resource` per configured resource (plus
    /// `urn:logto:resource:organizations` with the organizations scope), `prompt`,
    /// `code_challenge`, `code_challenge_method=S256`, `state`, and `interaction_mode` /
    /// `first_screen` / `login_hint` when given.
    ///
    /// # Errors
    /// Discovery, storage or URL errors.
    ///
    /// ```no_run
    /// use sesame_client::{InteractionMode, SignInOptions};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), sesame_client::Error> {
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let sign_in = client.sign_in("http://localhost:3000/callback").await?;
    /// let sign_up = client
    ///     .sign_in(SignInOptions::new("http://localhost:3000/callback").interaction_mode(InteractionMode::SignUp))
    ///     .await?;
    /// # let _ = (sign_in, sign_up);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sign_in(&self, options: impl Into<SignInOptions>) -> Result<String, Error> {
        let options = options.into();
        let config = &self.shared.config;
        let metadata = self.provider_metadata().await?;
        let code_verifier = random_token()?;
        let state = random_token()?;
        let mut url = parse_url(&metadata.authorization_endpoint)?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("client_id", &config.app_id)
                .append_pair("redirect_uri", &options.redirect_uri)
                .append_pair("response_type", "code")
                .append_pair("scope", &config.requested_scope());
            for resource in config.requested_resources() {
                query.append_pair("resource", &resource);
            }
            query
                .append_pair("prompt", config.prompt.as_str())
                .append_pair("code_challenge", &s256_challenge(&code_verifier))
                .append_pair("code_challenge_method", "S256")
                .append_pair("state", &state);
            if let Some(mode) = options.interaction_mode {
                query.append_pair("interaction_mode", mode.as_str());
            }
            if let Some(screen) = options.first_screen {
                query.append_pair("first_screen", screen.as_str());
            }
            if let Some(hint) = &options.login_hint {
                query.append_pair("login_hint", hint);
            }
        }
        let session = SignInSession { redirect_uri: options.redirect_uri, code_verifier, state };
        let session = serde_json::to_string(&session).map_err(Error::Serialization)?;
        self.storage.set(storage_keys::SIGN_IN_SESSION, session).await?;
        self.forget_tokens().await?;
        Ok(url.into())
    }

    async fn forget_tokens(&self) -> Result<(), Error> {
        for key in [storage_keys::ID_TOKEN, storage_keys::REFRESH_TOKEN, storage_keys::ACCESS_TOKEN_MAP] {
            self.storage.delete(key).await?;
        }
        Ok(())
    }

    /// Completes a sign-in from the URL the browser came back to: checks the path against the
    /// redirect URI, reports `error=…`, checks `state` (and `iss` when present), redeems the
    /// code with the PKCE verifier, verifies the ID token and stores the tokens.
    ///
    /// # Errors
    /// [`Error::Callback`] for a refused callback, [`Error::OAuth`] when the token endpoint
    /// refuses the code, [`Error::IdToken`] when the ID token does not verify.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), sesame_client::Error> {
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// client.handle_sign_in_callback("http://localhost:3000/callback?code=abc&state=xyz").await?;
    /// assert!(client.is_authenticated().await?);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn handle_sign_in_callback(&self, callback_url: &str) -> Result<(), Error> {
        let session: SignInSession = self
            .storage
            .get(storage_keys::SIGN_IN_SESSION)
            .await?
            .and_then(|json| serde_json::from_str(&json).ok())
            .ok_or(CallbackError::NoSignInSession)?;
        let callback = parse_url(callback_url)?;
        let redirect_uri = parse_url(&session.redirect_uri)?;
        if callback.path() != redirect_uri.path() {
            return Err(CallbackError::RedirectUriMismatch {
                expected: redirect_uri.path().to_owned(),
                found: callback.path().to_owned(),
            }
            .into());
        }
        let param = |name: &str| callback.query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned());
        if let Some(error) = param("error") {
            return Err(CallbackError::Authorization { error, error_description: param("error_description") }.into());
        }
        if param("state").as_deref() != Some(session.state.as_str()) {
            return Err(CallbackError::StateMismatch.into());
        }
        let metadata = self.provider_metadata().await?;
        if let Some(issuer) = param("iss") {
            if issuer != metadata.issuer {
                return Err(CallbackError::IssuerMismatch { expected: metadata.issuer.clone(), found: issuer }.into());
            }
        }
        let code = param("code").ok_or(CallbackError::MissingCode)?;
        let form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("redirect_uri", session.redirect_uri.clone()),
            ("code", code),
            ("code_verifier", session.code_verifier.clone()),
        ];
        let response = self.request_tokens(form).await?;
        self.store_token_response(TokenTarget::UserInfo, response).await?;
        self.storage.delete(storage_keys::SIGN_IN_SESSION).await?;
        Ok(())
    }

    /// Forgets the user's tokens and returns the provider's sign-out URL
    /// (`end_session_endpoint?client_id=…&post_logout_redirect_uri=…`) to redirect the browser
    /// to, which ends the session at the server too.
    ///
    /// # Errors
    /// Discovery or storage errors; [`Error::NoEndSessionEndpoint`] when the provider has none.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), sesame_client::Error> {
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let url = client.sign_out(Some("http://localhost:3000/")).await?;
    /// # let _ = url;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sign_out(&self, post_logout_redirect_uri: Option<&str>) -> Result<String, Error> {
        self.forget_tokens().await?;
        let metadata = self.provider_metadata().await?;
        let endpoint = metadata.end_session_endpoint.as_deref().ok_or(Error::NoEndSessionEndpoint)?;
        let mut url = parse_url(endpoint)?;
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("client_id", &self.shared.config.app_id);
            if let Some(uri) = post_logout_redirect_uri.filter(|uri| !uri.is_empty()) {
                query.append_pair("post_logout_redirect_uri", uri);
            }
        }
        Ok(url.into())
    }

    /// Whether an ID token is stored (the Python SDK's definition of "signed in").
    ///
    /// # Errors
    /// Storage errors.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), sesame_client::Error> {
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// assert!(!client.is_authenticated().await?);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn is_authenticated(&self) -> Result<bool, Error> {
        Ok(self.storage.get(storage_keys::ID_TOKEN).await?.is_some())
    }

    /// The raw stored ID token.
    ///
    /// # Errors
    /// Storage errors.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), sesame_client::Error> {
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// assert_eq!(client.id_token().await?, None);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn id_token(&self) -> Result<Option<String>, Error> {
        Ok(self.storage.get(storage_keys::ID_TOKEN).await?)
    }

    /// The raw stored refresh token.
    ///
    /// # Errors
    /// Storage errors.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), sesame_client::Error> {
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// assert_eq!(client.refresh_token().await?, None);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn refresh_token(&self) -> Result<Option<String>, Error> {
        Ok(self.storage.get(storage_keys::REFRESH_TOKEN).await?)
    }

    /// The claims of the stored ID token (verified when it was stored).
    ///
    /// # Errors
    /// [`Error::NotAuthenticated`] when no ID token is stored.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), sesame_client::Error> {
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let claims = client.id_token_claims().await?;
    /// println!("signed in as {} ({:?})", claims.sub, claims.username);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn id_token_claims(&self) -> Result<IdTokenClaims, Error> {
        let token = self.id_token().await?.ok_or(Error::NotAuthenticated)?;
        let claims = decode_claims_unverified(&token).map_err(Error::UndecodableToken)?;
        into_typed(claims).map_err(Error::UndecodableToken)
    }

    /// Reads the userinfo endpoint with the userinfo access token (refreshed if needed).
    ///
    /// # Errors
    /// [`Error::NoRefreshToken`] when the token expired and cannot be refreshed; the server's
    /// errors as [`Error::OAuth`].
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), sesame_client::Error> {
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let info = client.fetch_user_info().await?;
    /// println!("{:?} {:?}", info.email, info.custom_data);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn fetch_user_info(&self) -> Result<UserInfo, Error> {
        let access_token = self.access_token(None).await?;
        let metadata = self.provider_metadata().await?;
        let url = metadata.userinfo_endpoint.as_str();
        let response = self.shared.http.get(url).bearer_auth(access_token).send().await.map_err(transport_error(url))?;
        read_json(response, url).await
    }

    /// An access token: `None` (or `Some("")`) for the userinfo token, or an API resource
    /// indicator. A cached token is returned while it has more than a minute left; otherwise
    /// the refresh token is exchanged (`grant_type=refresh_token`, `resource=<indicator>`).
    ///
    /// # Errors
    /// [`Error::NoRefreshToken`], or the token endpoint's [`Error::OAuth`] (e.g.
    /// `invalid_grant` when the session was revoked).
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), sesame_client::Error> {
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let for_userinfo = client.access_token(None).await?;
    /// let for_api = client.access_token(Some("https://api.example.com")).await?;
    /// # let _ = (for_userinfo, for_api);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn access_token(&self, resource: Option<&str>) -> Result<String, Error> {
        if let Some(organization_id) = resource.and_then(|resource| resource.strip_prefix(ORGANIZATION_URN_PREFIX)) {
            return self.token_for(TokenTarget::Organization(organization_id)).await;
        }
        match resource.filter(|resource| !resource.is_empty()) {
            Some(resource) => self.token_for(TokenTarget::Resource(resource)).await,
            None => self.token_for(TokenTarget::UserInfo).await,
        }
    }

    /// The claims of [`access_token`](Self::access_token)'s JWT, decoded without verifying
    /// (the client got it straight from the token endpoint; APIs must verify, see
    /// [`AccessTokenVerifier`](crate::AccessTokenVerifier)).
    ///
    /// # Errors
    /// As [`access_token`](Self::access_token); [`Error::UndecodableToken`] for an opaque
    /// token (Sesame's userinfo token is opaque).
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), sesame_client::Error> {
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let claims = client.access_token_claims(Some("https://api.example.com")).await?;
    /// println!("scopes: {}", claims.scope);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn access_token_claims(&self, resource: Option<&str>) -> Result<AccessTokenClaims, Error> {
        let token = self.access_token(resource).await?;
        decode_access_token(&token)
    }

    /// An organization token (`grant_type=refresh_token` with `organization_id`), cached under
    /// `urn:logto:organization:<id>`. Needs [`UserInfoScope::Organizations`] in the config.
    ///
    /// # Errors
    /// [`Error::OrganizationsScopeNotConfigured`], and those of
    /// [`access_token`](Self::access_token).
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), sesame_client::Error> {
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let token = client.organization_token("org_1").await?;
    /// # let _ = token;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn organization_token(&self, organization_id: &str) -> Result<String, Error> {
        self.token_for(TokenTarget::Organization(organization_id)).await
    }

    /// The decoded claims of [`organization_token`](Self::organization_token).
    ///
    /// # Errors
    /// As [`organization_token`](Self::organization_token), or [`Error::UndecodableToken`].
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), sesame_client::Error> {
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let claims = client.organization_token_claims("org_1").await?;
    /// assert_eq!(claims.aud, "urn:logto:organization:org_1");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn organization_token_claims(&self, organization_id: &str) -> Result<AccessTokenClaims, Error> {
        let token = self.organization_token(organization_id).await?;
        decode_access_token(&token)
    }

    async fn token_for(&self, target: TokenTarget<'_>) -> Result<String, Error> {
        if matches!(target, TokenTarget::Organization(_)) && !self.shared.config.has_scope(UserInfoScope::Organizations.as_str()) {
            return Err(Error::OrganizationsScopeNotConfigured);
        }
        let cache_key = target.cache_key();
        let now = self.shared.clock.now_secs();
        let cached = AccessTokenMap::parse(self.storage.get(storage_keys::ACCESS_TOKEN_MAP).await?.as_deref());
        if let Some(token) = cached.valid(&cache_key, now) {
            return Ok(token.to_owned());
        }
        let refresh_token = self.refresh_token().await?.ok_or(Error::NoRefreshToken)?;
        let mut form = vec![("grant_type", "refresh_token".to_owned()), ("refresh_token", refresh_token)];
        match target {
            TokenTarget::UserInfo => {}
            TokenTarget::Resource(resource) => form.push(("resource", resource.to_owned())),
            TokenTarget::Organization(id) => form.push(("organization_id", id.to_owned())),
        }
        let response = self.request_tokens(form).await?;
        let access_token = response.access_token.clone();
        self.store_token_response(target, response).await?;
        Ok(access_token)
    }

    /// POSTs a grant to the token endpoint with this client's authentication.
    async fn request_tokens(&self, mut form: Vec<(&'static str, String)>) -> Result<TokenResponse, Error> {
        let config = &self.shared.config;
        let metadata = self.provider_metadata().await?;
        let url = metadata.token_endpoint.as_str();
        form.push(("client_id", config.app_id.clone()));
        let mut request = self.shared.http.post(url);
        if let Some(secret) = &config.app_secret {
            match config.client_authentication {
                ClientAuthentication::ClientSecretPost => form.push(("client_secret", secret.clone())),
                ClientAuthentication::ClientSecretBasic => {
                    request = request.header(reqwest::header::AUTHORIZATION, basic_authorization(&config.app_id, secret));
                }
            }
        }
        let response = request.form(&form).send().await.map_err(transport_error(url))?;
        read_json(response, url).await
    }

    /// Verifies any ID token first, then stores the ID token, a new refresh token (rotation)
    /// and the access token under the target's cache key.
    async fn store_token_response(&self, target: TokenTarget<'_>, response: TokenResponse) -> Result<(), Error> {
        if let Some(id_token) = &response.id_token {
            self.verify_id_token(id_token).await?;
        }
        let now = self.shared.clock.now_secs();
        let mut cache = AccessTokenMap::parse(self.storage.get(storage_keys::ACCESS_TOKEN_MAP).await?.as_deref());
        cache.insert(&target.cache_key(), response.access_token, response.expires_in, now);
        if let Some(id_token) = response.id_token {
            self.storage.set(storage_keys::ID_TOKEN, id_token).await?;
        }
        if let Some(refresh_token) = response.refresh_token {
            self.storage.set(storage_keys::REFRESH_TOKEN, refresh_token).await?;
        }
        let cache = serde_json::to_string(&cache).map_err(Error::Serialization)?;
        self.storage.set(storage_keys::ACCESS_TOKEN_MAP, cache).await?;
        Ok(())
    }

    /// Verifies an ID token: allowed `alg`, `kid` in the JWKS (refetched for an unknown one at
    /// most every 30 s), signature, exact `iss`, `aud` = app id, `exp`/`iat` with 30 s leeway.
    ///
    /// # Errors
    /// [`Error::IdToken`] with the reason, or the JWKS request's error.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), sesame_client::Error> {
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// # let id_token = String::new();
    /// let claims = client.verify_id_token(&id_token).await?;
    /// println!("{}", claims.sub);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn verify_id_token(&self, id_token: &str) -> Result<IdTokenClaims, Error> {
        let provider = self.provider().await?;
        let expected = Expectations {
            issuer: &provider.metadata.issuer,
            audience: &self.shared.config.app_id,
            now: self.shared.clock.now_secs(),
            typ: None,
        };
        let jws = provider.keys.verify(&self.shared.http, self.shared.clock.as_ref(), id_token, &expected).await.map_err(|err| match err {
            VerifyError::Token(reason) => Error::IdToken(reason),
            VerifyError::Keys(error) => error,
        })?;
        into_typed(jws.claims).map_err(Error::IdToken)
    }
}

fn decode_access_token(token: &str) -> Result<AccessTokenClaims, Error> {
    let claims = decode_claims_unverified(token).map_err(Error::UndecodableToken)?;
    into_typed(claims).map_err(Error::UndecodableToken)
}

fn parse_url(url: &str) -> Result<Url, Error> {
    Url::parse(url).map_err(|source| Error::InvalidUrl { url: url.to_owned(), source })
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1).
fn basic_authorization(client_id: &str, secret: &str) -> String {
    let encode = |part: &str| url::form_urlencoded::byte_serialize(part.as_bytes()).collect::<String>();
    format!("Basic {}", STANDARD.encode(format!("{}:{}", encode(client_id), encode(secret))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_encoded_first() {
        assert_eq!(basic_authorization("my app", "s:cret"), format!("Basic {}", STANDARD.encode("my+app:s%3Acret")));
    }

    #[test]
    fn cache_keys_follow_the_python_sdk() {
        assert_eq!(TokenTarget::UserInfo.cache_key(), "");
        assert_eq!(TokenTarget::Resource("https://api.example.com").cache_key(), "https://api.example.com");
        assert_eq!(TokenTarget::Organization("o1").cache_key(), "urn:logto:organization:o1");
    }
}

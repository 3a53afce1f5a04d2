//! What an application tells the client about itself: [`SesameConfig`], the scopes it may ask
//! for ([`UserInfoScope`]), and the per-sign-in options ([`SignInOptions`]).

use std::fmt;

/// The scopes every sign-in requests, after the configured ones (as Logto's SDKs do).
///
/// ```
/// assert_eq!(sesame_client::DEFAULT_SCOPES, ["openid", "offline_access", "profile"]);
/// ```
pub const DEFAULT_SCOPES: [&str; 3] = ["openid", "offline_access", "profile"];

/// The reserved API resource for organization tokens, added to the sign-in request whenever
/// [`UserInfoScope::Organizations`] is configured.
///
/// ```
/// assert_eq!(sesame_client::ORGANIZATIONS_RESOURCE, "urn:logto:resource:organizations");
/// ```
pub const ORGANIZATIONS_RESOURCE: &str = "urn:logto:resource:organizations";

/// The prefix of the cache key (and audience) of an organization token.
///
/// ```
/// assert!(sesame_client::organization_urn("o1").starts_with(sesame_client::ORGANIZATION_URN_PREFIX));
/// ```
pub const ORGANIZATION_URN_PREFIX: &str = "urn:logto:organization:";

/// The `urn:logto:organization:<id>` form of an organization id.
///
/// ```
/// assert_eq!(sesame_client::organization_urn("o1"), "urn:logto:organization:o1");
/// ```
pub fn organization_urn(organization_id: &str) -> String {
    format!("{ORGANIZATION_URN_PREFIX}{organization_id}")
}

/// How an application is configured, the Python SDK's `LogtoConfig` in Rust.
///
/// ```
/// use sesame_client::{SesameConfig, UserInfoScope};
///
/// let config = SesameConfig::new("http://localhost:3001", "my-app-id")
///     .app_secret("my-app-secret")
///     .scopes([UserInfoScope::Email, UserInfoScope::Organizations])
///     .resource("https://api.example.com");
/// assert_eq!(config.issuer(), "http://localhost:3001/oidc");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SesameConfig {
    /// The server's URL, e.g. `http://localhost:3001`; its issuer is `{endpoint}/oidc`.
    pub endpoint: String,
    /// The application (client) id.
    pub app_id: String,
    /// The application secret; `None` for public clients (SPA, native).
    pub app_secret: Option<String>,
    /// Extra scopes (user-info scopes and API permissions); the defaults are always added.
    pub scopes: Vec<String>,
    /// API resource indicators the sign-in asks for (RFC 8707).
    pub resources: Vec<String>,
    /// The `prompt` of the authorization request; `consent` (the default) yields a refresh token.
    pub prompt: Prompt,
    /// How the secret reaches the token endpoint.
    pub client_authentication: ClientAuthentication,
}

impl SesameConfig {
    /// A configuration for a public client with no extra scopes or resources.
    ///
    /// ```
    /// let config = sesame_client::SesameConfig::new("https://auth.example.com/", "app");
    /// assert_eq!(config.endpoint, "https://auth.example.com", "trailing slashes are trimmed");
    /// ```
    pub fn new(endpoint: impl Into<String>, app_id: impl Into<String>) -> Self {
        let endpoint: String = endpoint.into();
        Self {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            app_id: app_id.into(),
            app_secret: None,
            scopes: Vec::new(),
            resources: Vec::new(),
            prompt: Prompt::default(),
            client_authentication: ClientAuthentication::default(),
        }
    }

    /// Sets the application secret (confidential clients).
    ///
    /// ```
    /// let config = sesame_client::SesameConfig::new("http://localhost:3001", "app").app_secret("s3cret");
    /// assert_eq!(config.app_secret.as_deref(), Some("s3cret"));
    /// ```
    #[must_use]
    pub fn app_secret(mut self, secret: impl Into<String>) -> Self {
        self.app_secret = Some(secret.into());
        self
    }

    /// Adds scopes ([`UserInfoScope`] members or API permission strings).
    ///
    /// ```
    /// use sesame_client::{SesameConfig, UserInfoScope};
    /// let config = SesameConfig::new("http://localhost:3001", "app").scopes([UserInfoScope::Email]).scopes(["read:orders"]);
    /// assert_eq!(config.scopes, ["email", "read:orders"]);
    /// ```
    #[must_use]
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Adds one API resource indicator.
    ///
    /// ```
    /// let config = sesame_client::SesameConfig::new("http://localhost:3001", "app").resource("https://api.example.com");
    /// assert_eq!(config.resources, ["https://api.example.com"]);
    /// ```
    #[must_use]
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resources.push(resource.into());
        self
    }

    /// Sets the `prompt` of sign-in requests.
    ///
    /// ```
    /// use sesame_client::{Prompt, SesameConfig};
    /// let config = SesameConfig::new("http://localhost:3001", "app").prompt(Prompt::Login);
    /// assert_eq!(config.prompt, Prompt::Login);
    /// ```
    #[must_use]
    pub fn prompt(mut self, prompt: Prompt) -> Self {
        self.prompt = prompt;
        self
    }

    /// Chooses how the secret is sent to the token endpoint.
    ///
    /// ```
    /// use sesame_client::{ClientAuthentication, SesameConfig};
    /// let config = SesameConfig::new("http://localhost:3001", "app")
    ///     .app_secret("s")
    ///     .client_authentication(ClientAuthentication::ClientSecretBasic);
    /// assert_eq!(config.client_authentication, ClientAuthentication::ClientSecretBasic);
    /// ```
    #[must_use]
    pub fn client_authentication(mut self, method: ClientAuthentication) -> Self {
        self.client_authentication = method;
        self
    }

    /// The OpenID Connect issuer, `{endpoint}/oidc`.
    ///
    /// ```
    /// let config = sesame_client::SesameConfig::new("http://localhost:3001", "app");
    /// assert_eq!(config.issuer(), "http://localhost:3001/oidc");
    /// ```
    pub fn issuer(&self) -> String {
        format!("{}/oidc", self.endpoint)
    }

    /// The discovery document's URL, `{endpoint}/oidc/.well-known/openid-configuration`.
    ///
    /// ```
    /// let config = sesame_client::SesameConfig::new("http://localhost:3001", "app");
    /// assert_eq!(config.discovery_url(), "http://localhost:3001/oidc/.well-known/openid-configuration");
    /// ```
    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer())
    }

    /// Whether `scope` is among the configured scopes.
    ///
    /// ```
    /// use sesame_client::{SesameConfig, UserInfoScope};
    /// let config = SesameConfig::new("http://localhost:3001", "app").scopes([UserInfoScope::Organizations]);
    /// assert!(config.has_scope(UserInfoScope::Organizations.as_str()));
    /// ```
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|configured| configured == scope)
    }

    /// The `scope` parameter of a sign-in: configured scopes then the defaults, without repeats.
    ///
    /// ```
    /// use sesame_client::{SesameConfig, UserInfoScope};
    /// let config = SesameConfig::new("http://localhost:3001", "app").scopes([UserInfoScope::Email]);
    /// assert_eq!(config.requested_scope(), "email openid offline_access profile");
    /// ```
    pub fn requested_scope(&self) -> String {
        let mut scopes: Vec<&str> = Vec::new();
        for scope in self.scopes.iter().map(String::as_str).chain(DEFAULT_SCOPES) {
            if !scope.is_empty() && !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        scopes.join(" ")
    }

    /// The `resource` parameters of a sign-in: configured resources, plus the organizations
    /// resource when the organizations scope is configured.
    ///
    /// ```
    /// use sesame_client::{SesameConfig, UserInfoScope};
    /// let config = SesameConfig::new("http://localhost:3001", "app").scopes([UserInfoScope::Organizations]);
    /// assert_eq!(config.requested_resources(), ["urn:logto:resource:organizations"]);
    /// ```
    pub fn requested_resources(&self) -> Vec<String> {
        let mut resources: Vec<String> = Vec::new();
        let organizations = self.has_scope(UserInfoScope::Organizations.as_str()).then(|| ORGANIZATIONS_RESOURCE.to_owned());
        for resource in self.resources.iter().cloned().chain(organizations) {
            if !resource.is_empty() && !resources.contains(&resource) {
                resources.push(resource);
            }
        }
        resources
    }
}

/// The `prompt` parameter of the authorization request.
///
/// ```
/// assert_eq!(sesame_client::Prompt::default().as_str(), "consent");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Prompt {
    /// Reuse an existing session; the consent prompt is what earns a refresh token.
    #[default]
    Consent,
    /// Always ask the user to sign in again (no refresh token is issued).
    Login,
}

impl Prompt {
    /// The wire value.
    ///
    /// ```
    /// assert_eq!(sesame_client::Prompt::Login.as_str(), "login");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Consent => "consent",
            Self::Login => "login",
        }
    }
}

/// How a confidential client authenticates at the token endpoint (Sesame accepts both).
///
/// ```
/// use sesame_client::ClientAuthentication;
/// assert_eq!(ClientAuthentication::default(), ClientAuthentication::ClientSecretPost);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuthentication {
    /// `client_id` and `client_secret` in the form body, like Logto's Python SDK.
    #[default]
    ClientSecretPost,
    /// HTTP Basic with the form-urlencoded id and secret (RFC 6749 §2.3.1).
    ClientSecretBasic,
}

/// The user-information scopes Logto defines, and the claims they release.
///
/// ```
/// use sesame_client::UserInfoScope;
/// assert_eq!(UserInfoScope::Organizations.as_str(), "urn:logto:scope:organizations");
/// assert_eq!(String::from(UserInfoScope::Email), "email");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserInfoScope {
    /// `sub`; always requested.
    Openid,
    /// `name`, `username`, `picture` (and Logto's other profile claims); always requested.
    Profile,
    /// `email`, `email_verified`.
    Email,
    /// `phone_number`, `phone_number_verified`.
    Phone,
    /// `address`.
    Address,
    /// `custom_data` (userinfo only).
    CustomData,
    /// `identities` (userinfo only).
    Identities,
    /// `roles`.
    Roles,
    /// `organizations`, and organization tokens.
    Organizations,
    /// `organization_roles`.
    OrganizationRoles,
}

impl UserInfoScope {
    /// The wire value.
    ///
    /// ```
    /// assert_eq!(sesame_client::UserInfoScope::CustomData.as_str(), "custom_data");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Openid => "openid",
            Self::Profile => "profile",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Address => "address",
            Self::CustomData => "custom_data",
            Self::Identities => "identities",
            Self::Roles => "roles",
            Self::Organizations => "urn:logto:scope:organizations",
            Self::OrganizationRoles => "urn:logto:scope:organization_roles",
        }
    }
}

impl fmt::Display for UserInfoScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<UserInfoScope> for String {
    fn from(scope: UserInfoScope) -> Self {
        scope.as_str().to_owned()
    }
}

/// Logto's `interaction_mode` extension: which screen the hosted pages open on.
///
/// ```
/// assert_eq!(sesame_client::InteractionMode::SignUp.as_str(), "signUp");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InteractionMode {
    /// The sign-in form.
    SignIn,
    /// The registration form.
    SignUp,
}

impl InteractionMode {
    /// The wire value.
    ///
    /// ```
    /// assert_eq!(sesame_client::InteractionMode::SignIn.as_str(), "signIn");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "signIn",
            Self::SignUp => "signUp",
        }
    }
}

/// Logto's `first_screen` parameter, which supersedes `interaction_mode`.
///
/// ```
/// assert_eq!(sesame_client::FirstScreen::IdentifierRegister.as_str(), "identifier:register");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstScreen {
    /// The sign-in form (the default).
    SignIn,
    /// The registration form.
    Register,
    /// The password-reset form.
    ResetPassword,
    /// An identifier-specific sign-in form.
    IdentifierSignIn,
    /// An identifier-specific registration form.
    IdentifierRegister,
    /// The enterprise single-sign-on form.
    SingleSignOn,
}

impl FirstScreen {
    /// The wire value.
    ///
    /// ```
    /// assert_eq!(sesame_client::FirstScreen::Register.as_str(), "register");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::Register => "register",
            Self::ResetPassword => "reset_password",
            Self::IdentifierSignIn => "identifier:sign_in",
            Self::IdentifierRegister => "identifier:register",
            Self::SingleSignOn => "single_sign_on",
        }
    }
}

/// What one sign-in asks for: where to come back, and optionally which screen to open.
/// A bare `&str` or `String` converts into options with just the redirect URI.
///
/// ```
/// use sesame_client::{InteractionMode, SignInOptions};
/// let options = SignInOptions::new("https://app.example.com/callback").interaction_mode(InteractionMode::SignUp);
/// assert_eq!(options.redirect_uri, "https://app.example.com/callback");
/// let plain: SignInOptions = "https://app.example.com/callback".into();
/// assert!(plain.interaction_mode.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignInOptions {
    /// The registered redirect URI the server sends the browser back to.
    pub redirect_uri: String,
    /// `interaction_mode` (the Python SDK's parameter).
    pub interaction_mode: Option<InteractionMode>,
    /// `first_screen` (the newer Logto SDKs' parameter).
    pub first_screen: Option<FirstScreen>,
    /// `login_hint`: prefills the identifier field.
    pub login_hint: Option<String>,
}

impl SignInOptions {
    /// Options with only the redirect URI.
    ///
    /// ```
    /// let options = sesame_client::SignInOptions::new("https://app.example.com/callback");
    /// assert!(options.first_screen.is_none());
    /// ```
    pub fn new(redirect_uri: impl Into<String>) -> Self {
        Self { redirect_uri: redirect_uri.into(), interaction_mode: None, first_screen: None, login_hint: None }
    }

    /// Sets `interaction_mode`.
    ///
    /// ```
    /// use sesame_client::{InteractionMode, SignInOptions};
    /// let options = SignInOptions::new("https://app.example.com/callback").interaction_mode(InteractionMode::SignUp);
    /// assert_eq!(options.interaction_mode, Some(InteractionMode::SignUp));
    /// ```
    #[must_use]
    pub fn interaction_mode(mut self, mode: InteractionMode) -> Self {
        self.interaction_mode = Some(mode);
        self
    }

    /// Sets `first_screen`.
    ///
    /// ```
    /// use sesame_client::{FirstScreen, SignInOptions};
    /// let options = SignInOptions::new("https://app.example.com/callback").first_screen(FirstScreen::Register);
    /// assert_eq!(options.first_screen, Some(FirstScreen::Register));
    /// ```
    #[must_use]
    pub fn first_screen(mut self, screen: FirstScreen) -> Self {
        self.first_screen = Some(screen);
        self
    }

    /// Sets `login_hint`.
    ///
    /// ```
    /// let options = sesame_client::SignInOptions::new("https://app.example.com/callback").login_hint("alice");
    /// assert_eq!(options.login_hint.as_deref(), Some("alice"));
    /// ```
    #[must_use]
    pub fn login_hint(mut self, hint: impl Into<String>) -> Self {
        self.login_hint = Some(hint.into());
        self
    }
}

impl From<&str> for SignInOptions {
    fn from(redirect_uri: &str) -> Self {
        Self::new(redirect_uri)
    }
}

impl From<String> for SignInOptions {
    fn from(redirect_uri: String) -> Self {
        Self::new(redirect_uri)
    }
}

impl From<&String> for SignInOptions {
    fn from(redirect_uri: &String) -> Self {
        Self::new(redirect_uri.as_str())
    }
}

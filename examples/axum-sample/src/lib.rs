//! Logto's Python (Flask) guide sample, rewritten in Rust: the same pages (`/`, `/sign-in`,
//! `/sign-up`, `/callback`, `/sign-out`, `/protected/userinfo`) plus an access-token page and
//! an organization-token page, built on `sesame-client` and `sesame-axum`. `main.rs` reads the
//! configuration from the environment; tests build the router with [`app`].

#![warn(missing_docs)]

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use sesame_axum::{html_escape, Authenticated, SesameAuth, SesameSession};
use sesame_client::{Error, IdTokenClaims, SesameClient, SesameConfig, UserInfo, UserInfoScope};

/// The sample's configuration (the same variables as the Flask sample).
///
/// ```
/// let config = example_axum_sample::SampleConfig::from_lookup(|name| match name {
///     "LOGTO_APP_ID" => Some("app".to_owned()),
///     _ => None,
/// });
/// assert_eq!(config.endpoint, "http://localhost:3001");
/// assert_eq!(config.base_url, "http://localhost:3000");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleConfig {
    /// `LOGTO_ENDPOINT` (default `http://localhost:3001`).
    pub endpoint: String,
    /// `LOGTO_APP_ID`.
    pub app_id: String,
    /// `LOGTO_APP_SECRET` (unset or empty for a public client).
    pub app_secret: Option<String>,
    /// `APP_BASE_URL` (default `http://localhost:3000`): redirect URI `<base>/callback`,
    /// post-logout URI `<base>/`.
    pub base_url: String,
    /// `PORT` (default 3000).
    pub port: u16,
    /// `LOGTO_SCOPES`, comma-separated (default `email,custom_data`).
    pub scopes: Vec<String>,
    /// `LOGTO_RESOURCES`, comma-separated API resource indicators (default none).
    pub resources: Vec<String>,
}

impl SampleConfig {
    /// Reads the configuration from the process environment.
    ///
    /// ```no_run
    /// let config = example_axum_sample::SampleConfig::from_env();
    /// println!("listening on {}", config.port);
    /// ```
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (a variable's value, if set).
    ///
    /// ```
    /// let config = example_axum_sample::SampleConfig::from_lookup(|name| match name {
    ///     "LOGTO_SCOPES" => Some("email, organizations, read:orders".to_owned()),
    ///     "PORT" => Some("8080".to_owned()),
    ///     _ => None,
    /// });
    /// assert_eq!(config.scopes, ["email", "urn:logto:scope:organizations", "read:orders"]);
    /// assert_eq!(config.port, 8080);
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let list = |value: Option<String>, default: &str| -> Vec<String> {
            value.unwrap_or_else(|| default.to_owned()).split(',').map(str::trim).filter(|part| !part.is_empty()).map(str::to_owned).collect()
        };
        Self {
            endpoint: lookup("LOGTO_ENDPOINT").unwrap_or_else(|| "http://localhost:3001".to_owned()),
            app_id: lookup("LOGTO_APP_ID").unwrap_or_else(|| "replace-with-your-app-id".to_owned()),
            app_secret: lookup("LOGTO_APP_SECRET").filter(|secret| !secret.is_empty()),
            base_url: lookup("APP_BASE_URL").unwrap_or_else(|| "http://localhost:3000".to_owned()).trim_end_matches('/').to_owned(),
            port: lookup("PORT").and_then(|port| port.parse().ok()).unwrap_or(3000),
            scopes: list(lookup("LOGTO_SCOPES"), "email,custom_data").iter().map(|name| scope_value(name)).collect(),
            resources: list(lookup("LOGTO_RESOURCES"), ""),
        }
    }

    /// The client configuration this sample signs in with.
    ///
    /// ```
    /// let config = example_axum_sample::SampleConfig::from_lookup(|_| None);
    /// assert_eq!(config.client_config().scopes, ["email", "custom_data"]);
    /// ```
    pub fn client_config(&self) -> SesameConfig {
        let mut config = SesameConfig::new(&self.endpoint, &self.app_id).scopes(self.scopes.clone());
        for resource in &self.resources {
            config = config.resource(resource);
        }
        match &self.app_secret {
            Some(secret) => config.app_secret(secret),
            None => config,
        }
    }
}

/// The Flask sample's friendly scope names, mapped to Logto's values; others pass through.
fn scope_value(name: &str) -> String {
    let scope = match name {
        "email" => UserInfoScope::Email,
        "phone" => UserInfoScope::Phone,
        "address" => UserInfoScope::Address,
        "custom_data" => UserInfoScope::CustomData,
        "identities" => UserInfoScope::Identities,
        "roles" => UserInfoScope::Roles,
        "organizations" => UserInfoScope::Organizations,
        "organization_roles" => UserInfoScope::OrganizationRoles,
        other => return other.to_owned(),
    };
    scope.into()
}

/// The sample's router (state: its [`SesameAuth`]).
///
/// # Errors
/// When the client or the sign-in configuration cannot be built (bad URL, no TLS backend).
///
/// ```
/// let config = example_axum_sample::SampleConfig::from_lookup(|_| None);
/// let app = example_axum_sample::app(&config)?;
/// # let _ = app;
/// # Ok::<(), sesame_client::Error>(())
/// ```
pub fn app(config: &SampleConfig) -> Result<Router, Error> {
    let client = SesameClient::new(config.client_config())?;
    app_with_client(config, client)
}

/// As [`app`], with a prepared client (e.g. with a test clock).
///
/// # Errors
/// When the redirect URI is not a URL.
///
/// ```
/// let config = example_axum_sample::SampleConfig::from_lookup(|_| None);
/// let client = sesame_client::SesameClient::new(config.client_config())?;
/// let app = example_axum_sample::app_with_client(&config, client)?;
/// # let _ = app;
/// # Ok::<(), sesame_client::Error>(())
/// ```
pub fn app_with_client(config: &SampleConfig, client: SesameClient) -> Result<Router, Error> {
    let auth = SesameAuth::new(client, &format!("{}/callback", config.base_url))?
        .post_logout_redirect_uri(format!("{}/", config.base_url));
    Ok(auth
        .routes()
        .route("/", get(home))
        .route("/protected/userinfo", get(protected_userinfo))
        .route("/protected/access-tokens", get(protected_access_tokens))
        .route("/protected/organizations", get(protected_organizations))
        .route("/protected/organizations/{organization_id}", get(protected_organization_token))
        .with_state(auth))
}

const NAVIGATION: &str = "<hr /><a href='/'>Home</a>&nbsp;&nbsp;<a href='/protected/userinfo'>User info</a>&nbsp;&nbsp;\
    <a href='/protected/access-tokens'>Access tokens</a>&nbsp;&nbsp;<a href='/protected/organizations'>Organizations</a>\
    &nbsp;&nbsp;<a href='/sign-out'>Sign out</a>";

/// Pretty JSON, HTML-escaped, line breaks as `<br>` (the Flask sample's `as_html`).
fn as_html(value: &impl Serialize) -> String {
    let json = serde_json::to_string_pretty(value).unwrap_or_else(|err| format!("(cannot render: {err})"));
    html_escape(&json).replace('\n', "<br>")
}

/// An SDK failure as the Flask sample's error page (502).
fn error_page(error: &Error) -> Response {
    let body = format!("<h2>Error</h2>{}<br>{NAVIGATION}", html_escape(&error.to_string()));
    (StatusCode::BAD_GATEWAY, Html(body)).into_response()
}

async fn home(session: SesameSession) -> Response {
    let client = session.client();
    match client.is_authenticated().await {
        Ok(false) => Html("Not authenticated <a href='/sign-in'>Sign in</a>".to_owned()).into_response(),
        Ok(true) => match client.id_token_claims().await {
            Ok(claims) => Html(format!(
                "Authenticated <a href='/sign-out'>Sign out</a><h2>ID token claims</h2>{}{NAVIGATION}",
                as_html(&claims)
            ))
            .into_response(),
            Err(error) => error_page(&error),
        },
        Err(error) => error_page(&error),
    }
}

async fn protected_userinfo(user: Authenticated<UserInfo>) -> Html<String> {
    Html(format!("<h2>User info</h2>{}{NAVIGATION}", as_html(&user.user)))
}

async fn protected_access_tokens(user: Authenticated<IdTokenClaims>) -> Response {
    let resources = &user.session.auth().client().config().resources;
    if resources.is_empty() {
        return Html(format!("<h2>Access tokens</h2>No API resources configured (set LOGTO_RESOURCES).{NAVIGATION}")).into_response();
    }
    let mut page = String::from("<h2>Access tokens</h2>");
    for resource in resources {
        match user.client().access_token_claims(Some(resource)).await {
            Ok(claims) => page.push_str(&format!("<h3>{}</h3>{}", html_escape(resource), as_html(&claims))),
            Err(error) => return error_page(&error),
        }
    }
    page.push_str(NAVIGATION);
    Html(page).into_response()
}

async fn protected_organizations(user: Authenticated<IdTokenClaims>) -> Html<String> {
    let organizations = user.user.organizations.unwrap_or_default();
    let mut page = String::from("<h2>Organizations</h2>");
    if organizations.is_empty() {
        page.push_str("No organizations (request the <code>organizations</code> scope in LOGTO_SCOPES).");
    }
    for id in &organizations {
        let id = html_escape(id);
        page.push_str(&format!("<a href='/protected/organizations/{id}'>{id}</a><br>"));
    }
    page.push_str(NAVIGATION);
    Html(page)
}

async fn protected_organization_token(user: Authenticated<IdTokenClaims>, Path(organization_id): Path<String>) -> Response {
    match user.client().organization_token_claims(&organization_id).await {
        Ok(claims) => Html(format!(
            "<h2>Organization token for {}</h2>{}{NAVIGATION}",
            html_escape(&organization_id),
            as_html(&claims)
        ))
        .into_response(),
        Err(error) => error_page(&error),
    }
}

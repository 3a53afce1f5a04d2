//! A fake Discord OAuth 2.0 provider: `/oauth2/authorize` (consents at once, or denies),
//! `/api/v10/oauth2/token` (form only; client credentials, grant type, one-time codes bound to
//! the authorize step's `redirect_uri`) and `/api/v10/users/@me` (bearer tokens it issued;
//! `email`/`verified` only with the `email` scope).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use url::Url;

use super::{lock, Served};
use crate::discord::DiscordEndpoints;

/// A failure the fake answers with (after checking the client, for the token endpoint).
#[derive(Debug, Clone, PartialEq)]
pub enum DiscordFailure {
    /// 429 with `Retry-After` and `{"retry_after": …}`.
    RateLimited { retry_after_secs: f64 },
    /// 500.
    ServerError,
    /// 502, as when Discord has no gateway available.
    BadGateway,
    /// 400 `invalid_grant` (token endpoint).
    InvalidGrant,
    /// 200 without `access_token` (token endpoint).
    NoAccessToken,
    /// 401 `{"message": "401: Unauthorized"}` (user info).
    Unauthorized,
}

struct IssuedCode {
    redirect_uri: String,
    scope: String,
}

struct Shared {
    client_id: String,
    client_secret: String,
    state: Mutex<FakeState>,
}

struct FakeState {
    codes: HashMap<String, IssuedCode>,
    tokens: HashMap<String, String>,
    profile: Value,
    deny: bool,
    token_failure: Option<DiscordFailure>,
    profile_failure: Option<DiscordFailure>,
    token_requests: Vec<BTreeMap<String, String>>,
    counter: u64,
}

impl FakeState {
    fn next(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{:08}", self.counter)
    }
}

/// The fake Discord server. Dropping it stops it.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    served: Served,
}

impl FakeDiscord {
    /// Starts a fake for one registered application; the default profile is Logto's test user.
    pub async fn start(client_id: &str, client_secret: &str) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            state: Mutex::new(FakeState {
                codes: HashMap::new(),
                tokens: HashMap::new(),
                profile: json!({
                    "id": "1234567890", "username": "Whumpus", "global_name": "Whumpus the Great",
                    "discriminator": "0", "avatar": "avatar_id", "email": "whumpus@discord.com", "verified": true
                }),
                deny: false,
                token_failure: None,
                profile_failure: None,
                token_requests: Vec::new(),
                counter: 0,
            }),
        });
        let router = Router::new()
            .route("/oauth2/authorize", get(authorize))
            .route("/api/v10/oauth2/token", post(token))
            .route("/api/v10/users/@me", get(me))
            .with_state(shared.clone());
        Ok(Self {
            shared,
            served: Served::start(router).await?,
        })
    }

    pub fn base_url(&self) -> Url {
        self.served.base_url.clone()
    }

    /// The endpoints to give the connector (`ConnectorOptions::with_discord_endpoints`).
    pub fn endpoints(&self) -> DiscordEndpoints {
        match DiscordEndpoints::under(&self.served.base_url) {
            Ok(endpoints) => endpoints,
            Err(e) => unreachable!("a loopback base URL always joins: {e}"),
        }
    }

    /// The `/users/@me` answer (before scope filtering).
    pub fn set_profile(&self, profile: Value) {
        lock(&self.shared.state).profile = profile;
    }

    /// Makes the authorize endpoint answer `error=access_denied` (the user pressed Cancel).
    pub fn set_deny(&self, deny: bool) {
        lock(&self.shared.state).deny = deny;
    }

    pub fn fail_token(&self, failure: Option<DiscordFailure>) {
        lock(&self.shared.state).token_failure = failure;
    }

    pub fn fail_profile(&self, failure: Option<DiscordFailure>) {
        lock(&self.shared.state).profile_failure = failure;
    }

    /// Issues a code as if the user had consented for `redirect_uri` and `scope`.
    pub fn issue_code(&self, redirect_uri: &str, scope: &str) -> String {
        let mut state = lock(&self.shared.state);
        let code = state.next("code-");
        state.codes.insert(
            code.clone(),
            IssuedCode {
                redirect_uri: redirect_uri.into(),
                scope: scope.into(),
            },
        );
        code
    }

    /// The token requests received (form fields; `client_secret` shown as `******`).
    pub fn token_requests(&self) -> Vec<BTreeMap<String, String>> {
        lock(&self.shared.state).token_requests.clone()
    }
}

/// Plays the browser at the authorize step: GETs `authorization_uri` without following the
/// redirect and returns the callback URL from `Location`, or the error body.
pub async fn follow_authorization(authorization_uri: &str) -> Result<Url, String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let response = client
        .get(authorization_uri)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match location {
        Some(location) if status.is_redirection() => {
            Url::parse(&location).map_err(|e| e.to_string())
        }
        _ => Err(format!(
            "HTTP {status}: {}",
            response.text().await.unwrap_or_default()
        )),
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

fn api_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "message": message, "code": 0 }))).into_response()
}

async fn authorize(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if q.get("client_id") != Some(&shared.client_id) {
        return api_error(StatusCode::BAD_REQUEST, "Unknown Application");
    }
    if q.get("response_type").map(String::as_str) != Some("code") {
        return api_error(StatusCode::BAD_REQUEST, "Invalid response_type");
    }
    let Some(mut callback) = q.get("redirect_uri").and_then(|r| Url::parse(r).ok()) else {
        return api_error(StatusCode::BAD_REQUEST, "Invalid OAuth2 redirect_uri");
    };
    let scope = q.get("scope").cloned().unwrap_or_default();
    if !scope.split(' ').any(|s| s == "identify") {
        return api_error(StatusCode::BAD_REQUEST, "Invalid scope");
    }
    let mut state = lock(&shared.state);
    {
        let mut pairs = callback.query_pairs_mut();
        if state.deny {
            pairs.append_pair("error", "access_denied");
            pairs.append_pair(
                "error_description",
                "The resource owner or authorization server denied the request",
            );
        } else {
            let code = state.next("code-");
            let redirect_uri = q.get("redirect_uri").cloned().unwrap_or_default();
            state.codes.insert(
                code.clone(),
                IssuedCode {
                    redirect_uri,
                    scope,
                },
            );
            pairs.append_pair("code", &code);
        }
        if let Some(s) = q.get("state") {
            pairs.append_pair("state", s);
        }
    }
    (
        StatusCode::FOUND,
        [(header::LOCATION, callback.to_string())],
    )
        .into_response()
}

/// The form as a map; `None` when a field repeats.
fn parse_form(body: &[u8]) -> Option<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        if map.insert(k.into_owned(), v.into_owned()).is_some() {
            return None;
        }
    }
    Some(map)
}

/// Client credentials from HTTP Basic or the form (`client_secret_post`).
fn client_credentials(
    headers: &HeaderMap,
    form: &BTreeMap<String, String>,
) -> Option<(String, String)> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    if let Some(pair) = basic {
        let (id, secret) = pair.split_once(':')?;
        return Some((id.to_owned(), secret.to_owned()));
    }
    Some((
        form.get("client_id")?.clone(),
        form.get("client_secret")?.clone(),
    ))
}

async fn token(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let Some(form) = parse_form(&body).filter(|_| is_form) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Expected a form-urlencoded body",
        );
    };
    let mut recorded = form.clone();
    if recorded.contains_key("client_secret") {
        recorded.insert("client_secret".into(), "******".into());
    }
    let mut state = lock(&shared.state);
    state.token_requests.push(recorded);
    if client_credentials(&headers, &form)
        != Some((shared.client_id.clone(), shared.client_secret.clone()))
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Invalid client credentials",
        );
    }
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Unsupported grant type",
        );
    }
    if let Some(failure) = state.token_failure.clone() {
        return token_failure(&failure, &mut state);
    }
    // Codes are single-use: a failed attempt burns the code too.
    let issued = form.get("code").and_then(|c| state.codes.remove(c));
    let Some(issued) = issued else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Invalid \"code\" in request.",
        );
    };
    if form.get("redirect_uri") != Some(&issued.redirect_uri) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Invalid \"redirect_uri\" in request.",
        );
    }
    let access_token = state.next("access-");
    state
        .tokens
        .insert(access_token.clone(), issued.scope.clone());
    let refresh_token = state.next("refresh-");
    Json(json!({
        "access_token": access_token, "token_type": "Bearer", "expires_in": 604_800,
        "refresh_token": refresh_token, "scope": issued.scope
    }))
    .into_response()
}

fn token_failure(failure: &DiscordFailure, state: &mut FakeState) -> Response {
    match failure {
        DiscordFailure::InvalidGrant => oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid \"code\" in request."),
        DiscordFailure::NoAccessToken => {
            Json(json!({ "token_type": "Bearer", "expires_in": 604_800, "scope": "identify", "refresh_token": state.next("refresh-") }))
                .into_response()
        }
        other => common_failure(other),
    }
}

fn common_failure(failure: &DiscordFailure) -> Response {
    match failure {
        DiscordFailure::RateLimited { retry_after_secs } => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, format!("{}", retry_after_secs.ceil()))],
            Json(json!({ "message": "You are being rate limited.", "retry_after": retry_after_secs, "global": false })),
        )
            .into_response(),
        DiscordFailure::BadGateway => api_error(StatusCode::BAD_GATEWAY, "502: Bad Gateway"),
        DiscordFailure::Unauthorized => api_error(StatusCode::UNAUTHORIZED, "401: Unauthorized"),
        _ => api_error(StatusCode::INTERNAL_SERVER_ERROR, "500: Internal Server Error"),
    }
}

async fn me(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let state = lock(&shared.state);
    if let Some(failure) = &state.profile_failure {
        return common_failure(failure);
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(scope) = token.and_then(|t| state.tokens.get(t)) else {
        return api_error(StatusCode::UNAUTHORIZED, "401: Unauthorized");
    };
    let mut profile = state.profile.clone();
    if !scope.split(' ').any(|s| s == "email") {
        if let Some(map) = profile.as_object_mut() {
            map.remove("email");
            map.remove("verified");
        }
    }
    Json(profile).into_response()
}

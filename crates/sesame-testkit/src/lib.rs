//! Sesame's shared test harness: a real server on a loopback port (SQLite in a temp dir, a
//! clock the test moves), provisioning shortcuts, and a browser-like client with a cookie jar
//! that never follows redirects by itself, so every hop of a flow can be asserted.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use std::sync::Arc;

use aws_lc_rs::signature::{UnparsedPublicKey, ECDSA_P384_SHA384_FIXED};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{redirect, Client, Response, StatusCode};
use serde_json::{json, Value};
use sesame_core::clock::{Clock, ManualClock};
use sesame_connectors::ConnectorOptions;
use sesame_core::ids;
use sesame_core::manage::seed::MANAGEMENT_ROLE;
use sesame_core::model::{ApplicationType, Resource, Role, RoleType, Scope};
use sesame_core::provider::Provider;
use sesame_core::provision::{self, NewApplication, NewUserInput};
use sha2::{Digest, Sha256};
use url::Url;

pub const PASSWORD: &str = "correct horse battery staple";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

pub struct TestServer {
    pub base: String,
    pub provider: Arc<Provider>,
    pub clock: Arc<ManualClock>,
    pub backend: Backend,
    _dir: tempfile::TempDir,
    /// The PostgreSQL schema this server lives in, dropped with it.
    schema: Option<(String, String)>,
}

/// Which store a test server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const POSTGRES_URL_VAR: &str = "SESAME_TEST_POSTGRES_URL";

/// The backends a test should run on: SQLite always, PostgreSQL when `SESAME_TEST_POSTGRES_URL`
/// is set (otherwise it says loudly that it skipped).
pub fn backends(test_name: &str) -> Vec<Backend> {
    if std::env::var(POSTGRES_URL_VAR).is_ok() {
        vec![Backend::Sqlite, Backend::Postgres]
    } else {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "SKIPPED {test_name} on postgres: {POSTGRES_URL_VAR} is not set");
        vec![Backend::Sqlite]
    }
}

fn random_schema() -> String {
    let suffix: String = ids::entity_id().chars().take(16).collect();
    format!("it_{suffix}")
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let Some((url, schema)) = self.schema.take() else { return };
        // Drop is synchronous: clean up on a thread with its own runtime.
        let cleanup = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            runtime.block_on(async move {
                use sqlx::Connection;
                if let Ok(mut connection) = sqlx::PgConnection::connect(&url).await {
                    let statement = format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
                    let _ = sqlx::query(&statement).execute(&mut connection).await;
                }
            });
        });
        let _ = cleanup.join();
    }
}

pub struct TestApp {
    pub id: String,
    pub secret: Option<String>,
    pub redirect_uri: String,
    pub post_logout_uri: String,
}

impl TestServer {
    /// A server on SQLite with real connector endpoints.
    pub async fn start() -> Self {
        Self::start_on(Backend::Sqlite, |options| options).await
    }

    /// A server on `backend`, its connectors reaching upstreams as `configure` says (fakes).
    pub async fn start_on(backend: Backend, configure: impl FnOnce(ConnectorOptions) -> ConnectorOptions) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, schema) = match backend {
            Backend::Sqlite => (sesame_store::connect(&sesame_store::sqlite_url_for_dir(dir.path())).await.expect("store"), None),
            Backend::Postgres => {
                let url = std::env::var(POSTGRES_URL_VAR).expect("SESAME_TEST_POSTGRES_URL");
                let schema = random_schema();
                let store = sesame_store::connect_postgres_schema(&url, &schema).await.expect("postgres store");
                (store, Some((url, schema)))
            }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let clock = Arc::new(ManualClock::new());
        let provider = serve_on(listener, store, clock.clone(), &base, configure).await;
        Self { base, provider, clock, backend, _dir: dir, schema }
    }

    /// Another node on this server's database (the same SQLite file or PostgreSQL schema),
    /// sharing its clock and its public endpoint (so its issuer is this server's, as behind a
    /// load balancer), serving on its own loopback port (`base`). The database stays owned by
    /// `self`.
    pub async fn start_node(&self, configure: impl FnOnce(ConnectorOptions) -> ConnectorOptions) -> Self {
        let store = match &self.schema {
            Some((url, schema)) => sesame_store::connect_postgres_schema(url, schema).await.expect("postgres store"),
            None => sesame_store::connect(&sesame_store::sqlite_url_for_dir(self._dir.path())).await.expect("store"),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let provider = serve_on(listener, store, self.clock.clone(), &self.provider.endpoint, configure).await;
        let dir = tempfile::tempdir().expect("temp dir");
        Self { base, provider, clock: self.clock.clone(), backend: self.backend, _dir: dir, schema: None }
    }

    pub fn issuer(&self) -> String {
        self.provider.issuer.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn app(&self, app_type: ApplicationType) -> TestApp {
        let redirect_uri = "https://app.example.com/callback".to_owned();
        let post_logout_uri = "https://app.example.com/".to_owned();
        let new = NewApplication {
            name: "Test app".into(),
            app_type,
            redirect_uris: vec![redirect_uri.clone()],
            post_logout_redirect_uris: vec![post_logout_uri.clone()],
        };
        let (app, secret) = provision::create_application(self.provider.store.as_ref(), new, self.clock.now_ms())
            .await
            .expect("app");
        TestApp { id: app.id, secret, redirect_uri, post_logout_uri }
    }

    pub async fn user(&self, username: &str) -> String {
        let input = NewUserInput {
            username: Some(username.into()),
            password: Some(PASSWORD.into()),
            email: Some(format!("{username}@example.com")),
            name: Some(format!("{username} Liddell")),
            ..NewUserInput::default()
        };
        provision::create_user(self.provider.store.as_ref(), &self.provider.passwords, input, self.clock.now_ms())
            .await
            .expect("user")
            .id
    }

    /// An API resource with the named scopes; returns (resource id, scope ids in order).
    pub async fn resource(&self, indicator: &str, scopes: &[&str]) -> (String, Vec<String>) {
        let store = self.provider.store.as_ref();
        let resource = Resource {
            id: ids::entity_id(),
            name: format!("API {indicator}"),
            indicator: indicator.to_owned(),
            is_default: false,
            access_token_ttl: 3600,
        };
        store.insert_resource(&resource).await.expect("resource");
        let mut scope_ids = Vec::new();
        for name in scopes {
            let scope = Scope {
                id: ids::entity_id(),
                resource_id: resource.id.clone(),
                name: (*name).to_owned(),
                description: None,
                created_at: self.clock.now_ms(),
            };
            store.insert_scope(&scope).await.expect("scope");
            scope_ids.push(scope.id);
        }
        (resource.id, scope_ids)
    }

    /// A role granting `scope_ids`; returns its id.
    pub async fn role(&self, name: &str, role_type: RoleType, scope_ids: &[String]) -> String {
        let role = Role {
            id: ids::entity_id(),
            name: name.to_owned(),
            description: format!("{name} role"),
            role_type,
            is_default: false,
            created_at: self.clock.now_ms(),
        };
        self.provider.store.insert_role(&role, scope_ids).await.expect("role");
        role.id
    }

    /// A machine-to-machine app holding Logto's Management API access role.
    pub async fn management_app(&self) -> TestApp {
        let app = self.app(ApplicationType::MachineToMachine).await;
        let role = self.provider.store.find_role_by_name(MANAGEMENT_ROLE).await.expect("store").expect("seeded role");
        self.provider.store.add_application_roles(&app.id, &[role.id]).await.expect("assign");
        app
    }

    /// A Management API access token from client credentials.
    pub async fn management_token(&self, app: &TestApp) -> String {
        let response = self
            .token(&[
                ("grant_type", "client_credentials"),
                ("client_id", &app.id),
                ("client_secret", app.secret.as_deref().expect("secret")),
                ("resource", &self.provider.management_api),
                ("scope", "all"),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json::<Value>().await.expect("json")["access_token"].as_str().expect("token").to_owned()
    }

    /// A fresh browser (its own cookie jar).
    pub fn browser(&self) -> Browser {
        let client = Client::builder().cookie_store(true).redirect(redirect::Policy::none()).build().expect("client");
        Browser { client, base: self.base.clone() }
    }

    /// The authorization URL an SDK would build.
    pub fn auth_url(&self, app: &TestApp, extra: &[(&str, &str)]) -> String {
        let mut url = Url::parse(&self.url("/oidc/auth")).expect("url");
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("client_id", &app.id)
                .append_pair("redirect_uri", &app.redirect_uri)
                .append_pair("response_type", "code")
                .append_pair("scope", "openid offline_access profile email")
                .append_pair("prompt", "consent")
                .append_pair("state", "state-123")
                .append_pair("code_challenge", &challenge(VERIFIER))
                .append_pair("code_challenge_method", "S256");
        }
        with_params(url, extra)
    }

    /// The whole browser dance for a password sign-in; returns the redirect back to the app.
    pub async fn sign_in(&self, browser: &Browser, app: &TestApp, username: &str, extra: &[(&str, &str)]) -> Url {
        browser.sign_in_at(&self.auth_url(app, extra), username, PASSWORD).await
    }


    /// Signs in and redeems the code: the token response.
    pub async fn tokens(&self, app: &TestApp, username: &str, extra: &[(&str, &str)]) -> Value {
        let browser = self.browser();
        let callback = self.sign_in(&browser, app, username, extra).await;
        let response = self.redeem(app, &query_param(&callback, "code").expect("code"), VERIFIER).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("json")
    }

    pub async fn redeem(&self, app: &TestApp, code: &str, verifier: &str) -> Response {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", app.redirect_uri.as_str()),
            ("code_verifier", verifier),
            ("client_id", app.id.as_str()),
        ];
        if let Some(secret) = &app.secret {
            form.push(("client_secret", secret));
        }
        self.token(&form).await
    }

    pub async fn refresh(&self, app: &TestApp, refresh_token: &str) -> Response {
        let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", app.id.as_str())];
        if let Some(secret) = &app.secret {
            form.push(("client_secret", secret));
        }
        self.token(&form).await
    }

    pub async fn token(&self, form: &[(&str, &str)]) -> Response {
        Client::new().post(self.url("/oidc/token")).form(form).send().await.expect("token request")
    }

    pub async fn userinfo(&self, access_token: &str) -> Response {
        Client::new().get(self.url("/oidc/me")).bearer_auth(access_token).send().await.expect("userinfo")
    }

    /// Verifies an ES384 JWS against the server's JWKS and returns its claims.
    pub async fn verify_jwt(&self, token: &str) -> Value {
        let jwks: Value = Client::new().get(self.url("/oidc/jwks")).send().await.expect("jwks").json().await.expect("json");
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).expect("b64")).expect("header");
        assert_eq!(header["alg"], "ES384");
        let jwk = jwks["keys"].as_array().expect("keys").iter().find(|k| k["kid"] == header["kid"]).expect("kid in JWKS");
        let mut point = vec![0x04];
        point.extend(URL_SAFE_NO_PAD.decode(jwk["x"].as_str().expect("x")).expect("x"));
        point.extend(URL_SAFE_NO_PAD.decode(jwk["y"].as_str().expect("y")).expect("y"));
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).expect("sig");
        UnparsedPublicKey::new(&ECDSA_P384_SHA384_FIXED, &point)
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .expect("signature verifies");
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("claims")
    }
}

pub struct Browser {
    pub client: Client,
    base: String,
}

async fn serve_on(
    listener: tokio::net::TcpListener,
    store: Arc<dyn sesame_core::store::Store>,
    clock: Arc<ManualClock>,
    endpoint: &str,
    configure: impl FnOnce(ConnectorOptions) -> ConnectorOptions,
) -> Arc<Provider> {
    let mut provider = Provider::start(store, clock, endpoint).await.expect("provider");
    provider.connector_options = configure(provider.connector_options.clone());
    let provider = Arc::new(provider);
    let state = sesame_server::AppState::new(provider.clone());
    tokio::spawn(sesame_server::serve(listener, state, std::future::pending()));
    provider
}

impl Browser {
    /// The same browser (the same cookie jar) talking to `server`: a load balancer sending
    /// its next request to another node.
    pub fn on(&self, server: &TestServer) -> Browser {
        Browser { client: self.client.clone(), base: server.base.clone() }
    }

    fn absolute(&self, url: &str) -> String {
        if url.starts_with('/') { format!("{}{url}", self.base) } else { url.to_owned() }
    }

    pub async fn get(&self, url: &str) -> Response {
        self.client.get(self.absolute(url)).send().await.expect("GET")
    }

    pub async fn api(&self, method: reqwest::Method, path: &str, body: Value) -> Response {
        self.client.request(method, self.absolute(path)).json(&body).send().await.expect("API call")
    }

    /// Follows an authorization URL through the hosted sign-in (as its page script would) and
    /// returns the redirect back to the app.
    pub async fn sign_in_at(&self, authorization_url: &str, username: &str, password: &str) -> Url {
        let response = self.get(authorization_url).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let page = location(&response);
        assert!(page.starts_with("/sign-in?app_id="), "{page}");
        self.experience_sign_in(username, password).await;
        let redirect_to = self.submit().await;
        let response = self.get(&redirect_to).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        Url::parse(&location(&response)).expect("callback url")
    }

    pub async fn experience_sign_in(&self, username: &str, password: &str) {
        let response = self.api(reqwest::Method::PUT, "/api/experience", json!({"interactionEvent": "SignIn"})).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let verification = self.verify_password(username, password).await;
        assert_eq!(verification.status(), StatusCode::OK);
        let id = verification.json::<Value>().await.expect("json")["verificationId"].clone();
        let response = self.api(reqwest::Method::POST, "/api/experience/identification", json!({"verificationId": id})).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }

    pub async fn verify_password(&self, username: &str, password: &str) -> Response {
        let body = json!({"identifier": {"type": "username", "value": username}, "password": password});
        self.api(reqwest::Method::POST, "/api/experience/verification/password", body).await
    }

    pub async fn submit(&self) -> String {
        let response = self.api(reqwest::Method::POST, "/api/experience/submit", json!({})).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json::<Value>().await.expect("json")["redirectTo"].as_str().expect("redirectTo").to_owned()
    }
}

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub fn with_params(mut url: Url, extra: &[(&str, &str)]) -> String {
    let overridden: Vec<&str> = extra.iter().map(|(k, _)| *k).collect();
    let kept: Vec<(String, String)> = url.query_pairs().into_owned().filter(|(k, _)| !overridden.contains(&k.as_str())).collect();
    {
        let mut query = url.query_pairs_mut();
        query.clear();
        for (k, v) in &kept {
            query.append_pair(k, v);
        }
        for (k, v) in extra {
            if !v.is_empty() {
                query.append_pair(k, v);
            }
        }
    }
    url.into()
}

pub fn location(response: &Response) -> String {
    header(response.headers(), LOCATION.as_str()).unwrap_or_else(|| panic!("no Location on {}", response.status()))
}

pub fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

pub fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

pub async fn oauth_error(response: Response) -> (StatusCode, String, String) {
    let status = response.status();
    let body: Value = response.json().await.expect("OAuth error JSON");
    assert_eq!(body["code"], format!("oidc.{}", body["error"].as_str().unwrap_or_default()), "Logto's code accompanies error");
    (status, body["error"].as_str().unwrap_or_default().to_owned(), body["error_description"].as_str().unwrap_or_default().to_owned())
}

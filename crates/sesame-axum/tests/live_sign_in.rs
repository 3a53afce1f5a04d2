//! An axum app using `SesameAuth` against a live Sesame (`sesame-testkit`), driven over HTTP by
//! one cookie-jar browser: redirects and 401s when signed out, the sign-in round trip, the
//! session cookie, `Authenticated<UserInfo>` / `Authenticated<IdTokenClaims, _>`, refused
//! callbacks, a fresh session id per sign-in, an expired grant counting as signed out, and
//! sign-out through Sesame's confirmation.

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use reqwest::StatusCode;
use serde_json::Value;
use sesame_axum::{Authenticated, AuthError, MemorySessionStore, RespondUnauthorized, SesameAuth, SesameSession, DEFAULT_COOKIE_NAME};
use sesame_client::{IdTokenClaims, ManualClock, SesameClient, SesameConfig, UserInfo};
use sesame_core::clock::Clock as _;
use sesame_core::model::ApplicationType;
use sesame_core::provision::{self, NewApplication};
use sesame_testkit::{location, Browser, TestServer, PASSWORD};

struct App {
    base: String,
    server: TestServer,
    clock: Arc<ManualClock>,
    sessions: MemorySessionStore,
}

async fn home(session: SesameSession) -> Result<String, AuthError> {
    Ok(if session.client().is_authenticated().await? { "Authenticated".into() } else { "Not authenticated".into() })
}

async fn profile(user: Authenticated<UserInfo>) -> String {
    format!("User info: {}", user.user.username.unwrap_or_default())
}

async fn api_me(user: Authenticated<IdTokenClaims, RespondUnauthorized>) -> Json<IdTokenClaims> {
    Json(user.user)
}

async fn start() -> App {
    let server = TestServer::start().await;
    server.user("alice").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let new = NewApplication {
        name: "axum app".into(),
        app_type: ApplicationType::Traditional,
        redirect_uris: vec![format!("{base}/callback")],
        post_logout_redirect_uris: vec![format!("{base}/")],
    };
    let (registered, secret) =
        provision::create_application(server.provider.store.as_ref(), new, server.clock.now_ms()).await.expect("app");
    let clock = Arc::new(ManualClock::at(server.clock.now_secs()));
    let config = SesameConfig::new(&server.base, &registered.id).app_secret(secret.expect("secret"));
    let client = SesameClient::builder(config).clock(clock.clone()).build().expect("client");
    let sessions = MemorySessionStore::new().clock(clock.clone());
    let auth = SesameAuth::new(client, &format!("{base}/callback"))
        .expect("auth")
        .post_logout_redirect_uri(format!("{base}/"))
        .sessions(sessions.clone());
    let router: Router = auth
        .routes()
        .route("/", get(home))
        .route("/protected/userinfo", get(profile))
        .route("/api/me", get(api_me))
        .with_state(auth);
    tokio::spawn(async move { axum::serve(listener, router).await });
    App { base, server, clock, sessions }
}

impl App {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn page(&self, browser: &Browser, path: &str) -> (StatusCode, String) {
        let response = browser.get(&self.url(path)).await;
        (response.status(), response.text().await.expect("body"))
    }

    async fn sign_in(&self, browser: &Browser) -> reqwest::Response {
        let response = browser.get(&self.url("/sign-in")).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let callback = browser.sign_in_at(&location(&response), "alice", PASSWORD).await;
        assert!(callback.as_str().starts_with(&self.url("/callback?")), "{callback}");
        browser.get(callback.as_str()).await
    }
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with(&format!("{DEFAULT_COOKIE_NAME}=")))
        .map(str::to_owned)
}

#[tokio::test]
async fn sign_in_protected_pages_and_sign_out() {
    let app = start().await;
    let browser = app.server.browser();

    let response = browser.get(&app.url("/protected/userinfo")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "pages redirect to sign-in");
    assert_eq!(location(&response), "/sign-in");
    let response = browser.get(&app.url("/api/me")).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "APIs answer 401");
    assert_eq!(response.json::<Value>().await.expect("json"), serde_json::json!({"error": "Not authenticated"}));
    assert!(app.sessions.is_empty(), "looking around creates no sessions");

    let sign_in = browser.get(&app.url("/sign-in")).await;
    let cookie = session_cookie(&sign_in).expect("session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "http app, no Secure flag");
    assert!(location(&sign_in).starts_with(&format!("{}/oidc/auth?", app.server.base)));

    let callback = app.sign_in(&browser).await;
    assert_eq!(callback.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&callback), "/");
    assert_eq!(app.page(&browser, "/").await, (StatusCode::OK, "Authenticated".into()));
    assert_eq!(app.page(&browser, "/protected/userinfo").await, (StatusCode::OK, "User info: alice".into()));
    let me: Value = browser.get(&app.url("/api/me")).await.json().await.expect("json");
    assert_eq!(me["username"], "alice");
    assert_eq!(app.sessions.len(), 1);

    let other_browser = app.server.browser();
    assert_eq!(app.page(&other_browser, "/").await.1, "Not authenticated", "sessions are per browser");

    let sign_out = browser.get(&app.url("/sign-out")).await;
    assert_eq!(sign_out.status(), StatusCode::SEE_OTHER);
    let removal = session_cookie(&sign_out).expect("cookie removal");
    assert!(removal.contains("Max-Age=0") || removal.contains("1970"), "{removal}");
    let end_session = location(&sign_out);
    assert!(end_session.starts_with(&format!("{}/oidc/session/end?client_id=", app.server.base)), "{end_session}");
    assert!(app.sessions.is_empty(), "the server-side session is gone");
    assert_eq!(app.page(&browser, "/").await.1, "Not authenticated");

    let confirm_page = browser.get(&end_session).await.text().await.expect("html");
    let marker = "name=\"xsrf\" value=\"";
    let start = confirm_page.find(marker).expect("xsrf field") + marker.len();
    let xsrf = confirm_page[start..].split('"').next().expect("value");
    let confirmed = browser
        .client
        .post(app.server.url("/oidc/session/end/confirm"))
        .form(&[("xsrf", xsrf), ("logout", "yes")])
        .send()
        .await
        .expect("confirm");
    assert_eq!(location(&confirmed), app.url("/"), "Sesame returns the browser to the app");
}

#[tokio::test]
async fn every_sign_in_starts_a_new_session_id() {
    let app = start().await;
    let browser = app.server.browser();
    let first = session_cookie(&browser.get(&app.url("/sign-in")).await).expect("cookie");
    let second = session_cookie(&browser.get(&app.url("/sign-in")).await).expect("cookie");
    assert_ne!(first.split(';').next(), second.split(';').next());
    assert_eq!(app.sessions.len(), 1, "the abandoned sign-in session was dropped");

    // A stolen or planted pre-sign-in cookie is worthless once its owner signs in.
    let planted = first.split(';').next().expect("pair").to_owned();
    app.sign_in(&browser).await;
    let attacker = reqwest::Client::new();
    let page = attacker.get(app.url("/")).header("cookie", planted).send().await.expect("request");
    assert_eq!(page.text().await.expect("body"), "Not authenticated");
    let forged = attacker
        .get(app.url("/"))
        .header("cookie", format!("{DEFAULT_COOKIE_NAME}=made-up-session-id"))
        .send()
        .await
        .expect("request");
    assert_eq!(forged.text().await.expect("body"), "Not authenticated", "unsigned cookies are ignored");
}

#[tokio::test]
async fn refused_callbacks_answer_400() {
    let app = start().await;
    let browser = app.server.browser();
    let (status, body) = app.page(&browser, "/callback?code=x&state=y").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no sign-in started: {body}");
    assert!(body.contains("no sign-in session"), "{body}");

    browser.get(&app.url("/sign-in")).await;
    let (status, body) = app.page(&browser, "/callback?code=x&state=forged").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("state"), "{body}");
    let (status, body) = app.page(&browser, "/callback?error=access_denied&error_description=%3Cscript%3E").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("access_denied") && body.contains("&lt;script&gt;") && !body.contains("<script>"), "{body}");
    assert_eq!(app.page(&browser, "/").await.1, "Not authenticated");
}

#[tokio::test]
async fn an_expired_grant_counts_as_signed_out() {
    let app = start().await;
    let browser = app.server.browser();
    app.sign_in(&browser).await;
    assert_eq!(app.page(&browser, "/protected/userinfo").await.0, StatusCode::OK);
    // The server is 15 days on (the 14-day refresh token expired); the app only 2 hours (its
    // session is alive, its cached access token is not).
    app.server.clock.advance_secs(15 * 24 * 3600);
    app.clock.advance_secs(2 * 3600);
    let response = browser.get(&app.url("/protected/userinfo")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "the refresh token expired: invalid_grant means sign in again");
    assert_eq!(location(&response), "/sign-in");
}

//! Scale-out: two nodes on one PostgreSQL schema, as behind a load balancer (same public
//! endpoint, the next request of any flow may land on either). Every flow's state lives in the
//! database, so a sign-in started on one node finishes on the other, one-time artifacts are
//! single-use across nodes, keys rotated on one node reach the other on reload, and lockout and
//! rate-limit counters add up. Also: expired artifacts and events go at purge, live ones stay.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use sesame_connectors::testing::FakeSes;
use sesame_core::ids;
use sesame_core::model::ApplicationType;
use sesame_core::store::ArtifactKind;

use crate::management::{error_code, Api};
use crate::support::{backends, challenge, location, query_param, Backend, TestApp, TestServer, POSTGRES_URL_VAR, PASSWORD, VERIFIER};

/// Two nodes on one fresh PostgreSQL schema, or `None` (said loudly) without PostgreSQL.
async fn two_nodes(test_name: &str) -> Option<(TestServer, TestServer)> {
    two_nodes_with(test_name, |options| options, |options| options).await
}

async fn two_nodes_with(
    test_name: &str,
    first: impl FnOnce(sesame_connectors::ConnectorOptions) -> sesame_connectors::ConnectorOptions,
    second: impl FnOnce(sesame_connectors::ConnectorOptions) -> sesame_connectors::ConnectorOptions,
) -> Option<(TestServer, TestServer)> {
    if std::env::var(POSTGRES_URL_VAR).is_err() {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "SKIPPED {test_name}: two nodes need PostgreSQL and {POSTGRES_URL_VAR} is not set");
        return None;
    }
    let node1 = TestServer::start_on(Backend::Postgres, first).await;
    let node2 = node1.start_node(second).await;
    Some((node1, node2))
}

/// The path and query of an absolute URL, to send it to a chosen node.
fn path_of(url: &str) -> String {
    let url = url::Url::parse(url).expect("absolute url");
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

/// `POST {base}/oidc/token`, for requests raced from spawned tasks.
async fn post_token(base: String, form: Vec<(&'static str, String)>) -> (StatusCode, Value) {
    let response = Client::new().post(format!("{base}/oidc/token")).form(&form).send().await.expect("token request");
    let status = response.status();
    (status, response.json().await.expect("token response JSON"))
}

fn refresh_form(app: &TestApp, refresh_token: &str) -> Vec<(&'static str, String)> {
    vec![("grant_type", "refresh_token".into()), ("refresh_token", refresh_token.to_owned()), ("client_id", app.id.clone())]
}

fn is_invalid_grant(status: StatusCode, body: &Value) -> bool {
    status == StatusCode::BAD_REQUEST && body["error"] == "invalid_grant"
}

async fn refresh_status(node: &TestServer, app: &TestApp, refresh_token: &str) -> (StatusCode, Value) {
    post_token(node.base.clone(), refresh_form(app, refresh_token)).await
}

#[tokio::test]
async fn a_sign_in_started_on_one_node_completes_on_the_other() {
    let Some((node1, node2)) = two_nodes("a_sign_in_started_on_one_node_completes_on_the_other").await else { return };
    let app = node1.app(ApplicationType::Traditional).await;
    let user_id = node1.user("alice").await;
    assert_eq!(node2.issuer(), node1.issuer(), "one public endpoint for both nodes");

    // Node 1: authorize, the interaction event and the password verification.
    let on_node1 = node1.browser();
    let response = on_node1.get(&node1.auth_url(&app, &[])).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).starts_with("/sign-in?app_id="));
    let response = on_node1.api(Method::PUT, "/api/experience", json!({"interactionEvent": "SignIn"})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let verification = on_node1.verify_password("alice", PASSWORD).await;
    assert_eq!(verification.status(), StatusCode::OK);
    let verification_id = verification.json::<Value>().await.expect("json")["verificationId"].clone();

    // Node 2, same browser: identification, submit, resume, and the token request.
    let on_node2 = on_node1.on(&node2);
    let response = on_node2.api(Method::POST, "/api/experience/identification", json!({"verificationId": verification_id})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let redirect_to = on_node2.submit().await;
    assert!(redirect_to.starts_with(&format!("{}/auth/", node1.issuer())), "{redirect_to}");
    let response = on_node2.get(&path_of(&redirect_to)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let callback = url::Url::parse(&location(&response)).expect("callback");
    assert_eq!(query_param(&callback, "iss").as_deref(), Some(node1.issuer().as_str()));
    let code = query_param(&callback, "code").expect("code");
    let response = node2.redeem(&app, &code, VERIFIER).await;
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.expect("json");
    let claims = node1.verify_jwt(tokens["id_token"].as_str().expect("id_token")).await;
    assert_eq!(claims["sub"], user_id.as_str());
    assert_eq!(claims["iss"], node1.issuer().as_str());

    // Either node serves what the other issued.
    let access_token = tokens["access_token"].as_str().expect("access_token");
    for node in [&node1, &node2] {
        let response = node.userinfo(access_token).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.json::<Value>().await.expect("json")["sub"], user_id.as_str());
    }
    let response = node1.refresh(&app, tokens["refresh_token"].as_str().expect("refresh_token")).await;
    assert_eq!(response.status(), StatusCode::OK);

    // The session established through node 2 gives single sign-on on node 1.
    let response = on_node1.get(&node1.auth_url(&app, &[("prompt", "")])).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let callback = url::Url::parse(&location(&response)).expect("callback");
    assert!(query_param(&callback, "code").is_some(), "{callback}");
}

#[tokio::test]
async fn concurrent_refreshes_on_both_nodes_keep_the_grant_consistent() {
    let Some((node1, node2)) = two_nodes("concurrent_refreshes_on_both_nodes_keep_the_grant_consistent").await else { return };
    let app = node1.app(ApplicationType::Spa).await;
    node1.user("alice").await;
    let tokens = node1.tokens(&app, "alice", &[]).await;
    let original = tokens["refresh_token"].as_str().expect("refresh_token").to_owned();

    // Eight presentations of one SPA refresh token at once, alternating nodes. Within the reuse
    // leeway (3 s) concurrent presentations may all succeed; none may fail any other way.
    let mut racers = tokio::task::JoinSet::new();
    for i in 0..8 {
        let base = if i % 2 == 0 { node1.base.clone() } else { node2.base.clone() };
        racers.spawn(post_token(base, refresh_form(&app, &original)));
    }
    let mut successors = Vec::new();
    while let Some(outcome) = racers.join_next().await {
        let (status, body) = outcome.expect("racer");
        if status == StatusCode::OK {
            let successor = body["refresh_token"].as_str().expect("rotated refresh token").to_owned();
            assert_ne!(successor, original, "a public client's refresh always rotates");
            successors.push(successor);
        } else {
            assert!(is_invalid_grant(status, &body), "{status} {body}");
        }
    }
    assert!(!successors.is_empty(), "at least one presentation wins");
    let distinct: std::collections::HashSet<&String> = successors.iter().collect();
    assert_eq!(distinct.len(), successors.len(), "every winner got its own successor");

    // The grant is consistent: every successor is a live token of it, on either node.
    let mut newest = Vec::new();
    for (i, successor) in successors.iter().enumerate() {
        let node = if i % 2 == 0 { &node2 } else { &node1 };
        let (status, body) = refresh_status(node, &app, successor).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        newest.push((body["refresh_token"].as_str().expect("refresh_token").to_owned(), body["access_token"].as_str().expect("at").to_owned()));
    }

    // After the leeway the original is a leaked token: presenting it revokes the whole grant,
    // and both nodes see that at once.
    node1.clock.advance_secs(4);
    let (status, body) = refresh_status(&node1, &app, &original).await;
    assert!(is_invalid_grant(status, &body), "{status} {body}");
    for (refresh_token, access_token) in &newest {
        for node in [&node1, &node2] {
            let (status, body) = refresh_status(node, &app, refresh_token).await;
            assert!(is_invalid_grant(status, &body), "{status} {body}");
            assert_eq!(node.userinfo(access_token).await.status(), StatusCode::UNAUTHORIZED);
        }
    }
}

#[tokio::test]
async fn a_code_redeemed_on_both_nodes_at_once_succeeds_exactly_once() {
    let Some((node1, node2)) = two_nodes("a_code_redeemed_on_both_nodes_at_once_succeeds_exactly_once").await else { return };
    let app = node1.app(ApplicationType::Spa).await;
    node1.user("alice").await;
    let browser = node1.browser();
    let callback = node1.sign_in(&browser, &app, "alice", &[]).await;
    let code = query_param(&callback, "code").expect("code");

    let mut racers = tokio::task::JoinSet::new();
    for i in 0..6 {
        let base = if i % 2 == 0 { node1.base.clone() } else { node2.base.clone() };
        let form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.clone()),
            ("redirect_uri", app.redirect_uri.clone()),
            ("code_verifier", VERIFIER.to_owned()),
            ("client_id", app.id.clone()),
        ];
        racers.spawn(post_token(base, form));
    }
    let mut winners = Vec::new();
    while let Some(outcome) = racers.join_next().await {
        let (status, body) = outcome.expect("racer");
        if status == StatusCode::OK {
            winners.push(body);
        } else {
            assert!(is_invalid_grant(status, &body), "{status} {body}");
        }
    }
    assert_eq!(winners.len(), 1, "exactly one redemption wins");
    // The replays mean the code leaked: the grant is gone, on both nodes.
    let refresh_token = winners[0]["refresh_token"].as_str().expect("refresh_token");
    for node in [&node1, &node2] {
        let (status, body) = refresh_status(node, &app, refresh_token).await;
        assert!(is_invalid_grant(status, &body), "{status} {body}");
    }
}

fn jwt_kid(token: &str) -> String {
    let header = token.split('.').next().expect("header");
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("b64")).expect("json");
    header["kid"].as_str().expect("kid").to_owned()
}

async fn published_kids(node: &TestServer) -> Vec<String> {
    let jwks: Value = Client::new().get(node.url("/oidc/jwks")).send().await.expect("jwks").json().await.expect("json");
    jwks["keys"].as_array().expect("keys").iter().map(|key| key["kid"].as_str().expect("kid").to_owned()).collect()
}

#[tokio::test]
async fn a_key_rotated_on_one_node_reaches_the_other_on_reload() {
    let Some((node1, node2)) = two_nodes("a_key_rotated_on_one_node_reaches_the_other_on_reload").await else { return };
    let api = Api::new(&node1).await;
    let old_kid = node2.provider.signing_kid();
    assert_eq!(node1.provider.signing_kid(), old_kid, "both nodes load the same key");

    let rotated = api.json(Method::POST, "/configs/oidc/private-keys/rotate", Some(json!({"gracePeriodSeconds": 60})), StatusCode::OK).await;
    let new_key_id = rotated[0]["id"].as_str().expect("id").to_owned();
    let new_kid = node1.provider.key_set().published().iter().find(|key| key.id == new_key_id).expect("rotated in").kid.clone();
    assert!(published_kids(&node1).await.contains(&new_kid));
    assert!(!published_kids(&node2).await.contains(&new_kid), "node 2 has not reloaded yet");

    node2.provider.keys.reload(node2.provider.store.as_ref()).await.expect("reload");
    let kids = published_kids(&node2).await;
    assert!(kids.contains(&new_kid) && kids.contains(&old_kid), "{kids:?}");

    // After the grace period both nodes sign with the new key, and each verifies the other's.
    let m2m = node2.management_app().await;
    assert_eq!(jwt_kid(&node2.management_token(&m2m).await), old_kid, "the grace period holds on node 2");
    node1.clock.advance_secs(61);
    for (signer, verifier) in [(&node1, &node2), (&node2, &node1)] {
        let token = signer.management_token(&m2m).await;
        assert_eq!(jwt_kid(&token), new_kid);
        verifier.verify_jwt(&token).await;
    }
}

#[tokio::test]
async fn lockout_counts_failures_from_both_nodes() {
    let Some((node1, node2)) = two_nodes("lockout_counts_failures_from_both_nodes").await else { return };
    node1.user("alice").await;
    let app = node1.app(ApplicationType::Traditional).await;
    let api = Api::new(&node2).await;
    api.json(Method::PATCH, "/sign-in-exp", Some(json!({"sentinelPolicy": {"maxAttempts": 4, "lockoutDuration": 60}})), StatusCode::OK).await;

    let on_node1 = node1.browser();
    on_node1.get(&node1.auth_url(&app, &[])).await;
    let response = on_node1.api(Method::PUT, "/api/experience", json!({"interactionEvent": "SignIn"})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let on_node2 = on_node1.on(&node2);
    for (browser, password) in [(&on_node1, "wrong-1"), (&on_node2, "wrong-2"), (&on_node1, "wrong-3")] {
        assert_eq!(error_code(browser.verify_password("alice", password).await).await.1, "session.invalid_credentials");
    }
    let locked = on_node2.verify_password("alice", "wrong-4").await;
    assert_eq!(error_code(locked).await, (StatusCode::BAD_REQUEST, "session.verification_blocked_too_many_attempts".into()));
    for browser in [&on_node1, &on_node2] {
        let response = browser.verify_password("alice", PASSWORD).await;
        assert_eq!(error_code(response).await.1, "session.verification_blocked_too_many_attempts", "even the right password, on either node");
    }
}

#[tokio::test]
async fn code_sends_are_rate_limited_across_both_nodes() {
    const ACCESS_KEY: &str = "AKIDEXAMPLE";
    const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const REGION: &str = "eu-west-1";
    const EMAIL: &str = "mad.hatter@example.com";
    let ses = FakeSes::start(ACCESS_KEY, SECRET_KEY, REGION).await.expect("fake ses");
    let (base1, base2) = (ses.base_url(), ses.base_url());
    let Some((node1, node2)) = two_nodes_with(
        "code_sends_are_rate_limited_across_both_nodes",
        move |options| options.with_ses_base_url(base1),
        move |options| options.with_ses_base_url(base2),
    )
    .await
    else {
        return;
    };
    let api = Api::new(&node1).await;
    let template = |usage: &str| json!({"usageType": usage, "subject": format!("{usage} code"), "content": "<p>{{code}}</p>"});
    let config = json!({
        "accessKeyId": ACCESS_KEY, "accessKeySecret": SECRET_KEY, "region": REGION,
        "emailAddress": "Sesame <noreply@example.com>",
        "templates": [template("SignIn"), template("Register"), template("ForgotPassword"), template("Generic")],
    });
    api.json(Method::POST, "/connectors", Some(json!({"connectorId": "aws-ses-mail", "config": config})), StatusCode::OK).await;
    api.json(
        Method::PATCH,
        "/sign-in-exp",
        Some(json!({
            "signUp": {"identifiers": ["email"], "password": true, "verify": true},
            "signIn": {"methods": [
                {"identifier": "email", "password": true, "verificationCode": true, "isPasswordPrimary": false},
                {"identifier": "username", "password": true, "verificationCode": false, "isPasswordPrimary": true}
            ]}
        })),
        StatusCode::OK,
    )
    .await;
    let app = node1.app(ApplicationType::Traditional).await;
    let on_node1 = node1.browser();
    on_node1.get(&node1.auth_url(&app, &[])).await;
    let response = on_node1.api(Method::PUT, "/api/experience", json!({"interactionEvent": "Register"})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let on_node2 = on_node1.on(&node2);
    let send = |browser: &'static str| {
        let browser = if browser == "node1" { &on_node1 } else { &on_node2 };
        let body = json!({"identifier": {"type": "email", "value": EMAIL}, "interactionEvent": "Register"});
        async move { browser.api(Method::POST, "/api/experience/verification/verification-code", body).await }
    };
    for i in 0..10 {
        let response = send(if i % 2 == 0 { "node1" } else { "node2" }).await;
        assert_eq!(response.status(), StatusCode::OK, "send {i}");
    }
    for node in ["node1", "node2"] {
        assert_eq!(error_code(send(node).await).await, (StatusCode::TOO_MANY_REQUESTS, "request.message_rate_limited".into()), "{node}");
    }
    assert_eq!(ses.sent().iter().filter(|mail| mail.to == [EMAIL.to_owned()]).count(), 10);
}

/// The plain value of a signed cookie set by `response`: percent-decoded, without the
/// signature (44 base64 characters) in front.
fn signed_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get_all("set-cookie").iter().filter_map(|value| value.to_str().ok()).find_map(|cookie| {
        let value = percent_decode(cookie.split(';').next()?.strip_prefix(name)?.strip_prefix('=')?);
        value.get(44..).filter(|plain| !plain.is_empty()).map(str::to_owned)
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'%').then(|| text.get(i + 1..i + 3)).flatten().and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match hex {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("utf-8 cookie")
}

/// Artifacts of real flows at one moment: an abandoned interaction, an unredeemed code (with
/// its session), a redeemed code's tokens, and a failed password attempt (an event).
struct Artifacts {
    interaction: String,
    code: String,
    session: String,
    access_token: String,
    refresh_token: String,
}

async fn make_artifacts(server: &TestServer, app: &TestApp) -> Artifacts {
    let abandoned = server.browser();
    let response = abandoned.get(&server.auth_url(app, &[])).await;
    let interaction = signed_cookie(&response, "_interaction").expect("interaction cookie");
    let response = abandoned.api(Method::PUT, "/api/experience", json!({"interactionEvent": "SignIn"})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(error_code(abandoned.verify_password("alice", "wrong").await).await.1, "session.invalid_credentials");

    let browser = server.browser();
    let response = browser.get(&server.auth_url(app, &[])).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    browser.experience_sign_in("alice", PASSWORD).await;
    let redirect_to = browser.submit().await;
    let response = browser.get(&redirect_to).await;
    let session = signed_cookie(&response, "_session").expect("session cookie");
    let code = query_param(&url::Url::parse(&location(&response)).expect("callback"), "code").expect("code");

    let tokens = server.tokens(app, "alice", &[]).await;
    Artifacts {
        interaction,
        code,
        session,
        access_token: tokens["access_token"].as_str().expect("access_token").to_owned(),
        refresh_token: tokens["refresh_token"].as_str().expect("refresh_token").to_owned(),
    }
}

async fn stored(server: &TestServer, kind: ArtifactKind, id: &str) -> bool {
    // `now = 0`: present at all, expired or not.
    server.provider.store.find_artifact(kind, id, 0).await.expect("store").is_some()
}

impl Artifacts {
    /// Which of (interaction, code, session, access token, refresh token) are still stored.
    async fn present(&self, server: &TestServer) -> [bool; 5] {
        [
            stored(server, ArtifactKind::Interaction, &self.interaction).await,
            stored(server, ArtifactKind::AuthorizationCode, &ids::bearer_key(&self.code)).await,
            stored(server, ArtifactKind::Session, &ids::bearer_key(&self.session)).await,
            stored(server, ArtifactKind::AccessToken, &ids::bearer_key(&self.access_token)).await,
            stored(server, ArtifactKind::RefreshToken, &ids::bearer_key(&self.refresh_token)).await,
        ]
    }
}

/// The sentinel's event key for a username (a SHA-256 of `username:<name>`, hex).
fn sentinel_key(username: &str) -> String {
    let digest = URL_SAFE_NO_PAD.decode(challenge(&format!("username:{username}"))).expect("b64");
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[tokio::test]
async fn purge_removes_expired_artifacts_of_real_flows_and_keeps_live_ones() {
    for backend in backends("purge_removes_expired_artifacts_of_real_flows_and_keeps_live_ones") {
        let server = TestServer::start_on(backend, |options| options).await;
        let app = server.app(ApplicationType::Traditional).await;
        server.user("alice").await;
        let store = server.provider.store.clone();
        let failures = |since| {
            let store = store.clone();
            async move { store.count_events("sentinel-failure", &sentinel_key("alice"), since).await.expect("events") }
        };

        let old = make_artifacts(&server, &app).await;
        assert_eq!(old.present(&server).await, [true; 5], "everything is stored at first");
        assert_eq!(failures(0).await, 1);

        // Two hours on: the interaction (1 h), the code (60 s), the access token (1 h) and the
        // failure event (1 h) have expired; the session and refresh token (14 days) have not.
        server.clock.advance_secs(2 * 3600);
        let new = make_artifacts(&server, &app).await;
        assert_eq!(failures(0).await, 2);
        let purged = server.provider.store.purge_expired(server.provider.now_ms()).await.expect("purge");
        assert!(purged >= 5, "purged {purged}");
        assert_eq!(old.present(&server).await, [false, false, true, false, true]);
        assert_eq!(new.present(&server).await, [true; 5], "live artifacts stay");
        assert_eq!(failures(0).await, 1, "only the live event stays");
        let response = server.refresh(&app, &old.refresh_token).await;
        assert_eq!(response.status(), StatusCode::OK, "the old grant still works");
        let rotated: Value = response.json().await.expect("json");

        // Fifteen days on, the first sessions and refresh chains have expired too.
        server.clock.advance_secs(15 * 86_400);
        server.provider.store.purge_expired(server.provider.now_ms()).await.expect("purge");
        assert_eq!(old.present(&server).await, [false; 5]);
        assert_eq!(new.present(&server).await, [false; 5]);
        assert_eq!(failures(0).await, 0);
        let response = server.refresh(&app, rotated["refresh_token"].as_str().unwrap_or_default()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "an expired chain is gone");
    }
}

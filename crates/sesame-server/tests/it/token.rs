use reqwest::{Client, StatusCode};
use serde_json::Value;
use sesame_core::model::ApplicationType;

use crate::support::{oauth_error, query_param, TestServer, VERIFIER};

#[tokio::test]
async fn code_exchange_returns_tokens_and_a_verifiable_id_token() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    let user_id = server.user("alice").await;
    let tokens = server.tokens(&app, "alice", &[("nonce", "n-0S6_WzA2Mj")]).await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "openid offline_access profile email");
    assert!(tokens["refresh_token"].is_string(), "offline_access with prompt=consent earns a refresh token");
    let access_token = tokens["access_token"].as_str().expect("access token");
    assert!(!access_token.contains('.'), "opaque, for userinfo");
    let claims = server.verify_jwt(tokens["id_token"].as_str().expect("id token")).await;
    assert_eq!(claims["iss"], server.issuer().as_str());
    assert_eq!(claims["aud"], app.id.as_str(), "aud is a string");
    assert_eq!(claims["sub"], user_id.as_str());
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(claims["username"], "alice");
    assert_eq!(claims["email"], "alice@example.com");
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["picture"], Value::Null);
    assert!(claims["sid"].is_string());
    assert!(claims.get("custom_data").is_none(), "userinfo only");
    let exp = claims["exp"].as_i64().expect("exp");
    let iat = claims["iat"].as_i64().expect("iat");
    assert_eq!(exp - iat, 3600);
}

#[tokio::test]
async fn basic_json_and_post_client_authentication_all_work() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let secret = app.secret.clone().expect("secret");
    // client_secret_basic
    let code = code_for(&server, &app).await;
    let response = Client::new()
        .post(server.url("/oidc/token"))
        .basic_auth(&app.id, Some(&secret))
        .form(&[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", &app.redirect_uri), ("code_verifier", VERIFIER)])
        .send()
        .await
        .expect("token");
    assert_eq!(response.status(), StatusCode::OK);
    // JSON body (Logto accepts it)
    let code = code_for(&server, &app).await;
    let body = serde_json::json!({"grant_type": "authorization_code", "code": code, "redirect_uri": app.redirect_uri,
        "code_verifier": VERIFIER, "client_id": app.id, "client_secret": secret});
    let response = Client::new().post(server.url("/oidc/token")).json(&body).send().await.expect("token");
    assert_eq!(response.status(), StatusCode::OK);
}

async fn code_for(server: &TestServer, app: &crate::support::TestApp) -> String {
    let callback = server.sign_in(&server.browser(), app, "alice", &[]).await;
    query_param(&callback, "code").expect("code")
}

#[tokio::test]
async fn wrong_pkce_verifier_fails() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Spa).await;
    server.user("alice").await;
    let code = code_for(&server, &app).await;
    let wrong = "xBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let (status, error, description) = oauth_error(server.redeem(&app, &code, wrong).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_grant"));
    assert!(description.contains("PKCE"));
}

#[tokio::test]
async fn a_replayed_code_fails_and_revokes_what_it_issued() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let code = code_for(&server, &app).await;
    let first: Value = server.redeem(&app, &code, VERIFIER).await.json().await.expect("json");
    let access_token = first["access_token"].as_str().expect("token");
    assert_eq!(server.userinfo(access_token).await.status(), StatusCode::OK);
    let (_, error, _) = oauth_error(server.redeem(&app, &code, VERIFIER).await).await;
    assert_eq!(error, "invalid_grant");
    assert_eq!(server.userinfo(access_token).await.status(), StatusCode::UNAUTHORIZED, "access token revoked");
    let refreshed = server.refresh(&app, first["refresh_token"].as_str().expect("rt")).await;
    assert_eq!(oauth_error(refreshed).await.1, "invalid_grant", "refresh token revoked");
}

#[tokio::test]
async fn concurrent_redemptions_of_one_code_yield_exactly_one_success() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let code = code_for(&server, &app).await;
    let form: Vec<(String, String)> = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", app.redirect_uri.as_str()),
        ("code_verifier", VERIFIER),
        ("client_id", app.id.as_str()),
        ("client_secret", app.secret.as_deref().expect("secret")),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let attempts: Vec<_> = (0..8)
        .map(|_| {
            let (url, form) = (server.url("/oidc/token"), form.clone());
            tokio::spawn(async move { Client::new().post(url).form(&form).send().await.expect("token").status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.expect("task"));
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
}

#[tokio::test]
async fn an_expired_code_fails() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let code = code_for(&server, &app).await;
    server.clock.advance_secs(61);
    assert_eq!(oauth_error(server.redeem(&app, &code, VERIFIER).await).await.1, "invalid_grant");
}

#[tokio::test]
async fn redirect_uri_must_match_the_authorization_request() {
    let server = TestServer::start().await;
    let mut app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let code = code_for(&server, &app).await;
    app.redirect_uri = "https://app.example.com/other".into();
    assert_eq!(oauth_error(server.redeem(&app, &code, VERIFIER).await).await.1, "invalid_grant");
}

#[tokio::test]
async fn wrong_or_missing_client_secrets_are_invalid_client() {
    let server = TestServer::start().await;
    let mut app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let code = code_for(&server, &app).await;
    app.secret = Some("wrong-secret".into());
    let response = server.redeem(&app, &code, VERIFIER).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get("www-authenticate").is_some());
    assert_eq!(oauth_error(response).await.1, "invalid_client");
    app.secret = None;
    assert_eq!(oauth_error(server.redeem(&app, &code, VERIFIER).await).await.1, "invalid_client");
    let unknown = server.token(&[("grant_type", "authorization_code"), ("code", &code), ("client_id", "nobody"), ("client_secret", "x")]).await;
    assert_eq!(oauth_error(unknown).await.1, "invalid_client");
}

#[tokio::test]
async fn malformed_token_requests_get_clear_errors() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Spa).await;
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("client_id", app.id.as_str())], "invalid_request"),
        (vec![("grant_type", "password"), ("client_id", app.id.as_str())], "unsupported_grant_type"),
        (vec![("grant_type", "authorization_code"), ("client_id", app.id.as_str())], "invalid_request"),
        (vec![("grant_type", "authorization_code")], "invalid_request"),
        (vec![("grant_type", "authorization_code"), ("client_id", app.id.as_str()), ("code", "nope"), ("redirect_uri", "x")], "invalid_grant"),
    ];
    for (form, expected) in cases {
        let (status, error, _) = oauth_error(server.token(&form).await).await;
        assert_eq!(error, expected, "{form:?}");
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let garbage = Client::new().post(server.url("/oidc/token")).header("content-type", "application/json").body("{nope").send().await.expect("post");
    assert_eq!(oauth_error(garbage).await.1, "invalid_request");
}

#[tokio::test]
async fn confidential_refresh_keeps_the_token_until_most_of_its_life_is_used() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let tokens = server.tokens(&app, "alice", &[]).await;
    let refresh_token = tokens["refresh_token"].as_str().expect("rt");
    let response: Value = server.refresh(&app, refresh_token).await.json().await.expect("json");
    assert_eq!(response["refresh_token"], refresh_token, "not rotated before 70% of its lifetime");
    assert!(response["access_token"].is_string());
    server.verify_jwt(response["id_token"].as_str().expect("an ID token on refresh too")).await;
    server.clock.advance_secs(11 * 86_400);
    let rotated: Value = server.refresh(&app, refresh_token).await.json().await.expect("json");
    assert_ne!(rotated["refresh_token"], refresh_token, "rotated once 70% has passed");
}

#[tokio::test]
async fn public_clients_rotate_and_reuse_after_the_leeway_revokes_the_grant() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Spa).await;
    server.user("alice").await;
    let tokens = server.tokens(&app, "alice", &[]).await;
    let original = tokens["refresh_token"].as_str().expect("rt").to_owned();
    let rotated: Value = server.refresh(&app, &original).await.json().await.expect("json");
    let successor = rotated["refresh_token"].as_str().expect("new rt").to_owned();
    assert_ne!(successor, original);
    // A concurrent refresh inside the 3 s leeway still succeeds.
    server.clock.advance_secs(2);
    assert_eq!(server.refresh(&app, &original).await.status(), StatusCode::OK);
    // After the leeway the old token is a stolen one: the whole grant goes.
    server.clock.advance_secs(2);
    let (_, error, description) = oauth_error(server.refresh(&app, &original).await).await;
    assert_eq!(error, "invalid_grant");
    assert!(description.contains("already used"), "{description}");
    assert_eq!(oauth_error(server.refresh(&app, &successor).await).await.1, "invalid_grant", "successor revoked");
    let access = rotated["access_token"].as_str().expect("at");
    assert_eq!(server.userinfo(access).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn refresh_tokens_only_with_consent_and_only_for_their_client() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    let other = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let without_consent = server.tokens(&app, "alice", &[("prompt", "login")]).await;
    assert!(without_consent.get("refresh_token").is_none(), "offline_access is dropped without prompt=consent");
    assert!(!without_consent["scope"].as_str().expect("scope").contains("offline_access"));
    let tokens = server.tokens(&app, "alice", &[]).await;
    let refresh_token = tokens["refresh_token"].as_str().expect("rt");
    assert_eq!(oauth_error(server.refresh(&other, refresh_token).await).await.1, "invalid_grant");
    let narrowed = server
        .token(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", &app.id),
            ("client_secret", app.secret.as_deref().expect("secret")), ("scope", "openid admin")])
        .await;
    assert_eq!(oauth_error(narrowed).await.1, "invalid_scope");
    assert_eq!(server.refresh(&app, refresh_token).await.status(), StatusCode::OK, "refused requests burn nothing");
}

#[tokio::test]
async fn suspended_users_cannot_refresh() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    let user_id = server.user("alice").await;
    let tokens = server.tokens(&app, "alice", &[]).await;
    server.provider.store.set_user_suspended(&user_id, true, 0).await.expect("suspend");
    let (_, error, description) = oauth_error(server.refresh(&app, tokens["refresh_token"].as_str().expect("rt")).await).await;
    assert_eq!((error.as_str(), description.as_str()), ("invalid_grant", "user is suspended"));
    assert_eq!(server.userinfo(tokens["access_token"].as_str().expect("at")).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn cors_allows_only_the_clients_own_origins() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Spa).await;
    let preflight = Client::new()
        .request(reqwest::Method::OPTIONS, server.url("/oidc/token"))
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .expect("preflight");
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    for (origin, allowed) in [("https://app.example.com", true), ("https://evil.example", false)] {
        let response = Client::new()
            .post(server.url("/oidc/token"))
            .header("origin", origin)
            .form(&[("grant_type", "refresh_token"), ("refresh_token", "x"), ("client_id", app.id.as_str())])
            .send()
            .await
            .expect("token");
        let header = response.headers().get("access-control-allow-origin").map(|v| v.to_str().expect("ascii").to_owned());
        assert_eq!(header, allowed.then(|| origin.to_owned()), "{origin}");
    }
}

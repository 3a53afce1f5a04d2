use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sesame_core::model::ApplicationType;

use crate::support::{Browser, TestServer, PASSWORD};

async fn api_error(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.expect("JSON error body");
    assert!(body["message"].is_string());
    (status, body["code"].as_str().expect("code").to_owned())
}

async fn started(server: &TestServer, event: &str) -> Browser {
    let app = server.app(ApplicationType::Traditional).await;
    let browser = server.browser();
    browser.get(&server.auth_url(&app, &[])).await;
    let response = browser.api(Method::PUT, "/api/experience", json!({"interactionEvent": event})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    browser
}

#[tokio::test]
async fn wrong_passwords_and_unknown_users_get_the_same_answer() {
    let server = TestServer::start().await;
    server.user("alice").await;
    let browser = started(&server, "SignIn").await;
    let wrong = api_error(browser.verify_password("alice", "not the password").await).await;
    let unknown = api_error(browser.verify_password("nobody", PASSWORD).await).await;
    assert_eq!(wrong, (StatusCode::UNPROCESSABLE_ENTITY, "session.invalid_credentials".into()));
    assert_eq!(unknown, wrong);
    let email_disabled = browser
        .api(Method::POST, "/api/experience/verification/password",
            json!({"identifier": {"type": "email", "value": "alice@example.com"}, "password": PASSWORD}))
        .await;
    assert_eq!(api_error(email_disabled).await.1, "user.sign_in_method_not_enabled", "only username sign-in by default");
    let methods = json!({"signIn": {"methods": [{"identifier": "email", "password": true, "verificationCode": false, "isPasswordPrimary": true}]}});
    sesame_core::sign_in_experience::update(&server.provider, methods).await.expect("settings");
    let by_email = browser
        .api(Method::POST, "/api/experience/verification/password",
            json!({"identifier": {"type": "email", "value": "ALICE@example.com"}, "password": PASSWORD}))
        .await;
    assert_eq!(by_email.status(), StatusCode::OK, "emails match case-insensitively");
}

#[tokio::test]
async fn the_api_needs_an_interaction() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let response = browser.api(Method::PUT, "/api/experience", json!({"interactionEvent": "SignIn"})).await;
    assert_eq!(api_error(response).await, (StatusCode::BAD_REQUEST, "session.not_found".into()));
}

#[tokio::test]
async fn malformed_bodies_are_guard_invalid_input() {
    let server = TestServer::start().await;
    let browser = started(&server, "SignIn").await;
    for body in [json!({"interactionEvent": "Dance"}), json!([]), json!({"identifier": 1})] {
        let response = browser.api(Method::PUT, "/api/experience", body).await;
        assert_eq!(api_error(response).await, (StatusCode::BAD_REQUEST, "guard.invalid_input".into()));
    }
    let raw = browser.client.post(format!("{}/api/experience/submit", server.base)).body("x").send().await.expect("post");
    assert!(raw.status().is_client_error());
}

#[tokio::test]
async fn cross_site_calls_are_refused() {
    let server = TestServer::start().await;
    let browser = started(&server, "SignIn").await;
    let response = browser
        .client
        .put(format!("{}/api/experience", server.base))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"interactionEvent": "SignIn"}))
        .send()
        .await
        .expect("put");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn suspended_users_cannot_sign_in() {
    let server = TestServer::start().await;
    let user_id = server.user("alice").await;
    server.provider.store.set_user_suspended(&user_id, true, 0).await.expect("suspend");
    let browser = started(&server, "SignIn").await;
    let verification: Value = browser.verify_password("alice", PASSWORD).await.json().await.expect("json");
    let response = browser.api(Method::POST, "/api/experience/identification", json!({"verificationId": verification["verificationId"]})).await;
    assert_eq!(api_error(response).await, (StatusCode::UNAUTHORIZED, "user.suspended".into()));
    let response = browser.api(Method::POST, "/api/experience/submit", json!({})).await;
    assert_eq!(api_error(response).await.1, "session.identifier_not_found");
}

#[tokio::test]
async fn registration_with_a_new_password_identity_creates_the_user() {
    let server = TestServer::start().await;
    server.user("alice").await;
    let browser = started(&server, "Register").await;
    let taken = browser
        .api(Method::POST, "/api/experience/verification/new-password-identity",
            json!({"identifier": {"type": "username", "value": "alice"}, "password": PASSWORD}))
        .await;
    assert_eq!(api_error(taken).await, (StatusCode::UNPROCESSABLE_ENTITY, "user.username_already_in_use".into()));
    let weak = browser
        .api(Method::POST, "/api/experience/verification/new-password-identity",
            json!({"identifier": {"type": "username", "value": "bob"}, "password": "short"}))
        .await;
    assert_eq!(api_error(weak).await, (StatusCode::UNPROCESSABLE_ENTITY, "password.rejected".into()));
    let bad_name = browser
        .api(Method::POST, "/api/experience/verification/new-password-identity",
            json!({"identifier": {"type": "username", "value": "1 bob"}, "password": PASSWORD}))
        .await;
    assert_eq!(api_error(bad_name).await.1, "guard.invalid_input");
    let verification: Value = browser
        .api(Method::POST, "/api/experience/verification/new-password-identity",
            json!({"identifier": {"type": "username", "value": "bob"}, "password": PASSWORD}))
        .await
        .json()
        .await
        .expect("json");
    let response = browser.api(Method::POST, "/api/experience/identification", json!({"verificationId": verification["verificationId"]})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let bob = server.provider.store.find_user_by_username("bob").await.expect("store").expect("bob exists");
    assert_eq!(bob.id.len(), 12);
    assert!(bob.password_encrypted.expect("hash").starts_with("$argon2i$"));
    assert!(browser.submit().await.contains("/oidc/auth/"));
}

#[tokio::test]
async fn registration_through_profile_fields_reports_what_is_missing() {
    let server = TestServer::start().await;
    let browser = started(&server, "Register").await;
    let response = browser.api(Method::POST, "/api/experience/identification", json!({})).await;
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("user.missing_profile")));
    assert_eq!(body["data"]["missingProfile"], json!(["username", "password"]));
    for (kind, value) in [("username", "carol"), ("password", PASSWORD)] {
        let response = browser.api(Method::POST, "/api/experience/profile", json!({"type": kind, "value": value})).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    let response = browser.api(Method::POST, "/api/experience/identification", json!({})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(server.provider.store.find_user_by_username("carol").await.expect("store").is_some());
}

use reqwest::{Client, StatusCode};
use serde_json::Value;
use sesame_core::model::ApplicationType;

use crate::support::{oauth_error, TestServer};

#[tokio::test]
async fn userinfo_releases_the_granted_claims_with_logto_null_rules() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    let user_id = server.user("alice").await;
    let tokens = server.tokens(&app, "alice", &[("scope", "openid profile email custom_data identities")]).await;
    let response = server.userinfo(tokens["access_token"].as_str().expect("at")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().expect("ct").starts_with("application/json"));
    let claims: Value = response.json().await.expect("json");
    assert_eq!(claims["sub"], user_id.as_str());
    assert_eq!(claims["username"], "alice");
    assert_eq!(claims["name"], "alice Liddell");
    assert_eq!(claims["picture"], Value::Null);
    assert_eq!(claims["email"], "alice@example.com");
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["custom_data"], serde_json::json!({}));
    assert_eq!(claims["identities"], serde_json::json!({}));
    assert!(claims.get("phone_number").is_none(), "phone scope not granted");
    let created_at = claims["created_at"].as_i64().expect("created_at");
    assert!(created_at > 1_000_000_000_000, "milliseconds");
}

#[tokio::test]
async fn userinfo_accepts_post_with_a_form_token() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let tokens = server.tokens(&app, "alice", &[]).await;
    let response = Client::new()
        .post(server.url("/oidc/me"))
        .form(&[("access_token", tokens["access_token"].as_str().expect("at"))])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn missing_bad_and_expired_tokens_are_401_invalid_token() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let tokens = server.tokens(&app, "alice", &[]).await;
    let missing = Client::new().get(server.url("/oidc/me")).send().await.expect("get");
    assert!(missing.headers()["www-authenticate"].to_str().expect("h").starts_with("Bearer"));
    assert_eq!(oauth_error(missing).await, (StatusCode::UNAUTHORIZED, "invalid_token".into(), "no access token provided".into()));
    assert_eq!(oauth_error(server.userinfo("garbage").await).await.1, "invalid_token");
    server.clock.advance_secs(3601);
    assert_eq!(oauth_error(server.userinfo(tokens["access_token"].as_str().expect("at")).await).await.1, "invalid_token");
}

#[tokio::test]
async fn tokens_without_openid_cannot_read_userinfo() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let tokens = server.tokens(&app, "alice", &[("scope", "profile offline_access")]).await;
    assert!(tokens.get("id_token").is_none());
    let (status, error, _) = oauth_error(server.userinfo(tokens["access_token"].as_str().expect("at")).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::FORBIDDEN, "insufficient_scope"));
}

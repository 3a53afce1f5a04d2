use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::support::{header, TestServer};

#[tokio::test]
async fn discovery_has_what_the_python_sdk_requires() {
    let server = TestServer::start().await;
    let response = Client::new().get(server.url("/oidc/.well-known/openid-configuration")).send().await.expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(response.headers(), "content-type").expect("ct").starts_with("application/json"));
    let doc: Value = response.json().await.expect("json");
    let issuer = server.issuer();
    assert_eq!(doc["issuer"], issuer.as_str());
    assert_eq!(doc["authorization_endpoint"], format!("{issuer}/auth"));
    assert_eq!(doc["token_endpoint"], format!("{issuer}/token"));
    assert_eq!(doc["userinfo_endpoint"], format!("{issuer}/me"));
    assert_eq!(doc["jwks_uri"], format!("{issuer}/jwks"));
    assert_eq!(doc["end_session_endpoint"], format!("{issuer}/session/end"));
    assert_eq!(doc["code_challenge_methods_supported"], serde_json::json!(["S256"]));
    assert_eq!(doc["id_token_signing_alg_values_supported"], serde_json::json!(["ES384"]));
    for list in ["response_types_supported", "subject_types_supported", "scopes_supported", "grant_types_supported"] {
        assert!(doc[list].is_array(), "{list} must be a list");
    }
}

#[tokio::test]
async fn jwks_is_plain_json_with_the_signing_key() {
    let server = TestServer::start().await;
    let response = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(server.url("/oidc/jwks"))
        .header("accept-encoding", "identity")
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::OK, "no redirect");
    assert!(header(response.headers(), "content-encoding").is_none(), "no compression unasked");
    let jwks: Value = response.json().await.expect("json");
    let keys = jwks["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert_eq!((key["kty"].as_str(), key["crv"].as_str(), key["alg"].as_str(), key["use"].as_str()), (Some("EC"), Some("P-384"), Some("ES384"), Some("sig")));
    assert_eq!(key["kid"], server.provider.signing_kid().as_str());
    assert!(key.get("d").is_none(), "never the private part");
}

#[tokio::test]
async fn keys_survive_a_restart_on_the_same_database() {
    let dir = tempfile::tempdir().expect("dir");
    let url = sesame_store::sqlite_url_for_dir(dir.path());
    let clock = std::sync::Arc::new(sesame_core::clock::SystemClock);
    let first = sesame_core::provider::Provider::start(sesame_store::connect(&url).await.expect("store"), clock.clone(), "http://x")
        .await
        .expect("start");
    let second = sesame_core::provider::Provider::start(sesame_store::connect(&url).await.expect("store"), clock, "http://x")
        .await
        .expect("restart");
    assert_eq!(first.signing_kid(), second.signing_kid());
    assert_eq!(first.cookie_key(), second.cookie_key());
}

#[tokio::test]
async fn status_is_204() {
    let server = TestServer::start().await;
    let response = Client::new().get(server.url("/api/status")).send().await.expect("get");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

//! `VerifiedAccessToken` in an API: a fake issuer (discovery + JWKS with one ES384 key) signs
//! tokens; the API answers 200, or 401/403/503 with RFC 6750 `WWW-Authenticate` challenges.

use std::sync::Arc;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P384_SHA384_FIXED_SIGNING};
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sesame_axum::{BearerRejection, VerifiedAccessToken};
use sesame_client::{AccessTokenClaims, AccessTokenVerifier, Clock, ManualClock};

const AUDIENCE: &str = "https://api.example.com";

struct Issuer {
    base: String,
    key: EcdsaKeyPair,
    clock: Arc<ManualClock>,
}

impl Issuer {
    async fn start() -> Self {
        let key = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_FIXED_SIGNING).expect("key");
        let point = key.public_key().as_ref().to_vec();
        let jwk = json!({"kty": "EC", "crv": "P-384", "kid": "k1", "alg": "ES384", "use": "sig",
                         "x": URL_SAFE_NO_PAD.encode(&point[1..49]), "y": URL_SAFE_NO_PAD.encode(&point[49..])});
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let discovery = json!({
            "issuer": format!("{base}/oidc"), "authorization_endpoint": format!("{base}/oidc/auth"),
            "token_endpoint": format!("{base}/oidc/token"), "userinfo_endpoint": format!("{base}/oidc/me"),
            "jwks_uri": format!("{base}/oidc/jwks"),
        });
        let router = Router::new()
            .route("/oidc/.well-known/openid-configuration", get(move || async move { Json(discovery) }))
            .route("/oidc/jwks", get(move || async move { Json(json!({"keys": [jwk]})) }));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { base, key, clock: Arc::new(ManualClock::new()) }
    }

    fn token(&self, audience: &str, scope: &str) -> String {
        let now = self.clock.now_secs();
        let header = json!({"alg": "ES384", "kid": "k1", "typ": "at+jwt"});
        let claims = json!({"iss": format!("{}/oidc", self.base), "sub": "u1", "aud": audience, "iat": now,
                            "exp": now + 3600, "scope": scope, "client_id": "app"});
        let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let signature = self.key.sign(&SystemRandom::new(), input.as_bytes()).expect("sign");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }
}

async fn orders(token: VerifiedAccessToken) -> Json<AccessTokenClaims> {
    Json(token.0)
}

async fn delete_order(token: VerifiedAccessToken) -> Result<&'static str, BearerRejection> {
    token.require_scopes(&["write:orders"])?;
    Ok("deleted")
}

async fn api(verifier: AccessTokenVerifier) -> String {
    let router: Router =
        Router::new().route("/orders", get(orders)).route("/orders/delete", get(delete_order)).with_state(verifier);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

async fn call(url: &str, authorization: Option<&str>) -> (StatusCode, Option<String>, Value) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.expect("request");
    let challenge = response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let status = response.status();
    let text = response.text().await.expect("body");
    (status, challenge, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[tokio::test]
async fn bearer_tokens_are_verified_and_refusals_follow_rfc_6750() {
    let issuer = Issuer::start().await;
    let verifier = AccessTokenVerifier::new(&issuer.base, AUDIENCE)
        .expect("verifier")
        .require_scopes(["read:orders"])
        .clock(issuer.clock.clone());
    let api = api(verifier).await;
    let orders = format!("{api}/orders");

    let token = issuer.token(AUDIENCE, "read:orders");
    let (status, challenge, body) = call(&orders, Some(&format!("Bearer {token}"))).await;
    assert_eq!((status, challenge), (StatusCode::OK, None));
    assert_eq!((body["sub"].clone(), body["aud"].clone()), (json!("u1"), json!(AUDIENCE)));
    let (status, _, _) = call(&orders, Some(&format!("bearer {token}"))).await;
    assert_eq!(status, StatusCode::OK, "the scheme is case-insensitive");

    let (status, challenge, body) = call(&orders, None).await;
    assert_eq!((status, challenge.as_deref()), (StatusCode::UNAUTHORIZED, Some("Bearer")));
    assert_eq!(body["error"], "invalid_request");
    let (status, challenge, _) = call(&orders, Some("Basic dXNlcjpwYXNz")).await;
    assert_eq!((status, challenge.as_deref()), (StatusCode::UNAUTHORIZED, Some("Bearer")));

    let (status, challenge, body) = call(&orders, Some(&format!("Bearer {}", issuer.token("https://other.example.com", "read:orders")))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let challenge = challenge.expect("challenge");
    assert!(challenge.starts_with(r#"Bearer error="invalid_token", error_description=""#), "{challenge}");
    assert_eq!(body["error"], "invalid_token");

    let (status, challenge, body) = call(&orders, Some(&format!("Bearer {}", issuer.token(AUDIENCE, "write:orders")))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "valid but without the verifier's scope");
    assert_eq!(challenge.as_deref(), Some(r#"Bearer error="insufficient_scope", scope="read:orders""#));
    assert_eq!(body["error"], "insufficient_scope");

    let (status, challenge, _) = call(&format!("{api}/orders/delete"), Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the route's own scope");
    assert_eq!(challenge.as_deref(), Some(r#"Bearer error="insufficient_scope", scope="write:orders""#));
    let both = issuer.token(AUDIENCE, "read:orders write:orders");
    let (status, _, body) = call(&format!("{api}/orders/delete"), Some(&format!("Bearer {both}"))).await;
    assert_eq!((status, body), (StatusCode::OK, Value::String("deleted".into())));

    issuer.clock.advance_secs(3600 + 31);
    let (status, challenge, _) = call(&orders, Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(challenge.expect("challenge").contains("expired"));
}

#[tokio::test]
async fn an_unreachable_issuer_is_a_503_without_a_challenge() {
    let issuer = Issuer::start().await;
    let verifier = AccessTokenVerifier::new("http://127.0.0.1:9", AUDIENCE).expect("verifier");
    let api = api(verifier).await;
    let (status, challenge, body) = call(&format!("{api}/orders"), Some(&format!("Bearer {}", issuer.token(AUDIENCE, "")))).await;
    assert_eq!((status, challenge), (StatusCode::SERVICE_UNAVAILABLE, None));
    assert_eq!(body["error"], "temporarily_unavailable");
}

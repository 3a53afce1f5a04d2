//! A fake Logto-compatible provider on 127.0.0.1:0 for the client's tests: discovery, a JWKS
//! the test can rotate (with a fetch counter), a token endpoint that records each request and
//! answers from a script, and a userinfo endpoint that records the bearer token. Plus signers
//! for ES384, ES256 and RS256 tokens.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use sesame_client::{Clock, ManualClock, MemoryStorage, SesameClient, SesameConfig};

pub const APP_ID: &str = "app_1";
pub const APP_SECRET: &str = "secret_1";
pub const REDIRECT_URI: &str = "https://app.example.com/callback";

/// One recorded token request.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub form: Vec<(String, String)>,
    pub authorization: Option<String>,
}

impl TokenRequest {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.form.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.form.iter().map(|(key, _)| key.as_str()).collect();
        names.sort_unstable();
        names
    }
}

#[derive(Default)]
pub struct FakeState {
    pub jwks: Mutex<Value>,
    pub jwks_fetches: AtomicUsize,
    pub jwks_down: Mutex<bool>,
    pub token_requests: Mutex<Vec<TokenRequest>>,
    pub token_responses: Mutex<VecDeque<(u16, String)>>,
    pub userinfo_tokens: Mutex<Vec<Option<String>>>,
}

pub struct FakeProvider {
    pub base: String,
    pub state: Arc<FakeState>,
    pub clock: Arc<ManualClock>,
    pub signer: Signer,
}

impl FakeProvider {
    /// A provider publishing one ES384 key.
    pub async fn start() -> Self {
        let signer = Signer::es384("key-1");
        let state = Arc::new(FakeState::default());
        *state.jwks.lock().expect("lock") = json!({ "keys": [signer.jwk()] });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let discovery = json!({
            "issuer": format!("{base}/oidc"),
            "authorization_endpoint": format!("{base}/oidc/auth"),
            "token_endpoint": format!("{base}/oidc/token"),
            "userinfo_endpoint": format!("{base}/oidc/me"),
            "jwks_uri": format!("{base}/oidc/jwks"),
            "end_session_endpoint": format!("{base}/oidc/session/end"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES384"],
        });
        let router = Router::new()
            .route("/oidc/.well-known/openid-configuration", get(move || async move { Json(discovery) }))
            .route("/oidc/jwks", get(jwks))
            .route("/oidc/token", post(token))
            .route("/oidc/me", get(userinfo))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { base, state, clock: Arc::new(ManualClock::new()), signer }
    }

    pub fn issuer(&self) -> String {
        format!("{}/oidc", self.base)
    }

    pub fn config(&self) -> SesameConfig {
        SesameConfig::new(&self.base, APP_ID).app_secret(APP_SECRET)
    }

    /// A client on this provider with the fake's clock and its own memory storage.
    pub fn client(&self, config: SesameConfig) -> (SesameClient, MemoryStorage) {
        let storage = MemoryStorage::new();
        let client = SesameClient::builder(config)
            .storage(storage.clone())
            .clock(self.clock.clone())
            .build()
            .expect("client");
        (client, storage)
    }

    pub fn now(&self) -> i64 {
        self.clock.now_secs()
    }

    /// Claims of a valid ID token for `APP_ID`, issued now.
    pub fn id_claims(&self, sub: &str) -> Value {
        let now = self.now();
        json!({"iss": self.issuer(), "sub": sub, "aud": APP_ID, "iat": now, "exp": now + 3600,
               "username": "alice", "name": null, "sid": "sid-1", "auth_time": now})
    }

    pub fn id_token(&self, sub: &str) -> String {
        self.signer.sign(&self.id_claims(sub))
    }

    /// Claims of a JWT access token for `audience`.
    pub fn access_claims(&self, audience: &str, scope: &str) -> Value {
        let now = self.now();
        json!({"iss": self.issuer(), "sub": "u1", "aud": audience, "iat": now, "exp": now + 3600,
               "scope": scope, "client_id": APP_ID, "jti": "j1"})
    }

    pub fn access_token(&self, audience: &str, scope: &str) -> String {
        self.signer.sign_typed(Some("at+jwt"), &self.access_claims(audience, scope))
    }

    /// Queues the next token endpoint answer.
    pub fn respond(&self, status: u16, body: Value) {
        self.state.token_responses.lock().expect("lock").push_back((status, body.to_string()));
    }

    pub fn respond_raw(&self, status: u16, body: &str) {
        self.state.token_responses.lock().expect("lock").push_back((status, body.to_owned()));
    }

    pub fn token_requests(&self) -> Vec<TokenRequest> {
        self.state.token_requests.lock().expect("lock").clone()
    }

    pub fn jwks_fetches(&self) -> usize {
        self.state.jwks_fetches.load(Ordering::SeqCst)
    }

    pub fn publish(&self, keys: &[&Signer]) {
        let keys: Vec<Value> = keys.iter().map(|signer| signer.jwk()).collect();
        *self.state.jwks.lock().expect("lock") = json!({ "keys": keys });
    }

    /// Signs in through `sign_in` and a callback answered with an ID token, refresh token
    /// `rt-1` and userinfo access token `at-0` (expires in 3600 s).
    pub async fn signed_in(&self, config: SesameConfig) -> (SesameClient, MemoryStorage) {
        let (client, storage) = self.client(config);
        let url = client.sign_in(REDIRECT_URI).await.expect("sign-in url");
        let state = query_param(&url, "state").expect("state");
        self.respond(200, json!({"access_token": "at-0", "expires_in": 3600, "token_type": "Bearer",
                                 "refresh_token": "rt-1", "id_token": self.id_token("u1"), "scope": "openid offline_access profile"}));
        client.handle_sign_in_callback(&format!("{REDIRECT_URI}?code=code-1&state={state}")).await.expect("callback");
        self.state.token_requests.lock().expect("lock").clear();
        (client, storage)
    }
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url).ok()?.query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}

pub fn query_params(url: &str, name: &str) -> Vec<String> {
    url::Url::parse(url)
        .map(|url| url.query_pairs().filter(|(key, _)| key == name).map(|(_, value)| value.into_owned()).collect())
        .unwrap_or_default()
}

async fn jwks(State(state): State<Arc<FakeState>>) -> Response {
    state.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    if *state.jwks_down.lock().expect("lock") {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    Json(state.jwks.lock().expect("lock").clone()).into_response()
}

async fn token(State(state): State<Arc<FakeState>>, headers: HeaderMap, Form(form): Form<Vec<(String, String)>>) -> Response {
    let authorization = headers.get("authorization").and_then(|value| value.to_str().ok()).map(str::to_owned);
    state.token_requests.lock().expect("lock").push(TokenRequest { form, authorization });
    let (status, body) = state
        .token_responses
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or((500, r#"{"error":"server_error","error_description":"no scripted response"}"#.to_owned()));
    (StatusCode::from_u16(status).expect("status"), [("content-type", "application/json")], body).into_response()
}

async fn userinfo(State(state): State<Arc<FakeState>>, headers: HeaderMap) -> Response {
    let bearer = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::to_owned);
    state.userinfo_tokens.lock().expect("lock").push(bearer.clone());
    match bearer {
        Some(token) if token.starts_with("at-") => Json(json!({
            "sub": "u1", "username": "alice", "name": null, "email": "alice@example.com", "email_verified": true,
            "custom_data": {"plan": "pro"}, "identities": {"github": {"userId": "42", "details": {"login": "alice"}}},
            "sso_identities": [], "organizations": ["o1"], "token": token
        }))
        .into_response(),
        _ => (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_token", "error_description": "invalid token provided"}))).into_response(),
    }
}

enum SigningKey {
    Ec(EcdsaKeyPair, &'static signature::EcdsaSigningAlgorithm, &'static str),
    Rsa(aws_lc_rs::rsa::KeyPair),
}

/// A signing key with its JWK.
pub struct Signer {
    pub kid: String,
    pub alg: &'static str,
    key: SigningKey,
}

impl Signer {
    pub fn es384(kid: &str) -> Self {
        let key = EcdsaKeyPair::generate(&signature::ECDSA_P384_SHA384_FIXED_SIGNING).expect("P-384 key");
        Self { kid: kid.into(), alg: "ES384", key: SigningKey::Ec(key, &signature::ECDSA_P384_SHA384_FIXED_SIGNING, "P-384") }
    }

    pub fn es256(kid: &str) -> Self {
        let key = EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING).expect("P-256 key");
        Self { kid: kid.into(), alg: "ES256", key: SigningKey::Ec(key, &signature::ECDSA_P256_SHA256_FIXED_SIGNING, "P-256") }
    }

    pub fn rs256(kid: &str) -> Self {
        let key = aws_lc_rs::rsa::KeyPair::generate(KeySize::Rsa2048).expect("RSA key");
        Self { kid: kid.into(), alg: "RS256", key: SigningKey::Rsa(key) }
    }

    pub fn jwk(&self) -> Value {
        match &self.key {
            SigningKey::Ec(key, _, crv) => {
                let point = key.public_key().as_ref();
                let half = (point.len() - 1) / 2;
                json!({"kty": "EC", "crv": crv, "kid": self.kid, "alg": self.alg, "use": "sig",
                       "x": URL_SAFE_NO_PAD.encode(&point[1..=half]), "y": URL_SAFE_NO_PAD.encode(&point[1 + half..])})
            }
            SigningKey::Rsa(key) => {
                let components = PublicKeyComponents::<Vec<u8>>::from(key.public_key());
                json!({"kty": "RSA", "kid": self.kid, "alg": "RS256", "use": "sig",
                       "n": URL_SAFE_NO_PAD.encode(&components.n), "e": URL_SAFE_NO_PAD.encode(&components.e)})
            }
        }
    }

    pub fn sign(&self, claims: &Value) -> String {
        self.sign_typed(None, claims)
    }

    pub fn sign_typed(&self, typ: Option<&str>, claims: &Value) -> String {
        let mut header = json!({"alg": self.alg, "kid": self.kid});
        if let Some(typ) = typ {
            header["typ"] = json!(typ);
        }
        self.sign_with_header(&header, claims)
    }

    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let rng = SystemRandom::new();
        let signature = match &self.key {
            SigningKey::Ec(key, _, _) => key.sign(&rng, input.as_bytes()).expect("sign").as_ref().to_vec(),
            SigningKey::Rsa(key) => {
                let mut signature = vec![0; key.public_modulus_len()];
                key.sign(&signature::RSA_PKCS1_SHA256, &rng, input.as_bytes(), &mut signature).expect("sign");
                signature
            }
        };
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

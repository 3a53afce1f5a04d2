//! `AccessTokenVerifier` against the fake provider: what an API accepts and refuses.

mod support;

use serde_json::json;
use sesame_client::{AccessTokenError, AccessTokenVerifier, Error, TokenError};
use support::FakeProvider;

const API: &str = "https://api.example.com";

fn verifier(fake: &FakeProvider) -> AccessTokenVerifier {
    AccessTokenVerifier::new(&fake.base, API).expect("verifier").clock(fake.clock.clone())
}

fn invalid(result: Result<sesame_client::AccessTokenClaims, AccessTokenError>) -> TokenError {
    match result {
        Err(AccessTokenError::Invalid(reason)) => reason,
        other => panic!("expected an invalid token, got {other:?}"),
    }
}

#[tokio::test]
async fn a_valid_at_jwt_for_the_audience_yields_its_claims() {
    let fake = FakeProvider::start().await;
    let verifier = verifier(&fake).require_scopes(["read"]);
    let claims = verifier.verify(&fake.access_token(API, "read write")).await.expect("valid");
    assert_eq!((claims.sub.as_str(), claims.aud.as_str(), claims.scope.as_str()), ("u1", API, "read write"));
    assert_eq!(claims.extra["jti"], "j1");
    verifier.verify_with_scopes(&fake.access_token(API, "read write"), &["write"]).await.expect("valid");
}

#[tokio::test]
async fn wrong_type_audience_issuer_and_expired_tokens_are_invalid() {
    let fake = FakeProvider::start().await;
    let verifier = verifier(&fake);
    let claims = fake.access_claims(API, "read");

    assert_eq!(
        invalid(verifier.verify(&fake.signer.sign(&claims)).await),
        TokenError::WrongType { expected: "at+jwt", found: String::new() },
        "an ID token (no typ) is not an access token"
    );
    assert!(matches!(invalid(verifier.verify(&fake.signer.sign_typed(Some("JWT"), &claims)).await), TokenError::WrongType { .. }));
    verifier.verify(&fake.signer.sign_typed(Some("application/at+JWT"), &claims)).await.expect("media-type form of typ");

    let other_api = fake.access_token("https://other.example.com", "read");
    assert!(matches!(invalid(verifier.verify(&other_api).await), TokenError::WrongAudience { .. }));
    let organization = fake.access_token("urn:logto:organization:o1", "read");
    assert!(matches!(invalid(verifier.verify(&organization).await), TokenError::WrongAudience { .. }));

    let mut foreign = claims.clone();
    foreign["iss"] = json!("https://evil.example/oidc");
    assert!(matches!(invalid(verifier.verify(&fake.signer.sign_typed(Some("at+jwt"), &foreign)).await), TokenError::WrongIssuer { .. }));

    let token = fake.access_token(API, "read");
    fake.clock.advance_secs(3631);
    assert!(matches!(invalid(verifier.verify(&token).await), TokenError::Expired { .. }));
    assert!(matches!(invalid(verifier.verify("garbage").await), TokenError::Malformed(_)));
}

#[tokio::test]
async fn missing_scopes_are_insufficient_not_invalid() {
    let fake = FakeProvider::start().await;
    let verifier = verifier(&fake).require_scopes(["read"]);
    let error = verifier.verify_with_scopes(&fake.access_token(API, "write"), &["write", "admin"]).await.expect_err("scopes");
    match error {
        AccessTokenError::InsufficientScope { missing } => assert_eq!(missing, ["read", "admin"]),
        other => panic!("{other:?}"),
    }
    let error = verifier.verify(&fake.access_token(API, "")).await.expect_err("no scopes");
    assert!(matches!(error, AccessTokenError::InsufficientScope { .. }));
}

#[tokio::test]
async fn an_unreachable_provider_is_unavailable() {
    let fake = FakeProvider::start().await;
    let nowhere = AccessTokenVerifier::new("http://127.0.0.1:9", API).expect("verifier");
    let error = nowhere.verify(&fake.access_token(API, "read")).await.expect_err("no discovery");
    assert!(matches!(error, AccessTokenError::Unavailable(Error::Http { .. })), "{error:?}");

    *fake.state.jwks_down.lock().expect("lock") = true;
    let verifier = verifier(&fake);
    let error = verifier.verify(&fake.access_token(API, "read")).await.expect_err("no keys");
    assert!(matches!(error, AccessTokenError::Unavailable(Error::UnexpectedResponse { status: 503, .. })), "{error:?}");
}

//! ID-token verification against the fake provider's JWKS: algorithms, signature, issuer,
//! audience, time checks with leeway, and the JWKS cache's unknown-`kid` refetch and its rate
//! limit (moved with the injectable clock, never by sleeping).

mod support;

use serde_json::json;
use sesame_client::{Error, TokenError};
use support::{FakeProvider, Signer, APP_ID};

fn token_error(result: Result<sesame_client::IdTokenClaims, Error>) -> TokenError {
    match result {
        Err(Error::IdToken(reason)) => reason,
        other => panic!("expected an ID-token rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn es384_es256_and_rs256_tokens_verify() {
    let fake = FakeProvider::start().await;
    let (es256, rs256) = (Signer::es256("p256"), Signer::rs256("rsa"));
    fake.publish(&[&fake.signer, &es256, &rs256]);
    let (client, _) = fake.client(fake.config());
    for signer in [&fake.signer, &es256, &rs256] {
        let claims = client.verify_id_token(&signer.sign(&fake.id_claims("u1"))).await.unwrap_or_else(|e| panic!("{}: {e}", signer.alg));
        assert_eq!((claims.sub.as_str(), claims.aud.as_str()), ("u1", APP_ID));
    }
    assert_eq!(fake.jwks_fetches(), 1, "one fetch serves every verification");
}

#[tokio::test]
async fn forged_and_foreign_tokens_are_refused() {
    let fake = FakeProvider::start().await;
    let (client, _) = fake.client(fake.config());
    let claims = fake.id_claims("u1");

    let impostor = Signer::es384(&fake.signer.kid);
    assert_eq!(token_error(client.verify_id_token(&impostor.sign(&claims)).await), TokenError::BadSignature);

    let genuine = fake.signer.sign(&claims);
    let mut parts: Vec<&str> = genuine.split('.').collect();
    let mut tampered_claims = claims.clone();
    tampered_claims["sub"] = json!("admin");
    use base64::Engine;
    let tampered_payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tampered_claims.to_string());
    parts[1] = &tampered_payload;
    assert_eq!(token_error(client.verify_id_token(&parts.join(".")).await), TokenError::BadSignature);

    let mut wrong_issuer = claims.clone();
    wrong_issuer["iss"] = json!(format!("{}/", fake.issuer()));
    assert!(matches!(
        token_error(client.verify_id_token(&fake.signer.sign(&wrong_issuer)).await),
        TokenError::WrongIssuer { expected, .. } if expected == fake.issuer()
    ));

    let mut wrong_audience = claims.clone();
    wrong_audience["aud"] = json!("other-app");
    assert!(matches!(
        token_error(client.verify_id_token(&fake.signer.sign(&wrong_audience)).await),
        TokenError::WrongAudience { expected, .. } if expected == APP_ID
    ));
    let mut listed_elsewhere = claims.clone();
    listed_elsewhere["aud"] = json!(["other-app", "third-app"]);
    assert!(matches!(
        token_error(client.verify_id_token(&fake.signer.sign(&listed_elsewhere)).await),
        TokenError::WrongAudience { .. }
    ));

    for alg in ["none", "HS256", "PS256", "ES512"] {
        let header = json!({"alg": alg, "kid": fake.signer.kid});
        let token = fake.signer.sign_with_header(&header, &claims);
        assert_eq!(token_error(client.verify_id_token(&token).await), TokenError::UnsupportedAlgorithm(alg.into()));
    }
    let unsigned = fake.signer.sign_with_header(&json!({"alg": "ES384"}), &claims);
    assert_eq!(token_error(client.verify_id_token(&unsigned).await), TokenError::MissingKeyId);
    assert!(matches!(token_error(client.verify_id_token("not-a-jwt").await), TokenError::Malformed(_)));

    let p256_posing_as_es384 = Signer::es256("p256");
    fake.publish(&[&fake.signer, &p256_posing_as_es384]);
    fake.clock.advance_secs(31);
    let header = json!({"alg": "ES384", "kid": "p256"});
    assert!(matches!(
        token_error(client.verify_id_token(&p256_posing_as_es384.sign_with_header(&header, &claims)).await),
        TokenError::UnusableKey { .. }
    ));
}

#[tokio::test]
async fn exp_and_iat_are_checked_with_30_seconds_of_leeway() {
    let fake = FakeProvider::start().await;
    let (client, _) = fake.client(fake.config());
    let token = fake.id_token("u1");
    let exp = fake.now() + 3600;

    fake.clock.advance_secs(3600 + 30);
    client.verify_id_token(&token).await.expect("within the leeway");
    fake.clock.advance_secs(1);
    assert_eq!(token_error(client.verify_id_token(&token).await), TokenError::Expired { exp, now: exp + 31 });

    let mut future = fake.id_claims("u1");
    let now = fake.now();
    future["iat"] = json!(now + 31);
    assert_eq!(token_error(client.verify_id_token(&fake.signer.sign(&future)).await), TokenError::IssuedInFuture { iat: now + 31, now });
    future["iat"] = json!(now + 30);
    client.verify_id_token(&fake.signer.sign(&future)).await.expect("iat within the leeway");

    let mut no_exp = fake.id_claims("u1");
    no_exp.as_object_mut().expect("object").remove("exp");
    assert!(matches!(token_error(client.verify_id_token(&fake.signer.sign(&no_exp)).await), TokenError::Expired { .. }));
}

#[tokio::test]
async fn an_unknown_kid_refetches_the_jwks_at_most_every_30_seconds() {
    let fake = FakeProvider::start().await;
    let (client, _) = fake.client(fake.config());
    client.verify_id_token(&fake.id_token("u1")).await.expect("first key");
    assert_eq!(fake.jwks_fetches(), 1);

    // The server rotates 10 s later: the new kid is unknown, but the last fetch is too recent.
    let rotated = Signer::es384("key-2");
    fake.publish(&[&fake.signer, &rotated]);
    fake.clock.advance_secs(10);
    let rotated_token = rotated.sign(&fake.id_claims("u1"));
    assert_eq!(token_error(client.verify_id_token(&rotated_token).await), TokenError::UnknownKey("key-2".into()));
    assert_eq!(fake.jwks_fetches(), 1, "rate-limited: no refetch within 30 s");

    fake.clock.advance_secs(20);
    client.verify_id_token(&rotated_token).await.expect("refetched after 30 s");
    assert_eq!(fake.jwks_fetches(), 2);

    let bogus = Signer::es384("key-3").sign(&fake.id_claims("u1"));
    assert_eq!(token_error(client.verify_id_token(&bogus).await), TokenError::UnknownKey("key-3".into()));
    assert_eq!(token_error(client.verify_id_token(&bogus).await), TokenError::UnknownKey("key-3".into()));
    assert_eq!(fake.jwks_fetches(), 2, "a flood of unknown kids does not reach the server");
    fake.clock.advance_secs(30);
    assert_eq!(token_error(client.verify_id_token(&bogus).await), TokenError::UnknownKey("key-3".into()));
    assert_eq!(fake.jwks_fetches(), 3, "one refetch per 30 s");

    client.verify_id_token(&fake.id_token("u1")).await.expect("known keys need no fetch");
    assert_eq!(fake.jwks_fetches(), 3);
}

#[tokio::test]
async fn removed_keys_stop_verifying_once_the_cache_is_an_hour_old_and_outages_keep_the_old_keys() {
    let fake = FakeProvider::start().await;
    let (client, _) = fake.client(fake.config());
    client.verify_id_token(&fake.id_token("u1")).await.expect("verifies");

    *fake.state.jwks_down.lock().expect("lock") = true;
    fake.clock.advance_secs(3600);
    client.verify_id_token(&fake.id_token("u1")).await.expect("a failed refresh keeps the cached keys");
    assert_eq!(fake.jwks_fetches(), 2);

    *fake.state.jwks_down.lock().expect("lock") = false;
    let replacement = Signer::es384("key-2");
    fake.publish(&[&replacement]);
    fake.clock.advance_secs(30);
    assert_eq!(token_error(client.verify_id_token(&fake.id_token("u1")).await), TokenError::UnknownKey("key-1".into()));
    assert_eq!(fake.jwks_fetches(), 3);
}

#[tokio::test]
async fn an_unreachable_jwks_is_a_transport_error_not_a_token_verdict() {
    let fake = FakeProvider::start().await;
    *fake.state.jwks_down.lock().expect("lock") = true;
    let (client, _) = fake.client(fake.config());
    let error = client.verify_id_token(&fake.id_token("u1")).await.expect_err("no keys");
    assert!(matches!(error, Error::UnexpectedResponse { status: 503, .. }), "{error:?}");
}

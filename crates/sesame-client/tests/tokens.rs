//! Access tokens for API resources and organizations, userinfo, and refresh handling against
//! the fake provider: request building, the per-resource cache and its expiry, rotation, and
//! ID tokens in refresh responses.

mod support;

use serde_json::json;
use sesame_client::{storage_keys, Error, OAuthError, Storage, TokenError, UserInfoScope};
use support::{FakeProvider, Signer, APP_ID, APP_SECRET};

const API: &str = "https://api.example.com";

#[tokio::test]
async fn resource_tokens_are_requested_with_the_refresh_token_cached_and_refreshed_on_expiry() {
    let fake = FakeProvider::start().await;
    let (client, _) = fake.signed_in(fake.config().resource(API)).await;
    let first = fake.access_token(API, "read write");
    fake.respond(200, json!({"access_token": first, "expires_in": 3600, "token_type": "Bearer", "scope": "read write"}));
    assert_eq!(client.access_token(Some(API)).await.expect("token"), first);

    let requests = fake.token_requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].names(), ["client_id", "client_secret", "grant_type", "refresh_token", "resource"]);
    assert_eq!(requests[0].param("grant_type"), Some("refresh_token"));
    assert_eq!(requests[0].param("refresh_token"), Some("rt-1"));
    assert_eq!(requests[0].param("resource"), Some(API));
    assert_eq!(requests[0].param("client_id"), Some(APP_ID));
    assert_eq!(requests[0].param("client_secret"), Some(APP_SECRET));

    fake.clock.advance_secs(3540);
    assert_eq!(client.access_token(Some(API)).await.expect("cached"), first, "valid until expires_in - 60 s");
    let claims = client.access_token_claims(Some(API)).await.expect("claims");
    assert_eq!((claims.aud.as_str(), claims.scope.as_str(), claims.client_id.as_deref()), (API, "read write", Some(APP_ID)));
    assert_eq!(fake.token_requests().len(), 1);
    assert_eq!(client.access_token(None).await.expect("userinfo token"), "at-0", "each resource has its own entry");

    fake.clock.advance_secs(1);
    let second = fake.access_token(API, "read");
    fake.respond(200, json!({"access_token": second, "expires_in": 3600, "token_type": "Bearer", "refresh_token": "rt-2"}));
    assert_eq!(client.access_token(Some(API)).await.expect("refreshed"), second);
    assert_eq!(client.refresh_token().await.expect("storage").as_deref(), Some("rt-2"), "rotated refresh token stored");

    fake.clock.advance_secs(3600);
    fake.respond(200, json!({"access_token": "at-9", "expires_in": 3600, "token_type": "Bearer"}));
    client.access_token(Some(API)).await.expect("refreshed again");
    let requests = fake.token_requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[2].param("refresh_token"), Some("rt-2"), "the rotated token is the one used next");
    assert_eq!(client.refresh_token().await.expect("storage").as_deref(), Some("rt-2"), "kept when not rotated");
}

#[tokio::test]
async fn organization_tokens_send_organization_id_without_resource() {
    let fake = FakeProvider::start().await;
    let (client, storage) = fake.signed_in(fake.config().scopes([UserInfoScope::Organizations])).await;
    let org_token = fake.access_token("urn:logto:organization:o1", "read:members");
    fake.respond(200, json!({"access_token": org_token, "expires_in": 3600, "token_type": "Bearer"}));
    assert_eq!(client.organization_token("o1").await.expect("token"), org_token);
    let requests = fake.token_requests();
    assert_eq!(requests[0].names(), ["client_id", "client_secret", "grant_type", "organization_id", "refresh_token"]);
    assert_eq!(requests[0].param("organization_id"), Some("o1"));
    assert_eq!(requests[0].param("resource"), None);

    let claims = client.organization_token_claims("o1").await.expect("claims");
    assert_eq!(claims.aud, "urn:logto:organization:o1");
    assert_eq!(client.access_token(Some("urn:logto:organization:o1")).await.expect("same cache entry"), org_token);
    assert_eq!(fake.token_requests().len(), 1, "served from the cache");
    let map = storage.get(storage_keys::ACCESS_TOKEN_MAP).await.expect("storage").expect("map");
    assert!(map.contains("urn:logto:organization:o1"), "{map}");

    fake.respond(200, json!({"access_token": "at-o2", "expires_in": 3600, "token_type": "Bearer"}));
    assert_eq!(client.access_token(Some("urn:logto:organization:o2")).await.expect("token"), "at-o2");
    assert_eq!(fake.token_requests()[1].param("organization_id"), Some("o2"), "a URN resource becomes organization_id");
}

#[tokio::test]
async fn organization_tokens_need_the_organizations_scope() {
    let fake = FakeProvider::start().await;
    let (client, _) = fake.signed_in(fake.config()).await;
    assert!(matches!(client.organization_token("o1").await, Err(Error::OrganizationsScopeNotConfigured)));
    assert!(matches!(client.organization_token_claims("o1").await, Err(Error::OrganizationsScopeNotConfigured)));
    assert!(fake.token_requests().is_empty());
}

#[tokio::test]
async fn refresh_errors_are_typed_and_leave_storage_alone() {
    let fake = FakeProvider::start().await;
    let (client, _) = fake.signed_in(fake.config()).await;
    fake.respond(400, json!({"error": "invalid_target", "error_description": "resource indicator is missing, or unknown"}));
    let error = client.access_token(Some(API)).await.expect_err("refused");
    match error {
        Error::OAuth(OAuthError { status: 400, error, error_description }) => {
            assert_eq!(error, "invalid_target");
            assert_eq!(error_description.as_deref(), Some("resource indicator is missing, or unknown"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(client.refresh_token().await.expect("storage").as_deref(), Some("rt-1"));
    assert!(client.is_authenticated().await.expect("storage"));
}

#[tokio::test]
async fn id_tokens_in_refresh_responses_are_verified_before_anything_is_stored() {
    let fake = FakeProvider::start().await;
    let (client, _) = fake.signed_in(fake.config()).await;
    let before = client.id_token().await.expect("storage");

    let mut foreign = fake.id_claims("u1");
    foreign["aud"] = json!("someone-else");
    fake.respond(200, json!({"access_token": "at-x", "expires_in": 3600, "token_type": "Bearer",
                             "refresh_token": "rt-x", "id_token": fake.signer.sign(&foreign)}));
    let error = client.access_token(Some(API)).await.expect_err("bad ID token");
    assert!(matches!(error, Error::IdToken(TokenError::WrongAudience { .. })), "{error:?}");
    assert_eq!(client.id_token().await.expect("storage"), before);
    assert_eq!(client.refresh_token().await.expect("storage").as_deref(), Some("rt-1"), "rt-x was not stored");

    let forged = Signer::es384(&fake.signer.kid).sign(&fake.id_claims("u1"));
    fake.respond(200, json!({"access_token": "at-x", "expires_in": 3600, "token_type": "Bearer", "id_token": forged}));
    let error = client.access_token(Some(API)).await.expect_err("bad signature");
    assert!(matches!(error, Error::IdToken(TokenError::BadSignature)), "{error:?}");

    fake.clock.advance_secs(600);
    let renewed = fake.id_token("u1");
    fake.respond(200, json!({"access_token": "at-y", "expires_in": 3600, "token_type": "Bearer", "id_token": renewed}));
    assert_eq!(client.access_token(Some(API)).await.expect("token"), "at-y");
    assert_eq!(client.id_token().await.expect("storage"), Some(renewed), "a verified ID token replaces the old one");
}

#[tokio::test]
async fn user_info_uses_the_userinfo_token_and_refreshes_it() {
    let fake = FakeProvider::start().await;
    let (client, _) = fake.signed_in(fake.config()).await;
    let info = client.fetch_user_info().await.expect("userinfo");
    assert_eq!(info.sub, "u1");
    assert_eq!(info.email.as_deref(), Some("alice@example.com"));
    assert_eq!(info.custom_data, Some(json!({"plan": "pro"})));
    let identities = info.identities.expect("identities");
    assert_eq!(identities["github"].user_id, "42");
    assert_eq!(info.organizations.as_deref(), Some(&["o1".to_owned()][..]));
    assert!(info.extra.contains_key("sso_identities"));

    fake.clock.advance_secs(3541);
    fake.respond(200, json!({"access_token": "at-1", "expires_in": 3600, "token_type": "Bearer"}));
    client.fetch_user_info().await.expect("userinfo after refresh");
    let bearers = fake.state.userinfo_tokens.lock().expect("lock").clone();
    assert_eq!(bearers, [Some("at-0".to_owned()), Some("at-1".to_owned())]);
    let refresh = &fake.token_requests()[0];
    assert_eq!(refresh.param("resource"), None, "the userinfo token is refreshed without a resource");
}

#[tokio::test]
async fn userinfo_errors_are_typed() {
    let fake = FakeProvider::start().await;
    let (client, storage) = fake.signed_in(fake.config()).await;
    let mut map: serde_json::Value =
        serde_json::from_str(&storage.get(storage_keys::ACCESS_TOKEN_MAP).await.expect("storage").expect("map")).expect("json");
    map["x"][""]["token"] = json!("revoked");
    storage.set(storage_keys::ACCESS_TOKEN_MAP, map.to_string()).await.expect("storage");
    let error = client.fetch_user_info().await.expect_err("401");
    assert!(matches!(&error, Error::OAuth(OAuthError { status: 401, error, .. }) if error == "invalid_token"), "{error:?}");
}

#[tokio::test]
async fn opaque_tokens_have_no_claims_and_missing_refresh_tokens_are_reported() {
    let fake = FakeProvider::start().await;
    let (client, storage) = fake.signed_in(fake.config()).await;
    let error = client.access_token_claims(None).await.expect_err("opaque");
    assert!(matches!(error, Error::UndecodableToken(TokenError::Malformed(_))), "{error:?}");
    storage.delete(storage_keys::REFRESH_TOKEN).await.expect("storage");
    assert!(matches!(client.access_token(Some(API)).await, Err(Error::NoRefreshToken)));
}

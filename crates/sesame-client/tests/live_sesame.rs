//! The SDK against a real Sesame server (`sesame-testkit`): the whole guide flow — sign-in URL,
//! hosted sign-in, callback, claims, userinfo, cached and refreshed access tokens (the server's
//! clock and the client's moved together), rotation for public clients, sign-out — and the
//! server's refusals surfacing as typed errors.

use std::sync::Arc;

use sesame_client::{
    storage_keys, AccessTokenError, AccessTokenVerifier, CallbackError, Error, FirstScreen, InteractionMode, ManualClock,
    MemoryStorage, OAuthError, SesameClient, SesameConfig, SignInOptions, Storage, UserInfoScope,
};
use sesame_core::clock::Clock as _;
use sesame_core::model::{ApplicationType, RoleType};
use sesame_testkit::{location, query_param, TestApp, TestServer, PASSWORD};

fn client_for(server: &TestServer, app: &TestApp, clock: &Arc<ManualClock>) -> SesameClient {
    let mut config = SesameConfig::new(&server.base, &app.id).scopes([UserInfoScope::Email]);
    if let Some(secret) = &app.secret {
        config = config.app_secret(secret);
    }
    SesameClient::builder(config).storage(MemoryStorage::new()).clock(clock.clone()).build().expect("client")
}

fn clock_of(server: &TestServer) -> Arc<ManualClock> {
    Arc::new(ManualClock::at(server.clock.now_secs()))
}

async fn sign_in(server: &TestServer, client: &SesameClient, app: &TestApp, username: &str) {
    let url = client.sign_in(app.redirect_uri.as_str()).await.expect("sign-in url");
    let callback = server.browser().sign_in_at(&url, username, PASSWORD).await;
    client.handle_sign_in_callback(callback.as_str()).await.expect("callback accepted");
}

#[tokio::test]
async fn the_guide_flow_against_sesame() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    let user_id = server.user("alice").await;
    let clock = clock_of(&server);
    let client = client_for(&server, &app, &clock);
    assert!(!client.is_authenticated().await.expect("storage"));

    let url = client.sign_in(app.redirect_uri.as_str()).await.expect("sign-in url");
    assert!(url.starts_with(&format!("{}/oidc/auth?", server.base)), "{url}");
    let browser = server.browser();
    let callback = browser.sign_in_at(&url, "alice", PASSWORD).await;
    assert_eq!(query_param(&callback, "iss"), Some(server.issuer()), "Sesame sends iss (RFC 9207); the client checks it");
    client.handle_sign_in_callback(callback.as_str()).await.expect("callback accepted");
    assert!(client.is_authenticated().await.expect("storage"));

    let claims = client.id_token_claims().await.expect("claims");
    assert_eq!(claims.sub, user_id);
    assert_eq!(claims.aud, app.id);
    assert_eq!(claims.iss, server.issuer());
    assert_eq!(claims.username.as_deref(), Some("alice"));
    assert_eq!(claims.name.as_deref(), Some("alice Liddell"));
    assert_eq!(claims.email.as_deref(), Some("alice@example.com"));
    assert!(claims.sid.is_some());

    let info = client.fetch_user_info().await.expect("userinfo");
    assert_eq!(info.sub, user_id);
    assert_eq!(info.username.as_deref(), Some("alice"));
    assert_eq!(info.email.as_deref(), Some("alice@example.com"));
    assert_eq!(info.email_verified, Some(true));

    let first = client.access_token(None).await.expect("access token");
    assert_eq!(client.access_token(Some("")).await.expect("cached"), first, "cached, no refresh");
    let first_refresh_token = client.refresh_token().await.expect("storage").expect("offline_access with prompt=consent");

    server.clock.advance_secs(3541);
    clock.advance_secs(3541);
    let refreshed = client.access_token(None).await.expect("refreshed access token");
    assert_ne!(refreshed, first, "the cache expired (expires_in - 60 s) and the refresh token was used");
    let info = client.fetch_user_info().await.expect("userinfo with the refreshed token");
    assert_eq!(info.sub, user_id);
    let renewed = client.id_token_claims().await.expect("claims");
    assert!(renewed.iat >= claims.iat + 3541, "the refresh response's ID token was verified and stored");
    assert_eq!(
        client.refresh_token().await.expect("storage"),
        Some(first_refresh_token),
        "confidential clients keep their refresh token until 70% of its lifetime"
    );

    let sign_out = client.sign_out(Some(&app.post_logout_uri)).await.expect("sign-out url");
    let expected = url::Url::parse_with_params(
        &format!("{}/oidc/session/end", server.base),
        &[("client_id", app.id.as_str()), ("post_logout_redirect_uri", app.post_logout_uri.as_str())],
    )
    .expect("url");
    assert_eq!(sign_out, expected.as_str());
    assert!(!client.is_authenticated().await.expect("storage"));
    let page = browser.get(&sign_out).await;
    assert_eq!(page.status(), reqwest::StatusCode::OK, "Sesame asks the browser to confirm the logout");
}

#[tokio::test]
async fn public_clients_store_rotated_refresh_tokens() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Spa).await;
    assert!(app.secret.is_none());
    server.user("bob").await;
    let clock = clock_of(&server);
    let client = client_for(&server, &app, &clock);
    sign_in(&server, &client, &app, "bob").await;

    let mut refresh_tokens = vec![client.refresh_token().await.expect("storage").expect("refresh token")];
    for _ in 0..2 {
        server.clock.advance_secs(3600);
        clock.advance_secs(3600);
        client.access_token(None).await.expect("refreshed");
        refresh_tokens.push(client.refresh_token().await.expect("storage").expect("refresh token"));
    }
    assert_ne!(refresh_tokens[0], refresh_tokens[1], "public clients always rotate");
    assert_ne!(refresh_tokens[1], refresh_tokens[2], "and the stored successor is what the next refresh used");
    client.fetch_user_info().await.expect("userinfo");
}

#[tokio::test]
async fn sign_up_opens_the_registration_page() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    let client = client_for(&server, &app, &clock_of(&server));
    for options in [
        SignInOptions::new(app.redirect_uri.as_str()).interaction_mode(InteractionMode::SignUp),
        SignInOptions::new(app.redirect_uri.as_str()).first_screen(FirstScreen::Register),
    ] {
        let url = client.sign_in(options).await.expect("url");
        let response = server.browser().get(&url).await;
        assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
        assert!(location(&response).starts_with("/register?"), "{}", location(&response));
    }
}

#[tokio::test]
async fn server_refusals_become_typed_errors() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let clock = clock_of(&server);

    // An unknown API resource: the server sends the browser back with error=invalid_target.
    let config = SesameConfig::new(&server.base, &app.id)
        .app_secret(app.secret.clone().expect("secret"))
        .resource("https://unknown.example.com/api");
    let client = SesameClient::builder(config).clock(clock.clone()).build().expect("client");
    let url = client.sign_in(app.redirect_uri.as_str()).await.expect("url");
    let response = server.browser().get(&url).await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    let error = client.handle_sign_in_callback(&location(&response)).await.expect_err("error callback");
    assert!(
        matches!(&error, Error::Callback(CallbackError::Authorization { error, error_description: Some(_) }) if error == "invalid_target"),
        "{error:?}"
    );

    // A wrong secret: the code exchange is refused with invalid_client.
    let config = SesameConfig::new(&server.base, &app.id).app_secret("not-the-secret");
    let client = SesameClient::builder(config).clock(clock.clone()).build().expect("client");
    let url = client.sign_in(app.redirect_uri.as_str()).await.expect("url");
    let callback = server.browser().sign_in_at(&url, "alice", PASSWORD).await;
    let error = client.handle_sign_in_callback(callback.as_str()).await.expect_err("refused");
    assert!(matches!(&error, Error::OAuth(OAuthError { status: 401, error, .. }) if error == "invalid_client"), "{error:?}");
    assert!(!client.is_authenticated().await.expect("storage"));
}

#[tokio::test]
async fn api_resource_tokens_from_sesame_pass_the_resource_server_verifier() {
    const SHOPPING: &str = "https://shopping.example.com/api";
    let server = TestServer::start().await;
    let (_, scopes) = server.resource(SHOPPING, &["shopping:read", "shopping:write", "shopping:admin"]).await;
    let role = server.role("shopper", RoleType::User, &scopes[..2]).await;
    let app = server.app(ApplicationType::Traditional).await;
    let alice = server.user("alice").await;
    server.provider.store.add_user_roles(&alice, &[role]).await.expect("assign");
    let clock = clock_of(&server);
    let config = SesameConfig::new(&server.base, &app.id)
        .app_secret(app.secret.clone().expect("secret"))
        .scopes([UserInfoScope::Roles])
        .scopes(["shopping:read", "shopping:write", "shopping:admin"])
        .resource(SHOPPING);
    let client = SesameClient::builder(config).clock(clock.clone()).build().expect("client");
    sign_in(&server, &client, &app, "alice").await;
    assert_eq!(client.id_token_claims().await.expect("claims").roles, Some(vec!["shopper".to_owned()]));

    let token = client.access_token(Some(SHOPPING)).await.expect("resource token");
    assert_eq!(client.access_token(Some(SHOPPING)).await.expect("cached"), token);
    let claims = client.access_token_claims(Some(SHOPPING)).await.expect("claims");
    assert_eq!((claims.aud.as_str(), claims.scope.as_str()), (SHOPPING, "shopping:read shopping:write"));
    assert_eq!(claims.client_id.as_deref(), Some(app.id.as_str()));

    let verifier =
        AccessTokenVerifier::new(&server.base, SHOPPING).expect("verifier").clock(clock.clone()).require_scopes(["shopping:read"]);
    let verified = verifier.verify(&token).await.expect("Sesame's at+jwt verifies");
    assert_eq!(verified.sub, alice);
    let refused = verifier.verify_with_scopes(&token, &["shopping:admin"]).await.expect_err("not granted");
    assert!(matches!(&refused, AccessTokenError::InsufficientScope { missing } if missing == &["shopping:admin"]), "{refused:?}");
    let id_token = client.id_token().await.expect("storage").expect("id token");
    assert!(matches!(verifier.verify(&id_token).await, Err(AccessTokenError::Invalid(_))), "an ID token is no access token");

    server.clock.advance_secs(3541);
    clock.advance_secs(3541);
    let renewed = client.access_token(Some(SHOPPING)).await.expect("refreshed");
    assert_ne!(renewed, token);
    verifier.verify(&renewed).await.expect("verifies");
}

#[tokio::test]
async fn a_rejected_userinfo_token_is_a_typed_oauth_error() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let storage = MemoryStorage::new();
    let config = SesameConfig::new(&server.base, &app.id).app_secret(app.secret.clone().expect("secret"));
    let client = SesameClient::builder(config).storage(storage.clone()).clock(clock_of(&server)).build().expect("client");
    sign_in(&server, &client, &app, "alice").await;
    let map = storage.get(storage_keys::ACCESS_TOKEN_MAP).await.expect("storage").expect("map");
    let token = client.access_token(None).await.expect("token");
    storage.set(storage_keys::ACCESS_TOKEN_MAP, map.replace(&token, "not-a-real-token")).await.expect("storage");
    let error = client.fetch_user_info().await.expect_err("refused");
    assert!(matches!(&error, Error::OAuth(OAuthError { status: 401, error, .. }) if error == "invalid_token"), "{error:?}");
}

#[tokio::test]
async fn organization_tokens_from_sesame() {
    use sesame_core::organization::{Organization, OrganizationRole, OrganizationScope};
    let server = TestServer::start().await;
    let store = server.provider.store.clone();
    let scope = OrganizationScope { id: "scope-read".into(), name: "read:members".into(), description: None };
    store.insert_organization_scope(&scope).await.expect("scope");
    let role = OrganizationRole { id: "role-reader".into(), name: "reader".into(), description: None, role_type: RoleType::User };
    store.insert_organization_role(&role, &[scope.id.clone()], &[]).await.expect("role");
    let org = |id: &str| Organization {
        id: id.into(),
        name: id.into(),
        description: None,
        custom_data: serde_json::json!({}),
        is_mfa_required: false,
        created_at: 0,
    };
    store.insert_organization(&org("acme")).await.expect("acme");
    store.insert_organization(&org("globex")).await.expect("globex");
    let app = server.app(ApplicationType::Traditional).await;
    let alice = server.user("alice").await;
    store.add_organization_users("acme", &[alice.clone()]).await.expect("member");
    store.add_organization_user_roles("acme", &alice, &[role.id.clone()]).await.expect("org role");

    let clock = clock_of(&server);
    let config = SesameConfig::new(&server.base, &app.id)
        .app_secret(app.secret.clone().expect("secret"))
        .scopes([UserInfoScope::Organizations])
        .scopes(["read:members"]);
    let client = SesameClient::builder(config).clock(clock).build().expect("client");
    sign_in(&server, &client, &app, "alice").await;
    assert_eq!(client.id_token_claims().await.expect("claims").organizations, Some(vec!["acme".to_owned()]));

    let refused = client.organization_token("globex").await.expect_err("not a member");
    assert!(matches!(&refused, Error::OAuth(OAuthError { status: 403, error, .. }) if error == "access_denied"), "{refused:?}");
    // The refusal burned nothing: the same refresh token now gets the member's token.
    let claims = client.organization_token_claims("acme").await.expect("organization token");
    assert_eq!((claims.aud.as_str(), claims.scope.as_str()), ("urn:logto:organization:acme", "read:members"));
}

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sesame_core::model::{ApplicationType, RoleType};

use crate::support::{oauth_error, TestApp, TestServer};

const SHOPPING: &str = "https://shopping.example.com/api";
const SIGN_IN_SCOPES: &str = "openid offline_access profile roles shopping:read shopping:write shopping:admin";

fn header_of(jwt: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jwt.split('.').next().expect("header")).expect("b64")).expect("json")
}

/// A shopping API with three scopes, and a "shopper" role granting read and write.
async fn shopping(server: &TestServer) -> String {
    let (_, scopes) = server.resource(SHOPPING, &["shopping:read", "shopping:write", "shopping:admin"]).await;
    server.role("shopper", RoleType::User, &scopes[..2]).await
}

async fn refresh_for(server: &TestServer, app: &TestApp, refresh_token: &str, resource: &str) -> reqwest::Response {
    server
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", &app.id),
            ("client_secret", app.secret.as_deref().expect("secret")),
            ("resource", resource),
        ])
        .await
}

#[tokio::test]
async fn a_resource_token_carries_exactly_the_scopes_the_users_roles_grant() {
    let server = TestServer::start().await;
    let role = shopping(&server).await;
    let app = server.app(ApplicationType::Traditional).await;
    let alice = server.user("alice").await;
    server.user("bob").await;
    server.provider.store.add_user_roles(&alice, &[role]).await.expect("assign");
    let scope = [("scope", SIGN_IN_SCOPES), ("resource", SHOPPING)];

    let tokens = server.tokens(&app, "alice", &scope).await;
    let response: Value = refresh_for(&server, &app, tokens["refresh_token"].as_str().expect("rt"), SHOPPING).await.json().await.expect("json");
    let jwt = response["access_token"].as_str().expect("jwt");
    assert_eq!(header_of(jwt)["typ"], "at+jwt");
    let claims = server.verify_jwt(jwt).await;
    assert_eq!(claims["aud"], SHOPPING, "aud is the indicator, as a string");
    assert_eq!(claims["scope"], "shopping:read shopping:write", "admin is requested but not granted");
    assert_eq!(claims["sub"], alice.as_str());
    assert_eq!(claims["client_id"], app.id.as_str());
    assert_eq!(claims["iss"], server.issuer().as_str());
    assert!(claims["jti"].is_string());
    assert_eq!(response["scope"], "shopping:read shopping:write");
    assert_eq!(response["expires_in"], 3600);

    let id_token = server.verify_jwt(tokens["id_token"].as_str().expect("id token")).await;
    assert_eq!(id_token["roles"], serde_json::json!(["shopper"]));

    let bob = server.tokens(&app, "bob", &scope).await;
    let response: Value = refresh_for(&server, &app, bob["refresh_token"].as_str().expect("rt"), SHOPPING).await.json().await.expect("json");
    let claims = server.verify_jwt(response["access_token"].as_str().expect("jwt")).await;
    assert_eq!(claims["scope"], "", "scope is present even when empty");
}

#[tokio::test]
async fn resources_must_be_requested_at_authorization_and_known() {
    let server = TestServer::start().await;
    shopping(&server).await;
    let app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let tokens = server.tokens(&app, "alice", &[("scope", SIGN_IN_SCOPES)]).await;
    let refresh_token = tokens["refresh_token"].as_str().expect("rt");
    let (_, error, _) = oauth_error(refresh_for(&server, &app, refresh_token, SHOPPING).await).await;
    assert_eq!(error, "invalid_target", "not requested at authorization");
    let (_, error, _) = oauth_error(refresh_for(&server, &app, refresh_token, "https://unknown.example/api").await).await;
    assert_eq!(error, "invalid_target");
    assert_eq!(server.refresh(&app, refresh_token).await.status(), StatusCode::OK, "refused requests burn nothing");
}

#[tokio::test]
async fn the_code_exchange_accepts_a_resource_and_comma_separated_resources_split() {
    let server = TestServer::start().await;
    let role = shopping(&server).await;
    server.resource("https://store.example.com/api", &["store:read"]).await;
    let app = server.app(ApplicationType::Traditional).await;
    let alice = server.user("alice").await;
    server.provider.store.add_user_roles(&alice, &[role]).await.expect("assign");
    let browser = server.browser();
    let extra = [("scope", SIGN_IN_SCOPES), ("resource", "https://shopping.example.com/api,https://store.example.com/api")];
    let callback = server.sign_in(&browser, &app, "alice", &extra).await;
    let code = crate::support::query_param(&callback, "code").expect("code");
    let response = server
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &app.redirect_uri),
            ("code_verifier", crate::support::VERIFIER),
            ("client_id", &app.id),
            ("client_secret", app.secret.as_deref().expect("secret")),
            ("resource", SHOPPING),
        ])
        .await;
    let tokens: Value = response.json().await.expect("json");
    let claims = server.verify_jwt(tokens["access_token"].as_str().expect("jwt")).await;
    assert_eq!(claims["aud"], SHOPPING);
    let store_token: Value = refresh_for(&server, &app, tokens["refresh_token"].as_str().expect("rt"), "https://store.example.com/api")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(server.verify_jwt(store_token["access_token"].as_str().expect("jwt")).await["aud"], "https://store.example.com/api");
}

async fn client_credentials(server: &TestServer, app: &TestApp, extra: &[(&str, &str)]) -> reqwest::Response {
    let mut form = vec![("grant_type", "client_credentials"), ("client_id", app.id.as_str())];
    if let Some(secret) = &app.secret {
        form.push(("client_secret", secret.as_str()));
    }
    form.extend_from_slice(extra);
    server.token(&form).await
}

#[tokio::test]
async fn client_credentials_issue_the_apps_role_scopes_for_one_resource() {
    let server = TestServer::start().await;
    let (resource_id, scopes) = server.resource(SHOPPING, &["orders:read", "orders:write"]).await;
    let role = server.role("order reader", RoleType::MachineToMachine, &scopes[..1]).await;
    let service = server.app(ApplicationType::MachineToMachine).await;
    server.provider.store.add_application_roles(&service.id, &[role]).await.expect("assign");

    let response = client_credentials(&server, &service, &[("resource", SHOPPING), ("scope", "orders:read orders:write")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none());
    assert_eq!(body["token_type"], "Bearer");
    let claims = server.verify_jwt(body["access_token"].as_str().expect("jwt")).await;
    assert_eq!((claims["sub"].as_str(), claims["client_id"].as_str()), (Some(service.id.as_str()), Some(service.id.as_str())));
    assert_eq!(claims["scope"], "orders:read");
    assert_eq!(claims["aud"], SHOPPING);

    let no_scope: Value = client_credentials(&server, &service, &[("resource", SHOPPING)]).await.json().await.expect("json");
    assert_eq!(server.verify_jwt(no_scope["access_token"].as_str().expect("jwt")).await["scope"], "");

    let (_, error, _) = oauth_error(client_credentials(&server, &service, &[]).await).await;
    assert_eq!(error, "invalid_target", "no resource and no default resource");
    server.provider.store.set_default_resource(&resource_id, true).await.expect("default");
    let default: Value = client_credentials(&server, &service, &[("scope", "orders:read")]).await.json().await.expect("json");
    assert_eq!(server.verify_jwt(default["access_token"].as_str().expect("jwt")).await["aud"], SHOPPING);
    let (_, error, _) = oauth_error(client_credentials(&server, &service, &[("resource", "https://nope.example")]).await).await;
    assert_eq!(error, "invalid_target");

    let web = server.app(ApplicationType::Traditional).await;
    assert_eq!(oauth_error(client_credentials(&server, &web, &[("resource", SHOPPING)]).await).await.1, "unauthorized_client");
    let mut wrong = server.app(ApplicationType::MachineToMachine).await;
    wrong.secret = Some("wrong".into());
    assert_eq!(oauth_error(client_credentials(&server, &wrong, &[("resource", SHOPPING)]).await).await.1, "invalid_client");
}

async fn introspect(server: &TestServer, app: &TestApp, token: &str) -> reqwest::Response {
    Client::new()
        .post(server.url("/oidc/token/introspection"))
        .basic_auth(&app.id, app.secret.as_deref())
        .form(&[("token", token)])
        .send()
        .await
        .expect("introspection")
}

async fn revoke(server: &TestServer, app: &TestApp, token: &str) -> reqwest::Response {
    let mut form = vec![("token", token), ("client_id", app.id.as_str())];
    if let Some(secret) = &app.secret {
        form.push(("client_secret", secret));
    }
    Client::new().post(server.url("/oidc/token/revocation")).form(&form).send().await.expect("revocation")
}

#[tokio::test]
async fn introspection_reports_own_live_tokens_only() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    let other = server.app(ApplicationType::Traditional).await;
    let spa = server.app(ApplicationType::Spa).await;
    let alice = server.user("alice").await;
    let tokens = server.tokens(&app, "alice", &[]).await;
    let access_token = tokens["access_token"].as_str().expect("at");

    let active: Value = introspect(&server, &app, access_token).await.json().await.expect("json");
    assert_eq!(active["active"], true);
    assert_eq!(active["sub"], alice.as_str());
    assert_eq!(active["client_id"], app.id.as_str());
    assert_eq!(active["token_type"], "Bearer");
    assert!(active["scope"].as_str().expect("scope").contains("openid"));
    let refresh: Value = introspect(&server, &app, tokens["refresh_token"].as_str().expect("rt")).await.json().await.expect("json");
    assert_eq!(refresh["active"], true);

    let foreign: Value = introspect(&server, &other, access_token).await.json().await.expect("json");
    assert_eq!(foreign, serde_json::json!({"active": false}));
    let unknown: Value = introspect(&server, &app, "no-such-token").await.json().await.expect("json");
    assert_eq!(unknown, serde_json::json!({"active": false}));
    let jwt = tokens["id_token"].as_str().expect("jwt");
    assert_eq!(oauth_error(introspect(&server, &app, jwt).await).await.1, "unsupported_token_type");
    assert_eq!(oauth_error(introspect(&server, &spa, access_token).await).await.1, "invalid_client", "public clients cannot introspect");
    let anonymous = Client::new().post(server.url("/oidc/token/introspection")).form(&[("token", access_token)]).send().await.expect("post");
    assert_eq!(oauth_error(anonymous).await.1, "invalid_request");

    assert_eq!(revoke(&server, &app, access_token).await.status(), StatusCode::OK);
    let revoked: Value = introspect(&server, &app, access_token).await.json().await.expect("json");
    assert_eq!(revoked["active"], false);
}

#[tokio::test]
async fn revocation_revokes_the_grant_but_never_another_clients() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    let other = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let tokens = server.tokens(&app, "alice", &[]).await;
    let access_token = tokens["access_token"].as_str().expect("at");
    let refresh_token = tokens["refresh_token"].as_str().expect("rt");

    assert_eq!(revoke(&server, &other, refresh_token).await.status(), StatusCode::OK, "answered, but nothing is done");
    assert_eq!(server.userinfo(access_token).await.status(), StatusCode::OK);
    assert_eq!(revoke(&server, &app, "unknown").await.status(), StatusCode::OK);

    assert_eq!(revoke(&server, &app, refresh_token).await.status(), StatusCode::OK);
    assert_eq!(server.userinfo(access_token).await.status(), StatusCode::UNAUTHORIZED, "the whole grant went");
    assert_eq!(oauth_error(server.refresh(&app, refresh_token).await).await.1, "invalid_grant");
}

#[tokio::test]
async fn roles_claim_at_userinfo() {
    let server = TestServer::start().await;
    let role = shopping(&server).await;
    let app = server.app(ApplicationType::Traditional).await;
    let alice = server.user("alice").await;
    server.provider.store.add_user_roles(&alice, &[role]).await.expect("assign");
    let tokens = server.tokens(&app, "alice", &[("scope", "openid roles")]).await;
    let claims: Value = server.userinfo(tokens["access_token"].as_str().expect("at")).await.json().await.expect("json");
    assert_eq!(claims["roles"], serde_json::json!(["shopper"]));
}

#[tokio::test]
async fn signing_keys_rotate_with_a_grace_period() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let before = server.tokens(&app, "alice", &[]).await;
    let old_kid = server.provider.signing_kid();
    let store = server.provider.store.as_ref();
    server.provider.keys.rotate(store, server.clock.now_secs(), 60).await.expect("rotate");
    let jwks: Value = Client::new().get(server.url("/oidc/jwks")).send().await.expect("jwks").json().await.expect("json");
    assert_eq!(jwks["keys"].as_array().expect("keys").len(), 2, "the new key is published before it signs");
    assert_eq!(server.provider.signing_kid(), old_kid);
    server.clock.advance_secs(61);
    let new_kid = server.provider.signing_kid();
    assert_ne!(new_kid, old_kid);
    let after = server.tokens(&app, "alice", &[]).await;
    assert_eq!(header_of(after["id_token"].as_str().expect("jwt"))["kid"], new_kid.as_str());
    server.verify_jwt(before["id_token"].as_str().expect("old jwt")).await;
    server.provider.keys.rotate(store, server.clock.now_secs(), 0).await.expect("rotate again");
    let jwks: Value = Client::new().get(server.url("/oidc/jwks")).send().await.expect("jwks").json().await.expect("json");
    let kids: Vec<&str> = jwks["keys"].as_array().expect("keys").iter().filter_map(|k| k["kid"].as_str()).collect();
    assert!(!kids.contains(&old_kid.as_str()), "the key before the previous one retires");
}
use sesame_core::clock::Clock;

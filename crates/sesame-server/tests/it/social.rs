//! Social sign-in with the Discord connector (seed 004), against `FakeDiscord`, which checks
//! the client credentials, the grant type, one-time codes and the redirect URI they were issued
//! for: the connector is created and enabled through the Management API, users register and
//! sign in through the Experience API as the callback page drives it, identities are linked
//! only on a verified email, and the `identities` claim carries the Discord identity.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sesame_connectors::testing::{follow_authorization, DiscordFailure, FakeDiscord};
use sesame_core::model::ApplicationType;

use crate::management::{error_code, Api};
use crate::support::{backends, location, query_param, Backend, Browser, TestApp, TestServer, VERIFIER};

const CLIENT_ID: &str = "1180000000000000000";
const CLIENT_SECRET: &str = "discord-client-secret-for-e2e";
const DISCORD_ID: &str = "1234567890";
const DISCORD_EMAIL: &str = "whumpus@discord.com";
const SCOPES: &str = "openid profile email identities";

struct World {
    server: TestServer,
    discord: FakeDiscord,
    api: Api,
    app: TestApp,
    connector_id: String,
}

/// Seed 004: the Discord connector with `clientId`, `clientSecret` and `scope`, added to the
/// sign-in experience, and "None" as the sign-up identifier (social sign-in only).
async fn world(backend: Backend) -> World {
    let discord = FakeDiscord::start(CLIENT_ID, CLIENT_SECRET).await.expect("fake discord");
    let endpoints = discord.endpoints();
    let server = TestServer::start_on(backend, move |options| options.with_discord_endpoints(endpoints)).await;
    let api = Api::new(&server).await;
    let config = json!({"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "scope": "identify email"});
    let created = api.json(Method::POST, "/connectors", Some(json!({"connectorId": "discord-universal", "config": config})), StatusCode::OK).await;
    assert_eq!((created["type"].as_str(), created["target"].as_str()), (Some("Social"), Some("discord")));
    let connector_id = created["id"].as_str().expect("connector id").to_owned();
    api.json(
        Method::PATCH,
        "/sign-in-exp",
        Some(json!({
            "socialSignInConnectorTargets": ["discord"],
            "signUp": {"identifiers": [], "password": false, "verify": false}
        })),
        StatusCode::OK,
    )
    .await;
    let app = server.app(ApplicationType::Traditional).await;
    World { server, discord, api, app, connector_id }
}

/// A started social sign-in: the verification and the callback data the page would post.
struct Callback {
    verification_id: String,
    connector_data: Value,
}

impl World {
    /// A browser at the sign-in page with a SignIn interaction, as the "Continue with Discord"
    /// button starts it.
    async fn browser(&self) -> Browser {
        let browser = self.server.browser();
        let response = browser.get(&self.server.auth_url(&self.app, &[("scope", SCOPES)])).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let response = browser.api(Method::PUT, "/api/experience", json!({"interactionEvent": "SignIn"})).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        browser
    }

    fn redirect_uri(&self) -> String {
        self.server.url(&format!("/callback/{}", self.connector_id))
    }

    fn social_path(&self, action: &str) -> String {
        format!("/api/experience/verification/social/{}/{action}", self.connector_id)
    }

    async fn authorization_uri(&self, browser: &Browser, state: &str) -> reqwest::Response {
        browser.api(Method::POST, &self.social_path("authorization-uri"), json!({"state": state, "redirectUri": self.redirect_uri()})).await
    }

    /// Starts the sign-in, consents at (fake) Discord and returns what came back to the
    /// callback page: `connectorData` is the callback's query plus `redirectUri`.
    async fn consent(&self, browser: &Browser, state: &str) -> Callback {
        let response = self.authorization_uri(browser, state).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("json");
        let uri = body["authorizationUri"].as_str().expect("authorizationUri");
        assert!(uri.starts_with(self.discord.base_url().as_str()), "{uri}");
        let callback = follow_authorization(uri).await.expect("Discord redirects back");
        assert!(callback.as_str().starts_with(&self.redirect_uri()), "{callback}");
        let mut data: serde_json::Map<String, Value> =
            callback.query_pairs().map(|(k, v)| (k.into_owned(), Value::String(v.into_owned()))).collect();
        data.insert("redirectUri".into(), json!(self.redirect_uri()));
        Callback { verification_id: body["verificationId"].as_str().expect("verificationId").to_owned(), connector_data: Value::Object(data) }
    }

    async fn verify(&self, browser: &Browser, callback: &Callback) -> reqwest::Response {
        let body = json!({"verificationId": callback.verification_id, "connectorData": callback.connector_data});
        browser.api(Method::POST, &self.social_path("verify"), body).await
    }

    /// Consents and verifies: the verification id, ready for identification.
    async fn verified(&self, browser: &Browser) -> String {
        let callback = self.consent(browser, "st4te-1").await;
        let response = self.verify(browser, &callback).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["verificationId"].as_str(), Some(callback.verification_id.as_str()));
        callback.verification_id
    }

    /// Submits and redeems the code: the token response.
    async fn finish(&self, browser: &Browser) -> Value {
        let redirect_to = browser.submit().await;
        let callback = url::Url::parse(&location(&browser.get(&redirect_to).await)).expect("callback");
        let code = query_param(&callback, "code").expect("code");
        let response = self.server.redeem(&self.app, &code, VERIFIER).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("tokens")
    }

    async fn userinfo(&self, tokens: &Value) -> Value {
        let response = self.server.userinfo(tokens["access_token"].as_str().expect("access token")).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("claims")
    }

    /// A user with a username, a password and the given primary email.
    async fn local_user(&self, username: &str, email: &str) -> String {
        let body = json!({"username": username, "password": "Cheshire-Cat-Grins-42", "primaryEmail": email});
        self.api.json(Method::POST, "/users", Some(body), StatusCode::OK).await["id"].as_str().expect("id").to_owned()
    }

    async fn identities_of(&self, user_id: &str) -> Value {
        self.api.json(Method::GET, &format!("/users/{user_id}/identities"), None, StatusCode::OK).await
    }

    async fn user_count(&self) -> usize {
        self.api.json(Method::GET, "/users", None, StatusCode::OK).await.as_array().expect("users").len()
    }
}

async fn identify(browser: &Browser, body: Value) -> reqwest::Response {
    browser.api(Method::POST, "/api/experience/identification", body).await
}

async fn switch_event(browser: &Browser, event: &str) {
    let response = browser.api(Method::PUT, "/api/experience/interaction-event", json!({"interactionEvent": event})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

/// `(status, code, message, data)` of an API error.
async fn api_error(response: reqwest::Response) -> (StatusCode, String, String, Value) {
    let status = response.status();
    let body: Value = response.json().await.expect("JSON error");
    let text = |key: &str| body[key].as_str().unwrap_or_default().to_owned();
    (status, text("code"), text("message"), body.get("data").cloned().unwrap_or(Value::Null))
}

fn whumpus_details() -> Value {
    json!({
        "id": DISCORD_ID,
        "name": "Whumpus",
        "avatar": format!("https://cdn.discordapp.com/avatars/{DISCORD_ID}/avatar_id"),
        "email": DISCORD_EMAIL,
        "rawData": {
            "id": DISCORD_ID, "username": "Whumpus", "global_name": "Whumpus the Great", "discriminator": "0",
            "avatar": "avatar_id", "email": DISCORD_EMAIL, "verified": true
        }
    })
}

#[tokio::test]
async fn the_first_discord_sign_in_registers_the_user_and_the_next_one_finds_them() {
    for backend in backends("the_first_discord_sign_in_registers_the_user_and_the_next_one_finds_them") {
        let world = world(backend).await;
        let public: Value = world.server.browser().get("/api/.well-known/sign-in-exp").await.json().await.expect("json");
        let social = &public["socialConnectors"];
        assert_eq!((social[0]["id"].as_str(), social[0]["target"].as_str()), (Some(world.connector_id.as_str()), Some("discord")));

        // First time: nobody has this identity; the page switches to Register.
        let browser = world.browser().await;
        let id = world.verified(&browser).await;
        let requests = world.discord.token_requests();
        let exchange = requests.last().expect("the code was exchanged");
        assert_eq!(exchange.get("client_id").map(String::as_str), Some(CLIENT_ID));
        assert_eq!(exchange.get("grant_type").map(String::as_str), Some("authorization_code"));
        assert_eq!(exchange.get("redirect_uri"), Some(&world.redirect_uri()));
        let (status, code, _, data) = api_error(identify(&browser, json!({"verificationId": id})).await).await;
        assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "user.identity_not_exist"));
        assert_eq!(data, Value::Null, "no account has this email: nothing to link to");
        switch_event(&browser, "Register").await;
        assert_eq!(identify(&browser, json!({"verificationId": id})).await.status(), StatusCode::CREATED);
        let tokens = world.finish(&browser).await;
        let claims = world.userinfo(&tokens).await;
        let sub = claims["sub"].as_str().expect("sub").to_owned();
        assert_eq!(claims["identities"], json!({"discord": {"userId": DISCORD_ID, "details": whumpus_details()}}));
        assert_eq!(claims["name"], "Whumpus");
        assert_eq!(claims["picture"], format!("https://cdn.discordapp.com/avatars/{DISCORD_ID}/avatar_id"));
        assert_eq!((claims["email"].as_str(), claims["email_verified"].as_bool()), (Some(DISCORD_EMAIL), Some(true)));
        assert_eq!(claims["username"], Value::Null);

        // Next time the identity is found.
        let browser = world.browser().await;
        let id = world.verified(&browser).await;
        assert_eq!(identify(&browser, json!({"verificationId": id})).await.status(), StatusCode::NO_CONTENT);
        let again = world.finish(&browser).await;
        assert_eq!(world.userinfo(&again).await["sub"], sub.as_str());

        // Registering the same identity again is refused.
        let browser = world.browser().await;
        let id = world.verified(&browser).await;
        switch_event(&browser, "Register").await;
        let (status, code, ..) = api_error(identify(&browser, json!({"verificationId": id})).await).await;
        assert_eq!((status, code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "user.identity_already_in_use"));

        // The details follow Discord on each sign-in; the name and avatar only with syncProfile.
        let renamed = json!({"id": DISCORD_ID, "username": "Wumpus2", "avatar": "new_hash", "email": DISCORD_EMAIL, "verified": true});
        world.discord.set_profile(renamed.clone());
        let browser = world.browser().await;
        let id = world.verified(&browser).await;
        assert_eq!(identify(&browser, json!({"verificationId": id})).await.status(), StatusCode::NO_CONTENT);
        let user = world.api.json(Method::GET, &format!("/users/{sub}"), None, StatusCode::OK).await;
        assert_eq!(user["name"], "Whumpus", "no syncProfile: the name stays");
        assert_eq!(user["identities"]["discord"]["details"]["name"], "Wumpus2");
        assert_eq!(user["identities"]["discord"]["details"]["rawData"], renamed);
        let connector = format!("/connectors/{}", world.connector_id);
        world.api.json(Method::PATCH, &connector, Some(json!({"syncProfile": true})), StatusCode::OK).await;
        let browser = world.browser().await;
        let id = world.verified(&browser).await;
        assert_eq!(identify(&browser, json!({"verificationId": id})).await.status(), StatusCode::NO_CONTENT);
        let user = world.api.json(Method::GET, &format!("/users/{sub}"), None, StatusCode::OK).await;
        assert_eq!(user["name"], "Wumpus2");
        assert_eq!(user["avatar"], format!("https://cdn.discordapp.com/avatars/{DISCORD_ID}/new_hash"));

        // A suspended user cannot sign in with Discord either.
        world.api.json(Method::PATCH, &format!("/users/{sub}/is-suspended"), Some(json!({"isSuspended": true})), StatusCode::OK).await;
        let browser = world.browser().await;
        let id = world.verified(&browser).await;
        let (status, code, ..) = api_error(identify(&browser, json!({"verificationId": id})).await).await;
        assert_eq!((status, code.as_str()), (StatusCode::UNAUTHORIZED, "user.suspended"));
    }
}

#[tokio::test]
async fn registration_asks_for_a_username_when_usernames_sign_up() {
    for backend in backends("registration_asks_for_a_username_when_usernames_sign_up") {
        let world = world(backend).await;
        world
            .api
            .json(Method::PATCH, "/sign-in-exp", Some(json!({"signUp": {"identifiers": ["username"], "password": true, "verify": false}})), StatusCode::OK)
            .await;
        let browser = world.browser().await;
        let id = world.verified(&browser).await;
        switch_event(&browser, "Register").await;
        let (status, code, _, data) = api_error(identify(&browser, json!({"verificationId": id})).await).await;
        assert_eq!((status, code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "user.missing_profile"));
        assert_eq!(data, json!({"missingProfile": ["username"]}), "a username, never a password: Discord stands in for it");
        let response = browser.api(Method::POST, "/api/experience/profile", json!({"type": "username", "value": "whumpus"})).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert_eq!(identify(&browser, json!({})).await.status(), StatusCode::CREATED);
        let claims = world.userinfo(&world.finish(&browser).await).await;
        assert_eq!(claims["username"], "whumpus");
        assert_eq!(claims["identities"]["discord"]["userId"], DISCORD_ID);
    }
}

#[tokio::test]
async fn a_verified_discord_email_offers_the_existing_account_and_links_to_it() {
    for backend in backends("a_verified_discord_email_offers_the_existing_account_and_links_to_it") {
        let world = world(backend).await;
        let alice = world.local_user("alice", "alice@example.com").await;
        world.discord.set_profile(json!({"id": "555", "username": "alice_d", "avatar": null, "email": "Alice@Example.com", "verified": true}));
        let browser = world.browser().await;
        let id = world.verified(&browser).await;
        let (status, code, _, data) = api_error(identify(&browser, json!({"verificationId": id})).await).await;
        assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "user.identity_not_exist"));
        assert_eq!(data, json!({"relatedUser": {"type": "email", "value": "Alice@Example.com"}}));
        assert_eq!(world.identities_of(&alice).await, json!({}), "offering links nothing");
        assert_eq!(identify(&browser, json!({"verificationId": id, "linkSocialIdentity": true})).await.status(), StatusCode::NO_CONTENT);
        let claims = world.userinfo(&world.finish(&browser).await).await;
        assert_eq!(claims["sub"], alice.as_str());
        assert_eq!(claims["identities"]["discord"]["userId"], "555");
        assert_eq!(claims["identities"]["discord"]["details"]["email"], "Alice@Example.com");
        assert_eq!(claims["username"], "alice", "the account itself is unchanged");

        // From now on Discord signs alice in directly.
        let browser = world.browser().await;
        let id = world.verified(&browser).await;
        assert_eq!(identify(&browser, json!({"verificationId": id})).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(world.userinfo(&world.finish(&browser).await).await["sub"], alice.as_str());

        // An address that is only similar is no match: no offer, no link.
        world.local_user("bob", "bob@example.com").await;
        world.discord.set_profile(json!({"id": "556", "username": "bob_d", "email": "bob+discord@example.com", "verified": true}));
        let browser = world.browser().await;
        let id = world.verified(&browser).await;
        let (_, code, _, data) = api_error(identify(&browser, json!({"verificationId": id})).await).await;
        assert_eq!((code.as_str(), data), ("user.identity_not_exist", Value::Null));
        let (status, code, ..) = api_error(identify(&browser, json!({"verificationId": id, "linkSocialIdentity": true})).await).await;
        assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "user.identity_not_exist"));
    }
}

#[tokio::test]
async fn an_unverified_discord_email_never_links_to_the_account_with_that_email() {
    for backend in backends("an_unverified_discord_email_never_links_to_the_account_with_that_email") {
        let world = world(backend).await;
        let alice = world.local_user("alice", "alice@example.com").await;
        world.discord.set_profile(json!({"id": "666", "username": "mallory", "avatar": null, "email": "alice@example.com", "verified": false}));
        let browser = world.browser().await;
        let id = world.verified(&browser).await;
        let (status, code, _, data) = api_error(identify(&browser, json!({"verificationId": id})).await).await;
        assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "user.identity_not_exist"));
        assert_eq!(data, Value::Null, "no relatedUser for an unverified email");
        let (status, code, ..) = api_error(identify(&browser, json!({"verificationId": id, "linkSocialIdentity": true})).await).await;
        assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "user.identity_not_exist"), "linking is refused");
        assert_eq!(world.identities_of(&alice).await, json!({}));

        // Registering makes a separate account, without the unverified address.
        switch_event(&browser, "Register").await;
        assert_eq!(identify(&browser, json!({"verificationId": id})).await.status(), StatusCode::CREATED);
        let claims = world.userinfo(&world.finish(&browser).await).await;
        assert_ne!(claims["sub"], alice.as_str());
        assert_eq!(claims["email"], Value::Null);
        assert_eq!(claims["identities"]["discord"]["details"]["rawData"]["verified"], false);
        assert!(claims["identities"]["discord"]["details"].get("email").is_none());
        assert_eq!(world.identities_of(&alice).await, json!({}));
    }
}

#[tokio::test]
async fn callbacks_not_from_this_session_are_rejected_before_the_code_is_exchanged() {
    for backend in backends("callbacks_not_from_this_session_are_rejected_before_the_code_is_exchanged") {
        let world = world(backend).await;
        let browser = world.browser().await;
        let mut callback = world.consent(&browser, "the-real-state").await;
        let exchanges = world.discord.token_requests().len();

        let honest = callback.connector_data.clone();
        for (field, value) in [("state", json!("forged-state")), ("state", Value::Null), ("redirectUri", json!("https://evil.example/callback"))] {
            callback.connector_data = honest.clone();
            match value {
                Value::Null => {
                    callback.connector_data.as_object_mut().expect("object").remove(field);
                }
                value => callback.connector_data[field] = value,
            }
            let (status, code, message, _) = api_error(world.verify(&browser, &callback).await).await;
            assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "session.connector_validation_session_not_found"), "{field}");
            assert!(message.contains("mismatch"), "{message}");
        }
        assert_eq!(world.discord.token_requests().len(), exchanges, "no code was sent to Discord");

        // Another verification id, or the right one under another connector, finds no session.
        callback.connector_data = honest.clone();
        let body = json!({"verificationId": "not-a-verification", "connectorData": honest});
        let (status, code, ..) = api_error(browser.api(Method::POST, &world.social_path("verify"), body).await).await;
        assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "session.verification_session_not_found"));
        let elsewhere = json!({"verificationId": callback.verification_id, "connectorData": honest});
        let response = browser.api(Method::POST, "/api/experience/verification/social/other-connector/verify", elsewhere).await;
        assert_eq!(api_error(response).await.1, "session.verification_session_not_found");
        // Unverified, the verification identifies no one.
        let (status, code, ..) = api_error(identify(&browser, json!({"verificationId": callback.verification_id})).await).await;
        assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "session.verification_failed"));

        // The honest callback still works: its code was never burnt.
        assert_eq!(world.verify(&browser, &callback).await.status(), StatusCode::OK);

        // Another browser (another interaction) cannot use this session's verification.
        let other = world.browser().await;
        let (status, code, ..) = api_error(world.verify(&other, &callback).await).await;
        assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "session.verification_session_not_found"));
    }
}

#[tokio::test]
async fn denial_bad_codes_and_discord_outages_are_clear_errors_that_link_nothing() {
    for backend in backends("denial_bad_codes_and_discord_outages_are_clear_errors_that_link_nothing") {
        let world = world(backend).await;
        let users = world.user_count().await;

        world.discord.set_deny(true);
        let browser = world.browser().await;
        let callback = world.consent(&browser, "st4te").await;
        assert_eq!(callback.connector_data["error"], "access_denied");
        let (status, code, message, _) = api_error(world.verify(&browser, &callback).await).await;
        assert_eq!((status, code.as_str()), (StatusCode::UNAUTHORIZED, "connector.authorization_failed"));
        assert_eq!(message, "The user denied access to their Discord account.");
        assert!(world.discord.token_requests().is_empty(), "nothing to exchange");
        world.discord.set_deny(false);

        let mut callback = world.consent(&browser, "st4te").await;
        callback.connector_data["code"] = json!("not-a-code-discord-issued");
        let (status, code, message, _) = api_error(world.verify(&browser, &callback).await).await;
        assert_eq!((status, code.as_str()), (StatusCode::UNAUTHORIZED, "connector.social_auth_code_invalid"));
        assert!(message.contains("sign in again"), "{message}");

        for (failure, on_token) in [
            (DiscordFailure::ServerError, true),
            (DiscordFailure::RateLimited { retry_after_secs: 2.5 }, true),
            (DiscordFailure::BadGateway, false),
            (DiscordFailure::RateLimited { retry_after_secs: 1.0 }, false),
        ] {
            if on_token {
                world.discord.fail_token(Some(failure.clone()));
            } else {
                world.discord.fail_profile(Some(failure.clone()));
            }
            let callback = world.consent(&browser, "st4te").await;
            let (status, code, message, _) = api_error(world.verify(&browser, &callback).await).await;
            assert!(matches!(status.as_u16(), 502 | 503), "{failure:?}: {status}");
            assert_eq!(code, "connector.general", "{failure:?}");
            assert!(message.contains("Discord") && message.contains("try again"), "{failure:?}: {message}");
            world.discord.fail_token(None);
            world.discord.fail_profile(None);
        }
        world.discord.fail_token(Some(DiscordFailure::RateLimited { retry_after_secs: 2.5 }));
        let callback = world.consent(&browser, "st4te").await;
        let limited = api_error(world.verify(&browser, &callback).await).await.2;
        world.discord.fail_token(None);
        assert!(limited.contains("try again in 3 seconds"), "{limited}");

        assert_eq!(world.user_count().await, users, "no failure created a user");
        // A failed verification identifies no one.
        let (status, code, ..) = api_error(identify(&browser, json!({"verificationId": callback.verification_id})).await).await;
        assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "session.verification_failed"));
    }
}

#[tokio::test]
async fn only_enabled_social_connectors_start_a_sign_in() {
    let world = world(Backend::Sqlite).await;
    let browser = world.browser().await;
    let missing = world.authorization_uri(&browser, "").await;
    assert_eq!(api_error(missing).await.1, "session.insufficient_info");
    let unknown = browser
        .api(Method::POST, "/api/experience/verification/social/nope/authorization-uri", json!({"state": "s", "redirectUri": world.redirect_uri()}))
        .await;
    let (status, code, ..) = api_error(unknown).await;
    assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "entity.not_found"));

    let email = world.api.json(Method::POST, "/connectors", Some(json!({"connectorId": "mock-email-service", "config": {}})), StatusCode::OK).await;
    let path = format!("/api/experience/verification/social/{}/authorization-uri", email["id"].as_str().expect("id"));
    let (status, code, ..) = api_error(browser.api(Method::POST, &path, json!({"state": "s", "redirectUri": "https://x.example/cb"})).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "connector.unexpected_type"));

    // Taken out of the sign-in experience, Discord no longer starts (nor finishes) a sign-in.
    let callback = world.consent(&browser, "st4te").await;
    let without_discord = json!({"socialSignInConnectorTargets": [], "signUp": {"identifiers": ["username"], "password": true, "verify": false}});
    world.api.json(Method::PATCH, "/sign-in-exp", Some(without_discord), StatusCode::OK).await;
    let (status, code, ..) = api_error(world.authorization_uri(&browser, "st4te").await).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "user.sign_in_method_not_enabled"));
    assert_eq!(api_error(world.verify(&browser, &callback).await).await.1, "user.sign_in_method_not_enabled");
    let public: Value = browser.get("/api/.well-known/sign-in-exp").await.json().await.expect("json");
    assert_eq!(public["socialConnectors"], json!([]));

    // Without an interaction there is no session to start.
    let stranger = world.server.browser();
    let (status, code, ..) = api_error(world.authorization_uri(&stranger, "s").await).await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "session.not_found"));
}

#[tokio::test]
async fn an_identity_belongs_to_one_user_and_the_management_api_links_and_unlinks_it() {
    for backend in backends("an_identity_belongs_to_one_user_and_the_management_api_links_and_unlinks_it") {
        let world = world(backend).await;
        let alice = world.local_user("alice", "alice@example.com").await;
        let bob = world.local_user("bob", "bob@example.com").await;
        assert_eq!(world.identities_of(&alice).await, json!({}));

        let identities = format!("/users/{alice}/identities/discord");
        let details = json!({"id": DISCORD_ID, "name": "Whumpus"});
        let response = world.api.call(Method::PUT, &identities, Some(json!({"userId": DISCORD_ID, "details": details}))).await;
        assert_eq!(response.status(), StatusCode::CREATED, "a new target: 201, as Logto");
        let linked: Value = response.json().await.expect("json");
        assert_eq!(linked, json!({"discord": {"userId": DISCORD_ID, "details": details}}));
        let replaced = world.api.call(Method::PUT, &identities, Some(json!({"userId": DISCORD_ID}))).await;
        assert_eq!(replaced.status(), StatusCode::OK, "an existing target: 200");
        assert_eq!(world.identities_of(&alice).await, json!({"discord": {"userId": DISCORD_ID}}));
        let one = world.api.json(Method::GET, &identities, None, StatusCode::OK).await;
        assert_eq!(one, json!({"identity": {"userId": DISCORD_ID}}));

        // The identity is alice's: not bob's too, whichever way it is tried.
        let stolen = world.api.call(Method::PUT, &format!("/users/{bob}/identities/discord"), Some(json!({"userId": DISCORD_ID}))).await;
        assert_eq!(error_code(stolen).await, (StatusCode::UNPROCESSABLE_ENTITY, "user.identity_already_in_use".into()));
        assert_eq!(world.identities_of(&bob).await, json!({}));
        let browser = world.browser().await;
        let id = world.verified(&browser).await;
        assert_eq!(identify(&browser, json!({"verificationId": id, "linkSocialIdentity": true})).await.status(), StatusCode::NO_CONTENT);
        let claims = world.userinfo(&world.finish(&browser).await).await;
        assert_eq!(claims["sub"], alice.as_str(), "Discord signs in the identity's owner");
        assert_eq!(world.identities_of(&bob).await, json!({}));

        // Unlinked, it signs in no one; unlinking twice is a 404.
        let user = world.api.json(Method::DELETE, &identities, None, StatusCode::OK).await;
        assert_eq!((user["id"].as_str(), &user["identities"]), (Some(alice.as_str()), &json!({})));
        let again = world.api.call(Method::DELETE, &identities, None).await;
        assert_eq!(error_code(again).await, (StatusCode::NOT_FOUND, "user.identity_not_exist".into()));
        let browser = world.browser().await;
        let id = world.verified(&browser).await;
        assert_eq!(api_error(identify(&browser, json!({"verificationId": id})).await).await.1, "user.identity_not_exist");
        // Now bob may have it.
        let response = world.api.call(Method::PUT, &format!("/users/{bob}/identities/discord"), Some(json!({"userId": DISCORD_ID}))).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(identify(&browser, json!({"verificationId": id})).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(world.userinfo(&world.finish(&browser).await).await["sub"], bob.as_str());

        // Deleting bob frees the identity.
        world.api.call(Method::DELETE, &format!("/users/{bob}"), None).await;
        let response = world.api.call(Method::PUT, &identities, Some(json!({"userId": DISCORD_ID}))).await;
        assert_eq!(response.status(), StatusCode::CREATED);

        for (method, path, body) in [
            (Method::GET, "/users/unknown/identities".to_owned(), None),
            (Method::GET, "/users/unknown/identities/discord".to_owned(), None),
            (Method::PUT, "/users/unknown/identities/discord".to_owned(), Some(json!({"userId": "1"}))),
            (Method::DELETE, "/users/unknown/identities/discord".to_owned(), None),
        ] {
            assert_eq!(error_code(world.api.call(method, &path, body).await).await, (StatusCode::NOT_FOUND, "entity.not_found".into()), "{path}");
        }
        let missing = world.api.call(Method::GET, &format!("/users/{bob}/identities/github"), None).await;
        assert_eq!(error_code(missing).await.0, StatusCode::NOT_FOUND);
        let not_found = world.api.call(Method::GET, &format!("/users/{alice}/identities/github"), None).await;
        assert_eq!(error_code(not_found).await, (StatusCode::NOT_FOUND, "user.identity_not_exist".into()));
        for bad in [json!({}), json!({"userId": ""}), json!({"userId": 1}), json!({"userId": "1", "details": "x"}), json!({"userId": "1", "extra": 1})] {
            let response = world.api.call(Method::PUT, &identities, Some(bad.clone())).await;
            assert_eq!(error_code(response).await, (StatusCode::BAD_REQUEST, "guard.invalid_input".into()), "{bad}");
        }
    }
}

#[tokio::test]
async fn form_post_callbacks_become_a_get_of_the_callback_page() {
    let world = world(Backend::Sqlite).await;
    let response = world
        .server
        .browser()
        .client
        .post(world.redirect_uri())
        .form(&[("code", "c 0/d+e"), ("state", "st&te"), ("user", "{\"name\":\"x\"}")])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let target = location(&response);
    let expected = format!("/callback/{}?", world.connector_id);
    assert!(target.starts_with(&expected), "{target}");
    let url = url::Url::parse(&world.server.url(&target)).expect("url");
    assert_eq!(query_param(&url, "code").as_deref(), Some("c 0/d+e"));
    assert_eq!(query_param(&url, "state").as_deref(), Some("st&te"));
    assert_eq!(query_param(&url, "user").as_deref(), Some("{\"name\":\"x\"}"));
    let page = world.server.browser().get(&target).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.expect("html").contains("social-callback"));
}

#[tokio::test]
async fn direct_sign_in_is_carried_to_the_sign_in_page() {
    let world = world(Backend::Sqlite).await;
    let browser = world.server.browser();
    let response = browser.get(&world.server.auth_url(&world.app, &[("direct_sign_in", "social:discord")])).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = url::Url::parse(&world.server.url(&location(&response))).expect("url");
    assert_eq!(page.path(), "/sign-in");
    assert_eq!(query_param(&page, "app_id").as_deref(), Some(world.app.id.as_str()));
    assert_eq!(query_param(&page, "direct_sign_in").as_deref(), Some("social:discord"));
    let response = browser.get(&world.server.auth_url(&world.app, &[("direct_sign_in", "javascript:alert(1)")])).await;
    assert!(!location(&response).contains("direct_sign_in"), "malformed values are dropped");
}

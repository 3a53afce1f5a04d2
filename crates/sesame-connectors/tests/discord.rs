//! The Discord connector against `FakeDiscord`, which enforces the OAuth parameters, the
//! client credentials and one-time codes bound to the authorize step's redirect URI.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};
use sesame_connectors::testing::{follow_authorization, DiscordFailure, FakeDiscord};
use sesame_connectors::{
    social_connector, ConnectorError, ConnectorErrorCode, ConnectorOptions, SocialConnector,
    SocialUserInfo,
};
use url::Url;

const CLIENT_ID: &str = "1180000000000000000";
const CLIENT_SECRET: &str = "discord-client-secret-for-tests";
const REDIRECT_URI: &str = "http://localhost:3001/callback/discord-connector-id";

async fn fake() -> FakeDiscord {
    FakeDiscord::start(CLIENT_ID, CLIENT_SECRET)
        .await
        .expect("fake Discord starts")
}

fn connector_with(fake: &FakeDiscord, config: Value) -> Arc<dyn SocialConnector> {
    let options = ConnectorOptions::new()
        .expect("options")
        .with_discord_endpoints(fake.endpoints());
    social_connector("discord-universal", &config, &options).expect("valid config")
}

fn connector(fake: &FakeDiscord) -> Arc<dyn SocialConnector> {
    connector_with(
        fake,
        json!({"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET}),
    )
}

/// The browser's round trip: authorize at the fake, come back with `?code&state`, and post
/// the callback data the way Logto's experience app does (`{redirectUri, ...query}`).
async fn sign_in(connector: &dyn SocialConnector) -> Result<SocialUserInfo, ConnectorError> {
    let uri = connector
        .authorization_uri("st4te", REDIRECT_URI)
        .expect("authorization URI");
    let callback = follow_authorization(&uri).await.expect("redirected back");
    assert!(callback.as_str().starts_with(REDIRECT_URI), "{callback}");
    connector.user_info(&callback_data(&callback)).await
}

fn callback_data(callback: &Url) -> Value {
    let mut data: serde_json::Map<String, Value> = callback
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    assert_eq!(
        data.get("state"),
        Some(&json!("st4te")),
        "state passes through"
    );
    data.insert("redirectUri".into(), json!(REDIRECT_URI));
    Value::Object(data)
}

fn assert_code(
    result: Result<SocialUserInfo, ConnectorError>,
    code: ConnectorErrorCode,
    status: u16,
) -> ConnectorError {
    let err = result.expect_err("sign-in must fail");
    assert_eq!((err.code(), err.status()), (code, status), "{err}");
    assert!(!err.to_string().contains(CLIENT_SECRET), "{err}");
    err
}

#[tokio::test]
async fn full_exchange_maps_the_profile() {
    let fake = fake().await;
    let c = connector(&fake);
    let info = sign_in(c.as_ref()).await.expect("signed in");
    assert_eq!(info.id, "1234567890");
    assert_eq!(info.name.as_deref(), Some("Whumpus"));
    assert_eq!(
        info.avatar.as_deref(),
        Some("https://cdn.discordapp.com/avatars/1234567890/avatar_id")
    );
    assert_eq!(info.email.as_deref(), Some("whumpus@discord.com"));
    assert_eq!(
        info.raw_data.as_ref().and_then(|r| r.get("global_name")),
        Some(&json!("Whumpus the Great"))
    );

    let requests = fake.token_requests();
    assert_eq!(requests.len(), 1);
    let expected: BTreeMap<String, String> = [
        ("client_id", CLIENT_ID),
        ("client_secret", "******"),
        ("grant_type", "authorization_code"),
        ("code", requests[0]["code"].as_str()),
        ("redirect_uri", REDIRECT_URI),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(requests[0], expected);
}

#[tokio::test]
async fn the_authorization_uri_carries_logtos_parameters() {
    let fake = fake().await;
    let c = connector_with(
        &fake,
        json!({"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "scope": "identify email guilds"}),
    );
    let uri = Url::parse(&c.authorization_uri("s", REDIRECT_URI).expect("uri")).expect("url");
    assert_eq!(uri.path(), "/oauth2/authorize");
    let pairs: Vec<(String, String)> = uri
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let expected = [
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("response_type", "code"),
        ("scope", "identify email guilds"),
        ("state", "s"),
    ];
    assert_eq!(pairs, expected.map(|(k, v)| (k.to_owned(), v.to_owned())));
    assert!(uri.as_str().contains("scope=identify+email+guilds"));
}

#[tokio::test]
async fn an_unverified_email_is_dropped() {
    let fake = fake().await;
    fake.set_profile(json!({"id": "42", "username": "ann", "avatar": null, "email": "ann@example.com", "verified": false}));
    let info = sign_in(connector(&fake).as_ref()).await.expect("signed in");
    assert_eq!(
        (info.email, info.avatar, info.name.as_deref()),
        (None, None, Some("ann"))
    );
    assert_eq!(
        info.raw_data.and_then(|r| r.get("email").cloned()),
        Some(json!("ann@example.com"))
    );
}

#[tokio::test]
async fn without_the_email_scope_there_is_no_email() {
    let fake = fake().await;
    let c = connector_with(
        &fake,
        json!({"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "scope": "identify"}),
    );
    let info = sign_in(c.as_ref()).await.expect("signed in");
    assert_eq!((info.id.as_str(), info.email), ("1234567890", None));
}

#[tokio::test]
async fn a_denied_authorization_is_authorization_failed() {
    let fake = fake().await;
    fake.set_deny(true);
    let err = assert_code(
        sign_in(connector(&fake).as_ref()).await,
        ConnectorErrorCode::AuthorizationFailed,
        401,
    );
    assert_eq!(err.logto_code(), "connector.authorization_failed");
    assert_eq!(
        err.message(),
        "The user denied access to their Discord account."
    );
    assert!(
        fake.token_requests().is_empty(),
        "no token request after a denial"
    );
}

#[tokio::test]
async fn an_invalid_or_replayed_code_is_social_auth_code_invalid() {
    let fake = fake().await;
    let c = connector(&fake);
    let bogus = json!({"code": "not-a-code", "state": "s", "redirectUri": REDIRECT_URI});
    let err = assert_code(
        c.user_info(&bogus).await,
        ConnectorErrorCode::SocialAuthCodeInvalid,
        401,
    );
    assert!(err.message().contains("invalid_grant"), "{err}");

    let code = fake.issue_code(REDIRECT_URI, "identify email");
    let data = json!({"code": code, "redirectUri": REDIRECT_URI});
    c.user_info(&data).await.expect("first use");
    assert_code(
        c.user_info(&data).await,
        ConnectorErrorCode::SocialAuthCodeInvalid,
        401,
    );
}

#[tokio::test]
async fn a_redirect_uri_other_than_the_authorized_one_is_refused() {
    let fake = fake().await;
    let code = fake.issue_code(REDIRECT_URI, "identify email");
    let data = json!({"code": code, "redirectUri": "http://localhost:3001/callback/other"});
    assert_code(
        connector(&fake).user_info(&data).await,
        ConnectorErrorCode::SocialAuthCodeInvalid,
        401,
    );
}

#[tokio::test]
async fn a_wrong_client_secret_is_a_config_error() {
    let fake = fake().await;
    let c = connector_with(
        &fake,
        json!({"clientId": CLIENT_ID, "clientSecret": "wrong"}),
    );
    let err = assert_code(
        sign_in(c.as_ref()).await,
        ConnectorErrorCode::InvalidConfig,
        400,
    );
    assert!(err.message().contains("invalid_client"), "{err}");
}

#[tokio::test]
async fn callback_data_without_a_code_is_a_general_error() {
    let fake = fake().await;
    let err = assert_code(
        connector(&fake)
            .user_info(&json!({"redirectUri": REDIRECT_URI}))
            .await,
        ConnectorErrorCode::General,
        400,
    );
    assert_eq!(err.message(), "The social callback data has no `code`.");
}

#[tokio::test]
async fn rate_limits_and_outages_are_retryable_and_not_retried() {
    let fake = fake().await;
    let c = connector(&fake);

    fake.fail_token(Some(DiscordFailure::RateLimited {
        retry_after_secs: 2.5,
    }));
    let err = assert_code(sign_in(c.as_ref()).await, ConnectorErrorCode::General, 503);
    assert_eq!(
        err.message(),
        "Discord is rate limiting sign-in requests; try again in 3 seconds."
    );
    assert!(err.is_retryable());
    assert_eq!(fake.token_requests().len(), 1, "no retry loop");

    fake.fail_token(Some(DiscordFailure::ServerError));
    let err = assert_code(sign_in(c.as_ref()).await, ConnectorErrorCode::General, 502);
    assert_eq!(
        err.message(),
        "Discord is temporarily unavailable (HTTP 500); try again later."
    );

    fake.fail_token(None);
    fake.fail_profile(Some(DiscordFailure::BadGateway));
    let err = assert_code(sign_in(c.as_ref()).await, ConnectorErrorCode::General, 502);
    assert!(err.message().contains("HTTP 502"), "{err}");

    fake.fail_profile(Some(DiscordFailure::RateLimited {
        retry_after_secs: 0.2,
    }));
    let err = assert_code(sign_in(c.as_ref()).await, ConnectorErrorCode::General, 503);
    assert!(err.message().contains("try again in 1 second."), "{err}");
}

#[tokio::test]
async fn a_token_response_without_access_token_is_invalid_response() {
    let fake = fake().await;
    fake.fail_token(Some(DiscordFailure::NoAccessToken));
    let err = assert_code(
        sign_in(connector(&fake).as_ref()).await,
        ConnectorErrorCode::InvalidResponse,
        400,
    );
    assert_eq!(
        err.message(),
        "Discord's token response has no access_token."
    );
}

#[tokio::test]
async fn a_rejected_access_token_is_social_invalid_access_token() {
    let fake = fake().await;
    fake.fail_profile(Some(DiscordFailure::Unauthorized));
    assert_code(
        sign_in(connector(&fake).as_ref()).await,
        ConnectorErrorCode::SocialInvalidAccessToken,
        401,
    );
}

#[tokio::test]
async fn an_invalid_grant_from_the_token_endpoint_is_never_a_server_error() {
    let fake = fake().await;
    fake.fail_token(Some(DiscordFailure::InvalidGrant));
    assert_code(
        sign_in(connector(&fake).as_ref()).await,
        ConnectorErrorCode::SocialAuthCodeInvalid,
        401,
    );
}

#[tokio::test]
async fn the_fake_refuses_json_token_requests_and_unknown_bearers() {
    let fake = fake().await;
    let client = reqwest::Client::new();
    let token_url = fake.endpoints().token;
    let response = client
        .post(token_url)
        .json(&json!({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "grant_type": "authorization_code", "code": "x", "redirect_uri": REDIRECT_URI}))
        .send()
        .await
        .expect("response");
    assert_eq!(response.status().as_u16(), 400);
    let response = client
        .get(fake.endpoints().user_info)
        .bearer_auth("made-up")
        .send()
        .await
        .expect("response");
    assert_eq!(response.status().as_u16(), 401);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body, json!({"message": "401: Unauthorized", "code": 0}));
}

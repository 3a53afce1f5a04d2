//! Sign-in URL, callback and sign-out against the fake provider: the wire parameters Logto's
//! SDKs send, and every way a callback can be refused.

mod support;

use serde_json::json;
use sesame_client::{
    storage_keys, CallbackError, ClientAuthentication, Error, FirstScreen, InteractionMode, OAuthError, SesameConfig,
    SignInOptions, Storage, UserInfoScope,
};
use support::{query_param, query_params, FakeProvider, APP_ID, APP_SECRET, REDIRECT_URI};

#[tokio::test]
async fn sign_in_url_carries_the_logto_parameters() {
    let fake = FakeProvider::start().await;
    let config = fake
        .config()
        .scopes([UserInfoScope::Email, UserInfoScope::Organizations])
        .scopes(["read:orders"])
        .resource("https://api.example.com");
    let (client, storage) = fake.client(config);
    let url = client.sign_in(REDIRECT_URI).await.expect("url");
    assert!(url.starts_with(&format!("{}/oidc/auth?", fake.base)), "{url}");
    assert_eq!(query_param(&url, "client_id").as_deref(), Some(APP_ID));
    assert_eq!(query_param(&url, "redirect_uri").as_deref(), Some(REDIRECT_URI));
    assert_eq!(query_param(&url, "response_type").as_deref(), Some("code"));
    assert_eq!(
        query_param(&url, "scope").as_deref(),
        Some("email urn:logto:scope:organizations read:orders openid offline_access profile")
    );
    assert_eq!(query_params(&url, "resource"), ["https://api.example.com", "urn:logto:resource:organizations"]);
    assert_eq!(query_param(&url, "prompt").as_deref(), Some("consent"));
    assert_eq!(query_param(&url, "code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(query_param(&url, "code_challenge").map(|c| c.len()), Some(43));
    assert_eq!(query_param(&url, "state").map(|s| s.len()), Some(43));
    assert_eq!(query_param(&url, "interaction_mode"), None);
    assert_eq!(query_param(&url, "first_screen"), None);
    assert!(!url.contains("client_secret") && !url.contains(APP_SECRET), "the secret never goes to the browser");
    let session = storage.get(storage_keys::SIGN_IN_SESSION).await.expect("storage").expect("session stored");
    assert!(session.contains(REDIRECT_URI));
}

#[tokio::test]
async fn sign_in_options_add_interaction_mode_first_screen_and_login_hint() {
    let fake = FakeProvider::start().await;
    let (client, _) = fake.client(fake.config().prompt(sesame_client::Prompt::Login));
    let options = SignInOptions::new(REDIRECT_URI)
        .interaction_mode(InteractionMode::SignUp)
        .first_screen(FirstScreen::IdentifierRegister)
        .login_hint("alice@example.com");
    let url = client.sign_in(options).await.expect("url");
    assert_eq!(query_param(&url, "interaction_mode").as_deref(), Some("signUp"));
    assert_eq!(query_param(&url, "first_screen").as_deref(), Some("identifier:register"));
    assert_eq!(query_param(&url, "login_hint").as_deref(), Some("alice@example.com"));
    assert_eq!(query_param(&url, "prompt").as_deref(), Some("login"));
    assert!(query_params(&url, "resource").is_empty(), "no resources configured, none sent");
    let two = client.sign_in(REDIRECT_URI).await.expect("url");
    assert_ne!(query_param(&url, "state"), query_param(&two, "state"), "fresh state per sign-in");
}

#[tokio::test]
async fn callback_redeems_the_code_with_pkce_and_stores_verified_tokens() {
    let fake = FakeProvider::start().await;
    let (client, storage) = fake.client(fake.config());
    let url = client.sign_in(REDIRECT_URI).await.expect("url");
    let state = query_param(&url, "state").expect("state");
    let challenge = query_param(&url, "code_challenge").expect("challenge");
    fake.respond(200, json!({"access_token": "at-0", "expires_in": 3600, "token_type": "Bearer",
                             "refresh_token": "rt-1", "id_token": fake.id_token("u1")}));
    let callback = format!("{REDIRECT_URI}?code=code-1&state={state}&iss={}", fake.issuer());
    client.handle_sign_in_callback(&callback).await.expect("callback");

    let requests = fake.token_requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.names(), ["client_id", "client_secret", "code", "code_verifier", "grant_type", "redirect_uri"]);
    assert_eq!(request.param("grant_type"), Some("authorization_code"));
    assert_eq!(request.param("client_id"), Some(APP_ID));
    assert_eq!(request.param("client_secret"), Some(APP_SECRET));
    assert_eq!(request.param("redirect_uri"), Some(REDIRECT_URI));
    assert_eq!(request.param("code"), Some("code-1"));
    let verifier = request.param("code_verifier").expect("verifier");
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    use base64::Engine;
    assert_eq!(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest), challenge, "S256(verifier) = challenge");
    assert_eq!(request.authorization, None);

    assert!(client.is_authenticated().await.expect("storage"));
    let claims = client.id_token_claims().await.expect("claims");
    assert_eq!((claims.sub.as_str(), claims.aud.as_str(), claims.iss.clone()), ("u1", APP_ID, fake.issuer()));
    assert_eq!(claims.username.as_deref(), Some("alice"));
    assert_eq!(claims.sid.as_deref(), Some("sid-1"));
    assert!(claims.extra.contains_key("auth_time"));
    assert_eq!(client.refresh_token().await.expect("storage").as_deref(), Some("rt-1"));
    assert_eq!(client.access_token(None).await.expect("cached"), "at-0");
    assert_eq!(client.access_token(Some("")).await.expect("cached"), "at-0");
    assert_eq!(fake.token_requests().len(), 1, "the userinfo token came with the code exchange");
    assert_eq!(storage.get(storage_keys::SIGN_IN_SESSION).await.expect("storage"), None, "sign-in session consumed");
    let replay = client.handle_sign_in_callback(&callback).await.expect_err("no second redemption");
    assert!(matches!(replay, Error::Callback(CallbackError::NoSignInSession)), "{replay:?}");
}

#[tokio::test]
async fn basic_authentication_and_public_clients() {
    let fake = FakeProvider::start().await;
    // signed_in() clears the request log after the code exchange; check a refresh.
    let (client, _) = fake.signed_in(fake.config().client_authentication(ClientAuthentication::ClientSecretBasic)).await;
    fake.clock.advance_secs(3600);
    fake.respond(200, json!({"access_token": "at-1", "expires_in": 3600, "token_type": "Bearer"}));
    client.access_token(None).await.expect("refreshed");
    let request = &fake.token_requests()[0];
    use base64::Engine;
    let expected = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{APP_ID}:{APP_SECRET}")));
    assert_eq!(request.authorization.as_deref(), Some(expected.as_str()));
    assert_eq!(request.param("client_secret"), None, "one authentication mechanism only");
    assert_eq!(request.param("client_id"), Some(APP_ID));

    let (public, _) = fake.signed_in(SesameConfig::new(&fake.base, APP_ID)).await;
    fake.clock.advance_secs(3600);
    fake.respond(200, json!({"access_token": "at-2", "expires_in": 3600, "token_type": "Bearer"}));
    public.access_token(None).await.expect("refreshed");
    let request = &fake.token_requests()[0];
    assert_eq!((request.authorization.as_deref(), request.param("client_secret")), (None, None));
    assert_eq!(request.param("client_id"), Some(APP_ID));
}

#[tokio::test]
async fn refused_callbacks_never_reach_the_token_endpoint() {
    let fake = FakeProvider::start().await;
    let (client, _) = fake.client(fake.config());
    let before_sign_in = client.handle_sign_in_callback(&format!("{REDIRECT_URI}?code=c&state=s")).await.expect_err("no session");
    assert!(matches!(before_sign_in, Error::Callback(CallbackError::NoSignInSession)), "{before_sign_in:?}");

    let url = client.sign_in(REDIRECT_URI).await.expect("url");
    let state = query_param(&url, "state").expect("state");
    let cases: Vec<(String, CallbackError)> = vec![
        (
            format!("https://app.example.com/elsewhere?code=c&state={state}"),
            CallbackError::RedirectUriMismatch { expected: "/callback".into(), found: "/elsewhere".into() },
        ),
        (
            format!("{REDIRECT_URI}?error=access_denied&error_description=user+said+no&state={state}"),
            CallbackError::Authorization { error: "access_denied".into(), error_description: Some("user said no".into()) },
        ),
        (format!("{REDIRECT_URI}?code=c&state=forged"), CallbackError::StateMismatch),
        (format!("{REDIRECT_URI}?code=c"), CallbackError::StateMismatch),
        (
            format!("{REDIRECT_URI}?code=c&state={state}&iss=https://evil.example/oidc"),
            CallbackError::IssuerMismatch { expected: fake.issuer(), found: "https://evil.example/oidc".into() },
        ),
        (format!("{REDIRECT_URI}?state={state}"), CallbackError::MissingCode),
    ];
    for (callback, expected) in cases {
        match client.handle_sign_in_callback(&callback).await {
            Err(Error::Callback(error)) => assert_eq!(error, expected, "{callback}"),
            other => panic!("{callback}: {other:?}"),
        }
    }
    let not_a_url = client.handle_sign_in_callback("/callback?code=c").await.expect_err("relative");
    assert!(matches!(not_a_url, Error::InvalidUrl { .. }), "{not_a_url:?}");
    assert!(fake.token_requests().is_empty());
    assert!(!client.is_authenticated().await.expect("storage"));
}

#[tokio::test]
async fn token_endpoint_errors_are_typed_with_the_servers_error_and_description() {
    let fake = FakeProvider::start().await;
    let (client, _) = fake.client(fake.config());
    let url = client.sign_in(REDIRECT_URI).await.expect("url");
    let callback = format!("{REDIRECT_URI}?code=c&state={}", query_param(&url, "state").expect("state"));

    fake.respond(400, json!({"error": "invalid_grant", "error_description": "grant request is invalid", "code": "oidc.invalid_grant"}));
    let error = client.handle_sign_in_callback(&callback).await.expect_err("refused");
    match error {
        Error::OAuth(OAuthError { status, error, error_description }) => {
            assert_eq!((status, error.as_str(), error_description.as_deref()), (400, "invalid_grant", Some("grant request is invalid")));
        }
        other => panic!("{other:?}"),
    }

    fake.respond(401, json!({"error": "invalid_client"}));
    let error = client.handle_sign_in_callback(&callback).await.expect_err("refused");
    assert!(matches!(&error, Error::OAuth(OAuthError { status: 401, error, error_description: None }) if error == "invalid_client"), "{error:?}");

    fake.respond_raw(502, "<html>Bad gateway</html>");
    let error = client.handle_sign_in_callback(&callback).await.expect_err("refused");
    assert!(matches!(&error, Error::UnexpectedResponse { status: 502, body, .. } if body.contains("Bad gateway")), "{error:?}");

    fake.respond(200, json!({"token_type": "Bearer"}));
    let error = client.handle_sign_in_callback(&callback).await.expect_err("no access token");
    assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}");
    assert!(!client.is_authenticated().await.expect("storage"));
}

#[tokio::test]
async fn sign_out_forgets_the_tokens_and_points_at_the_end_session_endpoint() {
    let fake = FakeProvider::start().await;
    let (client, storage) = fake.signed_in(fake.config()).await;
    let url = client.sign_out(Some("https://app.example.com/")).await.expect("url");
    assert_eq!(
        url,
        format!("{}/oidc/session/end?client_id={APP_ID}&post_logout_redirect_uri=https%3A%2F%2Fapp.example.com%2F", fake.base)
    );
    assert!(!client.is_authenticated().await.expect("storage"));
    for key in [storage_keys::ID_TOKEN, storage_keys::REFRESH_TOKEN, storage_keys::ACCESS_TOKEN_MAP] {
        assert_eq!(storage.get(key).await.expect("storage"), None, "{key}");
    }
    assert!(matches!(client.id_token_claims().await, Err(Error::NotAuthenticated)));
    assert!(matches!(client.access_token(None).await, Err(Error::NoRefreshToken)));
    let bare = client.sign_out(None).await.expect("url");
    assert_eq!(bare, format!("{}/oidc/session/end?client_id={APP_ID}", fake.base));
}

#[tokio::test]
async fn discovery_failures_are_typed() {
    let fake = FakeProvider::start().await;
    let (client, _) = fake.client(SesameConfig::new(format!("{}/nowhere", fake.base), APP_ID));
    let error = client.sign_in(REDIRECT_URI).await.expect_err("no discovery there");
    assert!(matches!(error, Error::UnexpectedResponse { status: 404, .. }), "{error:?}");
    let (client, _) = fake.client(SesameConfig::new("http://127.0.0.1:9", APP_ID));
    let error = client.sign_in(REDIRECT_URI).await.expect_err("nothing listens");
    assert!(matches!(error, Error::Http { .. }), "{error:?}");
}

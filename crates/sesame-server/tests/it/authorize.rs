use reqwest::StatusCode;
use sesame_core::model::ApplicationType;
use url::Url;

use crate::support::{challenge, location, query_param, with_params, TestServer, VERIFIER};

/// An error we must not redirect: our own page, status 400, no Location.
async fn assert_error_page(response: reqwest::Response, expected: &str) {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    let body = response.text().await.expect("body");
    assert!(body.contains(expected), "{body}");
}

fn error_redirect(response: &reqwest::Response, app_redirect: &str) -> Url {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let url = Url::parse(&location(response)).expect("absolute");
    assert!(url.as_str().starts_with(app_redirect), "only to the registered URI: {url}");
    url
}

#[tokio::test]
async fn sign_in_starts_at_the_hosted_page_with_an_interaction_cookie() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    let browser = server.browser();
    let response = browser.get(&server.auth_url(&app, &[("login_hint", "alice")])).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), format!("/sign-in?app_id={}&login_hint=alice", app.id));
    let cookie = response.cookies().find(|c| c.name() == "_interaction").expect("interaction cookie");
    assert!(cookie.http_only());
    let page = browser.get("/sign-in").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-security-policy"].to_str().expect("csp").contains("script-src 'self'"));
    assert!(page.text().await.expect("html").contains("id=\"sign-in-form\""));
}

#[tokio::test]
async fn sign_up_mode_opens_the_register_page() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    for extra in [("interaction_mode", "signUp"), ("first_screen", "register")] {
        let response = server.browser().get(&server.auth_url(&app, &[extra])).await;
        assert_eq!(location(&response), format!("/register?app_id={}", app.id));
    }
    let page = server.browser().get("/register").await;
    assert!(page.text().await.expect("html").contains("id=\"register-form\""));
}

#[tokio::test]
async fn unknown_client_and_unregistered_redirects_are_never_redirected_to() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    let browser = server.browser();
    let unknown = with_params(Url::parse(&server.auth_url(&app, &[])).expect("url"), &[("client_id", "nope")]);
    assert_error_page(browser.get(&unknown).await, "invalid_client").await;
    for evil in ["https://evil.example/callback", "https://app.example.com/callback/", "https://app.example.com/callback?x=1", "HTTPS://app.example.com/callback"] {
        let url = with_params(Url::parse(&server.auth_url(&app, &[])).expect("url"), &[("redirect_uri", evil)]);
        assert_error_page(browser.get(&url).await, "invalid_request").await;
    }
    let missing = with_params(Url::parse(&server.auth_url(&app, &[])).expect("url"), &[("redirect_uri", "")]);
    assert_error_page(browser.get(&missing).await, "redirect_uri").await;
}

#[tokio::test]
async fn request_errors_go_back_to_the_verified_redirect_uri_with_state_and_iss() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    let browser = server.browser();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("response_type", "token")], "unsupported_response_type"),
        (&[("code_challenge_method", "plain")], "invalid_request"),
        (&[("prompt", "none login")], "invalid_request"),
        (&[("resource", "https://unknown.example/api")], "invalid_target"),
        (&[("resource", "not a uri")], "invalid_target"),
    ];
    for (extra, expected) in cases {
        let response = browser.get(&server.auth_url(&app, extra)).await;
        let url = error_redirect(&response, &app.redirect_uri);
        assert_eq!(query_param(&url, "error").as_deref(), Some(*expected), "{extra:?}");
        assert_eq!(query_param(&url, "state").as_deref(), Some("state-123"));
        assert_eq!(query_param(&url, "iss"), Some(server.issuer()));
        assert!(query_param(&url, "code").is_none());
    }
}

#[tokio::test]
async fn repeated_parameters_are_rejected() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    let url = format!("{}&state=again", server.auth_url(&app, &[]));
    let response = server.browser().get(&url).await;
    let url = error_redirect(&response, &app.redirect_uri);
    assert_eq!(query_param(&url, "error").as_deref(), Some("invalid_request"));
}

#[tokio::test]
async fn public_clients_must_use_pkce() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Spa).await;
    let response = server.browser().get(&server.auth_url(&app, &[("code_challenge", ""), ("code_challenge_method", "")])).await;
    let url = error_redirect(&response, &app.redirect_uri);
    assert_eq!(query_param(&url, "error").as_deref(), Some("invalid_request"));
    assert!(query_param(&url, "error_description").expect("description").contains("PKCE"));
}

#[tokio::test]
async fn machine_to_machine_apps_cannot_authorize() {
    let server = TestServer::start().await;
    let mut app = server.app(ApplicationType::MachineToMachine).await;
    app.redirect_uri = "https://app.example.com/callback".into();
    let response = server.browser().get(&server.auth_url(&app, &[])).await;
    let url = error_redirect(&response, &app.redirect_uri);
    assert_eq!(query_param(&url, "error").as_deref(), Some("unauthorized_client"));
}

#[tokio::test]
async fn prompt_none_without_a_session_is_login_required() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    let response = server.browser().get(&server.auth_url(&app, &[("prompt", "none")])).await;
    let url = error_redirect(&response, &app.redirect_uri);
    assert_eq!(query_param(&url, "error").as_deref(), Some("login_required"));
    assert_eq!(query_param(&url, "state").as_deref(), Some("state-123"));
}

#[tokio::test]
async fn sign_in_lands_on_the_redirect_uri_with_code_state_and_iss() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let browser = server.browser();
    let callback = server.sign_in(&browser, &app, "alice", &[]).await;
    assert!(callback.as_str().starts_with(&app.redirect_uri));
    assert_eq!(query_param(&callback, "state").as_deref(), Some("state-123"));
    assert_eq!(query_param(&callback, "iss"), Some(server.issuer()));
    assert_eq!(query_param(&callback, "code").expect("code").len(), 43);
}

#[tokio::test]
async fn a_second_app_signs_in_silently_with_the_session_single_sign_on() {
    let server = TestServer::start().await;
    let first = server.app(ApplicationType::Traditional).await;
    let second = server.app(ApplicationType::Spa).await;
    server.user("alice").await;
    let browser = server.browser();
    server.sign_in(&browser, &first, "alice", &[]).await;
    let response = browser.get(&server.auth_url(&second, &[])).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let callback = Url::parse(&location(&response)).expect("straight back to the app");
    assert!(callback.as_str().starts_with(&second.redirect_uri));
    let code = query_param(&callback, "code").expect("code without a password");
    let tokens = server.redeem(&second, &code, VERIFIER).await;
    assert_eq!(tokens.status(), StatusCode::OK);
    // prompt=none now works too, and prompt=login insists on a fresh sign-in.
    let none = browser.get(&server.auth_url(&second, &[("prompt", "none")])).await;
    assert!(query_param(&Url::parse(&location(&none)).expect("url"), "code").is_some());
    let login = browser.get(&server.auth_url(&second, &[("prompt", "login")])).await;
    assert!(location(&login).starts_with("/sign-in?"));
}

#[tokio::test]
async fn resuming_needs_the_browser_that_started_the_interaction() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let victim = server.browser();
    victim.get(&server.auth_url(&app, &[])).await;
    victim.experience_sign_in("alice", crate::support::PASSWORD).await;
    let redirect_to = victim.submit().await;
    let attacker = server.browser();
    let response = attacker.get(&redirect_to).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    assert_eq!(victim.get(&redirect_to).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn post_to_authorize_works_like_get() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Spa).await;
    let form = [
        ("client_id", app.id.as_str()),
        ("redirect_uri", app.redirect_uri.as_str()),
        ("response_type", "code"),
        ("scope", "openid"),
        ("code_challenge", &challenge(VERIFIER)),
        ("code_challenge_method", "S256"),
    ];
    let response = server.browser().client.post(server.url("/oidc/auth")).form(&form).send().await.expect("post");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).starts_with("/sign-in?app_id="));
}

use reqwest::StatusCode;
use sesame_core::model::ApplicationType;
use url::Url;

use crate::support::{location, TestServer};

fn end_session_url(server: &TestServer, params: &[(&str, &str)]) -> String {
    let mut url = Url::parse(&server.url("/oidc/session/end")).expect("url");
    url.query_pairs_mut().extend_pairs(params);
    url.into()
}

fn xsrf_from(page: &str) -> String {
    let start = page.find("name=\"xsrf\" value=\"").expect("xsrf field") + "name=\"xsrf\" value=\"".len();
    page[start..].split('"').next().expect("value").to_owned()
}

#[tokio::test]
async fn logout_by_client_id_confirms_ends_the_session_and_returns_to_the_app() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let browser = server.browser();
    server.sign_in(&browser, &app, "alice", &[]).await;
    let page = browser
        .get(&end_session_url(&server, &[("client_id", &app.id), ("post_logout_redirect_uri", &app.post_logout_uri), ("state", "s1")]))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(html.contains("id=\"op.logoutForm\""));
    let xsrf = xsrf_from(&html);
    let response = browser
        .client
        .post(server.url("/oidc/session/end/confirm"))
        .form(&[("xsrf", xsrf.as_str()), ("logout", "yes")])
        .send()
        .await
        .expect("confirm");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), format!("{}?state=s1", app.post_logout_uri));
    let again = browser.get(&server.auth_url(&app, &[])).await;
    assert!(location(&again).starts_with("/sign-in?"), "the session is gone: no silent sign-in");
}

#[tokio::test]
async fn logout_by_id_token_hint_alone_works() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let tokens = server.tokens(&app, "alice", &[]).await;
    server.clock.advance_secs(7200);
    let hint = tokens["id_token"].as_str().expect("id token");
    let response = server
        .browser()
        .get(&end_session_url(&server, &[("id_token_hint", hint), ("post_logout_redirect_uri", &app.post_logout_uri)]))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "no session in this browser: straight back");
    assert_eq!(location(&response), app.post_logout_uri);
    let forged = format!("{}x", &hint[..hint.len() - 1]);
    let response = server.browser().get(&end_session_url(&server, &[("id_token_hint", &forged)])).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unregistered_post_logout_uris_and_bad_xsrf_are_refused() {
    let server = TestServer::start().await;
    let app = server.app(ApplicationType::Traditional).await;
    server.user("alice").await;
    let browser = server.browser();
    server.sign_in(&browser, &app, "alice", &[]).await;
    for (params, expected) in [
        (vec![("client_id", app.id.as_str()), ("post_logout_redirect_uri", "https://evil.example/")], "post_logout_redirect_uri not registered"),
        (vec![("post_logout_redirect_uri", app.post_logout_uri.as_str())], "client_id"),
        (vec![("client_id", "nobody"), ("post_logout_redirect_uri", app.post_logout_uri.as_str())], "invalid_client"),
    ] {
        let response = browser.get(&end_session_url(&server, &params)).await;
        assert_eq!(response.status().as_u16() / 100, 4, "{params:?}");
        assert!(response.headers().get("location").is_none());
        assert!(response.text().await.expect("html").contains(expected));
    }
    browser.get(&end_session_url(&server, &[("client_id", &app.id)])).await;
    let response = browser.client.post(server.url("/oidc/session/end/confirm")).form(&[("xsrf", "forged")]).send().await.expect("post");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let still = browser.get(&server.auth_url(&app, &[])).await;
    assert!(Url::parse(&location(&still)).is_ok(), "session survives a forged confirmation");
}

#[tokio::test]
async fn logout_without_a_redirect_shows_the_signed_out_page() {
    let server = TestServer::start().await;
    let response = server.browser().get(&end_session_url(&server, &[])).await;
    assert_eq!(location(&response), "/oidc/session/end/success");
    let page = server.browser().get("/oidc/session/end/success").await;
    assert!(page.text().await.expect("html").contains("signed out"));
}

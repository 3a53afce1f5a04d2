//! The sample's routes driven over HTTP with one cookie-jar browser against a live Sesame:
//! home signed out → /sign-in → Sesame's hosted sign-in → /callback → home shows the claims →
//! /protected/userinfo → the token pages → /sign-out (through Sesame's confirmation) → signed
//! out again; and /sign-up opening the registration page.

use example_axum_sample::{app, SampleConfig};
use reqwest::StatusCode;
use sesame_core::clock::Clock as _;
use sesame_core::model::ApplicationType;
use sesame_core::provision::{self, NewApplication};
use sesame_testkit::{location, Browser, TestServer, PASSWORD};

struct Sample {
    base: String,
    server: TestServer,
}

impl Sample {
    /// Sesame with user alice, and the sample on its own port with an application registered
    /// for its base URL; `extra` sets further variables.
    async fn start(extra: &[(&str, &str)]) -> Self {
        let server = TestServer::start().await;
        server.user("alice").await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let new = NewApplication {
            name: "axum sample".into(),
            app_type: ApplicationType::Traditional,
            redirect_uris: vec![format!("{base}/callback")],
            post_logout_redirect_uris: vec![format!("{base}/")],
        };
        let (registered, secret) =
            provision::create_application(server.provider.store.as_ref(), new, server.clock.now_ms()).await.expect("app");
        let secret = secret.expect("secret");
        let variables: Vec<(&str, &str)> = [
            ("LOGTO_ENDPOINT", server.base.as_str()),
            ("LOGTO_APP_ID", registered.id.as_str()),
            ("LOGTO_APP_SECRET", secret.as_str()),
            ("APP_BASE_URL", base.as_str()),
        ]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
        let config = SampleConfig::from_lookup(|name| variables.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned()));
        let router = app(&config).expect("sample app");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { base, server }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn page(&self, browser: &Browser, path: &str) -> (StatusCode, String) {
        let response = browser.get(&self.url(path)).await;
        (response.status(), response.text().await.expect("body"))
    }
}

#[tokio::test]
async fn the_guide_flow_through_the_sample() {
    let sample = Sample::start(&[]).await;
    let browser = sample.server.browser();

    let (status, home) = sample.page(&browser, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.starts_with("Not authenticated"), "{home}");
    let protected = browser.get(&sample.url("/protected/userinfo")).await;
    assert_eq!((protected.status(), location(&protected)), (StatusCode::SEE_OTHER, "/sign-in".to_owned()));

    let sign_in = browser.get(&sample.url("/sign-in")).await;
    assert_eq!(sign_in.status(), StatusCode::SEE_OTHER);
    let authorization = location(&sign_in);
    assert!(authorization.starts_with(&format!("{}/oidc/auth?", sample.server.base)), "{authorization}");
    assert!(authorization.contains("scope=email+custom_data+openid+offline_access+profile"), "{authorization}");
    let callback = browser.sign_in_at(&authorization, "alice", PASSWORD).await;
    assert!(callback.as_str().starts_with(&sample.url("/callback?code=")), "{callback}");
    let back = browser.get(callback.as_str()).await;
    assert_eq!((back.status(), location(&back)), (StatusCode::SEE_OTHER, "/".to_owned()));

    let (status, home) = sample.page(&browser, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.starts_with("Authenticated <a href='/sign-out'>Sign out</a><h2>ID token claims</h2>"), "{home}");
    assert!(home.contains("&quot;username&quot;: &quot;alice&quot;"), "{home}");
    assert!(home.contains("&quot;email&quot;: &quot;alice@example.com&quot;"), "{home}");

    let (status, userinfo) = sample.page(&browser, "/protected/userinfo").await;
    assert_eq!(status, StatusCode::OK);
    assert!(userinfo.starts_with("<h2>User info</h2>"), "{userinfo}");
    assert!(userinfo.contains("&quot;custom_data&quot;: {}"), "custom_data comes from userinfo: {userinfo}");
    assert!(userinfo.contains("&quot;email_verified&quot;: true"), "{userinfo}");

    let (status, tokens) = sample.page(&browser, "/protected/access-tokens").await;
    assert_eq!(status, StatusCode::OK);
    assert!(tokens.contains("No API resources configured"), "{tokens}");
    let (status, organizations) = sample.page(&browser, "/protected/organizations").await;
    assert_eq!(status, StatusCode::OK);
    assert!(organizations.contains("No organizations"), "{organizations}");
    let (status, organization) = sample.page(&browser, "/protected/organizations/o1").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "the organizations scope is not configured");
    assert!(organization.contains("urn:logto:scope:organizations"), "{organization}");

    let sign_out = browser.get(&sample.url("/sign-out")).await;
    assert_eq!(sign_out.status(), StatusCode::SEE_OTHER);
    let end_session = location(&sign_out);
    assert!(end_session.starts_with(&format!("{}/oidc/session/end?client_id=", sample.server.base)), "{end_session}");
    let confirm_page = browser.get(&end_session).await.text().await.expect("html");
    let marker = "name=\"xsrf\" value=\"";
    let start = confirm_page.find(marker).expect("xsrf field") + marker.len();
    let xsrf = confirm_page[start..].split('"').next().expect("value");
    let confirmed = browser
        .client
        .post(sample.server.url("/oidc/session/end/confirm"))
        .form(&[("xsrf", xsrf), ("logout", "yes")])
        .send()
        .await
        .expect("confirm");
    assert_eq!(location(&confirmed), sample.url("/"));
    let (_, home) = sample.page(&browser, "/").await;
    assert!(home.starts_with("Not authenticated"), "{home}");
    let again = browser.get(&sample.url("/sign-in")).await;
    let page = browser.get(&location(&again)).await;
    assert!(location(&page).starts_with("/sign-in?"), "the Sesame session ended too: no silent sign-in");
}

#[tokio::test]
async fn sign_up_opens_sesames_registration_page() {
    let sample = Sample::start(&[]).await;
    let browser = sample.server.browser();
    let sign_up = browser.get(&sample.url("/sign-up")).await;
    assert_eq!(sign_up.status(), StatusCode::SEE_OTHER);
    let authorization = location(&sign_up);
    assert!(authorization.contains("interaction_mode=signUp"), "{authorization}");
    let page = browser.get(&authorization).await;
    assert!(location(&page).starts_with("/register?"), "{}", location(&page));
}

#[tokio::test]
async fn configured_scopes_and_resources_reach_the_authorization_request() {
    let sample = Sample::start(&[("LOGTO_SCOPES", "email,organizations"), ("LOGTO_RESOURCES", "https://api.example.com")]).await;
    let browser = sample.server.browser();
    let authorization = location(&browser.get(&sample.url("/sign-in")).await);
    assert!(authorization.contains("scope=email+urn%3Alogto%3Ascope%3Aorganizations+openid"), "{authorization}");
    assert!(authorization.contains("resource=https%3A%2F%2Fapi.example.com&resource=urn%3Alogto%3Aresource%3Aorganizations"), "{authorization}");
}

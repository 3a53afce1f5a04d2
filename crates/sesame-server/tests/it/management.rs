use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use sesame_core::model::{ApplicationType, RoleType};

use crate::support::{backends, TestServer};

/// A Management API client: a bearer token and the server's base URL.
pub struct Api {
    base: String,
    token: String,
}

impl Api {
    pub async fn new(server: &TestServer) -> Self {
        let app = server.management_app().await;
        Self { base: server.base.clone(), token: server.management_token(&app).await }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
        let request = Client::new().request(method, format!("{}/api{path}", self.base)).bearer_auth(&self.token);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        request.send().await.expect("management call")
    }

    pub async fn json(&self, method: Method, path: &str, body: Option<Value>, expected: StatusCode) -> Value {
        let response = self.call(method, path, body).await;
        assert_eq!(response.status(), expected, "{path}");
        response.json().await.expect("json")
    }
}

/// Every route is served: called with `probe` for each path parameter and no body, it never
/// answers the catch-all's bare 404, nor 405, nor 500.
pub async fn assert_routes_are_served(api: &Api, routes: impl IntoIterator<Item = &'static (&'static str, &'static str)>) {
    for (method, path) in routes {
        let concrete: String = path
            .trim_start_matches("/api")
            .split('/')
            .map(|segment| if segment.starts_with('{') { "probe" } else { segment })
            .collect::<Vec<_>>()
            .join("/");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let response = api.call(method.clone(), &concrete, None).await;
        let status = response.status();
        let body = response.bytes().await.expect("body");
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(status.as_u16() < 500, "{method} {path}: {status}");
        assert!(!(status == StatusCode::NOT_FOUND && body.is_empty()), "{method} {path} is not routed");
    }
}

pub async fn error_code(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.expect("JSON error");
    assert!(body["message"].is_string());
    (status, body["code"].as_str().expect("code").to_owned())
}

#[tokio::test]
async fn the_management_api_needs_a_token_with_the_all_scope() {
    let server = TestServer::start().await;
    let url = server.url("/api/applications");
    let anonymous = Client::new().get(&url).send().await.expect("get");
    assert_eq!(error_code(anonymous).await, (StatusCode::UNAUTHORIZED, "auth.unauthorized".into()));
    let garbage = Client::new().get(&url).bearer_auth("a.b.c").send().await.expect("get");
    assert_eq!(error_code(garbage).await.0, StatusCode::UNAUTHORIZED);

    let app = server.management_app().await;
    let response = server
        .token(&[("grant_type", "client_credentials"), ("client_id", &app.id), ("client_secret", app.secret.as_deref().expect("s")),
            ("resource", &server.provider.management_api)])
        .await;
    let without_all = response.json::<Value>().await.expect("json")["access_token"].as_str().expect("token").to_owned();
    let forbidden = Client::new().get(&url).bearer_auth(&without_all).send().await.expect("get");
    assert_eq!(error_code(forbidden).await, (StatusCode::FORBIDDEN, "auth.forbidden".into()));

    let (_, scopes) = server.resource("https://other.example/api", &["all"]).await;
    let role = server.role("other", RoleType::MachineToMachine, &scopes).await;
    server.provider.store.add_application_roles(&app.id, &[role]).await.expect("assign");
    let response = server
        .token(&[("grant_type", "client_credentials"), ("client_id", &app.id), ("client_secret", app.secret.as_deref().expect("s")),
            ("resource", "https://other.example/api"), ("scope", "all")])
        .await;
    let other_audience = response.json::<Value>().await.expect("json")["access_token"].as_str().expect("token").to_owned();
    let wrong_audience = Client::new().get(&url).bearer_auth(&other_audience).send().await.expect("get");
    assert_eq!(error_code(wrong_audience).await.0, StatusCode::UNAUTHORIZED);

    let token = server.management_token(&app).await;
    let ok = Client::new().get(&url).bearer_auth(&token).send().await.expect("get");
    assert_eq!(ok.status(), StatusCode::OK);
    server.clock.advance_secs(3601);
    let expired = Client::new().get(&url).bearer_auth(&token).send().await.expect("get");
    assert_eq!(error_code(expired).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn applications_and_users_crud_through_an_m2m_token_on_both_backends() {
    for backend in backends("applications_and_users_crud_through_an_m2m_token_on_both_backends") {
        let server = TestServer::start_on(backend, |options| options).await;
        let api = Api::new(&server).await;
        applications_crud_and_secrets(&api).await;
        users_crud(&api).await;
    }
}

async fn applications_crud_and_secrets(api: &Api) {
    let created = api
        .json(Method::POST, "/applications", Some(json!({"name": "Web", "type": "Traditional",
            "oidcClientMetadata": {"redirectUris": ["https://web.example/cb"], "postLogoutRedirectUris": []}})), StatusCode::OK)
        .await;
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(id.len(), 21);
    assert_eq!(created["type"], "Traditional");
    assert_eq!(created["oidcClientMetadata"]["redirectUris"], json!(["https://web.example/cb"]));
    assert!(created["createdAt"].as_i64().expect("ms") > 1_000_000_000_000);

    let secrets = api.json(Method::GET, &format!("/applications/{id}/secrets"), None, StatusCode::OK).await;
    assert_eq!(secrets.as_array().expect("list").len(), 1, "confidential apps get a default secret");
    let extra = api.json(Method::POST, &format!("/applications/{id}/secrets"), Some(json!({"name": "ci"})), StatusCode::CREATED).await;
    assert_eq!(extra["value"].as_str().expect("value").len(), 32);

    let patched = api
        .json(Method::PATCH, &format!("/applications/{id}"), Some(json!({"name": "Web 2", "description": "ours"})), StatusCode::OK)
        .await;
    assert_eq!((patched["name"].as_str(), patched["description"].as_str()), (Some("Web 2"), Some("ours")));
    let evil = api.call(Method::PATCH, &format!("/applications/{id}"),
        Some(json!({"oidcClientMetadata": {"redirectUris": ["javascript:alert(1)"], "postLogoutRedirectUris": []}}))).await;
    assert_eq!(error_code(evil).await, (StatusCode::BAD_REQUEST, "guard.invalid_input".into()));

    assert_eq!(api.call(Method::DELETE, &format!("/applications/{id}/secrets/ci"), None).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(api.call(Method::DELETE, &format!("/applications/{id}"), None).await.status(), StatusCode::NO_CONTENT);
    let gone = api.call(Method::GET, &format!("/applications/{id}"), None).await;
    assert_eq!(error_code(gone).await, (StatusCode::NOT_FOUND, "entity.not_found".into()));
}

async fn users_crud(api: &Api) {
    let created = api.json(Method::POST, "/users", Some(json!({"username": "walrus", "primaryEmail": "walrus@example.com", "password": "Oysters-And-Tea-9"})), StatusCode::OK).await;
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(id.len(), 12);
    assert!(created.get("passwordEncrypted").is_none(), "never the hash");
    let patched = api.json(Method::PATCH, &format!("/users/{id}"), Some(json!({"name": "The Walrus"})), StatusCode::OK).await;
    assert_eq!(patched["name"], "The Walrus");
    let found = api.json(Method::GET, "/users?search=walrus", None, StatusCode::OK).await;
    assert_eq!(found.as_array().expect("list").len(), 1);
    assert_eq!(api.call(Method::DELETE, &format!("/users/{id}"), None).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(error_code(api.call(Method::GET, &format!("/users/{id}"), None).await).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn listings_paginate_with_total_number_and_link_headers() {
    let server = TestServer::start().await;
    let api = Api::new(&server).await;
    for _ in 0..4 {
        server.app(ApplicationType::Spa).await;
    }
    let response = api.call(Method::GET, "/applications?types=SPA&page=2&page_size=3", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["total-number"], "4");
    let link = response.headers()["link"].to_str().expect("link").to_owned();
    assert!(link.contains("rel=\"first\"") && link.contains("rel=\"prev\"") && link.contains("rel=\"last\""), "{link}");
    assert!(!link.contains("rel=\"next\""));
    assert!(link.contains("types=SPA"));
    let page: Value = response.json().await.expect("json");
    assert_eq!(page.as_array().expect("list").len(), 1);
    for bad in ["page=0", "page_size=101", "page=x"] {
        let response = api.call(Method::GET, &format!("/applications?{bad}"), None).await;
        assert_eq!(error_code(response).await, (StatusCode::BAD_REQUEST, "guard.invalid_pagination".into()), "{bad}");
    }
}

#[tokio::test]
async fn malformed_bodies_are_400_never_500() {
    let server = TestServer::start().await;
    let api = Api::new(&server).await;
    for body in [json!({}), json!({"name": "x", "type": "Robot"}), json!([1]), json!({"name": "", "type": "SPA"}), json!({"name": "x", "type": "SPA", "extra": 1})] {
        let response = api.call(Method::POST, "/applications", Some(body.clone())).await;
        assert_eq!(error_code(response).await, (StatusCode::BAD_REQUEST, "guard.invalid_input".into()), "{body}");
    }
    let raw = Client::new()
        .post(server.url("/api/applications"))
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("post");
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
}

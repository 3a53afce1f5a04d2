//! HTTP tests of every endpoint, driven like a browser and an SDK drive them.

mod authorize;
mod codes;
mod discovery;
mod experience;
mod logout;
mod management;
mod organizations;
mod organizations_api;
mod management_api;
mod rbac;
mod scale_out;
mod social;
mod support;
mod token;
mod userinfo;

/// A resource token by refresh (shared by the RBAC and organization suites).
pub async fn rbac_refresh(server: &support::TestServer, app: &support::TestApp, refresh_token: &str, resource: &str) -> serde_json::Value {
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", app.id.as_str()), ("resource", resource)];
    if let Some(secret) = &app.secret {
        form.push(("client_secret", secret));
    }
    let response = server.token(&form).await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    response.json().await.expect("json")
}

//! Client-based CORS for the endpoints browser apps call directly (token, userinfo, JWKS): an
//! origin is allowed when it is the origin of one of the client's redirect URIs.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sesame_core::provider::Provider;

pub fn origin(headers: &HeaderMap) -> Option<String> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Whether `origin` may read responses meant for `client_id`.
pub async fn client_allows(provider: &Provider, client_id: &str, origin: &str) -> bool {
    let Ok(Some(app)) = provider.store.find_application(client_id).await else {
        return false;
    };
    app.oidc_client_metadata
        .redirect_uris
        .iter()
        .filter_map(|uri| url::Url::parse(uri).ok())
        .any(|uri| uri.origin().ascii_serialization() == origin)
}

pub fn allow(mut response: Response, origin: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(origin) {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

/// Preflights carry no client identity; the real response decides.
pub async fn preflight(headers: HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Some(origin) = origin(&headers) {
        response = allow(response, &origin);
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    }
    response
}

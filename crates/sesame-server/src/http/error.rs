//! The one place where core errors become HTTP responses.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;
use sesame_core::error::{ApiError, OidcError};

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An OAuth error as RFC 6749 JSON, plus Logto's `code`/`message`.
pub struct OAuthJsonError(pub OidcError);

impl IntoResponse for OAuthJsonError {
    fn into_response(self) -> Response {
        let OidcError { error, description, status: code } = self.0;
        let body = json!({
            "code": format!("oidc.{error}"),
            "message": description,
            "error": error,
            "error_description": description,
        });
        let mut response = (status(code), axum::Json(body)).into_response();
        let challenge = match error {
            "invalid_client" => Some("Basic realm=\"sesame\"".to_owned()),
            "invalid_token" | "insufficient_scope" => {
                Some(format!("Bearer realm=\"sesame\", error=\"{error}\", error_description=\"{}\"", description.replace('"', "'")))
            }
            _ => None,
        };
        if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

impl From<OidcError> for OAuthJsonError {
    fn from(err: OidcError) -> Self {
        Self(err)
    }
}

/// An OAuth error we must not redirect: rendered on our own page.
pub struct OAuthPageError(pub OidcError);

impl From<OidcError> for OAuthPageError {
    fn from(err: OidcError) -> Self {
        Self(err)
    }
}

impl IntoResponse for OAuthPageError {
    fn into_response(self) -> Response {
        let page = super::pages::ErrorPage { error: self.0.error, description: &self.0.description };
        // A page answers a browser, not a client: no 401 challenge, just "bad request".
        let code = if self.0.status >= 500 { self.0.status } else { 400 };
        (status(code), super::pages::render(&page)).into_response()
    }
}

/// A Logto API error: `{code, message, data?}`.
pub struct ApiErrorResponse(pub ApiError);

impl From<ApiError> for ApiErrorResponse {
    fn from(err: ApiError) -> Self {
        Self(err)
    }
}

impl IntoResponse for ApiErrorResponse {
    fn into_response(self) -> Response {
        let ApiError { status: code, code: error_code, message, data } = self.0;
        let mut body = json!({ "code": error_code, "message": message });
        if let Some(data) = data {
            body["data"] = data;
        }
        (status(code), axum::Json(body)).into_response()
    }
}

/// Turns a rendering failure into a plain 500 page without details.
pub fn internal_page() -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, Html("Internal server error.")).into_response()
}

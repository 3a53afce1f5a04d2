//! Hosted pages (sign-in, register, logout, errors) and their static assets, all embedded in
//! the binary. Pages are sent with a strict CSP: no inline script or style anywhere.

use askama::Template;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::body::Bytes;
use axum::extract::{Path, State};

use super::error::ApiErrorResponse;
use crate::AppState;

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: https:; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'";

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub error: &'a str,
    pub description: &'a str,
}

#[derive(Template)]
#[template(path = "logout.html")]
pub struct LogoutPage<'a> {
    pub xsrf: &'a str,
}

#[derive(Template)]
#[template(path = "signed_out.html")]
pub struct SignedOutPage;

/// An HTML response with the security headers every page carries.
pub fn html(body: String) -> Response {
    let headers: [(HeaderName, HeaderValue); 6] = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY)),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    (headers, body).into_response()
}

pub fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => html(body),
        Err(err) => {
            tracing::error!(error = %err, "page rendering failed");
            super::error::internal_page()
        }
    }
}

pub async fn sign_in() -> Response {
    html(include_str!("../../assets/sign-in.html").to_owned())
}

pub async fn register() -> Response {
    html(include_str!("../../assets/register.html").to_owned())
}

pub async fn forgot_password() -> Response {
    html(include_str!("../../assets/forgot-password.html").to_owned())
}

pub async fn social_callback() -> Response {
    html(include_str!("../../assets/social-callback.html").to_owned())
}

/// `POST /callback/:connectorId`: providers answering with `response_mode=form_post` post the
/// callback parameters; the page reads them from its query, so the browser is sent there (303)
/// with the same parameters as a query string.
pub async fn social_callback_form_post(Path(connector_id): Path<String>, body: Bytes) -> Response {
    match HeaderValue::from_str(&callback_location(&connector_id, &body)) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => not_found().await,
    }
}

/// `/callback/<connectorId>?<the posted form, re-encoded>`.
fn callback_location(connector_id: &str, form: &[u8]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in url::form_urlencoded::parse(form) {
        query.append_pair(&key, &value);
    }
    // Percent-encoded as one path segment (the serializer writes a space as `+`).
    let segment = url::form_urlencoded::byte_serialize(connector_id.as_bytes()).collect::<String>().replace('+', "%20");
    format!("/callback/{segment}?{}", query.finish())
}

pub async fn signed_out() -> Response {
    render(&SignedOutPage)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

pub async fn experience_js() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("../../assets/experience.js"))
}

pub async fn logout_js() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("../../assets/logout.js"))
}

pub async fn style_css() -> Response {
    asset("text/css; charset=utf-8", include_str!("../../assets/style.css"))
}

/// The public sign-in experience settings the hosted pages read (Logto's shape).
pub async fn sign_in_experience(State(state): State<AppState>) -> Result<Response, ApiErrorResponse> {
    Ok(axum::Json(sesame_core::sign_in_experience::public_view(&state.provider).await?).into_response())
}

pub async fn not_found() -> Response {
    let page = ErrorPage { error: "not_found", description: "There is nothing at this address." };
    (StatusCode::NOT_FOUND, render(&page)).into_response()
}

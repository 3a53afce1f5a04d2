//! The router: every route Sesame serves, in one table.

mod cookies;
mod cors;
mod error;
mod experience;
mod extract;
mod management;
mod oidc;
mod pages;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::StatusCode;
use axum::routing::{any, get, post, put};
use axum::Router;
use tower_http::trace::TraceLayer;

use crate::AppState;

const BODY_LIMIT: usize = 64 * 1024;

pub fn router(state: AppState) -> Router {
    let oidc = Router::new()
        .route("/.well-known/openid-configuration", get(oidc::get_discovery))
        .route("/jwks", get(oidc::get_jwks).options(cors::preflight))
        .route("/auth", get(oidc::authorize).post(oidc::authorize))
        .route("/auth/{uid}", get(oidc::resume))
        .route("/token", post(oidc::post_token).options(cors::preflight))
        .route("/token/introspection", post(oidc::post_introspection))
        .route("/token/revocation", post(oidc::post_revocation))
        .route("/me", get(oidc::userinfo).post(oidc::userinfo).options(cors::preflight))
        .route("/session/end", get(oidc::end_session).post(oidc::end_session))
        .route("/session/end/confirm", post(oidc::confirm_end_session))
        .route("/session/end/success", get(pages::signed_out))
        .fallback(oidc::unknown_route);
    let experience_api = Router::new()
        .route("/", put(experience::put_experience))
        .route("/interaction-event", put(experience::put_interaction_event))
        .route("/verification/password", post(experience::post_password))
        .route("/verification/new-password-identity", post(experience::post_new_password_identity))
        .route("/verification/verification-code", post(experience::post_verification_code))
        .route("/verification/verification-code/verify", post(experience::post_verify_code))
        .route("/verification/social/{connector_id}/authorization-uri", post(experience::post_social_authorization_uri))
        .route("/verification/social/{connector_id}/verify", post(experience::post_social_verify))
        .route("/profile", post(experience::post_profile))
        .route("/profile/password", put(experience::put_profile_password))
        .route("/identification", post(experience::post_identification))
        .route("/submit", post(experience::post_submit));
    Router::new()
        .nest("/oidc", oidc)
        .nest("/api/experience", experience_api)
        .nest("/api", management::router())
        .route("/api/status", get(|| async { StatusCode::NO_CONTENT }))
        .route("/api/.well-known/sign-in-exp", get(pages::sign_in_experience))
        .route("/forgot-password", get(pages::forgot_password))
        .route("/callback/{connector_id}", get(pages::social_callback).post(pages::social_callback_form_post))
        .route("/sign-in", get(pages::sign_in))
        .route("/register", get(pages::register))
        .route("/assets/experience.js", get(pages::experience_js))
        .route("/assets/logout.js", get(pages::logout_js))
        .route("/assets/style.css", get(pages::style_css))
        .route("/api/{*rest}", any(|| async { StatusCode::NOT_FOUND }))
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// Spans name the route, never the raw URI: paths and queries can carry codes and ids.
fn request_span(request: &Request) -> tracing::Span {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
    tracing::info_span!("request", method = %request.method(), route)
}

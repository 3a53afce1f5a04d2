//! Thin handlers for the `/oidc` endpoints.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use axum_extra::extract::cookie::SignedCookieJar;
use sesame_core::error::OidcError;
use sesame_core::oidc::authorize::{self, AuthorizeOutcome};
use sesame_core::oidc::end_session::{self, EndSessionOutcome};
use sesame_core::oidc::params::Params;
use sesame_core::oidc::{discovery, introspection, token, userinfo};

use super::cookies;
use super::cors;
use super::error::{OAuthJsonError, OAuthPageError};
use super::extract::{bearer_token, client_credentials, OAuthParams};
use super::pages::{self, LogoutPage};
use crate::AppState;

pub async fn get_discovery(State(state): State<AppState>) -> Response {
    Json(discovery::openid_configuration(&state.provider)).into_response()
}

pub async fn get_jwks(State(state): State<AppState>) -> Response {
    let mut response = Json(discovery::jwks(&state.provider)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, max-age=0, must-revalidate"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

/// `GET|POST /oidc/auth`.
pub async fn authorize(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    params: Result<OAuthParams, OAuthJsonError>,
) -> Result<Response, OAuthPageError> {
    let OAuthParams(params) = params.map_err(|OAuthJsonError(err)| err)?;
    let session = cookies::read(&jar, cookies::SESSION);
    let outcome = authorize::authorize(&state.provider, &params, session.as_deref()).await?;
    Ok(respond_to_authorization(&state, jar, outcome))
}

/// `GET /oidc/auth/:uid`, where the hosted pages send the browser after a submit.
pub async fn resume(State(state): State<AppState>, jar: SignedCookieJar, Path(uid): Path<String>) -> Result<Response, OAuthPageError> {
    let interaction = cookies::read(&jar, cookies::INTERACTION);
    let session = cookies::read(&jar, cookies::SESSION);
    let outcome = authorize::resume(&state.provider, &uid, interaction.as_deref(), session.as_deref()).await?;
    Ok(respond_to_authorization(&state, jar, outcome))
}

fn respond_to_authorization(state: &AppState, jar: SignedCookieJar, outcome: AuthorizeOutcome) -> Response {
    let lifetimes = &state.provider.lifetimes;
    match outcome {
        AuthorizeOutcome::SignIn { uid, location } => {
            let jar = cookies::set(jar, cookies::INTERACTION, uid, lifetimes.interaction, state.secure_cookies);
            (jar, Redirect::to(&location)).into_response()
        }
        AuthorizeOutcome::Redirect { location, session } => {
            let jar = cookies::clear(jar, cookies::INTERACTION);
            let jar = match session {
                Some(value) => cookies::set(jar, cookies::SESSION, value, lifetimes.session, state.secure_cookies),
                None => jar,
            };
            (jar, Redirect::to(&location)).into_response()
        }
    }
}

/// `POST /oidc/token`.
pub async fn post_token(State(state): State<AppState>, headers: HeaderMap, OAuthParams(params): OAuthParams) -> Response {
    let result = match client_credentials(&headers, &params) {
        Ok(credentials) => token::exchange(&state.provider, &params, &credentials).await,
        Err(err) => Err(err),
    };
    let mut response = match result {
        Ok(body) => Json(body).into_response(),
        Err(err) => OAuthJsonError(err).into_response(),
    };
    let headers_out = response.headers_mut();
    headers_out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers_out.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    match (cors::origin(&headers), token_client_id(&headers, &params)) {
        (Some(origin), Some(client_id)) if cors::client_allows(&state.provider, &client_id, &origin).await => {
            cors::allow(response, &origin)
        }
        _ => response,
    }
}

/// `POST /oidc/token/introspection`.
pub async fn post_introspection(State(state): State<AppState>, headers: HeaderMap, OAuthParams(params): OAuthParams) -> Response {
    let result = match client_credentials(&headers, &params) {
        Ok(credentials) => introspection::introspect(&state.provider, &params, &credentials).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(body) => Json(body).into_response(),
        Err(err) => OAuthJsonError(err).into_response(),
    }
}

/// `POST /oidc/token/revocation`.
pub async fn post_revocation(State(state): State<AppState>, headers: HeaderMap, OAuthParams(params): OAuthParams) -> Response {
    let result = match client_credentials(&headers, &params) {
        Ok(credentials) => introspection::revoke(&state.provider, &params, &credentials).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(()) => StatusCode::OK.into_response(),
        Err(err) => OAuthJsonError(err).into_response(),
    }
}

fn token_client_id(headers: &HeaderMap, params: &Params) -> Option<String> {
    let credentials = client_credentials(headers, params).ok()?;
    credentials.basic.map(|(id, _)| id).or(credentials.body_client_id)
}

/// `GET|POST /oidc/me`.
pub async fn userinfo(State(state): State<AppState>, headers: HeaderMap, OAuthParams(params): OAuthParams) -> Response {
    let token = bearer_token(&headers).or_else(|| params.get("access_token").ok().flatten().map(str::to_owned));
    match userinfo::userinfo(&state.provider, token.as_deref()).await {
        Ok((claims, client_id)) => {
            let response = Json(claims).into_response();
            match cors::origin(&headers) {
                Some(origin) if cors::client_allows(&state.provider, &client_id, &origin).await => cors::allow(response, &origin),
                _ => response,
            }
        }
        Err(err) => OAuthJsonError(err).into_response(),
    }
}

/// `GET|POST /oidc/session/end`.
pub async fn end_session(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    params: Result<OAuthParams, OAuthJsonError>,
) -> Result<Response, OAuthPageError> {
    let OAuthParams(params) = params.map_err(|OAuthJsonError(err)| err)?;
    let session = cookies::read(&jar, cookies::SESSION);
    Ok(match end_session::end_session(&state.provider, &params, session.as_deref()).await? {
        EndSessionOutcome::Confirm { xsrf } => pages::render(&LogoutPage { xsrf: &xsrf }),
        EndSessionOutcome::Redirect(location) => Redirect::to(&location).into_response(),
    })
}

/// `POST /oidc/session/end/confirm`.
pub async fn confirm_end_session(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    params: Result<OAuthParams, OAuthJsonError>,
) -> Result<Response, OAuthPageError> {
    let OAuthParams(params) = params.map_err(|OAuthJsonError(err)| err)?;
    let session = cookies::read(&jar, cookies::SESSION);
    let location = end_session::confirm(&state.provider, &params, session.as_deref()).await?;
    let jar = cookies::clear(jar, cookies::SESSION);
    Ok((jar, Redirect::to(&location)).into_response())
}

pub async fn unknown_route() -> Response {
    let mut response = OAuthJsonError(OidcError::invalid_request("unrecognized route or not allowed method")).into_response();
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

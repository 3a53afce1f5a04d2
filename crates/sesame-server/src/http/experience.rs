//! Thin handlers for `/api/experience`, bound to the interaction by the `_interaction` cookie.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::cookie::SignedCookieJar;
use serde::Deserialize;
use serde_json::json;
use sesame_core::experience::{self, Identified, Identifier, InteractionEvent, ProfileInput, Submitted};

use super::cookies;
use super::error::ApiErrorResponse;
use super::extract::{ApiJson, SameSiteRequest};
use crate::AppState;

type ApiResult = Result<Response, ApiErrorResponse>;

fn uid(jar: &SignedCookieJar) -> Option<String> {
    cookies::read(jar, cookies::INTERACTION)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventBody {
    interaction_event: InteractionEvent,
}

#[derive(Deserialize)]
pub struct PasswordBody {
    identifier: Identifier,
    password: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentificationBody {
    verification_id: Option<String>,
    #[serde(default)]
    link_social_identity: bool,
}

fn verification(id: String) -> Response {
    Json(json!({ "verificationId": id })).into_response()
}

pub async fn put_experience(State(state): State<AppState>, _: SameSiteRequest, jar: SignedCookieJar, ApiJson(body): ApiJson<EventBody>) -> ApiResult {
    experience::start(&state.provider, uid(&jar).as_deref(), body.interaction_event).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn put_interaction_event(
    State(state): State<AppState>,
    _: SameSiteRequest,
    jar: SignedCookieJar,
    ApiJson(body): ApiJson<EventBody>,
) -> ApiResult {
    experience::set_event(&state.provider, uid(&jar).as_deref(), body.interaction_event).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn post_password(State(state): State<AppState>, _: SameSiteRequest, jar: SignedCookieJar, ApiJson(body): ApiJson<PasswordBody>) -> ApiResult {
    let id = experience::verify_password(&state.provider, uid(&jar).as_deref(), &body.identifier, &body.password).await?;
    Ok(verification(id))
}

pub async fn post_new_password_identity(
    State(state): State<AppState>,
    _: SameSiteRequest,
    jar: SignedCookieJar,
    ApiJson(body): ApiJson<PasswordBody>,
) -> ApiResult {
    let id = experience::new_password_identity(&state.provider, uid(&jar).as_deref(), &body.identifier, &body.password).await?;
    Ok(verification(id))
}

pub async fn post_profile(State(state): State<AppState>, _: SameSiteRequest, jar: SignedCookieJar, ApiJson(body): ApiJson<ProfileInput>) -> ApiResult {
    experience::add_profile(&state.provider, uid(&jar).as_deref(), body).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn post_identification(
    State(state): State<AppState>,
    _: SameSiteRequest,
    jar: SignedCookieJar,
    ApiJson(body): ApiJson<IdentificationBody>,
) -> ApiResult {
    let outcome =
        experience::identify(&state.provider, uid(&jar).as_deref(), body.verification_id.as_deref(), body.link_social_identity).await?;
    Ok(match outcome {
        Identified::SignedIn => StatusCode::NO_CONTENT,
        Identified::Registered => StatusCode::CREATED,
    }
    .into_response())
}

pub async fn post_submit(State(state): State<AppState>, _: SameSiteRequest, jar: SignedCookieJar) -> ApiResult {
    Ok(match experience::submit(&state.provider, uid(&jar).as_deref()).await? {
        Submitted::Redirect(redirect_to) => Json(json!({ "redirectTo": redirect_to })).into_response(),
        Submitted::PasswordReset => StatusCode::NO_CONTENT.into_response(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendCodeBody {
    identifier: Identifier,
    interaction_event: InteractionEvent,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyCodeBody {
    identifier: Identifier,
    verification_id: String,
    code: String,
}

#[derive(Deserialize)]
pub struct NewPasswordBody {
    password: String,
}

pub async fn post_verification_code(
    State(state): State<AppState>,
    _: SameSiteRequest,
    jar: SignedCookieJar,
    ApiJson(body): ApiJson<SendCodeBody>,
) -> ApiResult {
    let id = experience::send_code(&state.provider, uid(&jar).as_deref(), &body.identifier, body.interaction_event).await?;
    Ok(verification(id))
}

pub async fn post_verify_code(
    State(state): State<AppState>,
    _: SameSiteRequest,
    jar: SignedCookieJar,
    ApiJson(body): ApiJson<VerifyCodeBody>,
) -> ApiResult {
    let id = experience::verify_code(&state.provider, uid(&jar).as_deref(), &body.identifier, &body.verification_id, &body.code).await?;
    Ok(verification(id))
}

pub async fn put_profile_password(
    State(state): State<AppState>,
    _: SameSiteRequest,
    jar: SignedCookieJar,
    ApiJson(body): ApiJson<NewPasswordBody>,
) -> ApiResult {
    experience::reset_password(&state.provider, uid(&jar).as_deref(), &body.password).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SocialAuthorizationBody {
    state: String,
    redirect_uri: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SocialVerifyBody {
    connector_data: serde_json::Value,
    verification_id: Option<String>,
}

pub async fn post_social_authorization_uri(
    State(state): State<AppState>,
    _: SameSiteRequest,
    jar: SignedCookieJar,
    Path(connector_id): Path<String>,
    ApiJson(body): ApiJson<SocialAuthorizationBody>,
) -> ApiResult {
    let (uri, id) =
        experience::social_authorization_uri(&state.provider, uid(&jar).as_deref(), &connector_id, &body.state, &body.redirect_uri).await?;
    Ok(Json(json!({ "authorizationUri": uri, "verificationId": id })).into_response())
}

pub async fn post_social_verify(
    State(state): State<AppState>,
    _: SameSiteRequest,
    jar: SignedCookieJar,
    Path(connector_id): Path<String>,
    ApiJson(body): ApiJson<SocialVerifyBody>,
) -> ApiResult {
    let id = experience::verify_social(&state.provider, uid(&jar).as_deref(), &connector_id, body.verification_id.as_deref(), &body.connector_data)
        .await?;
    Ok(verification(id))
}

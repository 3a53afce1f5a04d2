//! `/api/users`.

use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use sesame_core::manage::auth::{self, Caller};
use sesame_core::manage::users::{self, CreateUser, Profile, UpdateUser};
use sesame_core::model::{Listing, User};

use super::query::query_value;
use super::{paginated, PageQuery};
use crate::http::error::ApiErrorResponse;
use crate::http::extract::{bearer_token, ApiJson};
use crate::AppState;

type ApiResult = Result<Response, ApiErrorResponse>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}", get(get_user).patch(update_user).delete(delete_user))
        .route("/users/{id}/password", patch(set_password))
        .route("/users/{id}/password/verify", post(verify_password))
        .route("/users/{id}/has-password", get(has_password))
        .route("/users/{id}/is-suspended", patch(set_suspended))
        .route("/users/{id}/custom-data", get(get_custom_data).patch(merge_custom_data))
        .route("/users/{id}/profile", get(get_profile).patch(merge_profile))
        .route("/users/{id}/roles", get(list_roles).post(add_roles).put(replace_roles))
        .route("/users/{id}/roles/{role_id}", delete(remove_role))
}

/// Logto's user response (`userProfileResponseGuard`): never the password hash.
pub(super) fn view(user: User) -> Value {
    let has_password = user.password_encrypted.is_some();
    let mut value = serde_json::to_value(&user).unwrap_or_default();
    value["applicationId"] = Value::Null;
    value["hasPassword"] = json!(has_password);
    value
}

pub(super) fn views(listing: Listing<User>) -> Listing<Value> {
    Listing { items: listing.items.into_iter().map(view).collect(), total: listing.total }
}

/// A Management API caller, and the user it acts as when the token is a user's.
struct CallerUser(Option<String>);

impl FromRequestParts<AppState> for CallerUser {
    type Rejection = ApiErrorResponse;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let bearer = bearer_token(&parts.headers);
        Ok(Self(match auth::authenticate(&state.provider, bearer.as_deref())? {
            Caller::User(id) => Some(id),
            Caller::Application(_) => None,
        }))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordBody {
    password: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SuspensionBody {
    is_suspended: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomDataBody {
    custom_data: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProfileBody {
    profile: Profile,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleIds {
    role_ids: Vec<String>,
}

async fn list_users(State(state): State<AppState>, _: super::ManagementCaller, page: PageQuery, RawQuery(query): RawQuery) -> ApiResult {
    let search = query_value(query.as_deref(), "search");
    let listing = users::list(&state.provider, search.as_deref(), page.window()).await?;
    Ok(paginated(&page, views(listing)))
}

async fn create_user(State(state): State<AppState>, _: super::ManagementCaller, ApiJson(body): ApiJson<CreateUser>) -> ApiResult {
    Ok(Json(view(users::create(&state.provider, body).await?)).into_response())
}

async fn get_user(State(state): State<AppState>, _: super::ManagementCaller, Path(id): Path<String>) -> ApiResult {
    Ok(Json(view(users::get(&state.provider, &id).await?)).into_response())
}

async fn update_user(State(state): State<AppState>, _: super::ManagementCaller, Path(id): Path<String>, ApiJson(body): ApiJson<UpdateUser>) -> ApiResult {
    Ok(Json(view(users::update(&state.provider, &id, body).await?)).into_response())
}

async fn delete_user(State(state): State<AppState>, CallerUser(caller): CallerUser, Path(id): Path<String>) -> ApiResult {
    users::delete(&state.provider, &id, caller.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn set_password(State(state): State<AppState>, _: super::ManagementCaller, Path(id): Path<String>, ApiJson(body): ApiJson<PasswordBody>) -> ApiResult {
    Ok(Json(view(users::set_password(&state.provider, &id, &body.password).await?)).into_response())
}

async fn verify_password(State(state): State<AppState>, _: super::ManagementCaller, Path(id): Path<String>, ApiJson(body): ApiJson<PasswordBody>) -> ApiResult {
    users::verify_password(&state.provider, &id, &body.password).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn has_password(State(state): State<AppState>, _: super::ManagementCaller, Path(id): Path<String>) -> ApiResult {
    let has_password = users::has_password(&state.provider, &id).await?;
    Ok(Json(json!({ "hasPassword": has_password })).into_response())
}

async fn set_suspended(State(state): State<AppState>, _: super::ManagementCaller, Path(id): Path<String>, ApiJson(body): ApiJson<SuspensionBody>) -> ApiResult {
    Ok(Json(view(users::set_suspended(&state.provider, &id, body.is_suspended).await?)).into_response())
}

async fn get_custom_data(State(state): State<AppState>, _: super::ManagementCaller, Path(id): Path<String>) -> ApiResult {
    Ok(Json(users::get(&state.provider, &id).await?.custom_data).into_response())
}

async fn merge_custom_data(State(state): State<AppState>, _: super::ManagementCaller, Path(id): Path<String>, ApiJson(body): ApiJson<CustomDataBody>) -> ApiResult {
    Ok(Json(users::merge_custom_data(&state.provider, &id, body.custom_data).await?).into_response())
}

async fn get_profile(State(state): State<AppState>, _: super::ManagementCaller, Path(id): Path<String>) -> ApiResult {
    Ok(Json(users::get(&state.provider, &id).await?.profile).into_response())
}

async fn merge_profile(State(state): State<AppState>, _: super::ManagementCaller, Path(id): Path<String>, ApiJson(body): ApiJson<ProfileBody>) -> ApiResult {
    Ok(Json(users::merge_profile(&state.provider, &id, body.profile).await?).into_response())
}

async fn list_roles(State(state): State<AppState>, _: super::ManagementCaller, page: PageQuery, Path(id): Path<String>) -> ApiResult {
    let listing = users::roles(&state.provider, &id, page.window()).await?;
    Ok(paginated(&page, super::roles::views(listing)))
}

async fn add_roles(State(state): State<AppState>, _: super::ManagementCaller, Path(id): Path<String>, ApiJson(body): ApiJson<RoleIds>) -> ApiResult {
    users::add_roles(&state.provider, &id, &body.role_ids).await?;
    Ok(StatusCode::CREATED.into_response())
}

async fn replace_roles(State(state): State<AppState>, _: super::ManagementCaller, Path(id): Path<String>, ApiJson(body): ApiJson<RoleIds>) -> ApiResult {
    let roles = users::replace_roles(&state.provider, &id, &body.role_ids).await?;
    Ok(Json(roles.into_iter().map(super::roles::view).collect::<Vec<_>>()).into_response())
}

async fn remove_role(State(state): State<AppState>, _: super::ManagementCaller, Path((id, role_id)): Path<(String, String)>) -> ApiResult {
    users::remove_role(&state.provider, &id, &role_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

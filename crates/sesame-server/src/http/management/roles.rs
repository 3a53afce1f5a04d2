//! `/api/roles`: roles, their scopes, users and applications.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use sesame_core::error::ApiError;
use sesame_core::manage::roles::{self, CreateRole, RoleSummary, UpdateRole};
use sesame_core::model::{Application, Listing, Role, RoleType};

use super::query::{optional_window, optionally_paginated, query_value};
use super::{paginated, ManagementCaller, PageQuery};
use crate::http::error::ApiErrorResponse;
use crate::http::extract::ApiJson;
use crate::AppState;

type ApiResult = Result<Response, ApiErrorResponse>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/roles", get(list_roles).post(create_role))
        .route("/roles/{id}", get(get_role).patch(update_role).delete(delete_role))
        .route("/roles/{id}/scopes", get(list_scopes).post(add_scopes))
        .route("/roles/{id}/scopes/{scope_id}", delete(remove_scope))
        .route("/roles/{id}/users", get(list_users).post(add_users))
        .route("/roles/{id}/users/{user_id}", delete(remove_user))
        .route("/roles/{id}/applications", get(list_applications).post(add_applications))
        .route("/roles/{id}/applications/{application_id}", delete(remove_application))
}

/// Logto's role shape (`Roles.guard`).
pub(super) fn view(role: Role) -> Value {
    let mut value = serde_json::to_value(&role).unwrap_or_default();
    value["tenantId"] = json!("default");
    value
}

pub(super) fn views(listing: Listing<Role>) -> Listing<Value> {
    Listing { items: listing.items.into_iter().map(view).collect(), total: listing.total }
}

/// Logto's `RoleResponse`: the role with its holder counts and up to three featured holders.
fn summary_view(summary: RoleSummary) -> Value {
    let mut value = view(summary.role);
    value["usersCount"] = json!(summary.users_count);
    value["featuredUsers"] =
        summary.featured_users.into_iter().map(|user| json!({ "id": user.id, "avatar": user.avatar, "name": user.name })).collect();
    value["applicationsCount"] = json!(summary.applications_count);
    value["featuredApplications"] =
        summary.featured_applications.into_iter().map(|app| json!({ "id": app.id, "name": app.name, "type": app.app_type })).collect();
    value
}

/// Logto's application shape, as `/api/applications` answers it.
fn application_view(app: Application) -> Value {
    let mut value = serde_json::to_value(&app).unwrap_or_default();
    value["tenantId"] = json!("default");
    value["protectedAppMetadata"] = Value::Null;
    value["customData"] = json!({});
    value
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScopeIds {
    scope_ids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserIds {
    user_ids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplicationIds {
    application_ids: Vec<String>,
}

async fn list_roles(State(state): State<AppState>, _: ManagementCaller, page: PageQuery, RawQuery(query): RawQuery) -> ApiResult {
    let role_type = match query_value(query.as_deref(), "type") {
        None => None,
        Some(value) => Some(RoleType::parse(&value).ok_or_else(|| ApiError::invalid_input(format!("Unknown role type {value}.")))?),
    };
    let search = query_value(query.as_deref(), "search");
    let listing = roles::list(&state.provider, role_type, search.as_deref(), page.window()).await?;
    Ok(paginated(&page, Listing { items: listing.items.into_iter().map(summary_view).collect(), total: listing.total }))
}

async fn create_role(State(state): State<AppState>, _: ManagementCaller, ApiJson(body): ApiJson<CreateRole>) -> ApiResult {
    Ok(Json(view(roles::create(&state.provider, body).await?)).into_response())
}

async fn get_role(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>) -> ApiResult {
    Ok(Json(view(roles::get(&state.provider, &id).await?)).into_response())
}

async fn update_role(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>, ApiJson(body): ApiJson<UpdateRole>) -> ApiResult {
    Ok(Json(view(roles::update(&state.provider, &id, body).await?)).into_response())
}

async fn delete_role(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>) -> ApiResult {
    roles::delete(&state.provider, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_scopes(State(state): State<AppState>, _: ManagementCaller, page: PageQuery, RawQuery(query): RawQuery, Path(id): Path<String>) -> ApiResult {
    let listing = roles::scopes(&state.provider, &id, optional_window(&page, query.as_deref())).await?;
    let items = listing
        .items
        .into_iter()
        .map(|(scope, resource)| {
            let mut value = super::resources::scope_view(scope);
            value["resource"] = resource.map_or(Value::Null, super::resources::view);
            value
        })
        .collect();
    Ok(optionally_paginated(&page, query.as_deref(), Listing { items, total: listing.total }))
}

async fn add_scopes(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>, ApiJson(body): ApiJson<ScopeIds>) -> ApiResult {
    let scopes = roles::add_scopes(&state.provider, &id, &body.scope_ids).await?;
    let scopes: Vec<Value> = scopes.into_iter().map(super::resources::scope_view).collect();
    Ok((StatusCode::CREATED, Json(scopes)).into_response())
}

async fn remove_scope(State(state): State<AppState>, _: ManagementCaller, Path((id, scope_id)): Path<(String, String)>) -> ApiResult {
    roles::remove_scope(&state.provider, &id, &scope_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_users(State(state): State<AppState>, _: ManagementCaller, page: PageQuery, Path(id): Path<String>) -> ApiResult {
    let listing = roles::users(&state.provider, &id, page.window()).await?;
    Ok(paginated(&page, super::users::views(listing)))
}

async fn add_users(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>, ApiJson(body): ApiJson<UserIds>) -> ApiResult {
    roles::add_users(&state.provider, &id, &body.user_ids).await?;
    Ok(StatusCode::CREATED.into_response())
}

async fn remove_user(State(state): State<AppState>, _: ManagementCaller, Path((id, user_id)): Path<(String, String)>) -> ApiResult {
    roles::remove_user(&state.provider, &id, &user_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_applications(State(state): State<AppState>, _: ManagementCaller, page: PageQuery, Path(id): Path<String>) -> ApiResult {
    let listing = roles::applications(&state.provider, &id, page.window()).await?;
    Ok(paginated(&page, Listing { items: listing.items.into_iter().map(application_view).collect(), total: listing.total }))
}

async fn add_applications(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>, ApiJson(body): ApiJson<ApplicationIds>) -> ApiResult {
    roles::add_applications(&state.provider, &id, &body.application_ids).await?;
    Ok(StatusCode::CREATED.into_response())
}

async fn remove_application(State(state): State<AppState>, _: ManagementCaller, Path((id, application_id)): Path<(String, String)>) -> ApiResult {
    roles::remove_application(&state.provider, &id, &application_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

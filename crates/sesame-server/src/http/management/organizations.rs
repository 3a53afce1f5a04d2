//! `/api/organizations`: organizations, their user and application members and the members'
//! roles; and `/api/users/:userId/organizations`.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use sesame_core::manage::organizations::{self, CreateOrganization, RoleRefs, UpdateOrganization};
use sesame_core::model::{Application, Listing, Page};
use sesame_core::organization::{Organization, OrganizationRole};

use super::organization_roles::views;
use super::query::{optional_window, optionally_paginated, query_value};
use super::{paginated, ManagementCaller, PageQuery};
use crate::http::error::ApiErrorResponse;
use crate::http::extract::ApiJson;
use crate::AppState;

type ApiResult = Result<Response, ApiErrorResponse>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organizations", get(list_organizations).post(create_organization))
        .route("/organizations/{id}", get(get_organization).patch(update_organization).delete(delete_organization))
        .route("/organizations/{id}/users", get(list_users).post(add_users).put(replace_users))
        .route("/organizations/{id}/users/{user_id}", delete(remove_user))
        .route("/organizations/{id}/users/{user_id}/roles", get(list_user_roles).post(add_user_roles).put(replace_user_roles))
        .route("/organizations/{id}/users/{user_id}/roles/{role_id}", delete(remove_user_role))
        .route("/organizations/{id}/users/{user_id}/scopes", get(list_user_scopes))
        .route("/organizations/{id}/applications", get(list_applications).post(add_applications).put(replace_applications))
        .route("/organizations/{id}/applications/{application_id}", delete(remove_application))
        .route(
            "/organizations/{id}/applications/{application_id}/roles",
            get(list_application_roles).post(add_application_roles).put(replace_application_roles),
        )
        .route("/organizations/{id}/applications/{application_id}/roles/{role_id}", delete(remove_application_role))
        .route("/users/{id}/organizations", get(user_organizations))
}

/// Logto's organization shape (`Organizations.guard`; Sesame has no per-organization branding).
pub(super) fn view(organization: Organization) -> Value {
    let mut value = serde_json::to_value(&organization).unwrap_or_default();
    value["tenantId"] = json!("default");
    value["branding"] = json!({});
    value
}

/// `value` with Logto's `organizationRoles`: each role as an `OrganizationRoleEntity`.
fn with_role_entities(mut value: Value, roles: Vec<OrganizationRole>) -> Value {
    value["organizationRoles"] = roles.into_iter().map(|role| json!({ "id": role.id, "name": role.name })).collect();
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
pub struct UserIds {
    user_ids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplicationIds {
    application_ids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrganizationRoleIds {
    organization_role_ids: Vec<String>,
}

/// Logto's `q`, or `search` as the other list routes spell it.
fn search(query: Option<&str>) -> Option<String> {
    query_value(query, "q").or_else(|| query_value(query, "search"))
}

/// Logto's `showFeatured`: any of its truthy spellings.
fn truthy(value: Option<String>) -> bool {
    value.is_some_and(|value| matches!(value.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "y"))
}

const FEATURED: Page = Page { offset: 0, limit: 3 };

async fn list_organizations(State(state): State<AppState>, _: ManagementCaller, page: PageQuery, RawQuery(query): RawQuery) -> ApiResult {
    let listing = organizations::list(&state.provider, search(query.as_deref()).as_deref(), page.window()).await?;
    let featured = truthy(query_value(query.as_deref(), "showFeatured"));
    let mut items = Vec::with_capacity(listing.items.len());
    for organization in listing.items {
        let id = organization.id.clone();
        let mut value = view(organization);
        if featured {
            let users = organizations::users(&state.provider, &id, None, FEATURED).await?;
            value["usersCount"] = json!(users.total);
            value["featuredUsers"] =
                users.items.into_iter().map(|(user, _)| json!({ "id": user.id, "avatar": user.avatar, "name": user.name })).collect();
        }
        items.push(value);
    }
    Ok(paginated(&page, Listing { items, total: listing.total }))
}

async fn create_organization(State(state): State<AppState>, _: ManagementCaller, ApiJson(body): ApiJson<CreateOrganization>) -> ApiResult {
    let organization = organizations::create(&state.provider, body).await?;
    Ok((StatusCode::CREATED, Json(view(organization))).into_response())
}

async fn get_organization(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>) -> ApiResult {
    Ok(Json(view(organizations::get(&state.provider, &id).await?)).into_response())
}

async fn update_organization(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateOrganization>,
) -> ApiResult {
    Ok(Json(view(organizations::update(&state.provider, &id, body).await?)).into_response())
}

async fn delete_organization(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>) -> ApiResult {
    organizations::delete(&state.provider, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// --- user members

/// Logto's `UserWithOrganizationRoles`.
async fn list_users(
    State(state): State<AppState>,
    _: ManagementCaller,
    page: PageQuery,
    RawQuery(query): RawQuery,
    Path(id): Path<String>,
) -> ApiResult {
    let listing = organizations::users(&state.provider, &id, search(query.as_deref()).as_deref(), page.window()).await?;
    Ok(paginated(&page, views(listing, |(user, roles)| with_role_entities(super::users::view(user), roles))))
}

/// 201 echoing the request, like Logto.
async fn add_users(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>, ApiJson(body): ApiJson<UserIds>) -> ApiResult {
    organizations::add_users(&state.provider, &id, &body.user_ids).await?;
    Ok((StatusCode::CREATED, Json(json!({ "userIds": body.user_ids }))).into_response())
}

async fn replace_users(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>, ApiJson(body): ApiJson<UserIds>) -> ApiResult {
    organizations::replace_users(&state.provider, &id, &body.user_ids).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove_user(State(state): State<AppState>, _: ManagementCaller, Path((id, user_id)): Path<(String, String)>) -> ApiResult {
    organizations::remove_user(&state.provider, &id, &user_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_user_roles(
    State(state): State<AppState>,
    _: ManagementCaller,
    page: PageQuery,
    RawQuery(query): RawQuery,
    Path((id, user_id)): Path<(String, String)>,
) -> ApiResult {
    let listing = organizations::user_roles(&state.provider, &id, &user_id, optional_window(&page, query.as_deref())).await?;
    Ok(optionally_paginated(&page, query.as_deref(), views(listing, super::organization_roles::view)))
}

async fn add_user_roles(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path((id, user_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<RoleRefs>,
) -> ApiResult {
    let role_ids = organizations::add_user_roles(&state.provider, &id, &user_id, &body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "organizationRoleIds": role_ids }))).into_response())
}

async fn replace_user_roles(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path((id, user_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<RoleRefs>,
) -> ApiResult {
    organizations::replace_user_roles(&state.provider, &id, &user_id, &body).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove_user_role(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path((id, user_id, role_id)): Path<(String, String, String)>,
) -> ApiResult {
    organizations::remove_user_role(&state.provider, &id, &user_id, &role_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_user_scopes(State(state): State<AppState>, _: ManagementCaller, Path((id, user_id)): Path<(String, String)>) -> ApiResult {
    let scopes = organizations::user_scopes(&state.provider, &id, &user_id).await?;
    Ok(Json(scopes.into_iter().map(super::organization_scopes::view).collect::<Vec<_>>()).into_response())
}

/// Logto's `OrganizationWithRoles`: the user's organizations, each with the user's roles in it.
async fn user_organizations(State(state): State<AppState>, _: ManagementCaller, Path(user_id): Path<String>) -> ApiResult {
    let items: Vec<Value> = organizations::user_organizations(&state.provider, &user_id)
        .await?
        .into_iter()
        .map(|(organization, roles)| with_role_entities(view(organization), roles))
        .collect();
    Ok(Json(items).into_response())
}

// --- application members

/// Logto's `ApplicationWithOrganizationRoles`.
async fn list_applications(
    State(state): State<AppState>,
    _: ManagementCaller,
    page: PageQuery,
    RawQuery(query): RawQuery,
    Path(id): Path<String>,
) -> ApiResult {
    let listing = organizations::applications(&state.provider, &id, search(query.as_deref()).as_deref(), page.window()).await?;
    Ok(paginated(&page, views(listing, |(app, roles)| with_role_entities(application_view(app), roles))))
}

async fn add_applications(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ApplicationIds>,
) -> ApiResult {
    organizations::add_applications(&state.provider, &id, &body.application_ids).await?;
    Ok(StatusCode::CREATED.into_response())
}

async fn replace_applications(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ApplicationIds>,
) -> ApiResult {
    organizations::replace_applications(&state.provider, &id, &body.application_ids).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove_application(State(state): State<AppState>, _: ManagementCaller, Path((id, application_id)): Path<(String, String)>) -> ApiResult {
    organizations::remove_application(&state.provider, &id, &application_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_application_roles(
    State(state): State<AppState>,
    _: ManagementCaller,
    page: PageQuery,
    RawQuery(query): RawQuery,
    Path((id, application_id)): Path<(String, String)>,
) -> ApiResult {
    let listing = organizations::application_roles(&state.provider, &id, &application_id, optional_window(&page, query.as_deref())).await?;
    Ok(optionally_paginated(&page, query.as_deref(), views(listing, super::organization_roles::view)))
}

async fn add_application_roles(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path((id, application_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<OrganizationRoleIds>,
) -> ApiResult {
    organizations::add_application_roles(&state.provider, &id, &application_id, &body.organization_role_ids).await?;
    Ok(StatusCode::CREATED.into_response())
}

async fn replace_application_roles(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path((id, application_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<OrganizationRoleIds>,
) -> ApiResult {
    organizations::replace_application_roles(&state.provider, &id, &application_id, &body.organization_role_ids).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove_application_role(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path((id, application_id, role_id)): Path<(String, String, String)>,
) -> ApiResult {
    organizations::remove_application_role(&state.provider, &id, &application_id, &role_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

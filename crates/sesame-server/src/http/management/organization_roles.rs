//! `/api/organization-roles`: the organization template's roles and the organization scopes and
//! API resource scopes they grant.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use sesame_core::manage::organization_roles::{self, CreateOrganizationRole, RoleWithScopes, UpdateOrganizationRole};
use sesame_core::model::Listing;
use sesame_core::organization::OrganizationRole;

use super::query::{optional_window, optionally_paginated, query_value};
use super::{paginated, ManagementCaller, PageQuery};
use crate::http::error::ApiErrorResponse;
use crate::http::extract::ApiJson;
use crate::AppState;

type ApiResult = Result<Response, ApiErrorResponse>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organization-roles", get(list_roles).post(create_role))
        .route("/organization-roles/{id}", get(get_role).patch(update_role).delete(delete_role))
        .route("/organization-roles/{id}/scopes", get(list_scopes).post(add_scopes).put(replace_scopes))
        .route("/organization-roles/{id}/scopes/{scope_id}", delete(remove_scope))
        .route("/organization-roles/{id}/resource-scopes", get(list_resource_scopes).post(add_resource_scopes).put(replace_resource_scopes))
        .route("/organization-roles/{id}/resource-scopes/{scope_id}", delete(remove_resource_scope))
}

/// Logto's organization role shape (`OrganizationRoles.guard`).
pub(super) fn view(role: OrganizationRole) -> Value {
    let mut value = serde_json::to_value(&role).unwrap_or_default();
    value["tenantId"] = json!("default");
    value
}

/// Every item of `listing` through `view`.
pub(super) fn views<T>(listing: Listing<T>, view: impl FnMut(T) -> Value) -> Listing<Value> {
    Listing { items: listing.items.into_iter().map(view).collect(), total: listing.total }
}

/// Logto's `OrganizationRoleWithScopes`: the role with `{id, name}` of its organization scopes
/// and `{id, name, resource: {id, name}}` of its resource scopes.
fn with_scopes_view(item: RoleWithScopes) -> Value {
    let mut value = view(item.role);
    value["scopes"] = item.scopes.into_iter().map(|scope| json!({ "id": scope.id, "name": scope.name })).collect();
    value["resourceScopes"] = item
        .resource_scopes
        .into_iter()
        .map(|(scope, resource)| {
            let resource = resource.map_or_else(|| json!({ "id": scope.resource_id, "name": "" }), |r| json!({ "id": r.id, "name": r.name }));
            json!({ "id": scope.id, "name": scope.name, "resource": resource })
        })
        .collect();
    value
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrganizationScopeIds {
    organization_scope_ids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScopeIds {
    scope_ids: Vec<String>,
}

async fn list_roles(State(state): State<AppState>, _: ManagementCaller, page: PageQuery, RawQuery(query): RawQuery) -> ApiResult {
    let search = query_value(query.as_deref(), "q").or_else(|| query_value(query.as_deref(), "search"));
    let listing = organization_roles::list(&state.provider, search.as_deref(), page.window()).await?;
    Ok(paginated(&page, views(listing, with_scopes_view)))
}

async fn create_role(State(state): State<AppState>, _: ManagementCaller, ApiJson(body): ApiJson<CreateOrganizationRole>) -> ApiResult {
    let role = organization_roles::create(&state.provider, body).await?;
    Ok((StatusCode::CREATED, Json(view(role))).into_response())
}

async fn get_role(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>) -> ApiResult {
    Ok(Json(view(organization_roles::get(&state.provider, &id).await?)).into_response())
}

async fn update_role(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateOrganizationRole>,
) -> ApiResult {
    Ok(Json(view(organization_roles::update(&state.provider, &id, body).await?)).into_response())
}

async fn delete_role(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>) -> ApiResult {
    organization_roles::delete(&state.provider, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_scopes(
    State(state): State<AppState>,
    _: ManagementCaller,
    page: PageQuery,
    RawQuery(query): RawQuery,
    Path(id): Path<String>,
) -> ApiResult {
    let listing = organization_roles::scopes(&state.provider, &id, optional_window(&page, query.as_deref())).await?;
    Ok(optionally_paginated(&page, query.as_deref(), views(listing, super::organization_scopes::view)))
}

async fn add_scopes(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OrganizationScopeIds>,
) -> ApiResult {
    organization_roles::add_scopes(&state.provider, &id, &body.organization_scope_ids).await?;
    Ok(StatusCode::CREATED.into_response())
}

async fn replace_scopes(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OrganizationScopeIds>,
) -> ApiResult {
    organization_roles::replace_scopes(&state.provider, &id, &body.organization_scope_ids).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove_scope(State(state): State<AppState>, _: ManagementCaller, Path((id, scope_id)): Path<(String, String)>) -> ApiResult {
    organization_roles::remove_scope(&state.provider, &id, &scope_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Logto's `Scopes.guard` for each API resource scope.
async fn list_resource_scopes(
    State(state): State<AppState>,
    _: ManagementCaller,
    page: PageQuery,
    RawQuery(query): RawQuery,
    Path(id): Path<String>,
) -> ApiResult {
    let listing = organization_roles::resource_scopes(&state.provider, &id, optional_window(&page, query.as_deref())).await?;
    Ok(optionally_paginated(&page, query.as_deref(), views(listing, super::resources::scope_view)))
}

async fn add_resource_scopes(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ScopeIds>,
) -> ApiResult {
    organization_roles::add_resource_scopes(&state.provider, &id, &body.scope_ids).await?;
    Ok(StatusCode::CREATED.into_response())
}

async fn replace_resource_scopes(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ScopeIds>,
) -> ApiResult {
    organization_roles::replace_resource_scopes(&state.provider, &id, &body.scope_ids).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove_resource_scope(State(state): State<AppState>, _: ManagementCaller, Path((id, scope_id)): Path<(String, String)>) -> ApiResult {
    organization_roles::remove_resource_scope(&state.provider, &id, &scope_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

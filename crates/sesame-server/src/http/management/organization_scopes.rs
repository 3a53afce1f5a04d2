//! `/api/organization-scopes`: the organization template's permissions.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use sesame_core::manage::organization_scopes::{self, CreateOrganizationScope, UpdateOrganizationScope};
use sesame_core::organization::OrganizationScope;

use super::query::{optional_window, optionally_paginated, query_value};
use super::{ManagementCaller, PageQuery};
use crate::http::error::ApiErrorResponse;
use crate::http::extract::ApiJson;
use crate::AppState;

type ApiResult = Result<Response, ApiErrorResponse>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organization-scopes", get(list_scopes).post(create_scope))
        .route("/organization-scopes/{id}", get(get_scope).patch(update_scope).delete(delete_scope))
}

/// Logto's organization scope shape (`OrganizationScopes.guard`).
pub(super) fn view(scope: OrganizationScope) -> Value {
    let mut value = serde_json::to_value(&scope).unwrap_or_default();
    value["tenantId"] = json!("default");
    value
}

/// All of them without `page`/`page_size` (Logto's optional pagination here).
async fn list_scopes(State(state): State<AppState>, _: ManagementCaller, page: PageQuery, RawQuery(query): RawQuery) -> ApiResult {
    let search = query_value(query.as_deref(), "q").or_else(|| query_value(query.as_deref(), "search"));
    let listing = organization_scopes::list(&state.provider, search.as_deref(), optional_window(&page, query.as_deref())).await?;
    let listing = sesame_core::model::Listing { items: listing.items.into_iter().map(view).collect(), total: listing.total };
    Ok(optionally_paginated(&page, query.as_deref(), listing))
}

async fn create_scope(State(state): State<AppState>, _: ManagementCaller, ApiJson(body): ApiJson<CreateOrganizationScope>) -> ApiResult {
    let scope = organization_scopes::create(&state.provider, body).await?;
    Ok((StatusCode::CREATED, Json(view(scope))).into_response())
}

async fn get_scope(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>) -> ApiResult {
    Ok(Json(view(organization_scopes::get(&state.provider, &id).await?)).into_response())
}

async fn update_scope(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateOrganizationScope>,
) -> ApiResult {
    Ok(Json(view(organization_scopes::update(&state.provider, &id, body).await?)).into_response())
}

async fn delete_scope(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>) -> ApiResult {
    organization_scopes::delete(&state.provider, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

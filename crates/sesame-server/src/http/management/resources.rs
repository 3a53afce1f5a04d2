//! `/api/resources` and their scopes.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use sesame_core::manage::resources::{self, CreateResource, CreateScope, UpdateResource, UpdateScope};
use sesame_core::model::{Listing, Page, Resource, Scope};

use super::query::{optional_window, optionally_paginated, query_value};
use super::{paginated, ManagementCaller, PageQuery};
use crate::http::error::ApiErrorResponse;
use crate::http::extract::ApiJson;
use crate::AppState;

type ApiResult = Result<Response, ApiErrorResponse>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/resources", get(list_resources).post(create_resource))
        .route("/resources/{id}", get(get_resource).patch(update_resource).delete(delete_resource))
        .route("/resources/{id}/is-default", patch(set_default))
        .route("/resources/{id}/scopes", get(list_scopes).post(create_scope))
        .route("/resources/{id}/scopes/{scope_id}", patch(update_scope).delete(delete_scope))
}

/// Logto's resource shape (`Resources.guard`).
pub(super) fn view(resource: Resource) -> Value {
    let mut value = serde_json::to_value(&resource).unwrap_or_default();
    value["tenantId"] = json!("default");
    value
}

/// Logto's scope shape (`Scopes.guard`).
pub(super) fn scope_view(scope: Scope) -> Value {
    let mut value = serde_json::to_value(&scope).unwrap_or_default();
    value["tenantId"] = json!("default");
    value
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DefaultBody {
    is_default: bool,
}

fn truthy(value: Option<String>) -> bool {
    matches!(value.as_deref(), Some("true" | "1" | "yes" | "y"))
}

async fn list_resources(State(state): State<AppState>, _: ManagementCaller, page: PageQuery, RawQuery(query): RawQuery) -> ApiResult {
    let listing = resources::list(&state.provider, optional_window(&page, query.as_deref())).await?;
    let include_scopes = truthy(query_value(query.as_deref(), "includeScopes"));
    let mut items = Vec::with_capacity(listing.items.len());
    for resource in listing.items {
        let id = resource.id.clone();
        let mut value = view(resource);
        if include_scopes {
            let scopes = resources::scopes(&state.provider, &id, Page::ALL).await?;
            value["scopes"] = Value::Array(scopes.items.into_iter().map(scope_view).collect());
        }
        items.push(value);
    }
    Ok(optionally_paginated(&page, query.as_deref(), Listing { items, total: listing.total }))
}

async fn create_resource(State(state): State<AppState>, _: ManagementCaller, ApiJson(body): ApiJson<CreateResource>) -> ApiResult {
    let mut value = view(resources::create(&state.provider, body).await?);
    value["scopes"] = json!([]);
    Ok((StatusCode::CREATED, Json(value)).into_response())
}

async fn get_resource(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>) -> ApiResult {
    Ok(Json(view(resources::get(&state.provider, &id).await?)).into_response())
}

async fn update_resource(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>, ApiJson(body): ApiJson<UpdateResource>) -> ApiResult {
    Ok(Json(view(resources::update(&state.provider, &id, body).await?)).into_response())
}

async fn delete_resource(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>) -> ApiResult {
    resources::delete(&state.provider, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn set_default(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>, ApiJson(body): ApiJson<DefaultBody>) -> ApiResult {
    Ok(Json(view(resources::set_default(&state.provider, &id, body.is_default).await?)).into_response())
}

async fn list_scopes(State(state): State<AppState>, _: ManagementCaller, page: PageQuery, Path(id): Path<String>) -> ApiResult {
    let listing = resources::scopes(&state.provider, &id, page.window()).await?;
    Ok(paginated(&page, Listing { items: listing.items.into_iter().map(scope_view).collect(), total: listing.total }))
}

async fn create_scope(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>, ApiJson(body): ApiJson<CreateScope>) -> ApiResult {
    let scope = resources::create_scope(&state.provider, &id, body).await?;
    Ok((StatusCode::CREATED, Json(scope_view(scope))).into_response())
}

async fn update_scope(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path((id, scope_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateScope>,
) -> ApiResult {
    Ok(Json(scope_view(resources::update_scope(&state.provider, &id, &scope_id, body).await?)).into_response())
}

async fn delete_scope(State(state): State<AppState>, _: ManagementCaller, Path((id, scope_id)): Path<(String, String)>) -> ApiResult {
    resources::delete_scope(&state.provider, &id, &scope_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

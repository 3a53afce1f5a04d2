//! `/api/applications`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use sesame_core::manage::applications::{self, CreateApplication, CreateSecret, UpdateApplication};
use sesame_core::model::{Application, ApplicationType};

use super::{paginated, ManagementCaller, PageQuery};
use crate::http::error::ApiErrorResponse;
use crate::http::extract::ApiJson;
use crate::AppState;

type ApiResult = Result<Response, ApiErrorResponse>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/applications", get(list_applications).post(create_application))
        .route("/applications/{id}", get(get_application).patch(update_application).delete(delete_application))
        .route("/applications/{id}/secrets", get(list_secrets).post(create_secret))
        .route("/applications/{id}/secrets/{name}", delete(delete_secret))
        .route("/applications/{id}/roles", get(list_roles).post(add_roles))
        .route("/applications/{id}/roles/{role_id}", delete(remove_role))
}

/// Logto's application shape.
fn view(app: Application) -> Value {
    let mut value = serde_json::to_value(&app).unwrap_or_default();
    value["tenantId"] = json!("default");
    value["protectedAppMetadata"] = Value::Null;
    value["customData"] = json!({});
    value
}

#[derive(Deserialize)]
pub struct ListFilter {
    #[serde(default)]
    types: Option<String>,
}

async fn list_applications(
    State(state): State<AppState>,
    _: ManagementCaller,
    page: PageQuery,
    axum::extract::Query(filter): axum::extract::Query<ListFilter>,
) -> ApiResult {
    let types = parse_types(filter.types.as_deref())?;
    let listing = applications::list(&state.provider, &types, page.window()).await?;
    let listing = sesame_core::model::Listing { items: listing.items.into_iter().map(view).collect(), total: listing.total };
    Ok(paginated(&page, listing))
}

fn parse_types(types: Option<&str>) -> Result<Vec<ApplicationType>, ApiErrorResponse> {
    types
        .unwrap_or_default()
        .split(',')
        .filter(|t| !t.is_empty())
        .map(|t| ApplicationType::parse(t).ok_or_else(|| sesame_core::error::ApiError::invalid_input(format!("Unknown application type {t}.")).into()))
        .collect()
}

async fn create_application(State(state): State<AppState>, _: ManagementCaller, ApiJson(body): ApiJson<CreateApplication>) -> ApiResult {
    Ok(Json(view(applications::create(&state.provider, body).await?)).into_response())
}

async fn get_application(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>) -> ApiResult {
    Ok(Json(view(applications::get(&state.provider, &id).await?)).into_response())
}

async fn update_application(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateApplication>,
) -> ApiResult {
    Ok(Json(view(applications::update(&state.provider, &id, body).await?)).into_response())
}

async fn delete_application(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>) -> ApiResult {
    applications::delete(&state.provider, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_secrets(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>) -> ApiResult {
    Ok(Json(applications::secrets(&state.provider, &id).await?).into_response())
}

async fn create_secret(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CreateSecret>,
) -> ApiResult {
    let secret = applications::create_secret(&state.provider, &id, body).await?;
    Ok((StatusCode::CREATED, Json(secret)).into_response())
}

async fn delete_secret(State(state): State<AppState>, _: ManagementCaller, Path((id, name)): Path<(String, String)>) -> ApiResult {
    applications::delete_secret(&state.provider, &id, &name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleIds {
    role_ids: Vec<String>,
}

async fn list_roles(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>) -> ApiResult {
    Ok(Json(applications::roles(&state.provider, &id).await?).into_response())
}

async fn add_roles(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>, ApiJson(body): ApiJson<RoleIds>) -> ApiResult {
    applications::add_roles(&state.provider, &id, &body.role_ids).await?;
    Ok(StatusCode::CREATED.into_response())
}

async fn remove_role(State(state): State<AppState>, _: ManagementCaller, Path((id, role_id)): Path<(String, String)>) -> ApiResult {
    applications::remove_role(&state.provider, &id, &role_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

//! `/api/connector-factories` and `/api/connectors`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;
use sesame_core::manage::connectors::{self, CreateConnector, TestConnector, UpdateConnector};

use super::ManagementCaller;
use crate::http::error::ApiErrorResponse;
use crate::http::extract::ApiJson;
use crate::AppState;

type ApiResult = Result<Response, ApiErrorResponse>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/connector-factories", get(list_factories))
        .route("/connector-factories/{id}", get(get_factory))
        .route("/connectors", get(list_connectors).post(create_connector))
        .route("/connectors/{id}", get(get_connector).patch(update_connector).delete(delete_connector))
        .route("/connectors/{factory_id}/test", post(test_connector))
}

async fn list_factories(_: ManagementCaller) -> ApiResult {
    Ok(Json(connectors::factories()).into_response())
}

async fn get_factory(_: ManagementCaller, Path(id): Path<String>) -> ApiResult {
    Ok(Json(connectors::factory(&id)?).into_response())
}

async fn list_connectors(State(state): State<AppState>, _: ManagementCaller) -> ApiResult {
    let records = connectors::list(&state.provider).await?;
    Ok(Json(records.iter().map(connectors::view).collect::<Vec<Value>>()).into_response())
}

async fn create_connector(State(state): State<AppState>, _: ManagementCaller, ApiJson(body): ApiJson<CreateConnector>) -> ApiResult {
    Ok(Json(connectors::view(&connectors::create(&state.provider, body).await?)).into_response())
}

async fn get_connector(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>) -> ApiResult {
    Ok(Json(connectors::view(&connectors::get(&state.provider, &id).await?)).into_response())
}

async fn update_connector(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateConnector>,
) -> ApiResult {
    Ok(Json(connectors::view(&connectors::update(&state.provider, &id, body).await?)).into_response())
}

async fn delete_connector(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>) -> ApiResult {
    connectors::delete(&state.provider, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn test_connector(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path(factory_id): Path<String>,
    ApiJson(body): ApiJson<TestConnector>,
) -> ApiResult {
    connectors::test(&state.provider, &factory_id, body).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

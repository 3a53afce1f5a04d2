//! `/api/sign-in-exp`.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;
use sesame_core::sign_in_experience;

use super::ManagementCaller;
use crate::http::error::ApiErrorResponse;
use crate::http::extract::ApiJson;
use crate::AppState;

type ApiResult = Result<Response, ApiErrorResponse>;

pub fn router() -> Router<AppState> {
    Router::new().route("/sign-in-exp", get(get_settings).patch(update_settings))
}

async fn get_settings(State(state): State<AppState>, _: ManagementCaller) -> ApiResult {
    Ok(Json(sign_in_experience::load(&state.provider).await?).into_response())
}

async fn update_settings(State(state): State<AppState>, _: ManagementCaller, ApiJson(patch): ApiJson<Value>) -> ApiResult {
    Ok(Json(sign_in_experience::update(&state.provider, patch).await?).into_response())
}

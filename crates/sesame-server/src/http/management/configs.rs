//! `/api/configs/oidc/private-keys`: the signing keys, listed without private material.

use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use sesame_core::error::ApiError;
use sesame_core::manage::keys::{self, RotateKeys};

use super::ManagementCaller;
use crate::http::error::ApiErrorResponse;
use crate::AppState;

type ApiResult = Result<Response, ApiErrorResponse>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/configs/oidc/private-keys", get(list_keys))
        .route("/configs/oidc/private-keys/rotate", post(rotate_keys))
        .route("/configs/oidc/private-keys/{key_id}", delete(delete_key))
}

/// A JSON body that may be left out entirely (then `T::default()`); a present one must be
/// valid JSON of the right shape, else `guard.invalid_input`.
pub struct OptionalApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalApiJson<T> {
    type Rejection = ApiErrorResponse;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.split(';').next().is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json")));
        let body = Bytes::from_request(req, state).await.map_err(|rejection| ApiError::invalid_input(rejection.body_text()))?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        if !is_json {
            return Err(ApiError::invalid_input("Expected request with `Content-Type: application/json`.").into());
        }
        serde_json::from_slice(&body).map(Self).map_err(|err| ApiError::invalid_input(format!("Invalid JSON body: {err}")).into())
    }
}

async fn list_keys(State(state): State<AppState>, _: ManagementCaller) -> ApiResult {
    Ok(Json(keys::list(&state.provider).await?).into_response())
}

async fn rotate_keys(State(state): State<AppState>, _: ManagementCaller, OptionalApiJson(body): OptionalApiJson<RotateKeys>) -> ApiResult {
    Ok(Json(keys::rotate(&state.provider, body).await?).into_response())
}

async fn delete_key(State(state): State<AppState>, _: ManagementCaller, Path(key_id): Path<String>) -> ApiResult {
    keys::delete(&state.provider, &key_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

//! `/api/users/:userId/identities`: a user's social identities.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sesame_core::manage::user_identities::{self, IdentityInput};

use super::ManagementCaller;
use crate::http::error::ApiErrorResponse;
use crate::http::extract::ApiJson;
use crate::AppState;

type ApiResult = Result<Response, ApiErrorResponse>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users/{id}/identities", get(list_identities))
        .route("/users/{id}/identities/{target}", get(get_identity).put(put_identity).delete(delete_identity))
}

async fn list_identities(State(state): State<AppState>, _: ManagementCaller, Path(id): Path<String>) -> ApiResult {
    Ok(Json(user_identities::list(&state.provider, &id).await?).into_response())
}

async fn get_identity(State(state): State<AppState>, _: ManagementCaller, Path((id, target)): Path<(String, String)>) -> ApiResult {
    Ok(Json(user_identities::get(&state.provider, &id, &target).await?).into_response())
}

/// Logto answers 201 when the target is new to the user, 200 when it replaced an identity;
/// the body is the user's identities either way.
async fn put_identity(
    State(state): State<AppState>,
    _: ManagementCaller,
    Path((id, target)): Path<(String, String)>,
    ApiJson(body): ApiJson<IdentityInput>,
) -> ApiResult {
    let (created, identities) = user_identities::put(&state.provider, &id, &target, body).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(identities)).into_response())
}

/// Logto answers 200 with the updated user.
async fn delete_identity(State(state): State<AppState>, _: ManagementCaller, Path((id, target)): Path<(String, String)>) -> ApiResult {
    let user = user_identities::delete(&state.provider, &id, &target).await?;
    Ok(Json(super::users::view(user)).into_response())
}

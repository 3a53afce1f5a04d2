//! The Management API's caller, from its Bearer token.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sesame_core::manage::auth;

use crate::http::error::ApiErrorResponse;
use crate::http::extract::bearer_token;
use crate::AppState;

/// Extracting this proves the request carries a valid Management API token with `all`.
pub struct ManagementCaller;

impl FromRequestParts<AppState> for ManagementCaller {
    type Rejection = ApiErrorResponse;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let bearer = bearer_token(&parts.headers);
        auth::authenticate(&state.provider, bearer.as_deref())?;
        Ok(Self)
    }
}

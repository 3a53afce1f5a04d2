//! A user's social identities (Logto's `routes/admin-user/social.ts`): `users.identities`,
//! `{"<target>": {"userId", "details"}}`, written through the store's link/unlink so the
//! indexed relation stays in step and one upstream identity never belongs to two users.

use serde::Deserialize;
use serde_json::{json, Value};

use super::not_found;
use crate::error::{codes, ApiError};
use crate::model::User;
use crate::provider::Provider;
use crate::store::StoreError;

const ENTITY: &str = "user";

/// `PUT /users/:userId/identities/:target`: Logto's `identityGuard`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdentityInput {
    /// The upstream user id.
    pub user_id: String,
    #[serde(default)]
    pub details: Option<Value>,
}

fn identity_not_exist() -> ApiError {
    ApiError::new(404, codes::USER_IDENTITY_NOT_EXIST, "The user has no identity of this target.")
}

fn identity_in_use() -> ApiError {
    ApiError::new(422, codes::USER_IDENTITY_ALREADY_IN_USE, "The social account has been associated with an existing user.")
}

async fn user(provider: &Provider, id: &str) -> Result<User, ApiError> {
    provider.store.find_user(id).await?.ok_or_else(|| not_found(ENTITY))
}

/// `GET /users/:userId/identities`: the identities object.
pub async fn list(provider: &Provider, user_id: &str) -> Result<Value, ApiError> {
    Ok(user(provider, user_id).await?.identities)
}

/// `GET /users/:userId/identities/:target`: `{identity: {userId, details?}}`.
pub async fn get(provider: &Provider, user_id: &str, target: &str) -> Result<Value, ApiError> {
    let identities = user(provider, user_id).await?.identities;
    let identity = identities.get(target).cloned().ok_or_else(identity_not_exist)?;
    Ok(json!({ "identity": identity }))
}

/// `PUT /users/:userId/identities/:target`: links (or replaces) the user's identity of the
/// target; returns whether it was new and the user's identities.
pub async fn put(provider: &Provider, user_id: &str, target: &str, input: IdentityInput) -> Result<(bool, Value), ApiError> {
    if target.trim().is_empty() || input.user_id.trim().is_empty() {
        return Err(ApiError::invalid_input("target and userId must not be empty."));
    }
    if input.details.as_ref().is_some_and(|details| !details.is_object()) {
        return Err(ApiError::invalid_input("details must be an object."));
    }
    let created = user(provider, user_id).await?.identities.get(target).is_none();
    let user = provider
        .store
        .link_user_identity(user_id, target, &input.user_id, input.details.as_ref(), provider.now_ms())
        .await
        .map_err(|err| match err {
            StoreError::Conflict { .. } => identity_in_use(),
            StoreError::NotFound => not_found(ENTITY),
            other => other.into(),
        })?;
    Ok((created, user.identities))
}

/// `DELETE /users/:userId/identities/:target`: unlinks; returns the updated user.
pub async fn delete(provider: &Provider, user_id: &str, target: &str) -> Result<User, ApiError> {
    user(provider, user_id).await?;
    provider.store.unlink_user_identity(user_id, target, provider.now_ms()).await.map_err(|err| match err {
        StoreError::NotFound => identity_not_exist(),
        other => other.into(),
    })
}

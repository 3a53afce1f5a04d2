//! The userinfo endpoint (`/oidc/me`).

use serde_json::Value;

use super::artifacts::{self, AccessTokenRecord};
use super::claims::{self, Audience, OPENID};
use crate::error::OidcError;
use crate::provider::Provider;
use crate::store::ArtifactKind;

/// The claims an opaque access token's scopes release, plus the client it was issued to
/// (for CORS).
pub async fn userinfo(provider: &Provider, access_token: Option<&str>) -> Result<(Value, String), OidcError> {
    let access_token = access_token.ok_or_else(|| OidcError::invalid_token("no access token provided"))?;
    let token = artifacts::load_bearer::<AccessTokenRecord>(provider, ArtifactKind::AccessToken, access_token)
        .await?
        .ok_or_else(|| OidcError::invalid_token("invalid token provided"))?;
    if !token.record.scopes.iter().any(|s| s == OPENID) {
        return Err(OidcError::insufficient_scope("access token missing 'openid' scope"));
    }
    let user = provider
        .store
        .find_user(&token.record.account_id)
        .await?
        .filter(|user| !user.is_suspended)
        .ok_or_else(|| OidcError::invalid_token("invalid token provided"))?;
    let claims = claims::load_user_claims(provider, &user, &token.record.scopes, Audience::UserInfo).await?;
    Ok((Value::Object(claims), token.record.client_id))
}

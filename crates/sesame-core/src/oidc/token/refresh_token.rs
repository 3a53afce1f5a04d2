//! `grant_type=refresh_token` with Logto's rotation and reuse-detection rules.

use serde_json::Value;

use crate::error::OidcError;
use crate::model::Application;
use crate::oidc::artifacts::{self, GrantRecord, Loaded, RefreshTokenRecord};
use crate::oidc::client::AuthenticatedClient;
use crate::oidc::params::{split_scope, Params};
use crate::provider::Provider;
use crate::store::{ArtifactKind, Consumption};

use super::issue::{self, AccessTarget, Issuance};
use super::organization::check_user_access;
use super::TokenResponse;

pub const GRANT_TYPE: &str = "refresh_token";
const MAX_CHAIN_LIFETIME_MS: i64 = 31_557_600_000; // 365.25 days
const ROTATE_AFTER_PERCENT: i64 = 70;

pub async fn handle(provider: &Provider, client: &AuthenticatedClient, params: &Params) -> Result<TokenResponse, OidcError> {
    let presented = params.require(GRANT_TYPE)?;
    let requested_scope = params.get("scope")?.map(split_scope);
    let organization = params.get("organization_id")?.map(str::to_owned);
    let token = artifacts::load_bearer::<RefreshTokenRecord>(provider, ArtifactKind::RefreshToken, presented)
        .await?
        .ok_or_else(|| OidcError::invalid_grant("grant request is invalid"))?;
    let grant_id = token.grant_id.clone().unwrap_or_default();
    if token.record.client_id != client.0.id {
        return Err(OidcError::invalid_grant("client mismatch"));
    }
    artifacts::load::<GrantRecord>(provider, ArtifactKind::Grant, &grant_id)
        .await?
        .ok_or_else(|| OidcError::invalid_grant("grant not found"))?;
    let scopes = narrow_scopes(&token.record.scopes, requested_scope)?;
    let mut target = issue::resolve_target(provider, params, &token.record.resources, &scopes).await?;
    let user = provider
        .store
        .find_user(&token.record.account_id)
        .await?
        .ok_or_else(|| OidcError::invalid_grant("user not found"))?;
    if user.is_suspended {
        return Err(OidcError::invalid_grant("user is suspended"));
    }
    if let Some(organization_id) = &organization {
        check_user_access(provider, organization_id, &user.id, &token.record.scopes).await?;
        target = match target {
            AccessTarget::Resource(resource, _) if !params.all_split("resource").is_empty() => {
                AccessTarget::Resource(resource, Some(organization_id.clone()))
            }
            _ => AccessTarget::Organization(organization_id.clone()),
        };
    }
    let now = provider.now_ms();
    if let Some(consumed_at) = token.consumed_at {
        check_reuse(provider, &grant_id, consumed_at, now).await?;
    }
    let issuance = Issuance {
        grant_id: &grant_id,
        user: &user,
        client_id: &client.0.id,
        scopes: &scopes,
        sid: &token.record.sid,
        auth_time: token.record.auth_time,
        nonce: None,
    };
    let refresh = if should_rotate(&client.0, &token, now) {
        rotate(provider, &client.0, &token, &issuance, now).await?
    } else {
        Some(presented.to_owned())
    };
    issue::respond(provider, &issuance, &target, refresh).await
}

/// A `scope` parameter may only narrow what the refresh token carries.
fn narrow_scopes(granted: &[String], requested: Option<Vec<String>>) -> Result<Vec<String>, OidcError> {
    let Some(requested) = requested else {
        return Ok(granted.to_vec());
    };
    if let Some(extra) = requested.iter().find(|s| !granted.contains(s)) {
        return Err(OidcError::invalid_scope(format!("refresh token missing requested scope: {extra}")));
    }
    Ok(requested)
}

/// Reuse inside the leeway is a concurrent refresh; after it, the token leaked: the whole
/// grant (including the rotated successor) is revoked.
async fn check_reuse(provider: &Provider, grant_id: &str, consumed_at: i64, now: i64) -> Result<(), OidcError> {
    if now - consumed_at <= provider.lifetimes.refresh_reuse_leeway * 1000 {
        return Ok(());
    }
    provider.store.revoke_grant(grant_id).await?;
    Err(OidcError::invalid_grant("refresh token already used"))
}

/// Logto's rule: never when the client opts out or the chain is a year old; always for
/// public clients; for confidential ones once 70% of the token's lifetime has passed.
fn should_rotate(client: &Application, token: &Loaded<RefreshTokenRecord>, now: i64) -> bool {
    let opted_out = client.custom_client_metadata.get("rotateRefreshToken").and_then(Value::as_bool) == Some(false);
    if opted_out || now - token.record.chain_started_at >= MAX_CHAIN_LIFETIME_MS {
        return false;
    }
    if client.app_type.is_public() {
        return true;
    }
    let lifetime = token.expires_at - token.record.issued_at;
    (now - token.record.issued_at) * 100 >= lifetime * ROTATE_AFTER_PERCENT
}

async fn rotate(
    provider: &Provider,
    client: &Application,
    token: &Loaded<RefreshTokenRecord>,
    issuance: &Issuance<'_>,
    now: i64,
) -> Result<Option<String>, OidcError> {
    match provider.store.consume_artifact(ArtifactKind::RefreshToken, &token.key, now).await? {
        Consumption::Consumed => {}
        Consumption::AlreadyConsumed { at } => check_reuse(provider, issuance.grant_id, at, now).await?,
        Consumption::Missing => return Err(OidcError::invalid_grant("grant request is invalid")),
    }
    // SPA tokens do not slide: the successor keeps the remaining lifetime.
    let expires_at = if client.app_type == crate::model::ApplicationType::Spa {
        token.expires_at
    } else {
        now + provider.lifetimes.refresh_token * 1000
    };
    issue::refresh_token(provider, issuance, &token.record.scopes, &token.record.resources, token.record.chain_started_at, expires_at).await
}

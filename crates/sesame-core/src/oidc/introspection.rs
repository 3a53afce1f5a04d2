//! Token introspection (RFC 7662) and revocation (RFC 7009) with Logto's semantics: opaque
//! access and refresh tokens only (a JWT is `unsupported_token_type`), a client only learns
//! about its own tokens, and revoking a token revokes its whole grant.

use serde_json::{json, Value};

use super::artifacts::{self, AccessTokenRecord, Loaded, RefreshTokenRecord};
use super::client::{authenticate_client, ClientCredentials};
use super::params::Params;
use crate::error::OidcError;
use crate::provider::Provider;
use crate::store::ArtifactKind;

/// A bearer value we issued, as found in the store.
enum Found {
    Access(Loaded<AccessTokenRecord>),
    Refresh(Loaded<RefreshTokenRecord>),
}

impl Found {
    fn client_id(&self) -> &str {
        match self {
            Self::Access(token) => &token.record.client_id,
            Self::Refresh(token) => &token.record.client_id,
        }
    }

    fn grant_id(&self) -> Option<&str> {
        match self {
            Self::Access(token) => token.grant_id.as_deref(),
            Self::Refresh(token) => token.grant_id.as_deref(),
        }
    }
}

fn reject_jwt(token: &str) -> Result<(), OidcError> {
    if token.split('.').count() == 3 {
        return Err(OidcError::unsupported_token_type("structured JWT tokens cannot be introspected or revoked"));
    }
    Ok(())
}

/// Looks in the store named by the hint first, then the other.
async fn find(provider: &Provider, token: &str, hint: Option<&str>) -> Result<Option<Found>, OidcError> {
    let access = || async { Ok::<_, OidcError>(artifacts::load_bearer(provider, ArtifactKind::AccessToken, token).await?.map(Found::Access)) };
    let refresh = || async { Ok::<_, OidcError>(artifacts::load_bearer(provider, ArtifactKind::RefreshToken, token).await?.map(Found::Refresh)) };
    if hint == Some("refresh_token") {
        if let Some(found) = refresh().await? {
            return Ok(Some(found));
        }
        return access().await;
    }
    if let Some(found) = access().await? {
        return Ok(Some(found));
    }
    refresh().await
}

pub async fn introspect(provider: &Provider, params: &Params, credentials: &ClientCredentials) -> Result<Value, OidcError> {
    let client = authenticate_client(provider, credentials).await?;
    if client.0.app_type.is_public() {
        return Err(OidcError::invalid_client("introspection requires a confidential client"));
    }
    let token = params.require("token")?;
    reject_jwt(token)?;
    let inactive = json!({ "active": false });
    let Some(found) = find(provider, token, params.get("token_type_hint")?).await? else {
        return Ok(inactive);
    };
    if found.client_id() != client.0.id {
        return Ok(inactive);
    }
    Ok(match found {
        Found::Access(token) => json!({
            "active": true,
            "client_id": token.record.client_id,
            "exp": token.expires_at / 1000,
            "iat": token.record.issued_at / 1000,
            "iss": provider.issuer,
            "scope": token.record.scopes.join(" "),
            "sub": token.record.account_id,
            "token_type": "Bearer",
        }),
        Found::Refresh(token) if token.consumed_at.is_some() => inactive,
        Found::Refresh(token) => json!({
            "active": true,
            "client_id": token.record.client_id,
            "exp": token.expires_at / 1000,
            "iat": token.record.issued_at / 1000,
            "iss": provider.issuer,
            "scope": token.record.scopes.join(" "),
            "sub": token.record.account_id,
        }),
    })
}

/// Revokes the token's grant. Unknown tokens and other clients' tokens are answered the same
/// (success, nothing done), so revocation reveals nothing.
pub async fn revoke(provider: &Provider, params: &Params, credentials: &ClientCredentials) -> Result<(), OidcError> {
    let client = authenticate_client(provider, credentials).await?;
    let token = params.require("token")?;
    reject_jwt(token)?;
    if let Some(found) = find(provider, token, params.get("token_type_hint")?).await? {
        if found.client_id() == client.0.id {
            if let Some(grant_id) = found.grant_id() {
                provider.store.revoke_grant(grant_id).await?;
            }
        }
    }
    Ok(())
}

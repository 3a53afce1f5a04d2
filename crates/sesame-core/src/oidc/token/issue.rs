//! Minting tokens: opaque access tokens, refresh tokens and ID tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::OidcError;
use crate::ids;
use crate::oidc::artifacts::{self, AccessTokenRecord, RefreshTokenRecord};
use crate::oidc::claims::{self, Audience, OFFLINE_ACCESS, OPENID};
use crate::model::User;
use crate::provider::Provider;
use crate::store::ArtifactKind;
use crate::crypto::jws;

use super::TokenResponse;

/// What a token response is issued from: one grant, one user, one client.
pub(super) struct Issuance<'a> {
    pub grant_id: &'a str,
    pub user: &'a User,
    pub client_id: &'a str,
    pub scopes: &'a [String],
    pub sid: &'a str,
    pub auth_time: i64,
    pub nonce: Option<&'a str>,
}

pub fn pkce_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The OIDC scopes among the granted ones: what an opaque (userinfo) token carries.
pub(super) fn oidc_scopes(scopes: &[String]) -> Vec<String> {
    scopes.iter().filter(|s| claims::is_oidc_scope(s)).cloned().collect()
}

pub(super) fn has_scope(scopes: &[String], scope: &str) -> bool {
    scopes.iter().any(|s| s == scope)
}

/// Access token (opaque, for userinfo) + ID token; the refresh token is the caller's choice.
pub(super) async fn respond(
    provider: &Provider,
    issuance: &Issuance<'_>,
    refresh_token: Option<String>,
) -> Result<TokenResponse, OidcError> {
    let scopes = oidc_scopes(issuance.scopes);
    let access_token = ids::bearer_value();
    let record = AccessTokenRecord {
        account_id: issuance.user.id.clone(),
        client_id: issuance.client_id.to_owned(),
        scopes: scopes.clone(),
        issued_at: provider.now_ms(),
    };
    artifacts::save(
        provider,
        ArtifactKind::AccessToken,
        &ids::bearer_key(&access_token),
        Some(issuance.grant_id),
        Some(&issuance.user.id),
        &record,
        artifacts::expires_in(provider, provider.lifetimes.access_token),
    )
    .await?;
    let id_token = if has_scope(&scopes, OPENID) { Some(id_token(provider, issuance)?) } else { None };
    Ok(TokenResponse {
        access_token,
        expires_in: provider.lifetimes.access_token,
        id_token,
        refresh_token,
        scope: scopes.join(" "),
        token_type: "Bearer",
    })
}

/// Saves a new refresh token of the grant, carrying `scopes`, when they hold `offline_access`.
pub(super) async fn refresh_token(
    provider: &Provider,
    issuance: &Issuance<'_>,
    scopes: &[String],
    resources: &[String],
    chain_started_at: i64,
    expires_at: i64,
) -> Result<Option<String>, OidcError> {
    if !has_scope(scopes, OFFLINE_ACCESS) {
        return Ok(None);
    }
    let token = ids::bearer_value();
    let record = RefreshTokenRecord {
        account_id: issuance.user.id.clone(),
        client_id: issuance.client_id.to_owned(),
        scopes: scopes.to_vec(),
        resources: resources.to_vec(),
        sid: issuance.sid.to_owned(),
        auth_time: issuance.auth_time,
        issued_at: provider.now_ms(),
        chain_started_at,
    };
    artifacts::save(
        provider,
        ArtifactKind::RefreshToken,
        &ids::bearer_key(&token),
        Some(issuance.grant_id),
        Some(&issuance.user.id),
        &record,
        expires_at,
    )
    .await?;
    Ok(Some(token))
}

fn id_token(provider: &Provider, issuance: &Issuance<'_>) -> Result<String, OidcError> {
    let now = provider.now_secs();
    let mut claims: Map<String, Value> = claims::user_claims(issuance.user, issuance.scopes, Audience::IdToken);
    claims.insert("iss".into(), Value::from(provider.issuer.as_str()));
    claims.insert("aud".into(), Value::from(issuance.client_id));
    claims.insert("iat".into(), Value::from(now));
    claims.insert("exp".into(), Value::from(now + provider.lifetimes.id_token));
    claims.insert("auth_time".into(), Value::from(issuance.auth_time));
    claims.insert("sid".into(), Value::from(issuance.sid));
    if let Some(nonce) = issuance.nonce {
        claims.insert("nonce".into(), Value::from(nonce));
    }
    jws::sign(provider.signing_key(), None, &claims).map_err(|err| {
        tracing::error!(error = %err, "ID token signing failed");
        OidcError::server_error("oops! something went wrong")
    })
}

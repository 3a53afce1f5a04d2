//! Minting tokens: opaque access tokens (for userinfo), JWT access tokens (for API
//! resources), refresh tokens and ID tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::error::OidcError;
use crate::ids;
use crate::model::{Resource, User};
use crate::organization::organization_urn;
use crate::oidc::artifacts::{self, AccessTokenRecord, RefreshTokenRecord};
use crate::oidc::claims::{self, Audience, OFFLINE_ACCESS, OPENID};
use crate::oidc::params::Params;
use crate::provider::Provider;
use crate::store::ArtifactKind;

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

/// Who the access token is for.
pub(super) enum AccessTarget {
    /// An opaque token for `/oidc/me`.
    UserInfo,
    /// A JWT for an API resource, limited to one organization's roles when one is named.
    Resource(Resource, Option<String>),
    /// An organization token (`aud = urn:logto:organization:<id>`).
    Organization(String),
}

/// Organization tokens live as long as Logto's reserved-resource tokens.
pub(super) const ORGANIZATION_TOKEN_TTL: i64 = 3600;

pub fn pkce_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The OIDC scopes among the granted ones: what an opaque (userinfo) token carries.
fn oidc_scopes(scopes: &[String]) -> Vec<String> {
    scopes.iter().filter(|s| claims::is_oidc_scope(s)).cloned().collect()
}

fn has_scope(scopes: &[String], scope: &str) -> bool {
    scopes.iter().any(|s| s == scope)
}

/// `requested ∩ allowed`, in the order requested.
pub(super) fn intersect(requested: &[String], allowed: &[String]) -> Vec<String> {
    requested.iter().filter(|scope| allowed.contains(scope)).cloned().collect()
}

/// The access-token target of a code or refresh request: the one `resource` asked for (it
/// must have been granted at authorization), else userinfo when `openid` was granted, else
/// the default resource.
pub(super) async fn resolve_target(
    provider: &Provider,
    params: &Params,
    granted_resources: &[String],
    scopes: &[String],
) -> Result<AccessTarget, OidcError> {
    let requested = params.all_split("resource");
    let indicator = match requested.as_slice() {
        [] if has_scope(scopes, OPENID) => return Ok(AccessTarget::UserInfo),
        [] => {
            let default = provider.store.default_resource().await?;
            return Ok(default.map_or(AccessTarget::UserInfo, |resource| AccessTarget::Resource(resource, None)));
        }
        [one] => one,
        _ => return Err(OidcError::invalid_target("only a single resource indicator value is supported")),
    };
    if !granted_resources.contains(indicator) {
        return Err(OidcError::invalid_target("the resource was not requested at authorization"));
    }
    let resource = provider
        .store
        .find_resource_by_indicator(indicator)
        .await?
        .ok_or_else(|| OidcError::invalid_target("resource indicator is missing, or unknown"))?;
    Ok(AccessTarget::Resource(resource, None))
}

/// Access token for `target`, ID token when `openid` was granted; the refresh token is the
/// caller's choice.
pub(super) async fn respond(
    provider: &Provider,
    issuance: &Issuance<'_>,
    target: &AccessTarget,
    refresh_token: Option<String>,
) -> Result<TokenResponse, OidcError> {
    let user_id = issuance.user.id.as_str();
    let (access_token, expires_in, scope) = match target {
        AccessTarget::UserInfo => opaque_access_token(provider, issuance).await?,
        AccessTarget::Resource(resource, organization) => {
            let (permitted, extra) = match organization {
                None => (provider.store.user_resource_scopes(user_id, &resource.id).await?, Map::new()),
                Some(org) => (
                    provider.store.user_organization_resource_scopes(org, user_id, &resource.id).await?,
                    organization_claim(org),
                ),
            };
            let scopes = intersect(issuance.scopes, &permitted);
            let token = jwt_access_token(provider, user_id, issuance.client_id, &resource.indicator, resource.access_token_ttl, &scopes, extra)?;
            (token, resource.access_token_ttl, scopes.join(" "))
        }
        AccessTarget::Organization(org) => {
            let permitted = provider.store.user_organization_scopes(org, user_id).await?;
            let scopes = intersect(issuance.scopes, &permitted);
            let audience = organization_urn(org);
            let token = jwt_access_token(provider, user_id, issuance.client_id, &audience, ORGANIZATION_TOKEN_TTL, &scopes, Map::new())?;
            (token, ORGANIZATION_TOKEN_TTL, scopes.join(" "))
        }
    };
    let id_token = if has_scope(issuance.scopes, OPENID) { Some(id_token(provider, issuance).await?) } else { None };
    Ok(TokenResponse { access_token, expires_in, id_token, refresh_token, scope, token_type: "Bearer" })
}

async fn opaque_access_token(provider: &Provider, issuance: &Issuance<'_>) -> Result<(String, i64, String), OidcError> {
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
    Ok((access_token, provider.lifetimes.access_token, scopes.join(" ")))
}

/// The `organization_id` claim of a resource token limited to one organization.
pub(super) fn organization_claim(organization_id: &str) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("organization_id".into(), Value::from(organization_id));
    claims
}

/// A JWT access token for `audience` (oidc-provider's format, but `scope` always present and
/// `aud` a string, which the SDKs' claim models require).
pub(super) fn jwt_access_token(
    provider: &Provider,
    subject: &str,
    client_id: &str,
    audience: &str,
    ttl: i64,
    scopes: &[String],
    extra: Map<String, Value>,
) -> Result<String, OidcError> {
    let now = provider.now_secs();
    let mut claims = extra;
    let standard = json!({
        "jti": ids::bearer_value(),
        "sub": subject,
        "iat": now,
        "exp": now + ttl,
        "scope": scopes.join(" "),
        "client_id": client_id,
        "iss": provider.issuer,
        "aud": audience,
    });
    if let Value::Object(standard) = standard {
        claims.extend(standard);
    }
    provider.sign_jws(Some("at+jwt"), &claims).map_err(signing_failed)
}

fn signing_failed(err: crate::crypto::keys::KeyError) -> OidcError {
    tracing::error!(error = %err, "token signing failed");
    OidcError::server_error("oops! something went wrong")
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

async fn id_token(provider: &Provider, issuance: &Issuance<'_>) -> Result<String, OidcError> {
    let now = provider.now_secs();
    let mut claims = claims::load_user_claims(provider, issuance.user, issuance.scopes, Audience::IdToken).await?;
    claims.insert("iss".into(), Value::from(provider.issuer.as_str()));
    claims.insert("aud".into(), Value::from(issuance.client_id));
    claims.insert("iat".into(), Value::from(now));
    claims.insert("exp".into(), Value::from(now + provider.lifetimes.id_token));
    claims.insert("auth_time".into(), Value::from(issuance.auth_time));
    claims.insert("sid".into(), Value::from(issuance.sid));
    if let Some(nonce) = issuance.nonce {
        claims.insert("nonce".into(), Value::from(nonce));
    }
    provider.sign_jws(None, &claims).map_err(signing_failed)
}

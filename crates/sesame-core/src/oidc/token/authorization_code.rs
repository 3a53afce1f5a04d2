//! `grant_type=authorization_code`: single use, PKCE, exact redirect URI.

use crate::crypto::secrets_equal;
use crate::error::OidcError;
use crate::oidc::artifacts::{self, CodeRecord};
use crate::oidc::client::AuthenticatedClient;
use crate::oidc::params::Params;
use crate::provider::Provider;
use crate::store::{ArtifactKind, Consumption};

use super::issue::{self, Issuance};
use super::TokenResponse;

pub const GRANT_TYPE: &str = "authorization_code";

pub async fn handle(provider: &Provider, client: &AuthenticatedClient, params: &Params) -> Result<TokenResponse, OidcError> {
    let code_value = params.require("code")?;
    let redirect_uri = params.require("redirect_uri")?;
    let verifier = params.get("code_verifier")?;
    let code = artifacts::load_bearer::<CodeRecord>(provider, ArtifactKind::AuthorizationCode, code_value)
        .await?
        .ok_or_else(|| OidcError::invalid_grant("authorization code not found or expired"))?;
    let grant_id = code.grant_id.clone().unwrap_or_default();
    if code.record.client_id != client.0.id {
        return Err(OidcError::invalid_grant("client mismatch"));
    }
    check_pkce(code.record.code_challenge.as_deref(), verifier)?;
    if code.record.redirect_uri != redirect_uri {
        return Err(OidcError::invalid_grant("authorization code redirect_uri mismatch"));
    }
    match provider.store.consume_artifact(ArtifactKind::AuthorizationCode, &code.key, provider.now_ms()).await? {
        Consumption::Consumed => {}
        Consumption::AlreadyConsumed { .. } => {
            // A replayed code means it leaked: everything issued from it goes.
            provider.store.revoke_grant(&grant_id).await?;
            return Err(OidcError::invalid_grant("authorization code already consumed"));
        }
        Consumption::Missing => return Err(OidcError::invalid_grant("authorization code not found or expired")),
    }
    let target = issue::resolve_target(provider, params, &code.record.resources, &code.record.scopes).await?;
    let user = provider
        .store
        .find_user(&code.record.account_id)
        .await?
        .filter(|user| !user.is_suspended)
        .ok_or_else(|| OidcError::invalid_grant("user is not active"))?;
    let issuance = Issuance {
        grant_id: &grant_id,
        user: &user,
        client_id: &client.0.id,
        scopes: &code.record.scopes,
        sid: &code.record.sid,
        auth_time: code.record.auth_time,
        nonce: code.record.nonce.as_deref(),
    };
    let now = provider.now_ms();
    let expires_at = now + provider.lifetimes.refresh_token * 1000;
    let refresh = issue::refresh_token(provider, &issuance, &code.record.scopes, &code.record.resources, now, expires_at).await?;
    issue::respond(provider, &issuance, &target, refresh).await
}

/// A challenge stored means a verifier is required; a verifier without a challenge is an
/// injection attempt (authentik CVE-2023-48228 went the other way).
fn check_pkce(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), OidcError> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (Some(challenge), Some(verifier)) if valid_verifier(verifier) && secrets_equal(&issue::pkce_s256(verifier), challenge) => {
            Ok(())
        }
        _ => Err(OidcError::invalid_grant("PKCE verification failed")),
    }
}

fn valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_rules() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        // RFC 7636 appendix B.
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert_eq!(issue::pkce_s256(verifier), challenge);
        assert!(check_pkce(Some(challenge), Some(verifier)).is_ok());
        assert!(check_pkce(Some(challenge), Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK")).is_err());
        assert!(check_pkce(Some(challenge), None).is_err(), "no downgrade");
        assert!(check_pkce(None, Some(verifier)).is_err(), "no injection");
        assert!(check_pkce(None, None).is_ok());
    }
}

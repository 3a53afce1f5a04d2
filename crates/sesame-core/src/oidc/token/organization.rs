//! Who may have a token for an organization: Logto's checks, all made before anything is
//! issued or rotated.

use crate::error::OidcError;
use crate::oidc::claims::ORGANIZATIONS;
use crate::provider::Provider;

fn not_member() -> OidcError {
    OidcError::access_denied("user is not a member of the organization")
}

/// A user's refresh token must carry the organizations scope, and the user must belong to
/// the organization (with MFA when it requires it).
pub(super) async fn check_user_access(provider: &Provider, organization_id: &str, user_id: &str, token_scopes: &[String]) -> Result<(), OidcError> {
    if !token_scopes.iter().any(|scope| scope == ORGANIZATIONS) {
        return Err(OidcError::insufficient_scope("refresh token missing required scope"));
    }
    let organization = provider.store.find_organization(organization_id).await?.ok_or_else(not_member)?;
    if !provider.store.is_organization_user(organization_id, user_id).await? {
        return Err(not_member());
    }
    if organization.is_mfa_required {
        // Sesame has no MFA factors yet, so no user satisfies an MFA-required organization.
        return Err(OidcError::access_denied("organization requires MFA but user has no MFA configured"));
    }
    Ok(())
}

pub(super) async fn check_application_access(provider: &Provider, organization_id: &str, application_id: &str) -> Result<(), OidcError> {
    let member = provider.store.find_organization(organization_id).await?.is_some()
        && provider.store.is_organization_application(organization_id, application_id).await?;
    if member {
        return Ok(());
    }
    Err(OidcError::access_denied("app has not associated with the organization"))
}

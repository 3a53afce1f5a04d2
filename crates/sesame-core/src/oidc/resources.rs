//! RFC 8707 resource indicators at authorization time.

use crate::error::OidcError;
use crate::provider::Provider;

/// The reserved resource the SDKs add when organization scopes are requested.
pub const ORGANIZATIONS_RESOURCE: &str = "urn:logto:resource:organizations";

/// Every requested resource must be an absolute URI without a fragment, naming an API
/// resource the server knows (or the reserved organizations resource).
pub async fn check_requested(provider: &Provider, requested: &[String]) -> Result<Vec<String>, OidcError> {
    let mut accepted: Vec<String> = Vec::new();
    for resource in requested {
        let parsed = url::Url::parse(resource).map_err(|_| OidcError::invalid_target("resource must be an absolute URI"))?;
        if parsed.fragment().is_some() {
            return Err(OidcError::invalid_target("resource must not contain a fragment component"));
        }
        let known = resource == ORGANIZATIONS_RESOURCE || provider.store.find_resource_by_indicator(resource).await?.is_some();
        if !known {
            return Err(OidcError::invalid_target(format!("resource indicator is missing, or unknown: {resource}")));
        }
        if !accepted.contains(resource) {
            accepted.push(resource.clone());
        }
    }
    Ok(accepted)
}

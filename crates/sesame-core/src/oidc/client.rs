//! Clients: loading them, matching their redirect URIs, authenticating them at the token,
//! introspection and revocation endpoints.

use crate::crypto::secrets_equal;
use crate::error::OidcError;
use crate::model::Application;
use crate::provider::Provider;

/// A redirect URI that was checked against the client's registration. Only these are ever
/// redirected to, so an error can never become an open redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRedirectUri(String);

impl VerifiedRedirectUri {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For a URI taken from a stored request that was verified when it was created.
    pub(crate) fn trusted(uri: &str) -> Self {
        Self(uri.to_owned())
    }
}

/// Proof that the caller is this client (by secret, or public with no secret).
#[derive(Debug, Clone)]
pub struct AuthenticatedClient(pub Application);

/// How the caller presented its credentials.
#[derive(Debug, Clone, Default)]
pub struct ClientCredentials {
    /// `Authorization: Basic` (already decoded).
    pub basic: Option<(String, String)>,
    pub body_client_id: Option<String>,
    pub body_client_secret: Option<String>,
}

pub async fn load_client(provider: &Provider, client_id: &str) -> Result<Application, OidcError> {
    provider
        .store
        .find_application(client_id)
        .await?
        .ok_or_else(|| OidcError::invalid_client("client not found"))
}

/// Exact string comparison against the registered list: no normalisation, no prefix or
/// wildcard matching, so parser differentials cannot widen it.
pub fn check_redirect_uri(client: &Application, redirect_uri: &str) -> Result<VerifiedRedirectUri, OidcError> {
    client
        .oidc_client_metadata
        .redirect_uris
        .iter()
        .find(|registered| registered.as_str() == redirect_uri)
        .map(|registered| VerifiedRedirectUri(registered.clone()))
        .ok_or_else(|| OidcError::invalid_request("redirect_uri did not match any of the client's registered redirect_uris"))
}

pub fn check_post_logout_redirect_uri(client: &Application, uri: &str) -> Result<VerifiedRedirectUri, OidcError> {
    client
        .oidc_client_metadata
        .post_logout_redirect_uris
        .iter()
        .find(|registered| registered.as_str() == uri)
        .map(|registered| VerifiedRedirectUri(registered.clone()))
        .ok_or_else(|| OidcError::invalid_request("post_logout_redirect_uri not registered"))
}

pub async fn authenticate_client(provider: &Provider, credentials: &ClientCredentials) -> Result<AuthenticatedClient, OidcError> {
    let (client_id, secret) = match (&credentials.basic, &credentials.body_client_id, &credentials.body_client_secret) {
        (Some(_), _, Some(_)) => {
            return Err(OidcError::invalid_request(
                "client authentication must only be provided using one mechanism",
            ))
        }
        (Some((basic_id, _)), Some(body_id), None) if basic_id != body_id => {
            return Err(OidcError::invalid_request("client_id mismatch"))
        }
        (Some((id, secret)), _, None) => (id.as_str(), Some(secret.as_str())),
        (None, Some(id), secret) => (id.as_str(), secret.as_deref()),
        (None, None, _) => return Err(OidcError::invalid_request("no client authentication mechanism provided")),
    };
    let client = load_client(provider, client_id).await?;
    if client.app_type.is_public() {
        // Public clients have no secret; whatever an SDK sends in its place is ignored.
        return Ok(AuthenticatedClient(client));
    }
    let secret = secret.ok_or_else(|| OidcError::invalid_client("client authentication failed"))?;
    let now = provider.now_ms();
    let secrets = provider.store.application_secrets(&client.id).await?;
    let mut matched = None;
    for candidate in &secrets {
        // Compare against every secret so timing does not reveal which one matched.
        if secrets_equal(&candidate.value, secret) {
            matched = Some(candidate);
        }
    }
    match matched {
        Some(found) if found.expires_at.is_some_and(|expires| expires <= now) => {
            Err(OidcError::invalid_client("client secret has expired"))
        }
        Some(_) => Ok(AuthenticatedClient(client)),
        None => Err(OidcError::invalid_client("client authentication failed")),
    }
}

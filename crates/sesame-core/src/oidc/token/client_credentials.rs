//! `grant_type=client_credentials`: machine-to-machine apps get a JWT for one API resource
//! carrying the requested scopes their roles grant.

use serde_json::Map;

use crate::error::OidcError;
use crate::model::ApplicationType;
use crate::oidc::client::AuthenticatedClient;
use crate::oidc::params::{split_scope, Params};
use crate::provider::Provider;

use super::issue::{intersect, jwt_access_token, organization_claim, ORGANIZATION_TOKEN_TTL};
use super::organization::check_application_access;
use crate::organization::organization_urn;
use super::TokenResponse;

pub const GRANT_TYPE: &str = "client_credentials";

pub async fn handle(provider: &Provider, client: &AuthenticatedClient, params: &Params) -> Result<TokenResponse, OidcError> {
    if client.0.app_type != ApplicationType::MachineToMachine {
        return Err(OidcError::unauthorized_client("requested grant type is not allowed for this client"));
    }
    let organization = params.get("organization_id")?.map(str::to_owned);
    if let Some(organization_id) = &organization {
        check_application_access(provider, organization_id, &client.0.id).await?;
    }
    let resource = match params.all_split("resource").as_slice() {
        [] if organization.is_some() => None,
        [] => provider.store.default_resource().await?,
        [indicator] => Some(
            provider
                .store
                .find_resource_by_indicator(indicator)
                .await?
                .ok_or_else(|| OidcError::invalid_target("resource indicator is missing, or unknown"))?,
        ),
        _ => return Err(OidcError::invalid_target("only a single resource indicator value is supported")),
    };
    let requested = split_scope(params.get("scope")?.unwrap_or_default());
    let app = client.0.id.as_str();
    let store = &provider.store;
    let (audience, ttl, permitted, extra) = match (&resource, &organization) {
        (Some(resource), None) => {
            (resource.indicator.clone(), resource.access_token_ttl, store.application_resource_scopes(app, &resource.id).await?, Map::new())
        }
        (Some(resource), Some(org)) => (
            resource.indicator.clone(),
            resource.access_token_ttl,
            store.application_organization_resource_scopes(org, app, &resource.id).await?,
            organization_claim(org),
        ),
        (None, Some(org)) => (organization_urn(org), ORGANIZATION_TOKEN_TTL, store.application_organization_scopes(org, app).await?, Map::new()),
        (None, None) => return Err(OidcError::invalid_target("both `resource` and `organization_id` are not provided")),
    };
    let scopes = intersect(&requested, &permitted);
    let access_token = jwt_access_token(provider, app, app, &audience, ttl, &scopes, extra)?;
    Ok(TokenResponse {
        access_token,
        expires_in: ttl,
        id_token: None,
        refresh_token: None,
        scope: scopes.join(" "),
        token_type: "Bearer",
    })
}

//! `grant_type=client_credentials`: machine-to-machine apps get a JWT for one API resource
//! carrying the requested scopes their roles grant.

use serde_json::Map;

use crate::error::OidcError;
use crate::model::ApplicationType;
use crate::oidc::client::AuthenticatedClient;
use crate::oidc::params::{split_scope, Params};
use crate::provider::Provider;

use super::issue::{intersect, jwt_access_token};
use super::TokenResponse;

pub const GRANT_TYPE: &str = "client_credentials";

pub async fn handle(provider: &Provider, client: &AuthenticatedClient, params: &Params) -> Result<TokenResponse, OidcError> {
    if client.0.app_type != ApplicationType::MachineToMachine {
        return Err(OidcError::unauthorized_client("requested grant type is not allowed for this client"));
    }
    let resource = match params.all_split("resource").as_slice() {
        [] => provider.store.default_resource().await?,
        [indicator] => Some(
            provider
                .store
                .find_resource_by_indicator(indicator)
                .await?
                .ok_or_else(|| OidcError::invalid_target("resource indicator is missing, or unknown"))?,
        ),
        _ => return Err(OidcError::invalid_target("only a single resource indicator value is supported")),
    }
    .ok_or_else(|| OidcError::invalid_target("both `resource` and `organization_id` are not provided"))?;
    let requested = split_scope(params.get("scope")?.unwrap_or_default());
    let permitted = provider.store.application_resource_scopes(&client.0.id, &resource.id).await?;
    let scopes = intersect(&requested, &permitted);
    let access_token = jwt_access_token(provider, &client.0.id, &client.0.id, &resource, &scopes, Map::new())?;
    Ok(TokenResponse {
        access_token,
        expires_in: resource.access_token_ttl,
        id_token: None,
        refresh_token: None,
        scope: scopes.join(" "),
        token_type: "Bearer",
    })
}

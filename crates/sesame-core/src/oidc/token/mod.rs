//! The token endpoint: authenticate the client, then dispatch on `grant_type`. Each grant
//! validates everything before it changes anything (a refused request burns nothing).

mod authorization_code;
mod client_credentials;
mod issue;
mod organization;
mod refresh_token;

use serde::Serialize;

use super::client::{authenticate_client, ClientCredentials};
use super::params::Params;
use crate::error::OidcError;
use crate::provider::Provider;

pub use issue::pkce_s256;

/// The JSON body of a successful token response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Always present, possibly empty (the Python SDK's models require it on JWTs).
    pub scope: String,
    pub token_type: &'static str,
}

pub async fn exchange(provider: &Provider, params: &Params, credentials: &ClientCredentials) -> Result<TokenResponse, OidcError> {
    let grant_type = params.require("grant_type")?;
    let client = authenticate_client(provider, credentials).await?;
    match grant_type {
        authorization_code::GRANT_TYPE => authorization_code::handle(provider, &client, params).await,
        refresh_token::GRANT_TYPE => refresh_token::handle(provider, &client, params).await,
        client_credentials::GRANT_TYPE => client_credentials::handle(provider, &client, params).await,
        _ => Err(OidcError::unsupported_grant_type("unsupported grant_type requested")),
    }
}

//! The discovery document and the JWKS.

use serde_json::{json, Value};

use super::claims::{OIDC_SCOPES, SUPPORTED_CLAIMS};
use crate::crypto::keys::ALGORITHM;
use crate::provider::Provider;

pub fn openid_configuration(provider: &Provider) -> Value {
    let issuer = provider.issuer.as_str();
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/auth"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/me"),
        "jwks_uri": format!("{issuer}/jwks"),
        "end_session_endpoint": format!("{issuer}/session/end"),
        "introspection_endpoint": format!("{issuer}/token/introspection"),
        "revocation_endpoint": format!("{issuer}/token/revocation"),
        "authorization_response_iss_parameter_supported": true,
        "claim_types_supported": ["normal"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "response_modes_supported": ["query"],
        "response_types_supported": ["code"],
        "scopes_supported": OIDC_SCOPES,
        "subject_types_supported": ["public"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "claims_supported": SUPPORTED_CLAIMS,
    })
}

pub fn jwks(provider: &Provider) -> Value {
    let keys: Vec<Value> = provider.key_set().published().iter().map(|key| key.public_jwk()).collect();
    json!({ "keys": keys })
}

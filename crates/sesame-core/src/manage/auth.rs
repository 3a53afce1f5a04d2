//! Who is calling the Management API: a Bearer JWT for the Management API resource, signed
//! by us, carrying the `all` scope (Logto's rule).

use serde_json::Value;

use crate::error::{codes, ApiError};
use crate::provider::Provider;

pub const ALL_SCOPE: &str = "all";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A machine-to-machine app (token `sub` == `client_id`).
    Application(String),
    User(String),
}

fn unauthorized(message: &'static str) -> ApiError {
    ApiError::new(401, codes::AUTH_UNAUTHORIZED, message)
}

pub fn authenticate(provider: &Provider, bearer: Option<&str>) -> Result<Caller, ApiError> {
    let token = bearer.ok_or_else(|| unauthorized("Authorization header is missing."))?;
    let claims = provider.verify_jws(token).ok_or_else(|| unauthorized("Invalid access token."))?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("iss") != Some(provider.issuer.as_str()) || text("aud") != Some(provider.management_api.as_str()) {
        return Err(unauthorized("The token is not for the Management API."));
    }
    let expires = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if expires <= provider.now_secs() {
        return Err(unauthorized("The access token has expired."));
    }
    let subject = text("sub").ok_or_else(|| unauthorized("Invalid access token."))?.to_owned();
    if !text("scope").unwrap_or_default().split(' ').any(|scope| scope == ALL_SCOPE) {
        return Err(ApiError::new(403, codes::AUTH_FORBIDDEN, "The access token lacks the `all` scope."));
    }
    Ok(if text("client_id") == Some(subject.as_str()) { Caller::Application(subject) } else { Caller::User(subject) })
}

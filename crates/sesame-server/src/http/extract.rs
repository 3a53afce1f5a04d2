//! Extractors that reject bad input in the protocol's own error shape.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, Method};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sesame_core::error::{codes, ApiError, OidcError};
use sesame_core::oidc::client::ClientCredentials;
use sesame_core::oidc::params::Params;

use super::error::{ApiErrorResponse, OAuthJsonError};

const MAX_BODY: usize = 64 * 1024;

/// OAuth parameters from the query (GET) or a form / JSON body (POST).
pub struct OAuthParams(pub Params);

impl<S: Send + Sync> FromRequest<S> for OAuthParams {
    type Rejection = OAuthJsonError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Self::parse(req, state).await.map_err(OAuthJsonError)
    }
}

impl OAuthParams {
    async fn parse<S: Send + Sync>(req: Request, state: &S) -> Result<Self, OidcError> {
        if req.method() == Method::GET || req.method() == Method::HEAD {
            let query = req.uri().query().unwrap_or_default();
            return Ok(Self(Params::new(form_pairs(query.as_bytes()))));
        }
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/json"));
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|_| OidcError::invalid_request("could not read the request body"))?;
        if body.len() > MAX_BODY || body.contains(&0) {
            return Err(OidcError::invalid_request("request body is invalid"));
        }
        let pairs = if is_json { json_pairs(&body)? } else { form_pairs(&body) };
        Ok(Self(Params::new(pairs)))
    }
}

fn form_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(bytes).into_owned().collect()
}

/// Flattens a JSON object (Logto accepts JSON token requests) into parameter pairs.
fn json_pairs(body: &[u8]) -> Result<Vec<(String, String)>, OidcError> {
    let invalid = || OidcError::invalid_request("request body must be a JSON object");
    let Value::Object(map) = serde_json::from_slice(body).map_err(|_| invalid())? else {
        return Err(invalid());
    };
    let mut pairs = Vec::new();
    for (key, value) in map {
        let values = match value {
            Value::Array(items) => items,
            other => vec![other],
        };
        for item in values {
            let text = match item {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => continue,
                _ => return Err(invalid()),
            };
            pairs.push((key.clone(), text));
        }
    }
    Ok(pairs)
}

/// Client credentials from `Authorization: Basic` (RFC 6749 §2.3.1: form-encoded parts).
pub fn client_credentials(parts_headers: &axum::http::HeaderMap, params: &Params) -> Result<ClientCredentials, OidcError> {
    let basic = match parts_headers.get(header::AUTHORIZATION) {
        Some(value) => Some(parse_basic(value.to_str().unwrap_or_default())?),
        None => None,
    };
    Ok(ClientCredentials {
        basic,
        body_client_id: params.get("client_id")?.map(str::to_owned),
        body_client_secret: params.get("client_secret")?.map(str::to_owned),
    })
}

fn parse_basic(value: &str) -> Result<(String, String), OidcError> {
    let invalid = || OidcError::invalid_request("invalid authorization header value format");
    let encoded = value.strip_prefix("Basic ").ok_or_else(invalid)?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).map_err(|_| invalid())?).map_err(|_| invalid())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(invalid)?;
    let decode = |part: &str| -> Result<String, OidcError> {
        url::form_urlencoded::parse(format!("v={part}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .ok_or_else(invalid)
    };
    Ok((decode(id)?, decode(secret)?))
}

/// A bearer token from `Authorization: Bearer`.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned()).filter(|t| !t.is_empty())
}

/// A JSON body for the Logto APIs; malformed input is `guard.invalid_input`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiErrorResponse;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::new(400, codes::GUARD_INVALID_INPUT, rejection.body_text()).into()),
        }
    }
}

/// Refuses cross-site calls to cookie-authenticated JSON APIs (defence in depth on top of
/// SameSite cookies and the JSON content type, which forces a CORS preflight).
pub struct SameSiteRequest;

impl<S: Send + Sync> FromRequestParts<S> for SameSiteRequest {
    type Rejection = ApiErrorResponse;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let site = parts.headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        if site == Some("cross-site") {
            return Err(ApiError::new(403, "auth.forbidden", "Cross-site requests are not allowed.").into());
        }
        Ok(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        let header = format!("Basic {}", STANDARD.encode("my%20app:s%3Acret"));
        assert_eq!(parse_basic(&header).expect("ok"), ("my app".into(), "s:cret".into()));
        assert!(parse_basic("Bearer x").is_err());
        assert!(parse_basic("Basic !!!").is_err());
    }

    #[test]
    fn json_bodies_flatten_arrays() {
        let pairs = json_pairs(br#"{"grant_type":"refresh_token","resource":["a","b"],"n":1}"#).expect("ok");
        assert_eq!(pairs.len(), 4);
        assert!(json_pairs(b"[1]").is_err());
        assert!(json_pairs(br#"{"a":{"b":1}}"#).is_err());
    }
}

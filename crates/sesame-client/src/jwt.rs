//! Compact JWS: decoding, signature verification with a JWK (ES384, ES256, RS256 through
//! aws-lc-rs) and the registered-claim checks (`iss`, `aud`, `exp`, `iat`, header `typ`).

use aws_lc_rs::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::TokenError;
use crate::jwks::Jwk;

/// The clock skew tolerated on `exp` and `iat`, in seconds.
///
/// ```
/// assert_eq!(sesame_client::CLOCK_LEEWAY_SECS, 30);
/// ```
pub const CLOCK_LEEWAY_SECS: i64 = 30;

/// The signature algorithms this crate verifies; anything else (`none`, HS*) is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Algorithm {
    Es256,
    Es384,
    Rs256,
}

impl Algorithm {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "ES256" => Some(Self::Es256),
            "ES384" => Some(Self::Es384),
            "RS256" => Some(Self::Rs256),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::Rs256 => "RS256",
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Header {
    pub alg: String,
    #[serde(default)]
    pub kid: Option<String>,
    #[serde(default)]
    pub typ: Option<String>,
}

/// A compact JWS split into its parts; nothing verified yet.
#[derive(Debug)]
pub(crate) struct Jws<'a> {
    pub header: Header,
    pub claims: Map<String, Value>,
    signing_input: &'a str,
    signature: Vec<u8>,
}

impl<'a> Jws<'a> {
    pub fn decode(token: &'a str) -> Result<Self, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed("a JWS has three dot-separated parts"));
        };
        let header: Header = decode_json(header).ok_or(TokenError::Malformed("the header is not base64url JSON"))?;
        let claims: Map<String, Value> = decode_json(payload).ok_or(TokenError::Malformed("the payload is not a base64url JSON object"))?;
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Malformed("the signature is not base64url"))?;
        let signing_input = &token[..header_and_payload_len(token)];
        Ok(Self { header, claims, signing_input, signature })
    }

    /// The algorithm, if it is one this crate accepts.
    pub fn algorithm(&self) -> Result<Algorithm, TokenError> {
        Algorithm::from_name(&self.header.alg).ok_or_else(|| TokenError::UnsupportedAlgorithm(self.header.alg.clone()))
    }

    /// Verifies the signature with `key`.
    pub fn verify_signature(&self, key: &Jwk) -> Result<(), TokenError> {
        let alg = self.algorithm()?;
        let unusable = |reason| TokenError::UnusableKey { kid: key.kid.clone().unwrap_or_default(), alg: alg.name().to_owned(), reason };
        if key.alg.as_deref().is_some_and(|key_alg| key_alg != alg.name()) {
            return Err(unusable("the key is published for another algorithm"));
        }
        if key.key_use.as_deref().is_some_and(|key_use| key_use != "sig") {
            return Err(unusable("the key is not a signing key"));
        }
        let message = self.signing_input.as_bytes();
        let verified = match alg {
            Algorithm::Es256 => verify_ec(key, "P-256", 32, &signature::ECDSA_P256_SHA256_FIXED, message, &self.signature),
            Algorithm::Es384 => verify_ec(key, "P-384", 48, &signature::ECDSA_P384_SHA384_FIXED, message, &self.signature),
            Algorithm::Rs256 => verify_rsa(key, message, &self.signature),
        };
        verified.map_err(|failure| match failure {
            KeyFailure::Unusable(reason) => unusable(reason),
            KeyFailure::BadSignature => TokenError::BadSignature,
        })
    }
}

fn header_and_payload_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(token.len())
}

fn decode_json<T: serde::de::DeserializeOwned>(part: &str) -> Option<T> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
}

/// The claims of a JWT, without verifying anything (what Logto's SDKs do for their own tokens).
pub(crate) fn decode_claims_unverified(token: &str) -> Result<Map<String, Value>, TokenError> {
    Jws::decode(token).map(|jws| jws.claims)
}

enum KeyFailure {
    Unusable(&'static str),
    BadSignature,
}

fn decode_member(value: Option<&str>, missing: &'static str) -> Result<Vec<u8>, KeyFailure> {
    let value = value.ok_or(KeyFailure::Unusable(missing))?;
    URL_SAFE_NO_PAD.decode(value).map_err(|_| KeyFailure::Unusable("a key member is not base64url"))
}

fn verify_ec(
    key: &Jwk,
    curve: &str,
    coordinate_len: usize,
    algorithm: &'static signature::EcdsaVerificationAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), KeyFailure> {
    if key.kty != "EC" || key.crv.as_deref() != Some(curve) {
        return Err(KeyFailure::Unusable("the key is not an EC key on the algorithm's curve"));
    }
    let x = decode_member(key.x.as_deref(), "the EC key has no x")?;
    let y = decode_member(key.y.as_deref(), "the EC key has no y")?;
    if x.len() != coordinate_len || y.len() != coordinate_len {
        return Err(KeyFailure::Unusable("the EC coordinates have the wrong length"));
    }
    let mut point = Vec::with_capacity(1 + 2 * coordinate_len);
    point.push(0x04);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    UnparsedPublicKey::new(algorithm, point).verify(message, signature).map_err(|_| KeyFailure::BadSignature)
}

fn verify_rsa(key: &Jwk, message: &[u8], signature: &[u8]) -> Result<(), KeyFailure> {
    if key.kty != "RSA" {
        return Err(KeyFailure::Unusable("the key is not an RSA key"));
    }
    let n = decode_member(key.n.as_deref(), "the RSA key has no n")?;
    let e = decode_member(key.e.as_deref(), "the RSA key has no e")?;
    let components = RsaPublicKeyComponents { n: strip_leading_zeros(&n), e: strip_leading_zeros(&e) };
    components.verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, signature).map_err(|_| KeyFailure::BadSignature)
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|byte| *byte != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// What a token's registered claims must say.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expectations<'a> {
    pub issuer: &'a str,
    pub audience: &'a str,
    pub now: i64,
    /// The header `typ` the token must carry (compared case-insensitively, `application/` optional).
    pub typ: Option<&'static str>,
}

/// Checks `typ`, `iss`, `aud`, `exp` and `iat` (with [`CLOCK_LEEWAY_SECS`]).
pub(crate) fn check_claims(jws: &Jws<'_>, expected: &Expectations<'_>) -> Result<(), TokenError> {
    if let Some(typ) = expected.typ {
        let found = jws.header.typ.clone().unwrap_or_default();
        let normalized = found.to_ascii_lowercase();
        if normalized.strip_prefix("application/").unwrap_or(&normalized) != typ {
            return Err(TokenError::WrongType { expected: typ, found });
        }
    }
    let claims = &jws.claims;
    let issuer = claims.get("iss").and_then(Value::as_str).unwrap_or_default();
    if issuer != expected.issuer {
        return Err(TokenError::WrongIssuer { expected: expected.issuer.to_owned(), found: issuer.to_owned() });
    }
    let audience = claims.get("aud").cloned().unwrap_or(Value::Null);
    let audience_matches = match &audience {
        Value::String(aud) => aud == expected.audience,
        Value::Array(auds) => auds.iter().any(|aud| aud.as_str() == Some(expected.audience)),
        _ => false,
    };
    if !audience_matches {
        return Err(TokenError::WrongAudience { expected: expected.audience.to_owned(), found: audience.to_string() });
    }
    let now = expected.now;
    let exp = numeric_date(claims, "exp").ok_or(TokenError::Expired { exp: 0, now })?;
    if now > exp.saturating_add(CLOCK_LEEWAY_SECS) {
        return Err(TokenError::Expired { exp, now });
    }
    let iat = numeric_date(claims, "iat").ok_or(TokenError::IssuedInFuture { iat: i64::MAX, now })?;
    if iat > now.saturating_add(CLOCK_LEEWAY_SECS) {
        return Err(TokenError::IssuedInFuture { iat, now });
    }
    Ok(())
}

fn numeric_date(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    let value = claims.get(name)?;
    #[allow(clippy::cast_possible_truncation)]
    value.as_i64().or_else(|| value.as_f64().filter(|secs| secs.is_finite()).map(|secs| secs.floor() as i64))
}

/// Converts verified claims into a typed claim set.
pub(crate) fn into_typed<T: serde::de::DeserializeOwned>(claims: Map<String, Value>) -> Result<T, TokenError> {
    serde_json::from_value(Value::Object(claims)).map_err(|err| TokenError::InvalidClaims(err.to_string()))
}

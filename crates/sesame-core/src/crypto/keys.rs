//! OIDC signing keys: EC P-384 (ES384, Logto's default), stored as PKCS#8 PEM under the
//! `oidc.privateKeys` config row, identified by their RFC 7638 thumbprint.

use aws_lc_rs::signature::{
    EcdsaKeyPair, KeyPair, ECDSA_P384_SHA384_FIXED, ECDSA_P384_SHA384_FIXED_SIGNING,
};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "ES384";
const P384_COORDINATE_LEN: usize = 48;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key generation failed")]
    Generate,
    #[error("stored key is not a P-384 PKCS#8 key")]
    Malformed,
    #[error("signing failed")]
    Sign,
}

/// A key as stored, in Logto's `oidc.privateKeys` shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredKey {
    pub id: String,
    /// PKCS#8 PEM.
    pub value: String,
    /// Epoch seconds.
    pub created_at: i64,
    /// Epoch seconds from which the key signs; until then it is only published, so verifiers
    /// can fetch it before they meet a token it signed. Absent: since `created_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activates_at: Option<i64>,
}

impl StoredKey {
    pub fn activates_at(&self) -> i64 {
        self.activates_at.unwrap_or(self.created_at)
    }
}

/// A parsed key pair, ready to sign without re-parsing (parsing dominates signing cost).
#[derive(Debug)]
pub struct SigningKey {
    pub kid: String,
    /// The stored key's id (Logto's `oidc.privateKeys[].id`).
    pub id: String,
    pub created_at: i64,
    pub activates_at: i64,
    pair: EcdsaKeyPair,
}

impl SigningKey {
    pub fn generate(id: String, created_at: i64) -> Result<StoredKey, KeyError> {
        let pair = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_FIXED_SIGNING).map_err(|_| KeyError::Generate)?;
        let der = pair.to_pkcs8v1().map_err(|_| KeyError::Generate)?;
        Ok(StoredKey { id, value: pem_encode(der.as_ref()), created_at, activates_at: None })
    }

    pub fn from_stored(stored: &StoredKey) -> Result<Self, KeyError> {
        let der = pem_decode(&stored.value).ok_or(KeyError::Malformed)?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &der).map_err(|_| KeyError::Malformed)?;
        let kid = thumbprint(pair.public_key().as_ref()).ok_or(KeyError::Malformed)?;
        Ok(Self { kid, id: stored.id.clone(), created_at: stored.created_at, activates_at: stored.activates_at(), pair })
    }

    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let signature = self.pair.sign(&rng, message).map_err(|_| KeyError::Sign)?;
        Ok(signature.as_ref().to_vec())
    }

    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        aws_lc_rs::signature::UnparsedPublicKey::new(&ECDSA_P384_SHA384_FIXED, self.pair.public_key().as_ref())
            .verify(message, signature)
            .is_ok()
    }

    /// The public JWK published at the JWKS endpoint.
    pub fn public_jwk(&self) -> Value {
        let (x, y) = coordinates(self.pair.public_key().as_ref()).unwrap_or_default();
        json!({"kty": "EC", "crv": "P-384", "x": x, "y": y, "kid": self.kid, "alg": ALGORITHM, "use": "sig"})
    }
}

/// Base64url x and y of an uncompressed SEC1 point (`04 || x || y`).
fn coordinates(point: &[u8]) -> Option<(String, String)> {
    let rest = point.strip_prefix(&[0x04])?;
    if rest.len() != 2 * P384_COORDINATE_LEN {
        return None;
    }
    let (x, y) = rest.split_at(P384_COORDINATE_LEN);
    Some((URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y)))
}

/// RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.
fn thumbprint(point: &[u8]) -> Option<String> {
    let (x, y) = coordinates(point)?;
    let canonical = format!(r#"{{"crv":"P-384","kty":"EC","x":"{x}","y":"{y}"}}"#);
    Some(URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes())))
}

fn pem_encode(der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .filter_map(|chunk| std::str::from_utf8(chunk).ok())
        .collect();
    format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", lines.join("\n"))
}

fn pem_decode(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
    STANDARD.decode(body.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_round_trips_and_signs() {
        let stored = SigningKey::generate("k1".into(), 0).expect("generate");
        assert!(stored.value.starts_with("-----BEGIN PRIVATE KEY-----"));
        let key = SigningKey::from_stored(&stored).expect("parse");
        let again = SigningKey::from_stored(&stored).expect("parse again");
        assert_eq!(key.kid, again.kid, "kid is derived from the key, not random");
        let sig = key.sign(b"hello").expect("sign");
        assert_eq!(sig.len(), 96);
        assert!(key.verify(b"hello", &sig));
        assert!(!key.verify(b"hellO", &sig));
        let jwk = key.public_jwk();
        assert_eq!(jwk["kid"], key.kid.as_str());
        assert_eq!(jwk["crv"], "P-384");
    }

    #[test]
    fn thumbprint_matches_rfc7638_construction() {
        // Independent recomputation from the published JWK members.
        let key = SigningKey::from_stored(&SigningKey::generate("k".into(), 0).expect("gen")).expect("parse");
        let jwk = key.public_jwk();
        let canonical = format!(
            r#"{{"crv":"P-384","kty":"EC","x":"{}","y":"{}"}}"#,
            jwk["x"].as_str().unwrap_or_default(),
            jwk["y"].as_str().unwrap_or_default()
        );
        assert_eq!(key.kid, URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes())));
    }

    #[test]
    fn garbage_is_rejected() {
        let bad = StoredKey {
            id: "x".into(),
            value: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----".into(),
            created_at: 0,
            activates_at: None,
        };
        assert!(SigningKey::from_stored(&bad).is_err());
    }
}

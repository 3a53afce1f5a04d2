//! Compact JWS with ES384: signing with a cached key pair and verifying against our own keys.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use serde_json::{json, Value};

use super::keys::{KeyError, SigningKey, ALGORITHM};

/// Signs `claims` into a compact JWS; `typ` is set for access tokens (`at+jwt`).
pub fn sign<C: Serialize>(key: &SigningKey, typ: Option<&str>, claims: &C) -> Result<String, KeyError> {
    let mut header = json!({"alg": ALGORITHM, "kid": key.kid});
    if let Some(typ) = typ {
        header["typ"] = Value::from(typ);
    }
    let header = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).map_err(|_| KeyError::Sign)?);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).map_err(|_| KeyError::Sign)?);
    let signing_input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(key.sign(signing_input.as_bytes())?);
    Ok(format!("{signing_input}.{signature}"))
}

/// Verifies a compact JWS signed by one of `keys` and returns its claims. Expiry is the
/// caller's business: an `id_token_hint` may legitimately be expired.
pub fn verify<'k>(token: &str, keys: impl IntoIterator<Item = &'k SigningKey>) -> Option<Value> {
    let mut parts = token.split('.');
    let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    if header.get("alg")?.as_str()? != ALGORITHM {
        return None;
    }
    let kid = header.get("kid")?.as_str()?;
    let key = keys.into_iter().find(|key| key.kid == kid)?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let signing_input_len = token.len() - token.rsplit('.').next()?.len() - 1;
    key.verify(token.get(..signing_input_len)?.as_bytes(), &signature)
        .then(|| URL_SAFE_NO_PAD.decode(payload).ok())
        .flatten()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_stored(&SigningKey::generate("k".into(), 0).expect("gen")).expect("parse")
    }

    #[test]
    fn signs_and_verifies() {
        let key = key();
        let token = sign(&key, Some("at+jwt"), &json!({"sub": "u1"})).expect("sign");
        assert_eq!(verify(&token, [&key]).expect("valid")["sub"], "u1");
    }

    #[test]
    fn rejects_tampering_foreign_keys_and_alg_none() {
        let key = key();
        let token = sign(&key, None, &json!({"sub": "u1"})).expect("sign");
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"sub":"admin"}"#);
        parts[1] = &forged;
        assert!(verify(&parts.join("."), [&key]).is_none());
        assert!(verify(&token, [&self::key()]).is_none(), "another key's kid does not match");
        let none_header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","kid":"{}"}}"#, key.kid));
        let none = format!("{none_header}.{}.", URL_SAFE_NO_PAD.encode(br#"{"sub":"x"}"#));
        assert!(verify(&none, [&key]).is_none());
        assert!(verify("a.b", [&key]).is_none());
    }
}

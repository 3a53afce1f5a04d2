//! Identifier and bearer-value generation, in Logto's formats.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::distributions::{Alphanumeric, Distribution, Slice};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

const LOWER_ALNUM: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

fn lower_alnum(len: usize) -> String {
    let alphabet = Slice::new(LOWER_ALNUM).unwrap_or_else(|_| unreachable!("alphabet is not empty"));
    alphabet.sample_iter(OsRng).take(len).map(|&b| char::from(b)).collect()
}

/// A user id: 12 characters of `[0-9a-z]`.
pub fn user_id() -> String {
    lower_alnum(12)
}

/// Any other entity id: 21 characters of `[0-9a-z]`.
pub fn entity_id() -> String {
    lower_alnum(21)
}

/// An application secret: 32 characters of `[0-9a-zA-Z]`, like Logto's.
pub fn app_secret() -> String {
    Alphanumeric.sample_iter(OsRng).take(32).map(char::from).collect()
}

/// A bearer value (code, token, session id): 256 random bits, base64url.
pub fn bearer_value() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The store key of a bearer value: a database leak must not hand out live tokens.
pub fn bearer_key(value: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(value.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_logto_formats() {
        let user = user_id();
        assert_eq!(user.len(), 12);
        assert!(user.bytes().all(|b| LOWER_ALNUM.contains(&b)));
        assert_eq!(entity_id().len(), 21);
        let secret = app_secret();
        assert_eq!(secret.len(), 32);
        assert!(secret.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(bearer_value(), bearer_value());
        assert_eq!(bearer_value().len(), 43);
    }

    #[test]
    fn bearer_key_is_stable_and_hides_the_value() {
        assert_eq!(bearer_key("abc"), bearer_key("abc"));
        assert_ne!(bearer_key("abc"), "abc");
    }
}

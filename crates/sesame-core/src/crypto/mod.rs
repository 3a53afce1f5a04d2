//! Cryptography: signing keys and JWS, password hashing, constant-time comparison.

pub mod jws;
pub mod keys;
pub mod password;

/// Compares two secrets in time independent of where they differ.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

//! Password hashing with Logto's parameters (Argon2i, m=8192 KiB, t=8, p=1), so users imported
//! from Logto keep working. Hashing is CPU-heavy: it runs on tokio's blocking pool, bounded by a
//! semaphore so a burst of sign-ins cannot exhaust memory or threads.

use std::sync::{Arc, OnceLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

pub const ARGON2I: &str = "Argon2i";
const MEMORY_KIB: u32 = 8192;
const ITERATIONS: u32 = 8;
const PARALLELISM: u32 = 1;
const OUTPUT_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed")]
    Hash,
    #[error("password worker stopped")]
    Worker,
}

fn logto_argon2i() -> Result<Argon2<'static>, PasswordError> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, Some(OUTPUT_LEN)).map_err(|_| PasswordError::Hash)?;
    Ok(Argon2::new(Algorithm::Argon2i, Version::V0x13, params))
}

fn hash_blocking(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(logto_argon2i()?.hash_password(password.as_bytes(), &salt).map_err(|_| PasswordError::Hash)?.to_string())
}

/// Verifies against any stored method Sesame understands: Argon2i/id/d (PHC) and bcrypt.
fn verify_blocking(password: &str, method: &str, hash: &str) -> bool {
    match method {
        "Argon2i" | "Argon2id" | "Argon2d" => PasswordHash::new(hash)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false),
        "Bcrypt" => bcrypt::verify(password, hash).unwrap_or(false),
        _ => false,
    }
}

/// A hash of a password nobody knows, verified for unknown users so that they take as long
/// as known ones (no user enumeration by timing).
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_blocking(&crate::ids::bearer_value()).unwrap_or_default())
}

#[derive(Debug, Clone)]
pub struct PasswordHasherPool {
    permits: Arc<Semaphore>,
}

impl PasswordHasherPool {
    pub fn new(max_concurrent: usize) -> Self {
        Self { permits: Arc::new(Semaphore::new(max_concurrent.max(1))) }
    }

    async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> Result<T, PasswordError> {
        let _permit = self.permits.acquire().await.map_err(|_| PasswordError::Worker)?;
        tokio::task::spawn_blocking(job).await.map_err(|_| PasswordError::Worker)
    }

    /// Returns `(hash, method)` for storing.
    pub async fn hash(&self, password: &str) -> Result<(String, &'static str), PasswordError> {
        let password = password.to_owned();
        let hash = self.run(move || hash_blocking(&password)).await??;
        Ok((hash, ARGON2I))
    }

    /// `stored` is `(method, hash)`; `None` (unknown user, no password) runs the decoy check.
    pub async fn verify(&self, password: &str, stored: Option<(String, String)>) -> Result<bool, PasswordError> {
        let password = password.to_owned();
        self.run(move || match stored {
            Some((method, hash)) => verify_blocking(&password, &method, &hash),
            None => {
                verify_blocking(&password, ARGON2I, decoy_hash());
                false
            }
        })
        .await
    }

    /// Computes the decoy hash ahead of the first sign-in.
    pub async fn warm_up(&self) -> Result<(), PasswordError> {
        self.run(|| {
            decoy_hash();
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_logto_parameters_and_verifies() {
        let pool = PasswordHasherPool::new(2);
        let (hash, method) = pool.hash("correct horse").await.expect("hash");
        assert_eq!(method, "Argon2i");
        assert!(hash.starts_with("$argon2i$v=19$m=8192,t=8,p=1$"), "{hash}");
        assert!(pool.verify("correct horse", Some((method.into(), hash.clone()))).await.expect("verify"));
        assert!(!pool.verify("wrong horse", Some((method.into(), hash))).await.expect("verify"));
        assert!(!pool.verify("anything", None).await.expect("decoy"));
    }

    #[tokio::test]
    async fn verifies_imported_argon2id_and_bcrypt() {
        let pool = PasswordHasherPool::new(1);
        let salt = SaltString::generate(&mut OsRng);
        let argon2id = Argon2::default().hash_password(b"pw-1", &salt).expect("hash").to_string();
        assert!(pool.verify("pw-1", Some(("Argon2id".into(), argon2id))).await.expect("verify"));
        let bcrypt_hash = bcrypt::hash("pw-2", 4).expect("bcrypt");
        assert!(pool.verify("pw-2", Some(("Bcrypt".into(), bcrypt_hash.clone()))).await.expect("verify"));
        assert!(!pool.verify("pw-3", Some(("Bcrypt".into(), bcrypt_hash))).await.expect("verify"));
        assert!(!pool.verify("pw", Some(("MD5".into(), "x".into()))).await.expect("unknown method"));
    }
}

//! Password hashing with Logto's parameters (Argon2i, m=8192 KiB, t=8, p=1), so users imported
//! from Logto keep working. Hashing is CPU-heavy: it runs on tokio's blocking pool, bounded by a
//! semaphore so a burst of sign-ins cannot exhaust memory or threads.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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

/// Argon2 working memory (8 MiB with Logto's parameters) kept for the next hash. Allocating
/// and freeing it per hash, on whichever blocking thread runs it, fragments the allocator's
/// per-thread arenas: under a sign-in load the process grew by over 100 MB and kept it. At most
/// one buffer per concurrent hash exists (the pool's semaphore bounds them).
static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());
/// Larger buffers (imported hashes with a big `m`) are freed after use, not kept.
const KEPT_BLOCKS: usize = 64 * 1024;

fn with_memory<T>(blocks: usize, job: impl FnOnce(&mut [Block]) -> T) -> T {
    let mut memory = MEMORY.lock().unwrap_or_else(PoisonError::into_inner).pop().unwrap_or_default();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let outcome = job(&mut memory[..blocks]);
    if memory.len() <= KEPT_BLOCKS {
        MEMORY.lock().unwrap_or_else(PoisonError::into_inner).push(memory);
    }
    outcome
}

/// Argon2 of `password` under `argon2`'s parameters into `out`, in pooled memory.
fn argon2_into(argon2: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), argon2::Error> {
    with_memory(argon2.params().block_count(), |memory| argon2.hash_password_into_with_memory(password, salt, out, memory))
}

fn hash_blocking(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    let argon2 = logto_argon2i()?;
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes).map_err(|_| PasswordError::Hash)?;
    let mut out = [0u8; OUTPUT_LEN];
    argon2_into(&argon2, password.as_bytes(), salt_bytes, &mut out).map_err(|_| PasswordError::Hash)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2i.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params()).map_err(|_| PasswordError::Hash)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|_| PasswordError::Hash)?),
    };
    Ok(phc.to_string())
}

/// What `Argon2::default().verify_password` does (algorithm, version, parameters and salt from
/// the PHC string; constant-time comparison), in pooled memory.
fn verify_argon2(password: &str, hash: &str) -> bool {
    let verified = || -> Option<bool> {
        let parsed = PasswordHash::new(hash).ok()?;
        let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
        let version = parsed.version.map(Version::try_from).transpose().ok()?.unwrap_or_default();
        let params = Params::try_from(&parsed).ok()?;
        let expected = parsed.hash?;
        let mut salt = [0u8; 64];
        let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
        let mut out = vec![0u8; expected.len()];
        argon2_into(&Argon2::new(algorithm, version, params), password.as_bytes(), salt, &mut out).ok()?;
        Some(Output::new(&out).ok()? == expected)
    };
    verified().unwrap_or(false)
}

/// Verifies against any stored method Sesame understands: Argon2i/id/d (PHC) and bcrypt.
fn verify_blocking(password: &str, method: &str, hash: &str) -> bool {
    match method {
        "Argon2i" | "Argon2id" | "Argon2d" => verify_argon2(password, hash),
        "Bcrypt" => bcrypt::verify(password, hash).unwrap_or(false),
        _ => false,
    }
}

/// A hash of a password nobody knows, verified for unknown users so that they take as long
/// as known ones (no user enumeration by timing).
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        // Outside the memory pool: at start-up, so an idle server does not hold 8 MiB for it.
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::generate(&mut OsRng);
        logto_argon2i()
            .ok()
            .and_then(|argon2| argon2.hash_password(crate::ids::bearer_value().as_bytes(), &salt).ok().map(|hash| hash.to_string()))
            .unwrap_or_default()
    })
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

    #[test]
    fn pooled_hashing_agrees_with_the_argon2_crate_both_ways() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let ours = hash_blocking("pw-0").expect("hash");
        let parsed = PasswordHash::new(&ours).expect("PHC");
        assert!(Argon2::default().verify_password(b"pw-0", &parsed).is_ok());
        assert!(Argon2::default().verify_password(b"pw-1", &parsed).is_err());
        for (algorithm, params) in [
            (Algorithm::Argon2i, Params::new(8192, 8, 1, Some(32))),
            (Algorithm::Argon2id, Params::new(4096, 3, 2, Some(16))),
            (Algorithm::Argon2d, Params::new(1024, 2, 1, None)),
        ] {
            let salt = SaltString::generate(&mut OsRng);
            let theirs = Argon2::new(algorithm, Version::V0x13, params.expect("params")).hash_password(b"pw-2", &salt).expect("hash").to_string();
            assert!(verify_argon2("pw-2", &theirs), "{theirs}");
            assert!(!verify_argon2("pw-3", &theirs), "{theirs}");
        }
        assert!(!verify_argon2("pw", "not a PHC string"));
        assert!(!verify_argon2("pw", "$argon2i$v=19$m=8192,t=8,p=1$c2FsdHNhbHQ"), "no hash part");
    }

    #[tokio::test]
    async fn verifies_imported_argon2id_and_bcrypt() {
        let pool = PasswordHasherPool::new(1);
        let salt = SaltString::generate(&mut OsRng);
        let argon2id = argon2::password_hash::PasswordHasher::hash_password(&Argon2::default(), b"pw-1", &salt).expect("hash").to_string();
        assert!(pool.verify("pw-1", Some(("Argon2id".into(), argon2id))).await.expect("verify"));
        let bcrypt_hash = bcrypt::hash("pw-2", 4).expect("bcrypt");
        assert!(pool.verify("pw-2", Some(("Bcrypt".into(), bcrypt_hash.clone()))).await.expect("verify"));
        assert!(!pool.verify("pw-3", Some(("Bcrypt".into(), bcrypt_hash))).await.expect("verify"));
        assert!(!pool.verify("pw", Some(("MD5".into(), "x".into()))).await.expect("unknown method"));
    }
}

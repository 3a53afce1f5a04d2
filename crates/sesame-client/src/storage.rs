//! Where a user's sign-in state lives between requests: the [`Storage`] port, its in-memory
//! default, and the keys the client writes (the same names as Logto's Python SDK).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

/// The keys [`SesameClient`](crate::SesameClient) reads and writes, named as in Logto's SDKs.
///
/// ```
/// assert_eq!(sesame_client::storage_keys::ID_TOKEN, "idToken");
/// ```
pub mod storage_keys {
    /// The raw ID token of the signed-in user.
    pub const ID_TOKEN: &str = "idToken";
    /// The refresh token (rotated tokens replace it).
    pub const REFRESH_TOKEN: &str = "refreshToken";
    /// JSON map of cached access tokens by resource (`""` is the userinfo token).
    pub const ACCESS_TOKEN_MAP: &str = "accessTokenMap";
    /// JSON of the pending sign-in: redirect URI, PKCE verifier and state.
    pub const SIGN_IN_SESSION: &str = "signInSession";
}

/// A failure of the backing store, carried through [`Error::Storage`](crate::Error::Storage).
///
/// ```
/// let error = sesame_client::StorageError::new(std::io::Error::other("disk full"));
/// assert_eq!(error.to_string(), "storage failed: disk full");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("storage failed: {0}")]
pub struct StorageError(#[source] Box<dyn std::error::Error + Send + Sync>);

impl StorageError {
    /// Wraps any error of a storage backend.
    ///
    /// ```
    /// let _ = sesame_client::StorageError::new(std::io::Error::other("gone"));
    /// ```
    pub fn new(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self(Box::new(source))
    }
}

/// Per-user persistence of string values by string key (see [`storage_keys`]).
///
/// A web app keeps one storage per browser session (`sesame-axum` provides one); a CLI or a
/// test can use [`MemoryStorage`].
///
/// ```
/// use async_trait::async_trait;
/// use sesame_client::{Storage, StorageError};
///
/// struct Nowhere;
///
/// #[async_trait]
/// impl Storage for Nowhere {
///     async fn get(&self, _key: &str) -> Result<Option<String>, StorageError> { Ok(None) }
///     async fn set(&self, _key: &str, _value: String) -> Result<(), StorageError> { Ok(()) }
///     async fn delete(&self, _key: &str) -> Result<(), StorageError> { Ok(()) }
/// }
/// ```
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// The value stored under `key`, if any.
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError>;
    /// Stores `value` under `key`, replacing any previous value.
    async fn set(&self, key: &str, value: String) -> Result<(), StorageError>;
    /// Removes `key`; removing a missing key is not an error.
    async fn delete(&self, key: &str) -> Result<(), StorageError>;
}

/// A process-local map; clones share the same map. Fine for tests, scripts and single-user
/// tools; a web app needs one storage per browser session instead.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), sesame_client::StorageError> {
/// use sesame_client::{MemoryStorage, Storage};
/// let storage = MemoryStorage::new();
/// storage.set("idToken", "x.y.z".into()).await?;
/// assert_eq!(storage.get("idToken").await?.as_deref(), Some("x.y.z"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryStorage(Arc<Mutex<HashMap<String, String>>>);

impl MemoryStorage {
    /// An empty storage.
    ///
    /// ```
    /// let storage = sesame_client::MemoryStorage::new();
    /// # let _ = storage;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    fn map(&self) -> MutexGuard<'_, HashMap<String, String>> {
        // A panic while holding the lock cannot leave a HashMap half-updated in a way that
        // matters here, so a poisoned lock is still usable.
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl Storage for MemoryStorage {
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        Ok(self.map().get(key).cloned())
    }

    async fn set(&self, key: &str, value: String) -> Result<(), StorageError> {
        self.map().insert(key.to_owned(), value);
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.map().remove(key);
        Ok(())
    }
}

//! Server-side sessions: a [`SessionStore`] maps a random session id (carried in a signed
//! cookie) to the key/value strings `sesame-client` stores, and [`SessionStorage`] adapts one
//! session to the client's [`Storage`] port.
//!
//! Why server-side rather than the tokens themselves in a cookie: an ID token, a refresh token
//! and a few access tokens (one per API resource and organization) easily pass the 4 KB a
//! browser keeps per cookie, and tokens in a cookie cannot be revoked by the app. The cookie
//! holds only a 256-bit random id, HMAC-signed. [`MemorySessionStore`] keeps sessions in
//! process memory (lost on restart, one node only); implement [`SessionStore`] over Redis or
//! a database for more.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sesame_client::{Clock, Storage, StorageError, SystemClock};

/// Sessions idle for longer than this are forgotten (14 days, Logto's refresh-token lifetime).
///
/// ```
/// assert_eq!(sesame_axum::session::DEFAULT_IDLE_TIMEOUT_SECS, 14 * 24 * 3600);
/// ```
pub const DEFAULT_IDLE_TIMEOUT_SECS: i64 = 14 * 24 * 3600;
/// How many sessions [`MemorySessionStore`] keeps before evicting the least recently used.
///
/// ```
/// assert_eq!(sesame_axum::session::DEFAULT_MAX_SESSIONS, 100_000);
/// ```
pub const DEFAULT_MAX_SESSIONS: usize = 100_000;

/// A fresh random session id (32 bytes from the system RNG, base64url).
///
/// # Errors
/// When the system random number generator fails.
///
/// ```
/// let id = sesame_axum::new_session_id()?;
/// assert_eq!(id.len(), 43);
/// # Ok::<(), sesame_client::Error>(())
/// ```
pub fn new_session_id() -> Result<String, sesame_client::Error> {
    let mut bytes = [0_u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| sesame_client::Error::RandomnessUnavailable)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Where sessions live: string values by session id and key.
///
/// ```
/// use async_trait::async_trait;
/// use sesame_axum::SessionStore;
/// use sesame_client::StorageError;
///
/// /// A store that remembers nothing (every request is signed out).
/// struct Amnesia;
///
/// #[async_trait]
/// impl SessionStore for Amnesia {
///     async fn get(&self, _: &str, _: &str) -> Result<Option<String>, StorageError> { Ok(None) }
///     async fn set(&self, _: &str, _: &str, _: String) -> Result<(), StorageError> { Ok(()) }
///     async fn delete(&self, _: &str, _: &str) -> Result<(), StorageError> { Ok(()) }
///     async fn destroy(&self, _: &str) -> Result<(), StorageError> { Ok(()) }
/// }
/// ```
#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// The value of `key` in session `session_id`.
    async fn get(&self, session_id: &str, key: &str) -> Result<Option<String>, StorageError>;
    /// Sets `key` in session `session_id`, creating the session if needed.
    async fn set(&self, session_id: &str, key: &str, value: String) -> Result<(), StorageError>;
    /// Removes `key` from session `session_id`.
    async fn delete(&self, session_id: &str, key: &str) -> Result<(), StorageError>;
    /// Forgets session `session_id` entirely.
    async fn destroy(&self, session_id: &str) -> Result<(), StorageError>;
}

#[derive(Debug)]
struct Session {
    values: HashMap<String, String>,
    last_used: i64,
}

#[derive(Debug, Default)]
struct Sessions {
    by_id: HashMap<String, Session>,
}

/// Sessions in process memory, with an idle timeout and a size cap (least recently used
/// sessions are evicted first). Clones share the same sessions.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), sesame_client::StorageError> {
/// use sesame_axum::{MemorySessionStore, SessionStore};
/// let store = MemorySessionStore::new();
/// store.set("session-1", "idToken", "x.y.z".into()).await?;
/// assert_eq!(store.get("session-1", "idToken").await?.as_deref(), Some("x.y.z"));
/// assert_eq!(store.get("session-2", "idToken").await?, None);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct MemorySessionStore {
    sessions: Arc<Mutex<Sessions>>,
    clock: Arc<dyn Clock>,
    idle_timeout_secs: i64,
    max_sessions: usize,
}

impl std::fmt::Debug for MemorySessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemorySessionStore")
            .field("sessions", &self.len())
            .field("idle_timeout_secs", &self.idle_timeout_secs)
            .field("max_sessions", &self.max_sessions)
            .finish()
    }
}

impl Default for MemorySessionStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemorySessionStore {
    /// An empty store with the default idle timeout and cap, on the system clock.
    ///
    /// ```
    /// let store = sesame_axum::MemorySessionStore::new();
    /// assert_eq!(store.len(), 0);
    /// ```
    pub fn new() -> Self {
        Self {
            sessions: Arc::default(),
            clock: Arc::new(SystemClock),
            idle_timeout_secs: DEFAULT_IDLE_TIMEOUT_SECS,
            max_sessions: DEFAULT_MAX_SESSIONS,
        }
    }

    /// Sets the idle timeout.
    ///
    /// ```
    /// let store = sesame_axum::MemorySessionStore::new().idle_timeout_secs(3600);
    /// # let _ = store;
    /// ```
    #[must_use]
    pub fn idle_timeout_secs(mut self, secs: i64) -> Self {
        self.idle_timeout_secs = secs;
        self
    }

    /// Sets the maximum number of sessions kept.
    ///
    /// ```
    /// let store = sesame_axum::MemorySessionStore::new().max_sessions(10);
    /// # let _ = store;
    /// ```
    #[must_use]
    pub fn max_sessions(mut self, max: usize) -> Self {
        self.max_sessions = max.max(1);
        self
    }

    /// Sets the clock (tests move a [`ManualClock`](sesame_client::ManualClock)).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// let store = sesame_axum::MemorySessionStore::new().clock(Arc::new(sesame_client::ManualClock::new()));
    /// # let _ = store;
    /// ```
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How many sessions are held (expired ones included until they are touched or evicted).
    ///
    /// ```
    /// assert_eq!(sesame_axum::MemorySessionStore::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    /// Whether no session is held.
    ///
    /// ```
    /// assert!(sesame_axum::MemorySessionStore::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Sessions> {
        // Every mutation below leaves the map consistent, so a poisoned lock is still usable.
        self.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The live session `id`, touched; an idle one is dropped.
    fn live<'s>(&self, sessions: &'s mut Sessions, id: &str, now: i64) -> Option<&'s mut Session> {
        let expired = sessions.by_id.get(id).is_some_and(|session| now - session.last_used > self.idle_timeout_secs);
        if expired {
            sessions.by_id.remove(id);
            return None;
        }
        let session = sessions.by_id.get_mut(id)?;
        session.last_used = now;
        Some(session)
    }

    /// Makes room for one more session: idle ones go first, then the least recently used.
    fn make_room(&self, sessions: &mut Sessions, now: i64) {
        if sessions.by_id.len() < self.max_sessions {
            return;
        }
        sessions.by_id.retain(|_, session| now - session.last_used <= self.idle_timeout_secs);
        while sessions.by_id.len() >= self.max_sessions {
            let oldest = sessions.by_id.iter().min_by_key(|(_, session)| session.last_used).map(|(id, _)| id.clone());
            match oldest {
                Some(id) => sessions.by_id.remove(&id),
                None => break,
            };
        }
    }
}

#[async_trait]
impl SessionStore for MemorySessionStore {
    async fn get(&self, session_id: &str, key: &str) -> Result<Option<String>, StorageError> {
        let now = self.clock.now_secs();
        let mut sessions = self.lock();
        Ok(self.live(&mut sessions, session_id, now).and_then(|session| session.values.get(key).cloned()))
    }

    async fn set(&self, session_id: &str, key: &str, value: String) -> Result<(), StorageError> {
        let now = self.clock.now_secs();
        let mut sessions = self.lock();
        if let Some(session) = self.live(&mut sessions, session_id, now) {
            session.values.insert(key.to_owned(), value);
            return Ok(());
        }
        self.make_room(&mut sessions, now);
        let values = HashMap::from([(key.to_owned(), value)]);
        sessions.by_id.insert(session_id.to_owned(), Session { values, last_used: now });
        Ok(())
    }

    async fn delete(&self, session_id: &str, key: &str) -> Result<(), StorageError> {
        let now = self.clock.now_secs();
        let mut sessions = self.lock();
        if let Some(session) = self.live(&mut sessions, session_id, now) {
            session.values.remove(key);
        }
        Ok(())
    }

    async fn destroy(&self, session_id: &str) -> Result<(), StorageError> {
        self.lock().by_id.remove(session_id);
        Ok(())
    }
}

/// One session of a [`SessionStore`] as `sesame-client`'s [`Storage`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), sesame_client::StorageError> {
/// use std::sync::Arc;
/// use sesame_axum::{MemorySessionStore, SessionStorage};
/// use sesame_client::Storage;
///
/// let storage = SessionStorage::new(Arc::new(MemorySessionStore::new()), "session-1".into());
/// storage.set("idToken", "x.y.z".into()).await?;
/// assert_eq!(storage.get("idToken").await?.as_deref(), Some("x.y.z"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SessionStorage {
    store: Arc<dyn SessionStore>,
    session_id: String,
}

impl std::fmt::Debug for SessionStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionStorage").finish_non_exhaustive()
    }
}

impl SessionStorage {
    /// The storage of session `session_id` in `store`.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// let storage = sesame_axum::SessionStorage::new(Arc::new(sesame_axum::MemorySessionStore::new()), "id".into());
    /// # let _ = storage;
    /// ```
    pub fn new(store: Arc<dyn SessionStore>, session_id: String) -> Self {
        Self { store, session_id }
    }
}

#[async_trait]
impl Storage for SessionStorage {
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        self.store.get(&self.session_id, key).await
    }

    async fn set(&self, key: &str, value: String) -> Result<(), StorageError> {
        self.store.set(&self.session_id, key, value).await
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.store.delete(&self.session_id, key).await
    }
}

#[cfg(test)]
mod tests {
    use sesame_client::ManualClock;

    use super::*;

    fn store(clock: &Arc<ManualClock>) -> MemorySessionStore {
        MemorySessionStore::new().idle_timeout_secs(100).max_sessions(2).clock(clock.clone())
    }

    #[tokio::test]
    async fn idle_sessions_expire_and_use_keeps_them_alive() -> Result<(), StorageError> {
        let clock = Arc::new(ManualClock::at(1_000));
        let store = store(&clock);
        store.set("a", "k", "1".into()).await?;
        clock.advance_secs(100);
        assert_eq!(store.get("a", "k").await?.as_deref(), Some("1"), "touched at the limit");
        clock.advance_secs(101);
        assert_eq!(store.get("a", "k").await?, None, "idle too long");
        assert!(store.is_empty());
        Ok(())
    }

    #[tokio::test]
    async fn the_cap_evicts_idle_then_least_recently_used_sessions() -> Result<(), StorageError> {
        let clock = Arc::new(ManualClock::at(1_000));
        let store = store(&clock);
        store.set("a", "k", "1".into()).await?;
        clock.advance_secs(1);
        store.set("b", "k", "2".into()).await?;
        clock.advance_secs(1);
        store.get("a", "k").await?;
        store.set("c", "k", "3".into()).await?;
        assert_eq!(store.len(), 2);
        assert_eq!(store.get("b", "k").await?, None, "b was the least recently used");
        assert_eq!(store.get("a", "k").await?.as_deref(), Some("1"));
        store.destroy("a").await?;
        assert_eq!(store.get("a", "k").await?, None);
        Ok(())
    }

    #[tokio::test]
    async fn deleting_keys_and_unknown_sessions() -> Result<(), StorageError> {
        let clock = Arc::new(ManualClock::at(1_000));
        let store = store(&clock);
        store.delete("nobody", "k").await?;
        assert!(store.is_empty(), "deleting does not create sessions");
        store.set("a", "k", "1".into()).await?;
        store.set("a", "other", "2".into()).await?;
        store.delete("a", "k").await?;
        assert_eq!(store.get("a", "k").await?, None);
        assert_eq!(store.get("a", "other").await?.as_deref(), Some("2"));
        Ok(())
    }
}

//! The deployment's signing keys as every node sees them: loaded from the `oidc.privateKeys`
//! config row, reloaded periodically, rotated with compare-and-swap so concurrent rotations
//! on two nodes cannot lose a key.

use std::sync::{Arc, RwLock};

use crate::crypto::keys::{KeyError, SigningKey, StoredKey};
use crate::ids;
use crate::store::{Store, StoreError};

pub const PRIVATE_KEYS: &str = "oidc.privateKeys";
/// How many times a rotation retries when another node changed the keys meanwhile.
const ROTATION_ATTEMPTS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("stored signing keys are malformed")]
    Malformed,
    #[error("the signing keys kept changing during rotation")]
    Contended,
}

/// Published keys, newest activation first.
#[derive(Debug)]
pub struct KeySet {
    keys: Vec<SigningKey>,
}

impl KeySet {
    fn new(stored: &[StoredKey]) -> Result<Self, KeyRingError> {
        let mut keys = stored.iter().map(SigningKey::from_stored).collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(KeyRingError::Malformed);
        }
        keys.sort_by_key(|key| std::cmp::Reverse(key.activates_at));
        Ok(Self { keys })
    }

    /// The key that signs at `now_secs`: the most recently activated one (a key awaiting
    /// activation only when nothing else exists).
    pub fn signer(&self, now_secs: i64) -> &SigningKey {
        self.keys.iter().find(|key| key.activates_at <= now_secs).unwrap_or_else(|| self.oldest())
    }

    fn oldest(&self) -> &SigningKey {
        // `new` refuses an empty set.
        &self.keys[self.keys.len() - 1]
    }

    pub fn published(&self) -> &[SigningKey] {
        &self.keys
    }
}

pub struct KeyRing {
    current: RwLock<Arc<KeySet>>,
}

impl KeyRing {
    /// Loads the keys, creating the first one on a fresh database (first writer wins).
    pub async fn load(store: &dyn Store, now_secs: i64) -> Result<Self, KeyRingError> {
        let stored = match read(store).await? {
            Some(stored) => stored,
            None => {
                let fresh = to_value(&[SigningKey::generate(ids::entity_id(), now_secs)?])?;
                parse(store.init_config(PRIVATE_KEYS, &fresh).await?)?
            }
        };
        Ok(Self { current: RwLock::new(Arc::new(KeySet::new(&stored)?)) })
    }

    pub fn keys(&self) -> Arc<KeySet> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Picks up keys another node rotated in.
    pub async fn reload(&self, store: &dyn Store) -> Result<(), KeyRingError> {
        let stored = read(store).await?.ok_or(KeyRingError::Malformed)?;
        self.replace(KeySet::new(&stored)?);
        Ok(())
    }

    fn replace(&self, set: KeySet) {
        let set = Arc::new(set);
        match self.current.write() {
            Ok(mut guard) => *guard = set,
            Err(poisoned) => *poisoned.into_inner() = set,
        }
    }

    /// Adds a new key that starts signing `grace_secs` from now; until then it is only
    /// published. Keeps the key signing now and drops older ones. Returns the stored keys.
    pub async fn rotate(&self, store: &dyn Store, now_secs: i64, grace_secs: i64) -> Result<Vec<StoredKey>, KeyRingError> {
        for _ in 0..ROTATION_ATTEMPTS {
            let before = read(store).await?.ok_or(KeyRingError::Malformed)?;
            let mut next = SigningKey::generate(ids::entity_id(), now_secs)?;
            next.activates_at = Some(now_secs + grace_secs.max(0));
            let signing_now = KeySet::new(&before)?.signer(now_secs).id.clone();
            let mut after = vec![next];
            after.extend(before.iter().filter(|key| key.id == signing_now).cloned());
            if store.swap_config(PRIVATE_KEYS, &to_value(&before)?, &to_value(&after)?).await? {
                self.replace(KeySet::new(&after)?);
                return Ok(after);
            }
        }
        Err(KeyRingError::Contended)
    }

    /// The stored keys (for listing them, without the private parts).
    pub async fn stored(&self, store: &dyn Store) -> Result<Vec<StoredKey>, KeyRingError> {
        read(store).await?.ok_or(KeyRingError::Malformed)
    }
}

async fn read(store: &dyn Store) -> Result<Option<Vec<StoredKey>>, KeyRingError> {
    store.get_config(PRIVATE_KEYS).await?.map(parse).transpose()
}

fn parse(value: serde_json::Value) -> Result<Vec<StoredKey>, KeyRingError> {
    serde_json::from_value(value).map_err(|_| KeyRingError::Malformed)
}

fn to_value(keys: &[StoredKey]) -> Result<serde_json::Value, KeyRingError> {
    serde_json::to_value(keys).map_err(|_| KeyRingError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(id: &str, activates_at: i64) -> StoredKey {
        let mut key = SigningKey::generate(id.into(), 0).expect("generate");
        key.activates_at = Some(activates_at);
        key
    }

    #[test]
    fn the_latest_active_key_signs_and_pending_keys_are_published_early() {
        let set = KeySet::new(&[stored("old", 100), stored("next", 200)]).expect("set");
        assert_eq!(set.signer(150).id, "old");
        assert_eq!(set.signer(200).id, "next");
        assert_eq!(set.published().len(), 2);
        let only_pending = KeySet::new(&[stored("next", 200)]).expect("set");
        assert_eq!(only_pending.signer(0).id, "next", "something must sign");
    }
}

//! The OIDC signing keys behind Logto's `/api/configs/oidc/private-keys`: listed without their
//! private parts, rotated with a grace period (the new key is published at once and signs once
//! verifiers had time to fetch it), and deleted unless the key signs now.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::input;
use crate::crypto::keys::StoredKey;
use crate::error::ApiError;
use crate::keyring::{KeyRingError, PRIVATE_KEYS};
use crate::provider::Provider;

pub const KEY_REQUIRED: &str = "oidc.key_required";
pub const KEY_NOT_FOUND: &str = "oidc.key_not_found";
/// How long a rotated-in key is only published before it signs, unless the caller says.
pub const DEFAULT_GRACE_SECONDS: i64 = 60;
/// The longest grace period accepted (30 days).
pub const MAX_GRACE_SECONDS: i64 = 30 * 86_400;
const DELETE_ATTEMPTS: usize = 5;

/// Logto's `SupportedSigningKeyAlgorithm`. Sesame signs with EC P-384 only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SigningKeyAlgorithm {
    #[serde(rename = "RSA")]
    Rsa,
    #[serde(rename = "EC")]
    Ec,
}

/// `POST /configs/oidc/private-keys/rotate`. `gracePeriodSeconds` is Sesame's extension.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RotateKeys {
    #[serde(default, deserialize_with = "input::present")]
    pub signing_key_algorithm: Option<SigningKeyAlgorithm>,
    #[serde(default, deserialize_with = "input::present")]
    pub grace_period_seconds: Option<i64>,
}

/// A key as listed: Logto's `oidcConfigKeysResponseGuard` (times in epoch seconds, as stored),
/// plus when the key starts signing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    pub id: String,
    pub created_at: i64,
    pub signing_key_algorithm: SigningKeyAlgorithm,
    pub activates_at: i64,
}

impl From<&StoredKey> for KeyView {
    fn from(key: &StoredKey) -> Self {
        Self { id: key.id.clone(), created_at: key.created_at, signing_key_algorithm: SigningKeyAlgorithm::Ec, activates_at: key.activates_at() }
    }
}

fn keyring_error(err: KeyRingError) -> ApiError {
    match err {
        KeyRingError::Store(err) => err.into(),
        other => {
            tracing::error!(error = %other, "signing key operation failed");
            ApiError::internal()
        }
    }
}

pub async fn list(provider: &Provider) -> Result<Vec<KeyView>, ApiError> {
    let stored = provider.keys.stored(provider.store.as_ref()).await.map_err(keyring_error)?;
    Ok(stored.iter().map(KeyView::from).collect())
}

pub async fn rotate(provider: &Provider, input: RotateKeys) -> Result<Vec<KeyView>, ApiError> {
    if input.signing_key_algorithm == Some(SigningKeyAlgorithm::Rsa) {
        return Err(ApiError::invalid_input("Only EC (P-384, ES384) signing keys are supported."));
    }
    let grace = input.grace_period_seconds.unwrap_or(DEFAULT_GRACE_SECONDS);
    if !(0..=MAX_GRACE_SECONDS).contains(&grace) {
        return Err(ApiError::invalid_input(format!("gracePeriodSeconds must be between 0 and {MAX_GRACE_SECONDS}.")));
    }
    let stored = provider.keys.rotate(provider.store.as_ref(), provider.now_secs(), grace).await.map_err(keyring_error)?;
    Ok(stored.iter().map(KeyView::from).collect())
}

/// The id of the key that signs at `now`, by the key ring's rule: the most recently activated
/// key, or the earliest pending one when none is active yet.
fn signer_at(keys: &[StoredKey], now_secs: i64) -> Option<&str> {
    let active = keys.iter().filter(|key| key.activates_at() <= now_secs).fold(None::<&StoredKey>, |best, key| match best {
        Some(best) if best.activates_at() >= key.activates_at() => Some(best),
        _ => Some(key),
    });
    active.or_else(|| keys.iter().rev().min_by_key(|key| key.activates_at())).map(|key| key.id.as_str())
}

/// Deletes a key that does not sign now (a pending one cancels its rotation; a previous one
/// stops verifying the tokens it signed).
pub async fn delete(provider: &Provider, key_id: &str) -> Result<(), ApiError> {
    let store = provider.store.as_ref();
    for _ in 0..DELETE_ATTEMPTS {
        let before = store.get_config(PRIVATE_KEYS).await?.ok_or_else(|| keyring_error(KeyRingError::Malformed))?;
        let keys: Vec<StoredKey> = serde_json::from_value(before.clone()).map_err(|_| keyring_error(KeyRingError::Malformed))?;
        if !keys.iter().any(|key| key.id == key_id) {
            return Err(ApiError::new(404, KEY_NOT_FOUND, "The signing key does not exist.").with_data(serde_json::json!({ "id": key_id })));
        }
        if keys.len() <= 1 {
            return Err(ApiError::new(422, KEY_REQUIRED, "At least one signing key is required."));
        }
        if signer_at(&keys, provider.now_secs()) == Some(key_id) {
            return Err(ApiError::new(422, KEY_REQUIRED, "The key that signs tokens now cannot be deleted; rotate first."));
        }
        let after: Vec<Value> = before
            .as_array()
            .into_iter()
            .flatten()
            .filter(|key| key.get("id").and_then(Value::as_str) != Some(key_id))
            .cloned()
            .collect();
        if store.swap_config(PRIVATE_KEYS, &before, &Value::Array(after)).await? {
            provider.keys.reload(store).await.map_err(keyring_error)?;
            return Ok(());
        }
    }
    Err(keyring_error(KeyRingError::Contended))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, created_at: i64, activates_at: Option<i64>) -> StoredKey {
        StoredKey { id: id.into(), value: String::new(), created_at, activates_at }
    }

    #[test]
    fn the_signer_is_the_latest_active_key() {
        let keys = [key("next", 100, Some(200)), key("current", 50, None)];
        assert_eq!(signer_at(&keys, 150), Some("current"));
        assert_eq!(signer_at(&keys, 200), Some("next"));
        assert_eq!(signer_at(&[key("pending", 100, Some(200))], 0), Some("pending"));
        assert_eq!(signer_at(&[], 0), None);
    }
}

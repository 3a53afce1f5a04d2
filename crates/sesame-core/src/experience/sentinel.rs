//! Lockout (Logto's sentinel): failed password and code verifications for one identifier are
//! counted together; after `maxAttempts` failures within an hour the identifier is blocked
//! for `lockoutDuration` minutes. Counters live in the store, so every node enforces them.

use sha2::{Digest, Sha256};

use super::Identifier;
use crate::error::ApiError;
use crate::provider::Provider;
use crate::sign_in_experience::SentinelPolicy;

const FAILURES: &str = "sentinel-failure";
const LOCKOUTS: &str = "sentinel-lockout";
const WINDOW_MS: i64 = 3_600_000;

/// Identifiers are counted by hash: the events table never holds an email address.
fn key(identifier: &Identifier) -> String {
    let canonical = identifier.canonical();
    let digest = Sha256::digest(format!("{}:{}", canonical.kind.as_str(), canonical.value).as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn blocked() -> ApiError {
    ApiError::new(
        400,
        "session.verification_blocked_too_many_attempts",
        "Too many attempts in a short time. Please try again later.",
    )
}

pub(super) async fn ensure_not_blocked(provider: &Provider, identifier: &Identifier, policy: &SentinelPolicy) -> Result<(), ApiError> {
    let since = provider.now_ms() - policy.lockout_duration * 60_000;
    if provider.store.count_events(LOCKOUTS, &key(identifier), since).await? > 0 {
        return Err(blocked());
    }
    Ok(())
}

/// Records a failure; returns the blocked error when this failure reaches the limit, else
/// `failure` itself.
pub(super) async fn record_failure(provider: &Provider, identifier: &Identifier, policy: &SentinelPolicy, failure: ApiError) -> ApiError {
    match record(provider, identifier, policy).await {
        Ok(true) => blocked(),
        Ok(false) => failure,
        Err(err) => err,
    }
}

async fn record(provider: &Provider, identifier: &Identifier, policy: &SentinelPolicy) -> Result<bool, ApiError> {
    let key = key(identifier);
    let now = provider.now_ms();
    provider.store.record_event(FAILURES, &key, now, now + WINDOW_MS).await?;
    let failures = provider.store.count_events(FAILURES, &key, now - WINDOW_MS).await?;
    if failures < policy.max_attempts {
        return Ok(false);
    }
    let lockout_ms = policy.lockout_duration * 60_000;
    provider.store.record_event(LOCKOUTS, &key, now, now + lockout_ms).await?;
    Ok(true)
}

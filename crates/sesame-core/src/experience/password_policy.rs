//! The password policy of the sign-in experience: length, character types, and Logto's
//! rejections (repetition and sequences, the user's own information, custom words). Breached
//! password checks need the internet and are not applied.

use serde_json::{json, Value};

use crate::error::{codes, ApiError};
use crate::sign_in_experience::PasswordPolicy;

/// Runs of this many repeated or consecutive characters are rejected (Logto's threshold).
const SEQUENCE_LENGTH: usize = 3;
/// Parts of the user's information shorter than this are too common to reject.
const MIN_USER_INFO_LENGTH: usize = 3;

/// Checks `password` against `policy`; `user_info` lists the user's username, email, name…
pub fn check_password(password: &str, policy: &PasswordPolicy, user_info: &[&str]) -> Result<(), ApiError> {
    let issues = issues(password, policy, user_info);
    let Some((_, _, message)) = issues.first() else {
        return Ok(());
    };
    let listed: Vec<Value> = issues.iter().map(|(code, interpolation, _)| json!({"code": code, "interpolation": interpolation})).collect();
    Err(ApiError::new(422, codes::PASSWORD_REJECTED, *message).with_data(json!({"result": {"success": false, "issues": listed}})))
}

fn issues(password: &str, policy: &PasswordPolicy, user_info: &[&str]) -> Vec<(&'static str, Value, &'static str)> {
    let mut found = Vec::new();
    let length = password.chars().count();
    if length < policy.length.min {
        found.push(("password_rejected.too_short", json!({"min": policy.length.min}), "The password is too short."));
    }
    if length > policy.length.max {
        found.push(("password_rejected.too_long", json!({"max": policy.length.max}), "The password is too long."));
    }
    if character_types(password) < policy.character_types.min {
        found.push((
            "password_rejected.character_types",
            json!({"min": policy.character_types.min}),
            "The password needs more kinds of characters (lowercase, uppercase, digits, symbols).",
        ));
    }
    let lowered = password.to_lowercase();
    if policy.rejects.repetition_and_sequence && has_repetition_or_sequence(&lowered) {
        found.push((
            "password_rejected.restricted.sequence",
            json!({}),
            "The password must not contain repeated or sequential characters like \"aaa\" or \"123\".",
        ));
    }
    if policy.rejects.user_info && contains_any(&lowered, user_info.iter().flat_map(|info| info_parts(info))) {
        found.push(("password_rejected.restricted.user_info", json!({}), "The password must not contain your personal information."));
    }
    if contains_any(&lowered, policy.rejects.words.iter().map(|w| w.to_lowercase())) {
        found.push(("password_rejected.restricted.words", json!({}), "The password contains a word that is not allowed."));
    }
    found
}

fn character_types(password: &str) -> usize {
    let kinds = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    kinds.iter().filter(|present| **present).count()
}

fn has_repetition_or_sequence(password: &str) -> bool {
    let chars: Vec<char> = password.chars().collect();
    chars.windows(SEQUENCE_LENGTH).any(|run| {
        let steps: Vec<i64> = run.windows(2).map(|pair| i64::from(u32::from(pair[1])) - i64::from(u32::from(pair[0]))).collect();
        let same_step = steps.iter().all(|step| *step == steps[0]);
        same_step && matches!(steps[0], -1..=1)
    })
}

/// The user's information and, for emails, the part before `@`.
fn info_parts(info: &str) -> Vec<String> {
    let info = info.to_lowercase();
    let mut parts = vec![info.clone()];
    if let Some((local, _)) = info.split_once('@') {
        parts.push(local.to_owned());
    }
    parts.extend(info.split_whitespace().map(str::to_owned));
    parts.into_iter().filter(|part| part.chars().count() >= MIN_USER_INFO_LENGTH).collect()
}

fn contains_any(haystack: &str, needles: impl IntoIterator<Item = String>) -> bool {
    needles.into_iter().any(|needle| !needle.is_empty() && haystack.contains(&needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes_for(password: &str, policy: &PasswordPolicy, info: &[&str]) -> Vec<&'static str> {
        issues(password, policy, info).into_iter().map(|(code, _, _)| code).collect()
    }

    #[test]
    fn default_policy() {
        let policy = PasswordPolicy::default();
        assert!(check_password("correct horse battery staple", &policy, &["alice"]).is_ok());
        assert_eq!(codes_for("short", &policy, &[]), vec!["password_rejected.too_short"]);
        assert_eq!(codes_for("xx-aaa-yy-zz", &policy, &[]), vec!["password_rejected.restricted.sequence"]);
        assert_eq!(codes_for("my-abc-pass-word", &policy, &[]), vec!["password_rejected.restricted.sequence"]);
        assert_eq!(codes_for("pw-9-8-7-zyx", &policy, &[]), vec!["password_rejected.restricted.sequence"]);
        assert_eq!(codes_for("Alice-In-Wonder", &policy, &["alice"]), vec!["password_rejected.restricted.user_info"]);
        assert_eq!(codes_for("mad-hatter-tea", &policy, &["hatter@example.com"]), vec!["password_rejected.restricted.user_info"]);
        let err = check_password("short", &policy, &[]).unwrap_err();
        assert_eq!((err.status, err.code.as_ref()), (422, "password.rejected"));
    }

    #[test]
    fn character_types_and_words() {
        let mut policy = PasswordPolicy::default();
        policy.character_types.min = 3;
        policy.rejects.words = vec!["Sesame".into()];
        assert_eq!(codes_for("lowercase only", &policy, &[]), vec!["password_rejected.character_types"]);
        assert!(codes_for("Upper lower 7", &policy, &[]).is_empty());
        assert_eq!(codes_for("Open SESAME 7", &policy, &[]), vec!["password_rejected.restricted.words"]);
    }
}

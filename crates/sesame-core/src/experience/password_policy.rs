//! Password policy (Logto's defaults: 8 to 256 characters, not the username).

use serde_json::json;

use crate::error::{codes, ApiError};

const MIN_LENGTH: usize = 8;
const MAX_LENGTH: usize = 256;

pub fn check_password(password: &str, username: Option<&str>) -> Result<(), ApiError> {
    let length = password.chars().count();
    let issue = if length < MIN_LENGTH {
        Some(("password_rejected.too_short", json!({ "min": MIN_LENGTH }), "The password must be at least 8 characters long."))
    } else if length > MAX_LENGTH {
        Some(("password_rejected.too_long", json!({ "max": MAX_LENGTH }), "The password must be at most 256 characters long."))
    } else if username.is_some_and(|name| !name.is_empty() && password.to_lowercase().contains(&name.to_lowercase())) {
        Some(("password_rejected.restricted.user_info", json!({}), "The password must not contain your username."))
    } else {
        None
    };
    match issue {
        None => Ok(()),
        Some((code, interpolation, message)) => Err(ApiError::new(422, codes::PASSWORD_REJECTED, message)
            .with_data(json!({ "result": { "success": false, "issues": [{ "code": code, "interpolation": interpolation }] } }))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_short_long_and_username_passwords() {
        assert!(check_password("short", None).is_err());
        assert!(check_password(&"x".repeat(257), None).is_err());
        assert!(check_password("xxalice-2024", Some("Alice")).is_err());
        assert!(check_password("correct horse battery", Some("alice")).is_ok());
        let err = check_password("short", None).unwrap_err();
        assert_eq!((err.status, err.code), (422, "password.rejected"));
    }
}

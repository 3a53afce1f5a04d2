//! Input rules shared by the Management API's operations: Logto's identifier formats
//! (`@logto/core-kit` regexes), absent-versus-null fields, JSON objects, and windows over
//! listings the store returns whole.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::model::{Listing, Page};

/// Deserializes a field that may be absent (`None`), `null` (`Some(None)`) or a value
/// (`Some(Some(v))`). Use with `#[serde(default, deserialize_with = "input::nullable")]`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Deserializes an optional field that must not be `null` when present (zod's `.optional()`
/// without `.nullable()`). Use with `#[serde(default, deserialize_with = "input::present")]`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    match Option::<T>::deserialize(deserializer)? {
        Some(value) => Ok(Some(value)),
        // Through `Option`, so `null` is refused even where `T` could hold it (`Value`).
        None => Err(serde::de::Error::custom("null is not allowed here")),
    }
}

/// Logto's `usernameRegEx`: `^[A-Z_a-z]\w*$` (the column holds at most 128 characters).
pub fn check_username(username: &str) -> Result<(), ApiError> {
    let mut chars = username.chars();
    let starts_well = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !starts_well || username.len() > 128 || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(ApiError::invalid_input(
            "Username must start with a letter or underscore and contain only letters, numbers and underscores.",
        ));
    }
    Ok(())
}

/// Logto's `emailRegEx`: `^\S+@\S+\.\S+$`.
pub fn check_email(email: &str) -> Result<(), ApiError> {
    let invalid = || ApiError::invalid_input("Invalid email address.");
    if email.is_empty() || email.len() > 128 || email.chars().any(char::is_whitespace) {
        return Err(invalid());
    }
    // Some `@` must have non-empty text before it and a dot with text on both sides after it.
    let valid = email.char_indices().filter(|(_, c)| *c == '@').any(|(at, _)| {
        let (local, domain) = (&email[..at], &email[at + 1..]);
        !local.is_empty() && domain.char_indices().any(|(dot, c)| c == '.' && dot > 0 && dot + 1 < domain.len())
    });
    if valid {
        Ok(())
    } else {
        Err(invalid())
    }
}

/// Logto's `phoneRegEx`: digits only.
pub fn check_phone(phone: &str) -> Result<(), ApiError> {
    if phone.is_empty() || phone.len() > 128 || !phone.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::invalid_input("Invalid phone number: digits only."));
    }
    Ok(())
}

/// Logto's `jsonObjectGuard`: any JSON object.
pub fn json_object(value: Value, field: &str) -> Result<Map<String, Value>, ApiError> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::invalid_input(format!("{field} must be a JSON object."))),
    }
}

/// Copies `patch`'s top-level keys over `base` (a JSON object, or `{}` if it is not one), like
/// PostgreSQL's `jsonb || jsonb` that Logto's merge updates use.
pub fn merge_top_level(base: &Value, patch: Map<String, Value>) -> Value {
    let mut merged = base.as_object().cloned().unwrap_or_default();
    merged.extend(patch);
    Value::Object(merged)
}

/// A non-blank name, trimmed.
pub fn required_text(value: &str, field: &str) -> Result<String, ApiError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ApiError::invalid_input(format!("{field} must not be empty.")));
    }
    Ok(trimmed.to_owned())
}

/// Ids in a list body must be non-empty strings (Logto: `string().min(1).array()`); duplicates
/// are dropped, order kept.
pub fn ids(values: &[String], field: &str, non_empty: bool) -> Result<Vec<String>, ApiError> {
    if non_empty && values.is_empty() {
        return Err(ApiError::invalid_input(format!("{field} must not be empty.")));
    }
    let mut unique: Vec<String> = Vec::with_capacity(values.len());
    for id in values {
        if id.is_empty() {
            return Err(ApiError::invalid_input(format!("{field} must not contain empty ids.")));
        }
        if !unique.contains(id) {
            unique.push(id.clone());
        }
    }
    Ok(unique)
}

/// One window of a list the store returned whole.
pub fn page_of<T>(items: Vec<T>, page: Page) -> Listing<T> {
    let total = items.len() as u64;
    let offset = usize::try_from(page.offset).unwrap_or(usize::MAX);
    let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
    Listing { items: items.into_iter().skip(offset).take(limit).collect(), total }
}

/// Logto's search values are SQL `LIKE` patterns (`%alice%`); the store matches substrings, so
/// the wildcards around the term are dropped. Blank searches match everything.
pub fn search_term(search: Option<&str>) -> Option<String> {
    let term = search?.trim().trim_matches('%').trim();
    (!term.is_empty()).then(|| term.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_formats_follow_logto() {
        for good in ["alice", "_a1", "A_b_C"] {
            assert!(check_username(good).is_ok(), "{good}");
        }
        for bad in ["", "1abc", "a-b", "a b", "ä", &"a".repeat(129)] {
            assert!(check_username(bad).is_err(), "{bad}");
        }
        for good in ["a@b.co", "x.y+z@sub.example.com", "a@b@c.d"] {
            assert!(check_email(good).is_ok(), "{good}");
        }
        for bad in ["", "a@b", "@b.co", "a@.co", "a@b.", "a b@c.d", "plain"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
        assert!(check_phone("8613800000000").is_ok());
        for bad in ["", "+86", "12-34", "１２"] {
            assert!(check_phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nullable_distinguishes_absent_from_null() {
        #[derive(Deserialize)]
        struct Patch {
            #[serde(default, deserialize_with = "nullable")]
            name: Option<Option<String>>,
        }
        let absent: Patch = serde_json::from_str("{}").expect("absent");
        let null: Patch = serde_json::from_str(r#"{"name":null}"#).expect("null");
        let value: Patch = serde_json::from_str(r#"{"name":"x"}"#).expect("value");
        assert_eq!((absent.name, null.name, value.name), (None, Some(None), Some(Some("x".to_owned()))));

        #[derive(Deserialize)]
        struct Strict {
            #[serde(default, deserialize_with = "present")]
            name: Option<String>,
        }
        assert!(serde_json::from_str::<Strict>("{}").expect("absent").name.is_none());
        assert!(serde_json::from_str::<Strict>(r#"{"name":null}"#).is_err());

        #[derive(Deserialize)]
        struct Object {
            #[serde(default, deserialize_with = "present")]
            data: Option<Value>,
        }
        assert!(serde_json::from_str::<Object>(r#"{"data":null}"#).is_err(), "even a JSON value refuses null");
        assert_eq!(serde_json::from_str::<Object>(r#"{"data":{"a":1}}"#).expect("object").data, Some(serde_json::json!({"a": 1})));
    }

    #[test]
    fn merging_replaces_top_level_keys_only() {
        let base = serde_json::json!({"a": {"x": 1}, "b": 2});
        let patch = json_object(serde_json::json!({"a": {"y": 2}, "c": 3}), "customData").expect("object");
        assert_eq!(merge_top_level(&base, patch), serde_json::json!({"a": {"y": 2}, "b": 2, "c": 3}));
        assert!(json_object(serde_json::json!([1]), "customData").is_err());
    }

    #[test]
    fn pages_and_search_terms() {
        let listing = page_of((0..5).collect::<Vec<_>>(), Page { offset: 3, limit: 3 });
        assert_eq!((listing.items, listing.total), (vec![3, 4], 5));
        assert_eq!(search_term(Some("%Ali%")), Some("Ali".to_owned()));
        assert_eq!(search_term(Some("%%")), None);
        assert_eq!(ids(&["a".into(), "a".into(), "b".into()], "ids", true).expect("ids"), vec!["a", "b"]);
        assert!(ids(&[], "ids", true).is_err());
        assert!(ids(&[String::new()], "ids", false).is_err());
    }
}

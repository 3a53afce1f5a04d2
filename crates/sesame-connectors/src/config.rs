//! Reading stored connector configs (JSON objects, Logto's field names) with zod-like errors
//! that name the bad field, and redacting secrets before a config is logged.

use std::fmt;

use serde_json::{Map, Value};

use crate::error::ConnectorError;

/// The value every secret is replaced with by [`redact_config`].
pub const REDACTED: &str = "******";

/// A secret config value. `Debug` and `Display` print `******`; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Whether a config key holds a secret: the built-in connectors' `accessKeySecret` and
/// `clientSecret`, and, for configs of future connectors, any key naming a secret, password,
/// token or private key.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["secret", "password", "token", "privatekey", "apikey"]
        .iter()
        .any(|word| k.contains(word))
}

/// A copy of `config` with every secret value (at any depth) replaced by `"******"`, for logs.
pub fn redact_config(config: &Value) -> Value {
    match config {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_secret_key(k) && !v.is_null() {
                        Value::String(REDACTED.into())
                    } else {
                        redact_config(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_config).collect()),
        other => other.clone(),
    }
}

/// zod's name for a JSON value's type, for "Expected string, received number" messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The fields of one JSON object, read with errors that carry the field's path.
pub(crate) struct Fields<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Fields<'a> {
    /// The config's top level, which must be an object.
    pub(crate) fn root(config: &'a Value) -> Result<Self, ConnectorError> {
        Self::at(config, String::new())
    }

    pub(crate) fn at(value: &'a Value, path: String) -> Result<Self, ConnectorError> {
        match value {
            Value::Object(map) => Ok(Self { map, path }),
            other => Err(invalid(
                &path,
                &format!("Expected object, received {}", type_name(other)),
            )),
        }
    }

    pub(crate) fn path_of(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// A required string (zod `z.string()`; an empty string is accepted, like Logto).
    pub(crate) fn string(&self, key: &str) -> Result<String, ConnectorError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Err(invalid(&self.path_of(key), "Required")),
            Some(v) => self.as_string(key, v),
        }
    }

    /// An optional string; `null` counts as absent.
    pub(crate) fn optional_string(&self, key: &str) -> Result<Option<String>, ConnectorError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => self.as_string(key, v).map(Some),
        }
    }

    /// A required array.
    pub(crate) fn array(&self, key: &str) -> Result<&'a [Value], ConnectorError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Err(invalid(&self.path_of(key), "Required")),
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(invalid(
                &self.path_of(key),
                &format!("Expected array, received {}", type_name(other)),
            )),
        }
    }

    fn as_string(&self, key: &str, value: &Value) -> Result<String, ConnectorError> {
        match value {
            Value::String(s) => Ok(s.clone()),
            other => Err(invalid(
                &self.path_of(key),
                &format!("Expected string, received {}", type_name(other)),
            )),
        }
    }
}

/// `connector.invalid_config` naming the field: `accessKeyId: Required`.
pub(crate) fn invalid(path: &str, problem: &str) -> ConnectorError {
    if path.is_empty() {
        ConnectorError::invalid_config(format!("config: {problem}"))
    } else {
        ConnectorError::invalid_config(format!("{path}: {problem}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redacts_secrets_at_any_depth() {
        let config = json!({
            "accessKeyId": "AKID", "accessKeySecret": "s3cr3t", "clientSecret": "cs",
            "nested": [{"password": "p"}], "scope": "identify", "sessionToken": null
        });
        let redacted = redact_config(&config);
        assert_eq!(
            redacted,
            json!({
                "accessKeyId": "AKID", "accessKeySecret": "******", "clientSecret": "******",
                "nested": [{"password": "******"}], "scope": "identify", "sessionToken": null
            })
        );
        assert!(!redacted.to_string().contains("s3cr3t"));
    }

    #[test]
    fn secret_prints_stars() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "****** ******");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn field_errors_name_the_path() {
        let v = json!({"a": 1, "t": [{"x": true}]});
        let f = Fields::root(&v).ok();
        let f = f.as_ref();
        assert_eq!(
            f.and_then(|f| f.string("b").err())
                .map(|e| e.to_string())
                .as_deref(),
            Some("b: Required")
        );
        assert_eq!(
            f.and_then(|f| f.string("a").err())
                .map(|e| e.to_string())
                .as_deref(),
            Some("a: Expected string, received number")
        );
        let item = f.and_then(|f| f.array("t").ok()).and_then(|t| t.first());
        let inner = item.and_then(|i| Fields::at(i, "t[0]".into()).ok());
        assert_eq!(
            inner
                .and_then(|i| i.string("x").err())
                .map(|e| e.to_string())
                .as_deref(),
            Some("t[0].x: Expected string, received boolean")
        );
        assert_eq!(
            Fields::root(&json!([]))
                .err()
                .map(|e| e.to_string())
                .as_deref(),
            Some("config: Expected object, received array")
        );
    }
}

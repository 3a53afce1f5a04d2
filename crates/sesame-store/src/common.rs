//! What both backends share: statements with backend-neutral parameters, column access,
//! row → record mapping, JSON handling and error mapping.

use serde_json::{Map, Value};
use sesame_core::model::{
    Application, ApplicationSecret, ApplicationType, NewUser, OidcClientMetadata, User,
};
use sesame_core::store::{Artifact, ArtifactKind, StoreError, StoreResult};

/// One SQL statement and its parameters. The SQL uses `$1`, `$2`, … placeholders, which both
/// PostgreSQL and SQLite (through sqlx) understand, so most statements are written once.
pub(crate) struct Statement<'a> {
    pub sql: &'static str,
    pub params: Vec<Param<'a>>,
}

/// A bound value; each backend turns these into its own sqlx bindings.
pub(crate) enum Param<'a> {
    Text(Option<&'a str>),
    Int(Option<i64>),
    Bool(bool),
    /// Serialized JSON, bound as jsonb on PostgreSQL and as TEXT on SQLite.
    Json(String),
}

impl<'a> Statement<'a> {
    pub fn new(sql: &'static str) -> Self {
        Self {
            sql,
            params: Vec::new(),
        }
    }

    pub fn text(mut self, value: impl Into<Option<&'a str>>) -> Self {
        self.params.push(Param::Text(value.into()));
        self
    }

    pub fn int(mut self, value: impl Into<Option<i64>>) -> Self {
        self.params.push(Param::Int(value.into()));
        self
    }

    pub fn flag(mut self, value: bool) -> Self {
        self.params.push(Param::Bool(value));
        self
    }

    pub fn json(mut self, value: &Value) -> StoreResult<Self> {
        self.params.push(Param::Json(json_text(value)?));
        Ok(self)
    }
}

/// Typed access to a result row's columns by name, implemented by each backend's row type.
pub(crate) trait Columns {
    fn opt_text(&self, column: &str) -> StoreResult<Option<String>>;
    fn opt_int(&self, column: &str) -> StoreResult<Option<i64>>;
    fn flag(&self, column: &str) -> StoreResult<bool>;
    /// The JSON column's text, whatever the column type (TEXT or jsonb).
    fn json_text(&self, column: &str) -> StoreResult<String>;

    fn text(&self, column: &str) -> StoreResult<String> {
        self.opt_text(column)?
            .ok_or_else(|| unexpected_null(column))
    }

    fn int(&self, column: &str) -> StoreResult<i64> {
        self.opt_int(column)?.ok_or_else(|| unexpected_null(column))
    }

    fn json(&self, column: &str) -> StoreResult<Value> {
        parse_json(column, &self.json_text(column)?)
    }
}

fn unexpected_null(column: &str) -> StoreError {
    StoreError::Backend(format!("column {column} is unexpectedly NULL"))
}

// --- errors

/// Which unique index or key a violation names → the field reported in `Conflict`.
/// PostgreSQL reports the constraint name (`users__username`, `users_pkey`); SQLite only a
/// message (`UNIQUE constraint failed: index 'users__username'` / `…: users.id`). Checked in
/// order, so the specific entries come before the generic primary-key ones.
const CONFLICT_FIELDS: &[(&str, &str)] = &[
    ("username", "username"),
    ("primary_email", "primary_email"),
    ("primary_phone", "primary_phone"),
    ("application_secrets", "name"),
    ("_pkey", "id"),
    (".id", "id"),
];

/// Maps a sqlx error to a `StoreError`. Uses only the error's Display, which names the failing
/// constraint or operation but never the bound values.
pub(crate) fn store_error(error: sqlx::Error) -> StoreError {
    if let Some(field) = conflict_field(&error) {
        return StoreError::Conflict {
            field: field.to_owned(),
        };
    }
    StoreError::Backend(error.to_string())
}

fn conflict_field(error: &sqlx::Error) -> Option<&'static str> {
    let db_error = error
        .as_database_error()
        .filter(|e| e.is_unique_violation())?;
    let origin = db_error.constraint().unwrap_or_else(|| db_error.message());
    CONFLICT_FIELDS
        .iter()
        .find(|(needle, _)| origin.contains(needle))
        .map(|&(_, field)| field)
}

/// For single-row updates: no row matched means the record does not exist.
pub(crate) fn expect_one_row(rows_affected: u64) -> StoreResult<()> {
    match rows_affected {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

// --- JSON

/// Serializes with object keys sorted at every level, so equal values always produce equal
/// text. SQLite compares stored JSON as text (see `swap_config`), and this keeps that exact even
/// if serde_json's `preserve_order` feature gets switched on somewhere in the build.
pub(crate) fn json_text(value: &Value) -> StoreResult<String> {
    serde_json::to_string(&sorted_keys(value))
        .map_err(|e| StoreError::Backend(format!("cannot serialize JSON: {e}")))
}

fn sorted_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let sorted: Map<String, Value> = entries
                .into_iter()
                .map(|(key, inner)| (key.clone(), sorted_keys(inner)))
                .collect();
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted_keys).collect()),
        scalar => scalar.clone(),
    }
}

pub(crate) fn parse_json(column: &str, text: &str) -> StoreResult<Value> {
    serde_json::from_str(text).map_err(|e| invalid_json(column, e))
}

fn invalid_json(column: &str, error: serde_json::Error) -> StoreError {
    StoreError::Backend(format!("column {column} holds invalid JSON: {error}"))
}

// --- records

/// The row `insert_user` writes: the caller's fields, empty JSON objects and `now` for both
/// timestamps (the same defaults the schema declares).
pub(crate) fn new_user_record(user: &NewUser, now: i64) -> User {
    User {
        id: user.id.clone(),
        username: user.username.clone(),
        primary_email: user.primary_email.clone(),
        primary_phone: user.primary_phone.clone(),
        password_encrypted: user.password_encrypted.clone(),
        password_encryption_method: user.password_encryption_method.clone(),
        name: user.name.clone(),
        avatar: None,
        profile: Value::Object(Map::new()),
        custom_data: Value::Object(Map::new()),
        identities: Value::Object(Map::new()),
        is_suspended: false,
        last_sign_in_at: None,
        created_at: now,
        updated_at: now,
    }
}

pub(crate) fn user_from_row(row: &dyn Columns) -> StoreResult<User> {
    Ok(User {
        id: row.text("id")?,
        username: row.opt_text("username")?,
        primary_email: row.opt_text("primary_email")?,
        primary_phone: row.opt_text("primary_phone")?,
        password_encrypted: row.opt_text("password_encrypted")?,
        password_encryption_method: row.opt_text("password_encryption_method")?,
        name: row.opt_text("name")?,
        avatar: row.opt_text("avatar")?,
        profile: row.json("profile")?,
        custom_data: row.json("custom_data")?,
        identities: row.json("identities")?,
        is_suspended: row.flag("is_suspended")?,
        last_sign_in_at: row.opt_int("last_sign_in_at")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
    })
}

pub(crate) fn application_from_row(row: &dyn Columns) -> StoreResult<Application> {
    let app_type = row.text("type")?;
    let metadata = row.json_text("oidc_client_metadata")?;
    Ok(Application {
        id: row.text("id")?,
        name: row.text("name")?,
        description: row.opt_text("description")?,
        app_type: ApplicationType::parse(&app_type)
            .ok_or_else(|| StoreError::Backend(format!("unknown application type {app_type:?}")))?,
        oidc_client_metadata: serde_json::from_str::<OidcClientMetadata>(&metadata)
            .map_err(|e| invalid_json("oidc_client_metadata", e))?,
        custom_client_metadata: row.json("custom_client_metadata")?,
        is_third_party: row.flag("is_third_party")?,
        created_at: row.int("created_at")?,
    })
}

pub(crate) fn oidc_client_metadata_json(metadata: &OidcClientMetadata) -> StoreResult<Value> {
    serde_json::to_value(metadata)
        .map_err(|e| StoreError::Backend(format!("cannot serialize oidc_client_metadata: {e}")))
}

pub(crate) fn secret_from_row(row: &dyn Columns) -> StoreResult<ApplicationSecret> {
    Ok(ApplicationSecret {
        application_id: row.text("application_id")?,
        name: row.text("name")?,
        value: row.text("value")?,
        created_at: row.int("created_at")?,
        expires_at: row.opt_int("expires_at")?,
    })
}

/// `kind` comes from the query, which already filtered on `model_name`.
pub(crate) fn artifact_from_row(kind: ArtifactKind, row: &dyn Columns) -> StoreResult<Artifact> {
    Ok(Artifact {
        kind,
        id: row.text("id")?,
        grant_id: row.opt_text("grant_id")?,
        account_id: row.opt_text("account_id")?,
        payload: row.json("payload")?,
        expires_at: row.int("expires_at")?,
        consumed_at: row.opt_int("consumed_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_text_sorts_keys_at_every_level() {
        let value = json!({"b": [{"z": 1, "a": 2}], "a": {"d": null, "c": true}});
        assert_eq!(
            json_text(&value).expect("serializes"),
            r#"{"a":{"c":true,"d":null},"b":[{"a":2,"z":1}]}"#
        );
    }

    #[test]
    fn no_rows_affected_means_not_found() {
        assert!(matches!(expect_one_row(0), Err(StoreError::NotFound)));
        assert!(expect_one_row(1).is_ok());
    }
}

//! What both backends share: statements with backend-neutral parameters (and the builder for
//! listings' run-time SQL), column access, row → record mapping, JSON handling and error
//! mapping.

use std::borrow::Cow;

use serde_json::{Map, Value};
use sesame_core::model::{
    Application, ApplicationSecret, ApplicationType, ConnectorRecord, NewUser, OidcClientMetadata,
    Page, Resource, Role, RoleType, Scope, User,
};
use sesame_core::store::{Artifact, ArtifactKind, StoreError, StoreResult};

/// One SQL statement and its parameters. The SQL uses `$1`, `$2`, … placeholders, which both
/// PostgreSQL and SQLite (through sqlx) understand, so most statements are written once.
///
/// The SQL is either a literal or assembled by [`SqlBuilder`] from literal fragments and
/// placeholders; values never become SQL text, they are always bound.
pub(crate) struct Statement<'a> {
    pub sql: Cow<'static, str>,
    pub params: Vec<Param<'a>>,
}

/// A bound value; each backend turns these into its own sqlx bindings.
#[derive(Clone)]
pub(crate) enum Param<'a> {
    Text(Option<Cow<'a, str>>),
    Int(Option<i64>),
    Bool(bool),
    /// Serialized JSON, bound as jsonb on PostgreSQL and as TEXT on SQLite.
    Json(String),
}

impl<'a> Statement<'a> {
    pub fn new(sql: &'static str) -> Self {
        Self {
            sql: Cow::Borrowed(sql),
            params: Vec::new(),
        }
    }

    pub fn text(mut self, value: impl Into<Option<&'a str>>) -> Self {
        self.params
            .push(Param::Text(value.into().map(Cow::Borrowed)));
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

/// Assembles a statement at run time. Only `&'static str` fragments and `$n` placeholders can
/// be appended, so whatever the inputs, the SQL text is made of literals written in this crate.
#[derive(Clone, Default)]
pub(crate) struct SqlBuilder<'a> {
    sql: String,
    params: Vec<Param<'a>>,
}

/// The number of a bound parameter, for placing it (possibly several times) in the SQL.
#[derive(Clone, Copy)]
pub(crate) struct Placeholder(usize);

impl<'a> SqlBuilder<'a> {
    pub fn new(fragment: &'static str) -> Self {
        Self {
            sql: fragment.to_owned(),
            params: Vec::new(),
        }
    }

    pub fn push(&mut self, fragment: &'static str) -> &mut Self {
        self.sql.push_str(fragment);
        self
    }

    /// Registers a parameter without placing it.
    pub fn bind(&mut self, param: Param<'a>) -> Placeholder {
        self.params.push(param);
        Placeholder(self.params.len())
    }

    pub fn push_placeholder(&mut self, placeholder: Placeholder) -> &mut Self {
        self.sql.push('$');
        self.sql.push_str(&placeholder.0.to_string());
        self
    }

    /// Binds `param` and places it here.
    pub fn push_param(&mut self, param: Param<'a>) -> &mut Self {
        let placeholder = self.bind(param);
        self.push_placeholder(placeholder)
    }

    pub fn build(self) -> Statement<'a> {
        Statement {
            sql: Cow::Owned(self.sql),
            params: self.params,
        }
    }
}

/// A listing: the rows of `from` matching an `AND`-ed filter, counted and paged.
pub(crate) struct ListQuery<'a> {
    columns: &'static str,
    from: &'static str,
    order_by: &'static str,
    /// The `WHERE` clause so far (empty when unfiltered) and its parameters.
    filter: SqlBuilder<'a>,
}

impl<'a> ListQuery<'a> {
    /// `SELECT columns FROM from … ORDER BY order_by`.
    pub fn new(columns: &'static str, from: &'static str, order_by: &'static str) -> Self {
        Self {
            columns,
            from,
            order_by,
            filter: SqlBuilder::default(),
        }
    }

    /// Starts the next condition; the caller appends its SQL to the returned builder.
    pub fn and(&mut self) -> &mut SqlBuilder<'a> {
        let joiner = if self.filter.sql.is_empty() {
            " WHERE "
        } else {
            " AND "
        };
        self.filter.push(joiner)
    }

    /// `column = value`.
    pub fn and_equals(&mut self, column: &'static str, value: Param<'a>) -> &mut Self {
        self.and().push(column).push(" = ").push_param(value);
        self
    }

    /// Some of `columns` contains `search` literally, ignoring case.
    pub fn and_contains(&mut self, columns: &[&'static str], search: &str) -> &mut Self {
        let condition = self.and();
        let pattern = condition.bind(Param::Text(Some(Cow::Owned(contains_pattern(search)))));
        condition.push("(");
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                condition.push(" OR ");
            }
            condition
                .push("lower(")
                .push(column)
                .push(") LIKE lower(")
                .push_placeholder(pattern)
                .push(") ESCAPE '\\'");
        }
        condition.push(")");
        self
    }

    /// `column IN (values…)`; nothing matches an empty list.
    pub fn and_in(&mut self, column: &'static str, values: Vec<Param<'a>>) -> &mut Self {
        let condition = self.and();
        if values.is_empty() {
            condition.push("1 = 0");
            return self;
        }
        condition.push(column).push(" IN (");
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                condition.push(", ");
            }
            condition.push_param(value);
        }
        condition.push(")");
        self
    }

    /// The statement counting every match (column `total`).
    pub fn count(&self) -> Statement<'a> {
        let mut builder = SqlBuilder::new("SELECT COUNT(*) AS total FROM ");
        builder.push(self.from);
        builder.sql.push_str(&self.filter.sql);
        builder.params.clone_from(&self.filter.params);
        builder.build()
    }

    /// The statement selecting one page of matches, in order.
    pub fn page(self, page: Page) -> Statement<'a> {
        let mut builder = SqlBuilder::new("SELECT ");
        builder.push(self.columns).push(" FROM ").push(self.from);
        builder.sql.push_str(&self.filter.sql);
        builder.params = self.filter.params;
        let (limit, offset) = page_bounds(page);
        builder
            .push(" ORDER BY ")
            .push(self.order_by)
            .push(" LIMIT ")
            .push_param(Param::Int(Some(limit)))
            .push(" OFFSET ")
            .push_param(Param::Int(Some(offset)));
        builder.build()
    }
}

/// `(limit, offset)` as the signed integers SQL wants; `Page::ALL`'s limit is `i64::MAX`.
pub(crate) fn page_bounds(page: Page) -> (i64, i64) {
    let clamp = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
    (clamp(page.limit), clamp(page.offset))
}

/// The `LIKE` pattern (escape character `\`) matching any text that contains `search`, with
/// `%`, `_` and `\` in `search` taken literally.
pub(crate) fn contains_pattern(search: &str) -> String {
    let mut pattern = String::with_capacity(search.len() + 2);
    pattern.push('%');
    for c in search.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
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

/// One unique constraint (or unique index) of the schema and the field a violation of it is
/// reported as in `Conflict`.
struct UniqueConstraint {
    /// The name PostgreSQL reports: the constraint or index name.
    postgres: &'static str,
    /// What SQLite reports after `UNIQUE constraint failed: `: the index for an expression
    /// index, otherwise the constrained `table.column`s.
    sqlite: &'static str,
    field: &'static str,
}

const fn unique(
    postgres: &'static str,
    sqlite: &'static str,
    field: &'static str,
) -> UniqueConstraint {
    UniqueConstraint {
        postgres,
        sqlite,
        field,
    }
}

/// Every unique constraint in the migrations, matched exactly (never by substring: `name` would
/// also be found in `username`). `unique_constraints_in_the_migrations_are_all_mapped` keeps
/// this in step with the PostgreSQL schema; the conformance suite checks the SQLite messages.
const UNIQUE_CONSTRAINTS: &[UniqueConstraint] = &[
    unique("users_pkey", "users.id", "id"),
    unique("users__username", "index 'users__username'", "username"),
    unique(
        "users__primary_email",
        "index 'users__primary_email'",
        "primary_email",
    ),
    unique(
        "users__primary_phone",
        "users.primary_phone",
        "primary_phone",
    ),
    unique("applications_pkey", "applications.id", "id"),
    unique(
        "application_secrets_pkey",
        "application_secrets.application_id, application_secrets.name",
        "name",
    ),
    unique("logto_configs_pkey", "logto_configs.key", "key"),
    unique(
        "oidc_model_instances_pkey",
        "oidc_model_instances.model_name, oidc_model_instances.id",
        "id",
    ),
    unique("resources_pkey", "resources.id", "id"),
    unique("resources__indicator", "resources.indicator", "indicator"),
    unique(
        "resources__is_default",
        "resources.is_default",
        "is_default",
    ),
    unique("scopes_pkey", "scopes.id", "id"),
    unique(
        "scopes__resource_id_name",
        "scopes.resource_id, scopes.name",
        "name",
    ),
    unique("roles_pkey", "roles.id", "id"),
    unique("roles__name", "roles.name", "name"),
    unique(
        "roles_scopes_pkey",
        "roles_scopes.role_id, roles_scopes.scope_id",
        "scope_id",
    ),
    unique(
        "users_roles_pkey",
        "users_roles.user_id, users_roles.role_id",
        "role_id",
    ),
    unique(
        "applications_roles_pkey",
        "applications_roles.application_id, applications_roles.role_id",
        "role_id",
    ),
    unique("connectors_pkey", "connectors.id", "id"),
    unique(
        "user_social_identity_relations_pkey",
        "user_social_identity_relations.user_id, user_social_identity_relations.target",
        "target",
    ),
    unique(
        "user_social_identity_relations__target__identity_id",
        "user_social_identity_relations.target, user_social_identity_relations.identity_id",
        "identity_id",
    ),
    // A surrogate key the database assigns: never violated in practice, mapped for completeness.
    unique("sentinel_activities_pkey", "sentinel_activities.id", "id"),
    // Organizations (0004). The relation tables' keys are only ever written with
    // `ON CONFLICT DO NOTHING`; they are mapped for completeness.
    unique("organizations_pkey", "organizations.id", "id"),
    unique("organization_scopes_pkey", "organization_scopes.id", "id"),
    unique("organization_scopes__name", "organization_scopes.name", "name"),
    unique("organization_roles_pkey", "organization_roles.id", "id"),
    unique("organization_roles__name", "organization_roles.name", "name"),
    unique(
        "organization_role_scope_relations_pkey",
        "organization_role_scope_relations.organization_role_id, \
         organization_role_scope_relations.organization_scope_id",
        "organization_scope_id",
    ),
    unique(
        "organization_role_resource_scope_relations_pkey",
        "organization_role_resource_scope_relations.organization_role_id, \
         organization_role_resource_scope_relations.scope_id",
        "scope_id",
    ),
    unique(
        "organization_user_relations_pkey",
        "organization_user_relations.organization_id, organization_user_relations.user_id",
        "user_id",
    ),
    unique(
        "organization_role_user_relations_pkey",
        "organization_role_user_relations.organization_id, \
         organization_role_user_relations.user_id, \
         organization_role_user_relations.organization_role_id",
        "organization_role_id",
    ),
    unique(
        "organization_application_relations_pkey",
        "organization_application_relations.organization_id, \
         organization_application_relations.application_id",
        "application_id",
    ),
    unique(
        "organization_role_application_relations_pkey",
        "organization_role_application_relations.organization_id, \
         organization_role_application_relations.application_id, \
         organization_role_application_relations.organization_role_id",
        "organization_role_id",
    ),
];

const SQLITE_UNIQUE_PREFIX: &str = "UNIQUE constraint failed: ";

/// Maps a sqlx error to a `StoreError`. Uses only the error's constraint name or message, which
/// name the failing constraint but never the bound values.
///
/// * unique violation of a known constraint → `Conflict { field }`;
/// * foreign-key violation → `NotFound`: the write referred to a record that does not exist
///   (every foreign key in the schema cascades on delete, so only inserts and updates of the
///   referencing side can violate one).
pub(crate) fn store_error(error: sqlx::Error) -> StoreError {
    if let Some(db_error) = error.as_database_error() {
        if db_error.is_foreign_key_violation() {
            return StoreError::NotFound;
        }
        if db_error.is_unique_violation() {
            let origin = db_error.constraint().unwrap_or_else(|| db_error.message());
            if let Some(field) = conflict_field(origin) {
                return StoreError::Conflict {
                    field: field.to_owned(),
                };
            }
        }
    }
    StoreError::Backend(error.to_string())
}

/// `origin` is PostgreSQL's constraint name or SQLite's whole message.
fn conflict_field(origin: &str) -> Option<&'static str> {
    let sqlite = origin.strip_prefix(SQLITE_UNIQUE_PREFIX);
    UNIQUE_CONSTRAINTS
        .iter()
        .find(|constraint| match sqlite {
            Some(described) => described == constraint.sqlite,
            None => origin == constraint.postgres,
        })
        .map(|constraint| constraint.field)
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

pub(crate) fn resource_from_row(row: &dyn Columns) -> StoreResult<Resource> {
    Ok(Resource {
        id: row.text("id")?,
        name: row.text("name")?,
        indicator: row.text("indicator")?,
        is_default: row.flag("is_default")?,
        access_token_ttl: row.int("access_token_ttl")?,
    })
}

pub(crate) fn scope_from_row(row: &dyn Columns) -> StoreResult<Scope> {
    Ok(Scope {
        id: row.text("id")?,
        resource_id: row.text("resource_id")?,
        name: row.text("name")?,
        description: row.opt_text("description")?,
        created_at: row.int("created_at")?,
    })
}

pub(crate) fn role_from_row(row: &dyn Columns) -> StoreResult<Role> {
    let role_type = row.text("type")?;
    Ok(Role {
        id: row.text("id")?,
        name: row.text("name")?,
        description: row.text("description")?,
        role_type: RoleType::parse(&role_type)
            .ok_or_else(|| StoreError::Backend(format!("unknown role type {role_type:?}")))?,
        is_default: row.flag("is_default")?,
        created_at: row.int("created_at")?,
    })
}

pub(crate) fn connector_from_row(row: &dyn Columns) -> StoreResult<ConnectorRecord> {
    Ok(ConnectorRecord {
        id: row.text("id")?,
        connector_id: row.text("connector_id")?,
        config: row.json("config")?,
        metadata: row.json("metadata")?,
        sync_profile: row.flag("sync_profile")?,
        created_at: row.int("created_at")?,
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
    fn conflicts_map_postgres_constraint_names_exactly() {
        for (constraint, field) in [
            ("users__username", "username"),
            ("users__primary_email", "primary_email"),
            ("users__primary_phone", "primary_phone"),
            ("users_pkey", "id"),
            ("applications_pkey", "id"),
            ("application_secrets_pkey", "name"),
            ("resources__indicator", "indicator"),
            ("resources__is_default", "is_default"),
            ("scopes__resource_id_name", "name"),
            ("roles__name", "name"),
            ("roles_pkey", "id"),
            ("connectors_pkey", "id"),
        ] {
            assert_eq!(conflict_field(constraint), Some(field), "{constraint}");
        }
        // No substring matching: unknown names stay unmapped.
        assert_eq!(conflict_field("users__username_old"), None);
        assert_eq!(conflict_field("name"), None);
        assert_eq!(conflict_field("something_pkey"), None);
    }

    #[test]
    fn conflicts_map_sqlite_messages_exactly() {
        for (message, field) in [
            ("UNIQUE constraint failed: index 'users__username'", "username"),
            ("UNIQUE constraint failed: index 'users__primary_email'", "primary_email"),
            ("UNIQUE constraint failed: users.primary_phone", "primary_phone"),
            ("UNIQUE constraint failed: users.id", "id"),
            (
                "UNIQUE constraint failed: application_secrets.application_id, application_secrets.name",
                "name",
            ),
            ("UNIQUE constraint failed: resources.indicator", "indicator"),
            ("UNIQUE constraint failed: resources.is_default", "is_default"),
            ("UNIQUE constraint failed: scopes.resource_id, scopes.name", "name"),
            ("UNIQUE constraint failed: roles.name", "name"),
            ("UNIQUE constraint failed: roles.id", "id"),
            ("UNIQUE constraint failed: connectors.id", "id"),
        ] {
            assert_eq!(conflict_field(message), Some(field), "{message}");
        }
        // `roles.name` must not be read as a username conflict, nor vice versa.
        assert_eq!(
            conflict_field("UNIQUE constraint failed: users.username"),
            None
        );
        assert_eq!(
            conflict_field("UNIQUE constraint failed: scopes.name"),
            None
        );
        // A PostgreSQL name in SQLite's format (or the reverse) is not a match.
        assert_eq!(
            conflict_field("UNIQUE constraint failed: roles__name"),
            None
        );
        assert_eq!(conflict_field("roles.name"), None);
    }

    /// Every unique index and primary-key/unique constraint the PostgreSQL migrations create
    /// has an entry in `UNIQUE_CONSTRAINTS`, so no conflict is reported as a backend failure.
    #[test]
    fn unique_constraints_in_the_migrations_are_all_mapped() {
        let mut names = Vec::new();
        for migration in crate::migrations::POSTGRES {
            let tokens: Vec<&str> = migration
                .sql
                .lines()
                .filter(|line| !line.trim_start().starts_with("--"))
                .flat_map(str::split_whitespace)
                .collect();
            for window in tokens.windows(4) {
                match window {
                    ["CREATE", "UNIQUE", "INDEX", name] => names.push(*name),
                    ["CONSTRAINT", name, "PRIMARY" | "UNIQUE", _] => names.push(*name),
                    _ => {}
                }
            }
        }
        assert!(names.len() >= 15, "parsed too few constraints: {names:?}");
        for name in names {
            assert!(
                UNIQUE_CONSTRAINTS.iter().any(|c| c.postgres == name),
                "unique constraint {name} has no conflict field"
            );
        }
    }

    #[test]
    fn contains_pattern_escapes_like_wildcards() {
        assert_eq!(contains_pattern("ali"), "%ali%");
        assert_eq!(contains_pattern(""), "%%");
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn list_queries_assemble_fixed_fragments_and_numbered_placeholders() {
        let search = "o'brien; DROP TABLE users";
        let mut query = ListQuery::new("users.*", "users", "created_at DESC, id");
        query
            .and_equals("type", Param::Text(Some("User".into())))
            .and_contains(&["username", "name"], search)
            .and_in(
                "kind",
                vec![Param::Text(Some("a".into())), Param::Text(Some("b".into()))],
            );
        let count = query.count();
        let page = query.page(Page {
            offset: 20,
            limit: 10,
        });
        let filter = " WHERE type = $1 AND (lower(username) LIKE lower($2) ESCAPE '\\' \
                      OR lower(name) LIKE lower($2) ESCAPE '\\') AND kind IN ($3, $4)";
        assert_eq!(
            count.sql,
            format!("SELECT COUNT(*) AS total FROM users{filter}")
        );
        assert_eq!(
            page.sql,
            format!(
                "SELECT users.* FROM users{filter} ORDER BY created_at DESC, id LIMIT $5 OFFSET $6"
            )
        );
        assert_eq!(count.params.len(), 4);
        assert_eq!(page.params.len(), 6);
        assert!(
            !page.sql.contains("brien"),
            "values are bound, never inlined"
        );
        assert!(matches!(page.params[4], Param::Int(Some(10))));
        assert!(matches!(page.params[5], Param::Int(Some(20))));
    }

    #[test]
    fn unfiltered_list_queries_have_no_where_clause() {
        let query = ListQuery::new("resources.*", "resources", "resources.seq");
        assert_eq!(query.count().sql, "SELECT COUNT(*) AS total FROM resources");
        assert_eq!(
            query.page(Page::ALL).sql,
            "SELECT resources.* FROM resources ORDER BY resources.seq LIMIT $1 OFFSET $2"
        );
    }

    #[test]
    fn page_bounds_fit_in_i64() {
        assert_eq!(page_bounds(Page::ALL), (i64::MAX, 0));
        assert_eq!(
            page_bounds(Page {
                offset: u64::MAX,
                limit: 5
            }),
            (5, i64::MAX)
        );
    }

    #[test]
    fn no_rows_affected_means_not_found() {
        assert!(matches!(expect_one_row(0), Err(StoreError::NotFound)));
        assert!(expect_one_row(1).is_ok());
    }
}

//! The [`Store`] implementation, written once over a small [`Backend`] interface that SQLite and
//! PostgreSQL each provide. Every statement here is valid in both dialects; what differs
//! (connecting, binding JSON, beginning and serializing transactions, locking for migrations)
//! lives in the backend modules.

use async_trait::async_trait;
use serde_json::Value;
use sesame_core::model::{
    Application, ApplicationSecret, ApplicationType, ConnectorRecord, Listing, NewUser, Page,
    Resource, Role, RoleType, Scope, User,
};
use sesame_core::store::{Artifact, ArtifactKind, Consumption, Store, StoreError, StoreResult};

use crate::common::{
    application_from_row, artifact_from_row, connector_from_row, expect_one_row, new_user_record,
    oidc_client_metadata_json, resource_from_row, role_from_row, scope_from_row, secret_from_row,
    user_from_row, Columns, ListQuery, Param, Statement,
};

/// Maps a row to a record.
type FromRow<T> = fn(&dyn Columns) -> StoreResult<T>;

/// The columns users are searched in (`list_users`).
const USER_SEARCH_COLUMNS: &[&str] = &["id", "username", "primary_email", "primary_phone", "name"];
const USERS_NEWEST_FIRST: &str = "users.created_at DESC, users.id";
const APPLICATIONS_NEWEST_FIRST: &str = "applications.created_at DESC, applications.id";
/// `seq` records insertion order, breaking ties between rows created in the same millisecond.
const ROLES_BY_CREATION: &str = "roles.created_at, roles.seq";
const SCOPES_BY_CREATION: &str = "scopes.created_at, scopes.seq";

/// Counts the events of `$1`/`$2` strictly after `$3`, whether or not they have expired: the
/// window (`since`) is the caller's, and expiry only says when a row may be purged.
const COUNT_EVENTS: &str = "SELECT COUNT(*) AS total FROM sentinel_activities \
     WHERE bucket = $1 AND key = $2 AND created_at > $3";
const INSERT_EVENT: &str =
    "INSERT INTO sentinel_activities (bucket, key, created_at, expires_at) VALUES ($1, $2, $3, $4)";

/// Taken by every transaction that makes a resource the default. They clear the current default
/// and then set the new one; run concurrently on PostgreSQL (READ COMMITTED), two of them can
/// miss each other's new default, collide on `resources__is_default` or even deadlock (each
/// one's unique check waiting on a row the other is updating). One at a time, each sees the
/// default the previous one set and clears it: the last writer wins.
const DEFAULT_RESOURCE_LOCK: &str = "default_resource";

/// What a database must offer for [`SqlStore`] to implement [`Store`] on it.
#[async_trait]
pub(crate) trait Backend: Send + Sync + 'static {
    type Row: Columns + Send;
    type Tx: Transaction<Row = Self::Row>;

    /// Runs one statement; returns how many rows it changed.
    async fn execute(&self, statement: Statement<'_>) -> StoreResult<u64>;
    async fn fetch_optional(&self, statement: Statement<'_>) -> StoreResult<Option<Self::Row>>;
    async fn fetch_all(&self, statement: Statement<'_>) -> StoreResult<Vec<Self::Row>>;
    /// Starts a transaction that will write: nothing it does is seen by others before
    /// [`Transaction::commit`], and dropping it uncommitted rolls everything back.
    async fn begin(&self) -> StoreResult<Self::Tx>;
    /// Starts a read-only transaction whose statements all see the same snapshot.
    async fn begin_read(&self) -> StoreResult<Self::Tx>;
}

/// An sqlx transaction, the [`Backend::Tx`] of both backends.
pub(crate) struct SqlxTx<DB: sqlx::Database>(pub sqlx::Transaction<'static, DB>);

/// An open transaction; dropped without [`Transaction::commit`], it rolls back.
#[async_trait]
pub(crate) trait Transaction: Send + Sized {
    type Row: Columns + Send;

    async fn execute(&mut self, statement: Statement<'_>) -> StoreResult<u64>;
    async fn fetch_optional(&mut self, statement: Statement<'_>) -> StoreResult<Option<Self::Row>>;
    async fn fetch_all(&mut self, statement: Statement<'_>) -> StoreResult<Vec<Self::Row>>;
    async fn commit(self) -> StoreResult<()>;
    /// Waits until no other transaction holds the lock called `name`, then holds it until this
    /// one ends: transactions taking the same lock run one after the other.
    async fn serialize(&mut self, name: &'static str) -> StoreResult<()>;
    /// Like [`Transaction::serialize`], but the lock is the event key `(bucket, key)`, so
    /// transactions on different keys need not wait for each other (on backends that can
    /// tell keys apart; SQLite's single write lock serializes them all anyway).
    async fn serialize_event_key(&mut self, bucket: &str, key: &str) -> StoreResult<()>;

    /// Runs a single-row write that must match a row: `NotFound` otherwise.
    async fn execute_one(&mut self, statement: Statement<'_>) -> StoreResult<()> {
        expect_one_row(self.execute(statement).await?)
    }

    /// `NotFound` unless the query returns a row.
    async fn require_row(&mut self, statement: Statement<'_>) -> StoreResult<()> {
        match self.fetch_optional(statement).await? {
            Some(_) => Ok(()),
            None => Err(StoreError::NotFound),
        }
    }
}

pub(crate) struct SqlStore<B> {
    pub(crate) db: B,
}

impl<B: Backend> SqlStore<B> {
    pub(crate) fn new(db: B) -> Self {
        Self { db }
    }

    async fn fetch_user(&self, statement: Statement<'_>) -> StoreResult<Option<User>> {
        self.fetch_record(statement, user_from_row).await
    }

    pub(crate) async fn fetch_record<T>(
        &self,
        statement: Statement<'_>,
        from_row: FromRow<T>,
    ) -> StoreResult<Option<T>> {
        let row = self.db.fetch_optional(statement).await?;
        row.map(|row| from_row(&row)).transpose()
    }

    pub(crate) async fn fetch_records<T>(
        &self,
        statement: Statement<'_>,
        from_row: FromRow<T>,
    ) -> StoreResult<Vec<T>> {
        let rows = self.db.fetch_all(statement).await?;
        rows.iter().map(|row| from_row(row)).collect()
    }

    /// One page of `query` and the total number of matches, both read from one snapshot.
    pub(crate) async fn list<T>(
        &self,
        query: ListQuery<'_>,
        page: Page,
        from_row: FromRow<T>,
    ) -> StoreResult<Listing<T>> {
        let count = query.count();
        let select = query.page(page);
        let mut tx = self.db.begin_read().await?;
        let total = match tx.fetch_optional(count).await? {
            Some(row) => row.int("total")?,
            None => 0,
        };
        let rows = tx.fetch_all(select).await?;
        tx.commit().await?;
        Ok(Listing {
            items: rows
                .iter()
                .map(|row| from_row(row))
                .collect::<StoreResult<_>>()?,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    /// Runs the statements in one transaction: all of them take effect or none.
    async fn atomically(&self, statements: Vec<Statement<'_>>) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        for statement in statements {
            tx.execute(statement).await?;
        }
        tx.commit().await
    }

    /// Runs a query of scope names (`$1` the holder, `$2` the resource): deduplicated and
    /// sorted bytewise, the same on both backends whatever PostgreSQL's collation.
    async fn scope_names(
        &self,
        sql: &'static str,
        holder_id: &str,
        resource_id: &str,
    ) -> StoreResult<Vec<String>> {
        let statement = Statement::new(sql).text(holder_id).text(resource_id);
        let rows = self.db.fetch_all(statement).await?;
        let mut names = rows
            .iter()
            .map(|row| row.text("name"))
            .collect::<StoreResult<Vec<String>>>()?;
        names.sort_unstable();
        names.dedup();
        Ok(names)
    }

    /// Inserts `(holder, role)` pairs into an assignment table, leaving existing pairs alone, in
    /// one transaction that first checks the holder exists. A missing role violates the foreign
    /// key, which reads as `NotFound` and rolls everything back.
    async fn assign(
        &self,
        holder_exists: &'static str,
        insert_pair: &'static str,
        holder_id: &str,
        ids: &[String],
    ) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        tx.require_row(Statement::new(holder_exists).text(holder_id))
            .await?;
        for id in ids {
            tx.execute(
                Statement::new(insert_pair)
                    .text(holder_id)
                    .text(id.as_str()),
            )
            .await?;
        }
        tx.commit().await
    }

    /// Makes `id` the only default resource.
    async fn make_default(&self, id: &str) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        tx.serialize(DEFAULT_RESOURCE_LOCK).await?;
        tx.execute(clear_default_except(id)).await?;
        tx.execute_one(
            Statement::new("UPDATE resources SET is_default = TRUE WHERE id = $1").text(id),
        )
        .await?;
        tx.commit().await
    }

    async fn insert_resource_tx(&self, resource: &Resource) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        if resource.is_default {
            tx.serialize(DEFAULT_RESOURCE_LOCK).await?;
            tx.execute(clear_default_except(&resource.id)).await?;
        }
        let insert = Statement::new(
            "INSERT INTO resources (id, name, indicator, is_default, access_token_ttl) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .text(resource.id.as_str())
        .text(resource.name.as_str())
        .text(resource.indicator.as_str())
        .flag(resource.is_default)
        .int(resource.access_token_ttl);
        tx.execute(insert).await?;
        tx.commit().await
    }

    /// The `total` column of a `COUNT(*)` row, as the unsigned count the trait returns.
    fn total(row: Option<&impl Columns>) -> StoreResult<u64> {
        let total = match row {
            Some(row) => row.int("total")?,
            None => 0,
        };
        u64::try_from(total).map_err(|_| StoreError::Backend(format!("negative row count {total}")))
    }

    /// Explains why `consume_artifact`'s conditional update matched nothing.
    async fn why_not_consumed(
        &self,
        kind: ArtifactKind,
        id: &str,
        now: i64,
    ) -> StoreResult<Consumption> {
        let statement = Statement::new(
            "SELECT consumed_at FROM oidc_model_instances \
             WHERE model_name = $1 AND id = $2 AND expires_at > $3",
        )
        .text(kind.as_str())
        .text(id)
        .int(now);
        let consumed_at = match self.db.fetch_optional(statement).await? {
            Some(row) => row.opt_int("consumed_at")?,
            None => None,
        };
        // Unconsumed but unclaimable can only mean it was (re)written just now; treat as absent.
        Ok(
            consumed_at.map_or(Consumption::Missing, |at| Consumption::AlreadyConsumed {
                at,
            }),
        )
    }
}

/// Takes the user's row for the rest of `tx` (touching `updated_at`) and returns its
/// identities object (an empty one if the stored value is not an object). `NotFound` when the
/// user does not exist.
async fn lock_user_identities<T: Transaction>(
    tx: &mut T,
    user_id: &str,
    now: i64,
) -> StoreResult<serde_json::Map<String, Value>> {
    tx.execute_one(
        Statement::new("UPDATE users SET updated_at = $2 WHERE id = $1")
            .text(user_id)
            .int(now),
    )
    .await?;
    let row = tx
        .fetch_optional(Statement::new("SELECT identities FROM users WHERE id = $1").text(user_id))
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(match row.json("identities")? {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    })
}

/// Writes the identities object and returns the user as it now is.
async fn write_user_identities<T: Transaction>(
    tx: &mut T,
    user_id: &str,
    identities: serde_json::Map<String, Value>,
) -> StoreResult<User> {
    tx.execute_one(
        Statement::new("UPDATE users SET identities = $2 WHERE id = $1")
            .text(user_id)
            .json(&Value::Object(identities))?,
    )
    .await?;
    let row = tx
        .fetch_optional(Statement::new("SELECT * FROM users WHERE id = $1").text(user_id))
        .await?
        .ok_or(StoreError::NotFound)?;
    user_from_row(&row)
}

/// Grants scope `$2` to role `$1`, unless already granted.
const GRANT_SCOPE: &str =
    "INSERT INTO roles_scopes (role_id, scope_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";

/// Clears the default flag of every resource but `id`.
fn clear_default_except(id: &str) -> Statement<'_> {
    Statement::new("UPDATE resources SET is_default = FALSE WHERE is_default AND id <> $1").text(id)
}

#[async_trait]
impl<B: Backend> Store for SqlStore<B> {
    // --- users

    async fn insert_user(&self, user: &NewUser, now: i64) -> StoreResult<User> {
        let statement = Statement::new(
            "INSERT INTO users (id, username, primary_email, primary_phone, password_encrypted, \
             password_encryption_method, name, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .text(user.id.as_str())
        .text(user.username.as_deref())
        .text(user.primary_email.as_deref())
        .text(user.primary_phone.as_deref())
        .text(user.password_encrypted.as_deref())
        .text(user.password_encryption_method.as_deref())
        .text(user.name.as_deref())
        .int(now);
        self.db.execute(statement).await?;
        Ok(new_user_record(user, now))
    }

    async fn find_user(&self, id: &str) -> StoreResult<Option<User>> {
        self.fetch_user(Statement::new("SELECT * FROM users WHERE id = $1").text(id))
            .await
    }

    async fn find_user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        let sql = "SELECT * FROM users WHERE lower(username) = lower($1)";
        self.fetch_user(Statement::new(sql).text(username)).await
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        let sql = "SELECT * FROM users WHERE lower(primary_email) = lower($1)";
        self.fetch_user(Statement::new(sql).text(email)).await
    }

    async fn find_user_by_phone(&self, phone: &str) -> StoreResult<Option<User>> {
        let sql = "SELECT * FROM users WHERE primary_phone = $1";
        self.fetch_user(Statement::new(sql).text(phone)).await
    }

    async fn update_user_password(
        &self,
        id: &str,
        hash: &str,
        method: &str,
        now: i64,
    ) -> StoreResult<()> {
        let statement = Statement::new(
            "UPDATE users SET password_encrypted = $2, password_encryption_method = $3, updated_at = $4 \
             WHERE id = $1",
        )
        .text(id)
        .text(hash)
        .text(method)
        .int(now);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn touch_user_sign_in(&self, id: &str, now: i64) -> StoreResult<()> {
        let statement = Statement::new("UPDATE users SET last_sign_in_at = $2 WHERE id = $1")
            .text(id)
            .int(now);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn set_user_suspended(&self, id: &str, suspended: bool, now: i64) -> StoreResult<()> {
        let statement =
            Statement::new("UPDATE users SET is_suspended = $2, updated_at = $3 WHERE id = $1")
                .text(id)
                .flag(suspended)
                .int(now);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn list_users(&self, search: Option<&str>, page: Page) -> StoreResult<Listing<User>> {
        let mut query = ListQuery::new("users.*", "users", USERS_NEWEST_FIRST);
        if let Some(search) = search {
            query.and_contains(USER_SEARCH_COLUMNS, search);
        }
        self.list(query, page, user_from_row).await
    }

    async fn update_user(&self, user: &User, now: i64) -> StoreResult<()> {
        let statement = Statement::new(
            "UPDATE users SET username = $2, primary_email = $3, primary_phone = $4, name = $5, \
             avatar = $6, profile = $7, custom_data = $8, is_suspended = $9, \
             updated_at = $10 WHERE id = $1",
        )
        .text(user.id.as_str())
        .text(user.username.as_deref())
        .text(user.primary_email.as_deref())
        .text(user.primary_phone.as_deref())
        .text(user.name.as_deref())
        .text(user.avatar.as_deref())
        .json(&user.profile)?
        .json(&user.custom_data)?
        .flag(user.is_suspended)
        .int(now);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn delete_user(&self, id: &str) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        // Role assignments go with the user (users_roles cascades); artifacts are not linked
        // by a foreign key, so they are deleted explicitly.
        tx.execute_one(Statement::new("DELETE FROM users WHERE id = $1").text(id))
            .await?;
        tx.execute(
            Statement::new("DELETE FROM oidc_model_instances WHERE account_id = $1").text(id),
        )
        .await?;
        tx.commit().await
    }

    // --- social identities
    //
    // Both writes take the user's row first (`UPDATE users SET updated_at`), so concurrent
    // changes to one user's identities run one after the other and none is lost; the relation
    // table's unique (target, identity_id) makes the database refuse a second owner.

    async fn find_user_by_identity(
        &self,
        target: &str,
        identity_id: &str,
    ) -> StoreResult<Option<User>> {
        let statement = Statement::new(
            "SELECT users.* FROM users JOIN user_social_identity_relations AS relations \
             ON relations.user_id = users.id \
             WHERE relations.target = $1 AND relations.identity_id = $2",
        )
        .text(target)
        .text(identity_id);
        self.fetch_user(statement).await
    }

    async fn link_user_identity(
        &self,
        user_id: &str,
        target: &str,
        identity_id: &str,
        details: Option<&Value>,
        now: i64,
    ) -> StoreResult<User> {
        let mut tx = self.db.begin().await?;
        let mut identities = lock_user_identities(&mut tx, user_id, now).await?;
        tx.execute(
            Statement::new(
                "DELETE FROM user_social_identity_relations WHERE user_id = $1 AND target = $2",
            )
            .text(user_id)
            .text(target),
        )
        .await?;
        // Another user's row with this (target, identity_id) makes this a `Conflict`.
        tx.execute(
            Statement::new(
                "INSERT INTO user_social_identity_relations (user_id, target, identity_id, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .text(user_id)
            .text(target)
            .text(identity_id)
            .int(now),
        )
        .await?;
        let mut entry = serde_json::Map::new();
        entry.insert("userId".into(), Value::String(identity_id.to_owned()));
        if let Some(details) = details {
            entry.insert("details".into(), details.clone());
        }
        identities.insert(target.to_owned(), Value::Object(entry));
        let user = write_user_identities(&mut tx, user_id, identities).await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn unlink_user_identity(
        &self,
        user_id: &str,
        target: &str,
        now: i64,
    ) -> StoreResult<User> {
        let mut tx = self.db.begin().await?;
        let mut identities = lock_user_identities(&mut tx, user_id, now).await?;
        let related = tx
            .execute(
                Statement::new(
                    "DELETE FROM user_social_identity_relations WHERE user_id = $1 AND target = $2",
                )
                .text(user_id)
                .text(target),
            )
            .await?;
        let listed = identities.remove(target).is_some();
        if related == 0 && !listed {
            // Dropping the transaction rolls back the `updated_at` touch.
            return Err(StoreError::NotFound);
        }
        let user = write_user_identities(&mut tx, user_id, identities).await?;
        tx.commit().await?;
        Ok(user)
    }

    // --- applications

    async fn insert_application(
        &self,
        app: &Application,
        secret: Option<&ApplicationSecret>,
    ) -> StoreResult<()> {
        let mut statements = vec![Statement::new(
            "INSERT INTO applications (id, name, description, type, oidc_client_metadata, \
             custom_client_metadata, is_third_party, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .text(app.id.as_str())
        .text(app.name.as_str())
        .text(app.description.as_deref())
        .text(app.app_type.as_str())
        .json(&oidc_client_metadata_json(&app.oidc_client_metadata)?)?
        .json(&app.custom_client_metadata)?
        .flag(app.is_third_party)
        .int(app.created_at)];
        if let Some(secret) = secret {
            // The secret belongs to the application inserted with it, whatever id it carries.
            statements.push(
                Statement::new(
                    "INSERT INTO application_secrets (application_id, name, value, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .text(app.id.as_str())
                .text(secret.name.as_str())
                .text(secret.value.as_str())
                .int(secret.created_at)
                .int(secret.expires_at),
            );
        }
        self.atomically(statements).await
    }

    async fn find_application(&self, id: &str) -> StoreResult<Option<Application>> {
        let statement = Statement::new("SELECT * FROM applications WHERE id = $1").text(id);
        self.fetch_record(statement, application_from_row).await
    }

    async fn application_secrets(
        &self,
        application_id: &str,
    ) -> StoreResult<Vec<ApplicationSecret>> {
        let statement = Statement::new(
            "SELECT * FROM application_secrets WHERE application_id = $1 ORDER BY created_at, name",
        )
        .text(application_id);
        self.fetch_records(statement, secret_from_row).await
    }

    async fn list_applications(
        &self,
        types: &[ApplicationType],
        page: Page,
    ) -> StoreResult<Listing<Application>> {
        let mut query = ListQuery::new("applications.*", "applications", APPLICATIONS_NEWEST_FIRST);
        if !types.is_empty() {
            let types = types
                .iter()
                .map(|app_type| Param::Text(Some(app_type.as_str().into())))
                .collect();
            query.and_in("type", types);
        }
        self.list(query, page, application_from_row).await
    }

    async fn update_application(&self, app: &Application) -> StoreResult<()> {
        let statement = Statement::new(
            "UPDATE applications SET name = $2, description = $3, oidc_client_metadata = $4, \
             custom_client_metadata = $5, is_third_party = $6 WHERE id = $1",
        )
        .text(app.id.as_str())
        .text(app.name.as_str())
        .text(app.description.as_deref())
        .json(&oidc_client_metadata_json(&app.oidc_client_metadata)?)?
        .json(&app.custom_client_metadata)?
        .flag(app.is_third_party);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn delete_application(&self, id: &str) -> StoreResult<()> {
        // Secrets and role assignments cascade.
        let statement = Statement::new("DELETE FROM applications WHERE id = $1").text(id);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn insert_application_secret(&self, secret: &ApplicationSecret) -> StoreResult<()> {
        // An unknown application violates the foreign key: NotFound.
        let statement = Statement::new(
            "INSERT INTO application_secrets (application_id, name, value, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .text(secret.application_id.as_str())
        .text(secret.name.as_str())
        .text(secret.value.as_str())
        .int(secret.created_at)
        .int(secret.expires_at);
        self.db.execute(statement).await?;
        Ok(())
    }

    async fn delete_application_secret(&self, application_id: &str, name: &str) -> StoreResult<()> {
        let statement = Statement::new(
            "DELETE FROM application_secrets WHERE application_id = $1 AND name = $2",
        )
        .text(application_id)
        .text(name);
        expect_one_row(self.db.execute(statement).await?)
    }

    // --- API resources and their scopes

    async fn insert_resource(&self, resource: &Resource) -> StoreResult<()> {
        // A new default resource replaces the old one, as `set_default_resource` would.
        self.insert_resource_tx(resource).await
    }

    async fn find_resource(&self, id: &str) -> StoreResult<Option<Resource>> {
        let statement = Statement::new("SELECT * FROM resources WHERE id = $1").text(id);
        self.fetch_record(statement, resource_from_row).await
    }

    async fn find_resource_by_indicator(&self, indicator: &str) -> StoreResult<Option<Resource>> {
        let statement =
            Statement::new("SELECT * FROM resources WHERE indicator = $1").text(indicator);
        self.fetch_record(statement, resource_from_row).await
    }

    async fn default_resource(&self) -> StoreResult<Option<Resource>> {
        let statement = Statement::new("SELECT * FROM resources WHERE is_default");
        self.fetch_record(statement, resource_from_row).await
    }

    async fn list_resources(&self, page: Page) -> StoreResult<Listing<Resource>> {
        let query = ListQuery::new("resources.*", "resources", "resources.seq");
        self.list(query, page, resource_from_row).await
    }

    async fn update_resource(&self, resource: &Resource) -> StoreResult<()> {
        let statement =
            Statement::new("UPDATE resources SET name = $2, access_token_ttl = $3 WHERE id = $1")
                .text(resource.id.as_str())
                .text(resource.name.as_str())
                .int(resource.access_token_ttl);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn set_default_resource(&self, id: &str, is_default: bool) -> StoreResult<()> {
        if is_default {
            return self.make_default(id).await;
        }
        let statement =
            Statement::new("UPDATE resources SET is_default = FALSE WHERE id = $1").text(id);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn delete_resource(&self, id: &str) -> StoreResult<()> {
        // Scopes cascade, and their role grants with them.
        let statement = Statement::new("DELETE FROM resources WHERE id = $1").text(id);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn insert_scope(&self, scope: &Scope) -> StoreResult<()> {
        // An unknown resource violates the foreign key: NotFound.
        let statement = Statement::new(
            "INSERT INTO scopes (id, resource_id, name, description, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .text(scope.id.as_str())
        .text(scope.resource_id.as_str())
        .text(scope.name.as_str())
        .text(scope.description.as_deref())
        .int(scope.created_at);
        self.db.execute(statement).await?;
        Ok(())
    }

    async fn find_scope(&self, id: &str) -> StoreResult<Option<Scope>> {
        let statement = Statement::new("SELECT * FROM scopes WHERE id = $1").text(id);
        self.fetch_record(statement, scope_from_row).await
    }

    async fn list_scopes(&self, resource_id: &str, page: Page) -> StoreResult<Listing<Scope>> {
        let mut query = ListQuery::new("scopes.*", "scopes", SCOPES_BY_CREATION);
        query.and_equals("resource_id", Param::Text(Some(resource_id.into())));
        self.list(query, page, scope_from_row).await
    }

    async fn update_scope(&self, scope: &Scope) -> StoreResult<()> {
        let statement =
            Statement::new("UPDATE scopes SET name = $2, description = $3 WHERE id = $1")
                .text(scope.id.as_str())
                .text(scope.name.as_str())
                .text(scope.description.as_deref());
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn delete_scope(&self, id: &str) -> StoreResult<()> {
        // Role grants cascade.
        let statement = Statement::new("DELETE FROM scopes WHERE id = $1").text(id);
        expect_one_row(self.db.execute(statement).await?)
    }

    // --- roles

    async fn insert_role(&self, role: &Role, scope_ids: &[String]) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        let insert = Statement::new(
            "INSERT INTO roles (id, name, description, type, is_default, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .text(role.id.as_str())
        .text(role.name.as_str())
        .text(role.description.as_str())
        .text(role.role_type.as_str())
        .flag(role.is_default)
        .int(role.created_at);
        tx.execute(insert).await?;
        for scope_id in scope_ids {
            // An unknown scope violates the foreign key: NotFound, and the role is not kept.
            tx.execute(
                Statement::new(GRANT_SCOPE)
                    .text(role.id.as_str())
                    .text(scope_id.as_str()),
            )
            .await?;
        }
        tx.commit().await
    }

    async fn find_role(&self, id: &str) -> StoreResult<Option<Role>> {
        let statement = Statement::new("SELECT * FROM roles WHERE id = $1").text(id);
        self.fetch_record(statement, role_from_row).await
    }

    async fn find_role_by_name(&self, name: &str) -> StoreResult<Option<Role>> {
        let statement = Statement::new("SELECT * FROM roles WHERE name = $1").text(name);
        self.fetch_record(statement, role_from_row).await
    }

    async fn list_roles(
        &self,
        role_type: Option<RoleType>,
        search: Option<&str>,
        page: Page,
    ) -> StoreResult<Listing<Role>> {
        let mut query = ListQuery::new("roles.*", "roles", ROLES_BY_CREATION);
        if let Some(role_type) = role_type {
            query.and_equals("type", Param::Text(Some(role_type.as_str().into())));
        }
        if let Some(search) = search {
            query.and_contains(&["name"], search);
        }
        self.list(query, page, role_from_row).await
    }

    async fn update_role(&self, role: &Role) -> StoreResult<()> {
        let statement = Statement::new(
            "UPDATE roles SET name = $2, description = $3, is_default = $4 WHERE id = $1",
        )
        .text(role.id.as_str())
        .text(role.name.as_str())
        .text(role.description.as_str())
        .flag(role.is_default);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn delete_role(&self, id: &str) -> StoreResult<()> {
        // Scope grants and user and application assignments cascade.
        let statement = Statement::new("DELETE FROM roles WHERE id = $1").text(id);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn role_scopes(&self, role_id: &str) -> StoreResult<Vec<Scope>> {
        let statement = Statement::new(
            "SELECT scopes.* FROM scopes JOIN roles_scopes ON roles_scopes.scope_id = scopes.id \
             WHERE roles_scopes.role_id = $1 ORDER BY scopes.created_at, scopes.seq",
        )
        .text(role_id);
        self.fetch_records(statement, scope_from_row).await
    }

    async fn add_role_scopes(&self, role_id: &str, scope_ids: &[String]) -> StoreResult<()> {
        self.assign(
            "SELECT id FROM roles WHERE id = $1",
            GRANT_SCOPE,
            role_id,
            scope_ids,
        )
        .await
    }

    async fn remove_role_scope(&self, role_id: &str, scope_id: &str) -> StoreResult<()> {
        let statement =
            Statement::new("DELETE FROM roles_scopes WHERE role_id = $1 AND scope_id = $2")
                .text(role_id)
                .text(scope_id);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn user_roles(&self, user_id: &str) -> StoreResult<Vec<Role>> {
        let statement = Statement::new(
            "SELECT roles.* FROM roles JOIN users_roles ON users_roles.role_id = roles.id \
             WHERE users_roles.user_id = $1 ORDER BY roles.created_at, roles.seq",
        )
        .text(user_id);
        self.fetch_records(statement, role_from_row).await
    }

    async fn add_user_roles(&self, user_id: &str, role_ids: &[String]) -> StoreResult<()> {
        self.assign(
            "SELECT id FROM users WHERE id = $1",
            "INSERT INTO users_roles (user_id, role_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            user_id,
            role_ids,
        )
        .await
    }

    async fn remove_user_role(&self, user_id: &str, role_id: &str) -> StoreResult<()> {
        let statement =
            Statement::new("DELETE FROM users_roles WHERE user_id = $1 AND role_id = $2")
                .text(user_id)
                .text(role_id);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn role_users(&self, role_id: &str, page: Page) -> StoreResult<Listing<User>> {
        let mut query = ListQuery::new(
            "users.*",
            "users JOIN users_roles ON users_roles.user_id = users.id",
            USERS_NEWEST_FIRST,
        );
        query.and_equals("users_roles.role_id", Param::Text(Some(role_id.into())));
        self.list(query, page, user_from_row).await
    }

    async fn application_roles(&self, application_id: &str) -> StoreResult<Vec<Role>> {
        let statement = Statement::new(
            "SELECT roles.* FROM roles \
             JOIN applications_roles ON applications_roles.role_id = roles.id \
             WHERE applications_roles.application_id = $1 ORDER BY roles.created_at, roles.seq",
        )
        .text(application_id);
        self.fetch_records(statement, role_from_row).await
    }

    async fn add_application_roles(
        &self,
        application_id: &str,
        role_ids: &[String],
    ) -> StoreResult<()> {
        self.assign(
            "SELECT id FROM applications WHERE id = $1",
            "INSERT INTO applications_roles (application_id, role_id) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING",
            application_id,
            role_ids,
        )
        .await
    }

    async fn remove_application_role(
        &self,
        application_id: &str,
        role_id: &str,
    ) -> StoreResult<()> {
        let statement = Statement::new(
            "DELETE FROM applications_roles WHERE application_id = $1 AND role_id = $2",
        )
        .text(application_id)
        .text(role_id);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn role_applications(
        &self,
        role_id: &str,
        page: Page,
    ) -> StoreResult<Listing<Application>> {
        let mut query = ListQuery::new(
            "applications.*",
            "applications JOIN applications_roles \
             ON applications_roles.application_id = applications.id",
            APPLICATIONS_NEWEST_FIRST,
        );
        query.and_equals(
            "applications_roles.role_id",
            Param::Text(Some(role_id.into())),
        );
        self.list(query, page, application_from_row).await
    }

    async fn user_resource_scopes(
        &self,
        user_id: &str,
        resource_id: &str,
    ) -> StoreResult<Vec<String>> {
        self.scope_names(
            "SELECT DISTINCT scopes.name FROM scopes \
             JOIN roles_scopes ON roles_scopes.scope_id = scopes.id \
             JOIN users_roles ON users_roles.role_id = roles_scopes.role_id \
             WHERE users_roles.user_id = $1 AND scopes.resource_id = $2",
            user_id,
            resource_id,
        )
        .await
    }

    async fn application_resource_scopes(
        &self,
        application_id: &str,
        resource_id: &str,
    ) -> StoreResult<Vec<String>> {
        self.scope_names(
            "SELECT DISTINCT scopes.name FROM scopes \
             JOIN roles_scopes ON roles_scopes.scope_id = scopes.id \
             JOIN applications_roles ON applications_roles.role_id = roles_scopes.role_id \
             WHERE applications_roles.application_id = $1 AND scopes.resource_id = $2",
            application_id,
            resource_id,
        )
        .await
    }

    // --- configuration rows

    async fn get_config(&self, key: &str) -> StoreResult<Option<Value>> {
        let statement = Statement::new("SELECT value FROM logto_configs WHERE key = $1").text(key);
        let row = self.db.fetch_optional(statement).await?;
        row.map(|row| row.json("value")).transpose()
    }

    async fn init_config(&self, key: &str, value: &Value) -> StoreResult<Value> {
        let statement = Statement::new(
            "INSERT INTO logto_configs (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .text(key)
        .json(value)?;
        self.db.execute(statement).await?;
        // Rows are never deleted, so whichever writer won, a row is there now.
        self.get_config(key)
            .await?
            .ok_or_else(|| StoreError::Backend(format!("config row {key:?} vanished after insert")))
    }

    async fn swap_config(&self, key: &str, expected: &Value, value: &Value) -> StoreResult<bool> {
        // One conditional UPDATE is atomic on both backends. PostgreSQL compares jsonb values;
        // SQLite compares text, which is exact because every write goes through `json_text`.
        let statement =
            Statement::new("UPDATE logto_configs SET value = $3 WHERE key = $1 AND value = $2")
                .text(key)
                .json(expected)?
                .json(value)?;
        Ok(self.db.execute(statement).await? == 1)
    }

    // --- connectors
    //
    // Clarifications of the trait's contract, as implemented here:
    // * `update_connector` and `delete_connector` return `NotFound` when no connector has the
    //   id; `update_connector` leaves `connector_id` and `created_at` as inserted.
    // * `list_connectors` orders by `created_at`, then by insertion order for equal times.
    // * `config` holds secrets; nothing here logs it, and errors never echo bound values.

    async fn insert_connector(&self, connector: &ConnectorRecord) -> StoreResult<()> {
        let statement = Statement::new(
            "INSERT INTO connectors (id, connector_id, config, metadata, sync_profile, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .text(connector.id.as_str())
        .text(connector.connector_id.as_str())
        .json(&connector.config)?
        .json(&connector.metadata)?
        .flag(connector.sync_profile)
        .int(connector.created_at);
        self.db.execute(statement).await?;
        Ok(())
    }

    async fn find_connector(&self, id: &str) -> StoreResult<Option<ConnectorRecord>> {
        let statement = Statement::new("SELECT * FROM connectors WHERE id = $1").text(id);
        self.fetch_record(statement, connector_from_row).await
    }

    async fn list_connectors(&self) -> StoreResult<Vec<ConnectorRecord>> {
        let statement = Statement::new("SELECT * FROM connectors ORDER BY created_at, seq");
        self.fetch_records(statement, connector_from_row).await
    }

    async fn update_connector(&self, connector: &ConnectorRecord) -> StoreResult<()> {
        let statement = Statement::new(
            "UPDATE connectors SET config = $2, metadata = $3, sync_profile = $4 WHERE id = $1",
        )
        .text(connector.id.as_str())
        .json(&connector.config)?
        .json(&connector.metadata)?
        .flag(connector.sync_profile);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn delete_connector(&self, id: &str) -> StoreResult<()> {
        let statement = Statement::new("DELETE FROM connectors WHERE id = $1").text(id);
        expect_one_row(self.db.execute(statement).await?)
    }

    // --- events
    //
    // Clarifications of the trait's contract, as implemented here:
    // * "after `since`" is strict: an event at exactly `since` is outside the window, in
    //   `count_events` and `record_event_within_limit` alike.
    // * Counting ignores `expires_at`: an expired event still counts until `purge_expired`
    //   removes it, so callers should pick `expires_at >= at + window` (an event is then never
    //   purged while a window could still include it).
    // * `record_event_within_limit` is atomic with respect to other `record_event_within_limit`
    //   calls on the same bucket and key; a concurrent plain `record_event` is not held back
    //   and may take the last slot (or push the count past `limit`). With `limit == 0` nothing
    //   is ever recorded.
    // * Nothing here checks that `since < at` or `at < expires_at`; the caller's clock decides.

    async fn record_event(
        &self,
        bucket: &str,
        key: &str,
        at: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        let statement = Statement::new(INSERT_EVENT)
            .text(bucket)
            .text(key)
            .int(at)
            .int(expires_at);
        self.db.execute(statement).await?;
        Ok(())
    }

    async fn record_event_within_limit(
        &self,
        bucket: &str,
        key: &str,
        at: i64,
        expires_at: i64,
        since: i64,
        limit: u64,
    ) -> StoreResult<bool> {
        // Count and insert in one write transaction that holds the key's lock from before the
        // count until the commit, so the next caller's count includes this insert. PostgreSQL
        // (READ COMMITTED) takes a fresh snapshot per statement, so the count, taken after the
        // lock, sees every insert committed by earlier holders; SQLite's IMMEDIATE transaction
        // holds the database's write lock throughout, across connections and processes.
        let mut tx = self.db.begin().await?;
        tx.serialize_event_key(bucket, key).await?;
        let count = Statement::new(COUNT_EVENTS)
            .text(bucket)
            .text(key)
            .int(since);
        let total = Self::total(tx.fetch_optional(count).await?.as_ref())?;
        if total >= limit {
            // Dropping the transaction rolls it back and releases the lock.
            return Ok(false);
        }
        let insert = Statement::new(INSERT_EVENT)
            .text(bucket)
            .text(key)
            .int(at)
            .int(expires_at);
        tx.execute(insert).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn count_events(&self, bucket: &str, key: &str, since: i64) -> StoreResult<u64> {
        let statement = Statement::new(COUNT_EVENTS)
            .text(bucket)
            .text(key)
            .int(since);
        Self::total(self.db.fetch_optional(statement).await?.as_ref())
    }

    // --- OIDC artifacts

    async fn put_artifact(&self, artifact: &Artifact) -> StoreResult<()> {
        let statement = Statement::new(
            "INSERT INTO oidc_model_instances \
             (model_name, id, grant_id, account_id, payload, expires_at, consumed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (model_name, id) DO UPDATE SET \
             grant_id = excluded.grant_id, account_id = excluded.account_id, payload = excluded.payload, \
             expires_at = excluded.expires_at, consumed_at = excluded.consumed_at",
        )
        .text(artifact.kind.as_str())
        .text(artifact.id.as_str())
        .text(artifact.grant_id.as_deref())
        .text(artifact.account_id.as_deref())
        .json(&artifact.payload)?
        .int(artifact.expires_at)
        .int(artifact.consumed_at);
        self.db.execute(statement).await?;
        Ok(())
    }

    async fn find_artifact(
        &self,
        kind: ArtifactKind,
        id: &str,
        now: i64,
    ) -> StoreResult<Option<Artifact>> {
        let statement = Statement::new(
            "SELECT * FROM oidc_model_instances WHERE model_name = $1 AND id = $2 AND expires_at > $3",
        )
        .text(kind.as_str())
        .text(id)
        .int(now);
        let row = self.db.fetch_optional(statement).await?;
        row.map(|row| artifact_from_row(kind, &row)).transpose()
    }

    async fn consume_artifact(
        &self,
        kind: ArtifactKind,
        id: &str,
        now: i64,
    ) -> StoreResult<Consumption> {
        // The claim is a single conditional UPDATE so that, across connections and nodes, at
        // most one caller ever sees its row change.
        let claim = Statement::new(
            "UPDATE oidc_model_instances SET consumed_at = $3 \
             WHERE model_name = $1 AND id = $2 AND consumed_at IS NULL AND expires_at > $3",
        )
        .text(kind.as_str())
        .text(id)
        .int(now);
        if self.db.execute(claim).await? == 1 {
            return Ok(Consumption::Consumed);
        }
        self.why_not_consumed(kind, id, now).await
    }

    async fn delete_artifact(&self, kind: ArtifactKind, id: &str) -> StoreResult<()> {
        let statement =
            Statement::new("DELETE FROM oidc_model_instances WHERE model_name = $1 AND id = $2")
                .text(kind.as_str())
                .text(id);
        self.db.execute(statement).await?;
        Ok(())
    }

    async fn revoke_grant(&self, grant_id: &str) -> StoreResult<u64> {
        let statement = Statement::new(
            "DELETE FROM oidc_model_instances WHERE grant_id = $1 OR (model_name = $2 AND id = $1)",
        )
        .text(grant_id)
        .text(ArtifactKind::Grant.as_str());
        self.db.execute(statement).await
    }

    async fn revoke_account(&self, account_id: &str) -> StoreResult<u64> {
        let statement = Statement::new("DELETE FROM oidc_model_instances WHERE account_id = $1")
            .text(account_id);
        self.db.execute(statement).await
    }

    /// Clarification: the count is artifacts plus events deleted, both with `expires_at <= now`.
    /// Artifacts' consumption state plays no part: a consumed but unexpired artifact stays.
    async fn purge_expired(&self, now: i64) -> StoreResult<u64> {
        let mut tx = self.db.begin().await?;
        let artifacts = tx
            .execute(
                Statement::new("DELETE FROM oidc_model_instances WHERE expires_at <= $1").int(now),
            )
            .await?;
        let events = tx
            .execute(
                Statement::new("DELETE FROM sentinel_activities WHERE expires_at <= $1").int(now),
            )
            .await?;
        tx.commit().await?;
        Ok(artifacts + events)
    }
}

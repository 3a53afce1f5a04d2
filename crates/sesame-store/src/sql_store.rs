//! The [`Store`] implementation, written once over a small [`Backend`] interface that SQLite and
//! PostgreSQL each provide. Every statement here is valid in both dialects; what differs
//! (connecting, binding JSON, locking for migrations) lives in the backend modules.

use async_trait::async_trait;
use serde_json::Value;
use sesame_core::model::{Application, ApplicationSecret, NewUser, User};
use sesame_core::store::{Artifact, ArtifactKind, Consumption, Store, StoreError, StoreResult};

use crate::common::{
    application_from_row, artifact_from_row, expect_one_row, new_user_record,
    oidc_client_metadata_json, secret_from_row, user_from_row, Columns, Statement,
};

/// What a database must offer for [`SqlStore`] to implement [`Store`] on it.
#[async_trait]
pub(crate) trait Backend: Send + Sync + 'static {
    type Row: Columns + Send;

    /// Runs one statement; returns how many rows it changed.
    async fn execute(&self, statement: Statement<'_>) -> StoreResult<u64>;
    /// Runs the statements in one transaction: all of them take effect or none.
    async fn execute_atomically(&self, statements: Vec<Statement<'_>>) -> StoreResult<()>;
    async fn fetch_optional(&self, statement: Statement<'_>) -> StoreResult<Option<Self::Row>>;
    async fn fetch_all(&self, statement: Statement<'_>) -> StoreResult<Vec<Self::Row>>;
}

pub(crate) struct SqlStore<B> {
    db: B,
}

impl<B: Backend> SqlStore<B> {
    pub(crate) fn new(db: B) -> Self {
        Self { db }
    }

    async fn fetch_user(&self, statement: Statement<'_>) -> StoreResult<Option<User>> {
        let row = self.db.fetch_optional(statement).await?;
        row.map(|row| user_from_row(&row)).transpose()
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
        self.db.execute_atomically(statements).await
    }

    async fn find_application(&self, id: &str) -> StoreResult<Option<Application>> {
        let row = self
            .db
            .fetch_optional(Statement::new("SELECT * FROM applications WHERE id = $1").text(id))
            .await?;
        row.map(|row| application_from_row(&row)).transpose()
    }

    async fn application_secrets(
        &self,
        application_id: &str,
    ) -> StoreResult<Vec<ApplicationSecret>> {
        let statement = Statement::new(
            "SELECT * FROM application_secrets WHERE application_id = $1 ORDER BY created_at, name",
        )
        .text(application_id);
        let rows = self.db.fetch_all(statement).await?;
        rows.iter().map(|row| secret_from_row(row)).collect()
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

    async fn purge_expired(&self, now: i64) -> StoreResult<u64> {
        let statement =
            Statement::new("DELETE FROM oidc_model_instances WHERE expires_at <= $1").int(now);
        self.db.execute(statement).await
    }
}

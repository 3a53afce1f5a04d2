//! PostgreSQL backend, optionally confined to one schema (how tests, or several deployments
//! sharing a database, keep apart).

use std::str::FromStr;

use async_trait::async_trait;
use sesame_core::store::{StoreError, StoreResult};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::types::Oid;
use sqlx::postgres::{
    PgArgumentBuffer, PgArguments, PgConnectOptions, PgPool, PgPoolOptions, PgRow, PgTypeInfo,
    PgValueFormat, PgValueRef,
};
use sqlx::{Connection, Decode, Encode, Executor, PgConnection, Postgres, Row, Type};

use crate::common::{store_error, Columns, Param, Statement};
use crate::migrations::{self, Migration};
use crate::sql_store::{Backend, SqlStore, SqlxTx, Transaction};

pub(crate) type PostgresStore = SqlStore<PgDb>;

const MAX_CONNECTIONS: u32 = 10;
/// Every statement of a REPEATABLE READ transaction sees the snapshot taken by its first one
/// (READ COMMITTED would take a new one per statement); read-only ones never fail to serialize.
const BEGIN_READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

pub(crate) struct PgDb {
    pool: PgPool,
}

/// Connects to `database_url` and brings the schema on its search path up to date.
pub(crate) async fn open(database_url: &str) -> StoreResult<PostgresStore> {
    open_with(PgConnectOptions::from_str(database_url).map_err(store_error)?).await
}

/// Like [`open`], but every pooled connection works in `schema`, created if missing.
pub(crate) async fn open_in_schema(database_url: &str, schema: &str) -> StoreResult<PostgresStore> {
    if !is_plain_identifier(schema) {
        return Err(StoreError::Backend(format!(
            "invalid schema name {schema:?}: use lowercase letters, digits and _ (at most 63)"
        )));
    }
    let options = PgConnectOptions::from_str(database_url).map_err(store_error)?;
    create_schema(&options, schema).await.map_err(store_error)?;
    open_with(options.options([("search_path", schema)])).await
}

/// Names that need no quoting, so they can go into SQL and `search_path` verbatim.
fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    starts_well
        && name.len() <= 63
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

async fn create_schema(options: &PgConnectOptions, schema: &str) -> sqlx::Result<()> {
    let mut conn = PgConnection::connect_with(options).await?;
    let mut tx = conn.begin().await?;
    // Concurrent `CREATE SCHEMA IF NOT EXISTS` can still fail on pg_namespace's unique index.
    let lock = sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind(format!("sesame_schema:{schema}"));
    tx.execute(lock).await?;
    tx.execute(sqlx::raw_sql(&format!(
        "CREATE SCHEMA IF NOT EXISTS {schema}"
    )))
    .await?;
    tx.commit().await?;
    conn.close().await
}

async fn open_with(options: PgConnectOptions) -> StoreResult<PostgresStore> {
    let pool = PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .connect_with(options)
        .await
        .map_err(store_error)?;
    migrate(&pool).await?;
    Ok(SqlStore::new(PgDb { pool }))
}

async fn migrate(pool: &PgPool) -> StoreResult<()> {
    for migration in migrations::POSTGRES {
        apply(pool, migration).await.map_err(store_error)?;
    }
    Ok(())
}

/// Applies `migration` unless already recorded. The transaction-scoped advisory lock (one per
/// schema) makes nodes starting together take turns; it is released at commit or rollback.
async fn apply(pool: &PgPool, migration: &Migration) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    tx.execute(sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtext('sesame_migrations:' || coalesce(current_schema(), '')))",
    ))
    .await?;
    tx.execute(sqlx::raw_sql(migrations::CREATE_HISTORY_TABLE))
        .await?;
    let applied = tx
        .fetch_optional(sqlx::query(migrations::IS_APPLIED).bind(migration.version))
        .await?
        .is_some();
    if !applied {
        tracing::info!(
            version = migration.version,
            description = migration.description,
            "applying PostgreSQL migration"
        );
        tx.execute(sqlx::raw_sql(migration.sql)).await?;
        let record = sqlx::query(migrations::RECORD_APPLIED)
            .bind(migration.version)
            .bind(migration.description)
            .bind(migrations::applied_at());
        tx.execute(record).await?;
    }
    tx.commit().await
}

type Query<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;

fn bind<'q>(statement: &'q Statement<'_>) -> Query<'q> {
    statement
        .params
        .iter()
        .fold(sqlx::query(&statement.sql), |query, param| match param {
            Param::Text(value) => query.bind(value.as_deref()),
            Param::Int(value) => query.bind(*value),
            Param::Bool(value) => query.bind(*value),
            Param::Json(text) => query.bind(Jsonb(text.as_str())),
        })
}

#[async_trait]
impl Backend for PgDb {
    type Row = PgRow;
    type Tx = SqlxTx<Postgres>;

    async fn execute(&self, statement: Statement<'_>) -> StoreResult<u64> {
        let done = bind(&statement)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected())
    }

    async fn fetch_optional(&self, statement: Statement<'_>) -> StoreResult<Option<PgRow>> {
        bind(&statement)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)
    }

    async fn fetch_all(&self, statement: Statement<'_>) -> StoreResult<Vec<PgRow>> {
        bind(&statement)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)
    }

    async fn begin(&self) -> StoreResult<Self::Tx> {
        self.pool.begin().await.map(SqlxTx).map_err(store_error)
    }

    async fn begin_read(&self) -> StoreResult<Self::Tx> {
        self.pool
            .begin_with(BEGIN_READ)
            .await
            .map(SqlxTx)
            .map_err(store_error)
    }
}

#[async_trait]
impl Transaction for SqlxTx<Postgres> {
    type Row = PgRow;

    async fn execute(&mut self, statement: Statement<'_>) -> StoreResult<u64> {
        let done = bind(&statement)
            .execute(&mut *self.0)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected())
    }

    async fn fetch_optional(&mut self, statement: Statement<'_>) -> StoreResult<Option<PgRow>> {
        bind(&statement)
            .fetch_optional(&mut *self.0)
            .await
            .map_err(store_error)
    }

    async fn fetch_all(&mut self, statement: Statement<'_>) -> StoreResult<Vec<PgRow>> {
        bind(&statement)
            .fetch_all(&mut *self.0)
            .await
            .map_err(store_error)
    }

    async fn commit(self) -> StoreResult<()> {
        self.0.commit().await.map_err(store_error)
    }

    /// A transaction-scoped advisory lock, per schema (like the migration lock), released at
    /// commit or rollback.
    async fn serialize(&mut self, name: &'static str) -> StoreResult<()> {
        let lock = sqlx::query(
            "SELECT pg_advisory_xact_lock(hashtext('sesame:' || $1 || ':' || coalesce(current_schema(), '')))",
        )
        .bind(name);
        (&mut *self.0).execute(lock).await.map_err(store_error)?;
        Ok(())
    }

    /// A transaction-scoped advisory lock in the two-key space (separate from the one-key
    /// locks above): the first key is the schema and bucket, the second the event key. A hash
    /// collision only makes unrelated keys wait for each other, never lets two holders in.
    async fn serialize_event_key(&mut self, bucket: &str, key: &str) -> StoreResult<()> {
        let lock = sqlx::query(
            "SELECT pg_advisory_xact_lock(\
             hashtext(coalesce(current_schema(), '') || ':' || $1), hashtext($2))",
        )
        .bind(bucket)
        .bind(key);
        (&mut *self.0).execute(lock).await.map_err(store_error)?;
        Ok(())
    }
}

impl Columns for PgRow {
    fn opt_text(&self, column: &str) -> StoreResult<Option<String>> {
        self.try_get(column).map_err(store_error)
    }

    fn opt_int(&self, column: &str) -> StoreResult<Option<i64>> {
        self.try_get(column).map_err(store_error)
    }

    fn flag(&self, column: &str) -> StoreResult<bool> {
        self.try_get(column).map_err(store_error)
    }

    fn json_text(&self, column: &str) -> StoreResult<String> {
        self.try_get::<Jsonb<String>, _>(column)
            .map(|json| json.0)
            .map_err(store_error)
    }
}

/// JSON text as a jsonb value. sqlx maps jsonb only behind its `json` feature, which this
/// workspace leaves off; the wire format is simple enough to write directly: a version byte (1)
/// followed by the JSON text.
/// Bound as `Jsonb<&str>`, decoded as `Jsonb<String>`.
struct Jsonb<S>(S);

const JSONB_OID: Oid = Oid(3802);
const JSONB_VERSION: u8 = 1;

impl<S> Type<Postgres> for Jsonb<S> {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(JSONB_OID)
    }
}

impl Encode<'_, Postgres> for Jsonb<&str> {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        buf.push(JSONB_VERSION);
        buf.extend_from_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }
}

impl Decode<'_, Postgres> for Jsonb<String> {
    fn decode(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        if value.format() == PgValueFormat::Text {
            return Ok(Self(value.as_str()?.to_owned()));
        }
        match value.as_bytes()?.split_first() {
            Some((&JSONB_VERSION, text)) => Ok(Self(std::str::from_utf8(text)?.to_owned())),
            _ => Err("unsupported jsonb wire format version".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_plain_identifier;

    #[test]
    fn schema_names_must_be_plain_identifiers() {
        assert!(is_plain_identifier("t_abc123"));
        assert!(is_plain_identifier("_x"));
        assert!(!is_plain_identifier(""));
        assert!(!is_plain_identifier("1abc"));
        assert!(!is_plain_identifier("Upper"));
        assert!(!is_plain_identifier("a; DROP SCHEMA public"));
        assert!(!is_plain_identifier(&"a".repeat(64)));
    }
}

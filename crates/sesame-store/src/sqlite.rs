//! SQLite backend: one database file, opened in WAL mode so readers never wait for the writer.

use std::str::FromStr;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use sesame_core::store::StoreResult;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteConnection, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection, Executor, Row, Sqlite};

use crate::common::{store_error, Columns, Param, Statement};
use crate::migrations::{self, Migration};
use crate::sql_store::{Backend, SqlStore, SqlxTx, Transaction};

pub(crate) type SqliteStore = SqlStore<SqliteDb>;

const MAX_CONNECTIONS: u32 = 8;
/// How long a writer waits for another connection (or process) to release the write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Takes the write lock when the transaction starts rather than at its first write: a
/// read-then-write transaction that upgrades late fails with SQLITE_BUSY instead of waiting.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";
/// A deferred transaction: its first read fixes the snapshot (WAL) that all later reads see,
/// and it never takes the write lock.
const BEGIN_READ: &str = "BEGIN DEFERRED";
const WAL_RETRY_INTERVAL: Duration = Duration::from_millis(20);
/// SQLite's primary result code for "another connection holds the lock".
const SQLITE_BUSY: i32 = 5;

pub(crate) struct SqliteDb {
    pool: SqlitePool,
}

/// Opens (creating if missing) the database at `database_url` and brings its schema up to date.
pub(crate) async fn open(database_url: &str) -> StoreResult<SqliteStore> {
    let options = SqliteConnectOptions::from_str(database_url)
        .map_err(store_error)?
        .create_if_missing(true)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true)
        .synchronous(SqliteSynchronous::Normal);
    enable_wal(&options).await.map_err(store_error)?;
    let pool = SqlitePoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        // An embedded file has no connection to go stale: a ping before every query would only
        // add a round trip to the connection's worker thread (a tenth of userinfo's CPU).
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(store_error)?;
    migrate(&pool).await?;
    Ok(SqlStore::new(SqliteDb { pool }))
}

/// WAL mode belongs to the file, not the connection, so it is switched on once here and every
/// pooled connection inherits it. The switch briefly needs the file to itself, and SQLite does
/// not wait for that (its busy handler is skipped when a read lock must become a write lock),
/// so when another process is opening the same file at the same moment, retry for a while.
async fn enable_wal(options: &SqliteConnectOptions) -> sqlx::Result<()> {
    let give_up_at = Instant::now() + BUSY_TIMEOUT;
    loop {
        match switch_to_wal(options).await {
            Err(error) if is_busy(&error) && Instant::now() < give_up_at => {
                tokio::time::sleep(WAL_RETRY_INTERVAL).await;
            }
            outcome => return outcome,
        }
    }
}

async fn switch_to_wal(options: &SqliteConnectOptions) -> sqlx::Result<()> {
    let mut conn: SqliteConnection = options.connect().await?;
    let outcome = conn.fetch_one("PRAGMA journal_mode = WAL").await;
    conn.close().await?;
    let mode: String = outcome?.try_get(0)?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(
            mode,
            "SQLite database is not in WAL mode; readers may wait for writers"
        );
    }
    Ok(())
}

fn is_busy(error: &sqlx::Error) -> bool {
    let code = error.as_database_error().and_then(|e| e.code());
    // Extended codes (SQLITE_BUSY_RECOVERY, …) keep the primary code in the low byte.
    code.and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| code & 0xff == SQLITE_BUSY)
}

async fn migrate(pool: &SqlitePool) -> StoreResult<()> {
    for migration in migrations::SQLITE {
        apply(pool, migration).await.map_err(store_error)?;
    }
    Ok(())
}

/// Applies `migration` unless already recorded, holding the write lock from the check to the
/// commit, so processes starting together on one file apply it exactly once.
async fn apply(pool: &SqlitePool, migration: &Migration) -> sqlx::Result<()> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
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
            "applying SQLite migration"
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

type Query<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>;

fn bind<'q>(statement: &'q Statement<'_>) -> Query<'q> {
    statement
        .params
        .iter()
        .fold(sqlx::query(&statement.sql), |query, param| match param {
            Param::Text(value) => query.bind(value.as_deref()),
            Param::Int(value) => query.bind(*value),
            Param::Bool(value) => query.bind(*value),
            Param::Json(text) => query.bind(text.as_str()),
        })
}

#[async_trait]
impl Backend for SqliteDb {
    type Row = SqliteRow;
    type Tx = SqlxTx<Sqlite>;

    async fn execute(&self, statement: Statement<'_>) -> StoreResult<u64> {
        let done = bind(&statement)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected())
    }

    async fn fetch_optional(&self, statement: Statement<'_>) -> StoreResult<Option<SqliteRow>> {
        bind(&statement)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)
    }

    async fn fetch_all(&self, statement: Statement<'_>) -> StoreResult<Vec<SqliteRow>> {
        bind(&statement)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)
    }

    async fn begin(&self) -> StoreResult<Self::Tx> {
        self.pool
            .begin_with(BEGIN_WRITE)
            .await
            .map(SqlxTx)
            .map_err(store_error)
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
impl Transaction for SqlxTx<Sqlite> {
    type Row = SqliteRow;

    async fn execute(&mut self, statement: Statement<'_>) -> StoreResult<u64> {
        let done = bind(&statement)
            .execute(&mut *self.0)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected())
    }

    async fn fetch_optional(&mut self, statement: Statement<'_>) -> StoreResult<Option<SqliteRow>> {
        bind(&statement)
            .fetch_optional(&mut *self.0)
            .await
            .map_err(store_error)
    }

    async fn fetch_all(&mut self, statement: Statement<'_>) -> StoreResult<Vec<SqliteRow>> {
        bind(&statement)
            .fetch_all(&mut *self.0)
            .await
            .map_err(store_error)
    }

    async fn commit(self) -> StoreResult<()> {
        self.0.commit().await.map_err(store_error)
    }

    /// Nothing to do: write transactions begin IMMEDIATE, holding the database's one write lock
    /// throughout, so they are serialized already.
    async fn serialize(&mut self, _name: &'static str) -> StoreResult<()> {
        Ok(())
    }

    /// Nothing to do, for the same reason: the write lock covers every key at once.
    async fn serialize_event_key(&mut self, _bucket: &str, _key: &str) -> StoreResult<()> {
        Ok(())
    }
}

impl Columns for SqliteRow {
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
        self.try_get(column).map_err(store_error)
    }
}

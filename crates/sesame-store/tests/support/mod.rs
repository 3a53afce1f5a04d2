//! The harness shared by the store's integration tests (`conformance.rs`, `organizations.rs`):
//! one behavioural contract, checked against both backends. Each case is written once as
//! `async fn case(store)`; `conformance!` turns it into `sqlite::case` (a fresh database file)
//! and `postgres::case` (a fresh schema in `SESAME_TEST_POSTGRES_URL`, skipped loudly when the
//! variable is unset). Use it with `#[macro_use] mod support;` at the test crate's root, where
//! the cases are defined.

// Each test binary uses a subset of the harness.
#![allow(dead_code)]

use std::future::Future;
use std::io::Write;
use std::sync::Arc;

use rand::Rng;
use sesame_core::store::Store;
use sesame_store::{connect, connect_postgres_schema, sqlite_url_for_dir};
use sqlx::Connection;

pub const POSTGRES_URL_VAR: &str = "SESAME_TEST_POSTGRES_URL";

pub async fn run_on_sqlite<F, Fut>(case: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let store = connect(&sqlite_url_for_dir(dir.path()))
        .await
        .expect("sqlite connects");
    case(store).await;
}

pub async fn run_on_postgres<F, Fut>(test_name: &str, case: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(url) = postgres_url(test_name) else {
        return;
    };
    run_in_schema(&url, &random_schema(), case).await;
}

/// Runs `case` on a store over `schema` (migrated by `connect_postgres_schema`), then drops
/// the schema.
async fn run_in_schema<F, Fut>(url: &str, schema: &str, case: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let store = connect_postgres_schema(url, schema)
        .await
        .expect("postgres connects");
    // Run the case as its own task so a failing assertion still lets us drop the schema.
    let outcome = tokio::spawn(case(store)).await;
    drop_schema(url, schema).await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

/// The embedded migration scripts, in version order. The store's own list is private to it,
/// and `include_str!` needs literal paths.
const SQLITE_MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_init.sql"),
    include_str!("../../migrations/sqlite/0002_rbac.sql"),
    include_str!("../../migrations/sqlite/0003_connectors_and_events.sql"),
    include_str!("../../migrations/sqlite/0004_organizations.sql"),
    include_str!("../../migrations/sqlite/0005_user_identities.sql"),
];
const POSTGRES_MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_init.sql"),
    include_str!("../../migrations/postgres/0002_rbac.sql"),
    include_str!("../../migrations/postgres/0003_connectors_and_events.sql"),
    include_str!("../../migrations/postgres/0004_organizations.sql"),
    include_str!("../../migrations/postgres/0005_user_identities.sql"),
];

/// An upgrade from an older version on SQLite: a database file as version `version` left it
/// (its migration scripts, then `history`, which records them and may add rows), run straight
/// on a connection; then `check` on the store `connect` opens on it, which migrates it.
pub async fn upgrade_on_sqlite<F, Fut>(version: usize, history: &str, check: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
    let dir = tempfile::tempdir().expect("temp dir");
    let url = sqlite_url_for_dir(dir.path());
    let options = url
        .parse::<SqliteConnectOptions>()
        .unwrap()
        .create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    for sql in SQLITE_MIGRATIONS[..version].iter().chain([&history]) {
        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    }
    conn.close().await.unwrap();

    check(connect(&url).await.unwrap()).await;
}

/// [`upgrade_on_sqlite`] on a fresh schema in `SESAME_TEST_POSTGRES_URL` (skipped loudly when
/// the variable is unset).
pub async fn upgrade_on_postgres<F, Fut>(test_name: &str, version: usize, history: &str, check: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    use sqlx::postgres::{PgConnectOptions, PgConnection};
    let Some(url) = postgres_url(test_name) else {
        return;
    };
    let schema = random_schema();
    let mut conn = PgConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let options = url
        .parse::<PgConnectOptions>()
        .unwrap()
        .options([("search_path", schema.as_str())]);
    let mut conn = PgConnection::connect_with(&options).await.unwrap();
    for sql in POSTGRES_MIGRATIONS[..version].iter().chain([&history]) {
        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    }
    conn.close().await.unwrap();

    run_in_schema(&url, &schema, check).await;
}

pub fn postgres_url(test_name: &str) -> Option<String> {
    let url = std::env::var(POSTGRES_URL_VAR).ok();
    if url.is_none() {
        // Straight to stderr rather than eprintln!, which the test harness captures and hides
        // for passing tests: a skipped backend must not look like a passing one.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test_name}: {POSTGRES_URL_VAR} is not set"
        );
    }
    url
}

pub fn random_schema() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let suffix: String = (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("t_{suffix}")
}

/// Best effort: a leftover schema only costs disk space.
pub async fn drop_schema(url: &str, schema: &str) {
    let Ok(mut conn) = sqlx::PgConnection::connect(url).await else {
        return;
    };
    let _ = sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .execute(&mut conn)
        .await;
    let _ = conn.close().await;
}

/// Two stores on one SQLite file, as two processes (nodes) would open it: separate pools.
pub async fn run_two_on_sqlite<F, Fut>(case: F)
where
    F: FnOnce(Arc<dyn Store>, Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let url = sqlite_url_for_dir(dir.path());
    let first = connect(&url).await.expect("sqlite connects");
    let second = connect(&url).await.expect("sqlite connects again");
    case(first, second).await;
}

/// Two stores on one PostgreSQL schema, as two nodes would have: separate pools.
pub async fn run_two_on_postgres<F, Fut>(test_name: &str, case: F)
where
    F: FnOnce(Arc<dyn Store>, Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(url) = postgres_url(test_name) else {
        return;
    };
    let schema = random_schema();
    let first = connect_postgres_schema(&url, &schema)
        .await
        .expect("postgres connects");
    let second = connect_postgres_schema(&url, &schema)
        .await
        .expect("postgres connects again");
    let outcome = tokio::spawn(case(first, second)).await;
    drop_schema(&url, &schema).await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

/// Like `conformance!`, for cases given two stores (separate pools) on the same database.
#[allow(unused_macros)]
macro_rules! conformance_two_nodes {
    ($($case:ident),* $(,)?) => {
        mod sqlite_two_nodes {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    crate::support::run_two_on_sqlite(crate::$case).await;
                }
            )*
        }

        mod postgres_two_nodes {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    crate::support::run_two_on_postgres(
                        concat!("postgres_two_nodes::", stringify!($case)),
                        crate::$case,
                    )
                    .await;
                }
            )*
        }
    };
}

#[allow(unused_macros)]
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    crate::support::run_on_sqlite(crate::$case).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    crate::support::run_on_postgres(
                        concat!("postgres::", stringify!($case)),
                        crate::$case,
                    )
                    .await;
                }
            )*
        }
    };
}

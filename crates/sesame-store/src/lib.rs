//! Sesame's persistence: this crate owns the database schema (Logto's table and column names),
//! its migrations, and the two implementations of [`sesame_core::store::Store`] — SQLite for a
//! single node, PostgreSQL for several nodes sharing one database. Callers pick a backend with a
//! URL through [`connect`] and from then on see only `Arc<dyn Store>`; nothing outside this
//! crate writes SQL.
//!
//! Both backends run the same statements (see `sql_store`) and behave identically: timestamps
//! are caller-supplied epoch milliseconds, username and email lookups ignore case, and
//! one-time artifacts are consumed with a single conditional `UPDATE`, so exactly one caller
//! wins even across processes.

mod common;
mod migrations;
mod organizations;
mod postgres;
mod sql_store;
mod sqlite;

use std::path::Path;
use std::sync::Arc;

use sesame_core::store::{Store, StoreError};

/// Opens the database at `database_url` and applies pending migrations before returning.
///
/// * `sqlite://<path>` — the file is created if missing (its directory must exist);
///   WAL journal, 5 s busy timeout, foreign keys on.
/// * `postgres://…` or `postgresql://…` — uses whatever schema the connection's search path
///   selects (normally `public`).
///
/// Migrating is safe when several processes start on the same database at once.
pub async fn connect(database_url: &str) -> Result<Arc<dyn Store>, StoreError> {
    let store: Arc<dyn Store> = match url_scheme(database_url) {
        Some("sqlite") => Arc::new(sqlite::open(database_url).await?),
        Some("postgres" | "postgresql") => Arc::new(postgres::open(database_url).await?),
        // The URL itself is not echoed: it may carry a password.
        _ => {
            return Err(StoreError::Backend(
                "unsupported database url: expected sqlite://, postgres:// or postgresql://"
                    .to_owned(),
            ))
        }
    };
    Ok(store)
}

/// Like [`connect`] for PostgreSQL, but confined to `schema`: the schema is created if missing
/// and every pooled connection uses it as its search path. Lets tests (or deployments sharing
/// a database) isolate themselves. `schema` must be a plain lowercase identifier
/// (`[a-z_][a-z0-9_]*`, at most 63 bytes).
pub async fn connect_postgres_schema(
    database_url: &str,
    schema: &str,
) -> Result<Arc<dyn Store>, StoreError> {
    Ok(Arc::new(
        postgres::open_in_schema(database_url, schema).await?,
    ))
}

/// The SQLite URL for Sesame's database file inside `dir`: `sqlite://<dir>/sesame.db`.
///
/// The caller must create `dir` first; [`connect`] creates the file but not its directory.
/// Characters that sqlx would read as URL syntax (`%`, `?`, `#`) are percent-encoded; the path
/// should be valid UTF-8 (other bytes are replaced).
pub fn sqlite_url_for_dir(dir: &Path) -> String {
    let path = dir.join("sesame.db");
    let mut url = String::from("sqlite://");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => url.push_str("%25"),
            '?' => url.push_str("%3F"),
            '#' => url.push_str("%23"),
            other => url.push(other),
        }
    }
    url
}

fn url_scheme(url: &str) -> Option<&str> {
    url.split_once(':').map(|(scheme, _)| scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_url_points_at_sesame_db_in_the_directory() {
        assert_eq!(
            sqlite_url_for_dir(Path::new("/var/lib/sesame")),
            "sqlite:///var/lib/sesame/sesame.db"
        );
        assert_eq!(
            sqlite_url_for_dir(Path::new("data")),
            "sqlite://data/sesame.db"
        );
    }

    #[test]
    fn sqlite_url_escapes_url_syntax_in_paths() {
        assert_eq!(
            sqlite_url_for_dir(Path::new("/tmp/a?b#c%d")),
            "sqlite:///tmp/a%3Fb%23c%25d/sesame.db"
        );
    }

    #[test]
    fn url_scheme_is_the_part_before_the_first_colon() {
        assert_eq!(url_scheme("postgres://u:p@h/db"), Some("postgres"));
        assert_eq!(url_scheme("sqlite://x.db"), Some("sqlite"));
        assert_eq!(url_scheme("sqlite::memory:"), Some("sqlite"));
        assert_eq!(url_scheme("nonsense"), None);
    }
}

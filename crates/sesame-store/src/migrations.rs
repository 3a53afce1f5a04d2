//! The schema history both backends share: the same versions and file names, with SQL in each
//! backend's dialect. Each backend applies it under its own write lock (see `sqlite::migrate`
//! and `postgres::migrate`), one migration per transaction.

use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) struct Migration {
    pub version: i64,
    pub description: &'static str,
    pub sql: &'static str,
}

/// Lists every migration once, so the two backends cannot drift apart in versions or names.
macro_rules! migrations_for {
    ($backend:literal) => {
        &[
            Migration {
                version: 1,
                description: "init",
                sql: include_str!(concat!("../migrations/", $backend, "/0001_init.sql")),
            },
            Migration {
                version: 2,
                description: "rbac",
                sql: include_str!(concat!("../migrations/", $backend, "/0002_rbac.sql")),
            },
            Migration {
                version: 3,
                description: "connectors_and_events",
                sql: include_str!(concat!(
                    "../migrations/",
                    $backend,
                    "/0003_connectors_and_events.sql"
                )),
            },
            Migration {
                version: 4,
                description: "organizations",
                sql: include_str!(concat!("../migrations/", $backend, "/0004_organizations.sql")),
            },
            Migration {
                version: 5,
                description: "user_identities",
                sql: include_str!(concat!("../migrations/", $backend, "/0005_user_identities.sql")),
            },
        ]
    };
}

pub(crate) const SQLITE: &[Migration] = migrations_for!("sqlite");
pub(crate) const POSTGRES: &[Migration] = migrations_for!("postgres");

pub(crate) const CREATE_HISTORY_TABLE: &str = "CREATE TABLE IF NOT EXISTS sesame_migrations (\
     version BIGINT NOT NULL PRIMARY KEY, \
     description TEXT NOT NULL, \
     applied_at BIGINT NOT NULL)";

pub(crate) const IS_APPLIED: &str = "SELECT version FROM sesame_migrations WHERE version = $1";

pub(crate) const RECORD_APPLIED: &str =
    "INSERT INTO sesame_migrations (version, description, applied_at) VALUES ($1, $2, $3)";

/// Only bookkeeping: the store otherwise never reads the clock, its callers pass `now`.
pub(crate) fn applied_at() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_names(backend: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations directory")
            .map(|entry| {
                entry
                    .expect("directory entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }

    #[test]
    fn both_backends_have_the_same_migration_files_and_all_are_embedded() {
        let sqlite = file_names("sqlite");
        assert_eq!(sqlite, file_names("postgres"));
        assert_eq!(sqlite.len(), SQLITE.len());
        assert_eq!(SQLITE.len(), POSTGRES.len());
    }

    #[test]
    fn versions_are_strictly_increasing() {
        for list in [SQLITE, POSTGRES] {
            assert!(list
                .windows(2)
                .all(|pair| pair[0].version < pair[1].version));
        }
    }
}

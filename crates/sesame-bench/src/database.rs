//! PostgreSQL runs: a fresh schema for the server (dropped afterwards), and the CPU time of the
//! PostgreSQL backends serving it, which a separate database process spends on the server's
//! behalf (on SQLite that work is inside the server process and already counted).

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, Result};
use sqlx::Connection;

/// A fresh schema in the PostgreSQL database, dropped on `drop_schema`.
pub struct PgSchema {
    admin_url: String,
    pub name: String,
}

impl PgSchema {
    pub async fn create(url: &str) -> Result<Self> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos();
        let name = format!("bench_{:x}_{nanos:x}", std::process::id());
        let mut connection = sqlx::PgConnection::connect(url).await.context("cannot connect to PostgreSQL")?;
        sqlx::query(&format!("CREATE SCHEMA {name}")).execute(&mut connection).await?;
        Ok(Self { admin_url: url.to_owned(), name })
    }

    /// The URL whose connections all work in this schema, and name themselves after it (so
    /// their backends can be found).
    pub fn url(&self) -> String {
        let separator = if self.admin_url.contains('?') { '&' } else { '?' };
        format!("{}{separator}options=-c%20search_path%3D{}&application_name={}", self.admin_url, self.name, self.name)
    }

    pub async fn drop_schema(&self) -> Result<()> {
        let mut connection = sqlx::PgConnection::connect(&self.admin_url).await?;
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name)).execute(&mut connection).await?;
        Ok(())
    }

    /// CPU time used so far by each backend process serving this schema's connections (the
    /// database runs on this machine: its processes are in `/proc`).
    pub async fn backend_cpu(&self) -> Result<HashMap<i32, Duration>> {
        let mut connection = sqlx::PgConnection::connect(&self.admin_url).await?;
        let pids: Vec<i32> = sqlx::query_scalar("SELECT pid FROM pg_stat_activity WHERE application_name = $1")
            .bind(&self.name)
            .fetch_all(&mut connection)
            .await?;
        connection.close().await?;
        let mut cpu = HashMap::new();
        for pid in pids {
            // A backend may have exited in between.
            if let Ok(time) = crate::server::process_cpu(&format!("/proc/{pid}/stat")) {
                cpu.insert(pid, time);
            }
        }
        Ok(cpu)
    }
}

/// CPU the backends used between two `backend_cpu` readings (a backend that appeared in
/// between counts from its start).
pub fn cpu_between(before: &HashMap<i32, Duration>, after: &HashMap<i32, Duration>) -> Duration {
    after.iter().map(|(pid, time)| time.saturating_sub(before.get(pid).copied().unwrap_or_default())).sum()
}

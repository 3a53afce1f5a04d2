//! The closed-loop load runner: N workers, each one keep-alive connection issuing its next
//! operation as soon as the last one answered, for a warm-up and then a measured window. The
//! server's CPU time (from `/proc`) is read at both ends of the window.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::database::{cpu_between, PgSchema};
use crate::flows::Outcome;
use crate::server::{own_cpu, Server};

/// How many failure messages are kept per scenario.
const KEPT_ERRORS: usize = 5;

#[derive(Debug, Default)]
pub struct Measured {
    /// Operations completed inside the measured window.
    pub ops: u64,
    /// HTTP requests those operations made.
    pub http_requests: u64,
    /// Failed operations (warm-up included); a worker stops at its first.
    pub failures: u64,
    pub errors: Vec<String>,
    pub window: Duration,
    /// Latency of each counted operation, in microseconds, sorted.
    pub latencies_us: Vec<u32>,
    pub server_cpu: Duration,
    /// CPU of the PostgreSQL backends serving the server (PostgreSQL runs only).
    pub database_cpu: Option<Duration>,
    pub loadgen_cpu: Duration,
    /// Server RSS at the end of the window, KiB.
    pub rss_kib: u64,
}

impl Measured {
    pub fn ops_per_sec(&self) -> f64 {
        self.ops as f64 / self.window.as_secs_f64()
    }

    pub fn http_per_sec(&self) -> f64 {
        self.http_requests as f64 / self.window.as_secs_f64()
    }

    /// The latency at quantile `q` (0..=1), in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let rank = ((self.latencies_us.len() as f64 * q).ceil() as usize).clamp(1, self.latencies_us.len());
        f64::from(self.latencies_us[rank - 1]) / 1000.0
    }

    /// Server CPU-seconds spent per 1000 operations.
    pub fn cpu_per_1000(&self) -> f64 {
        if self.ops == 0 {
            return 0.0;
        }
        self.server_cpu.as_secs_f64() * 1000.0 / self.ops as f64
    }

    /// PostgreSQL CPU-seconds per 1000 operations.
    pub fn database_cpu_per_1000(&self) -> Option<f64> {
        let cpu = self.database_cpu?;
        (self.ops > 0).then(|| cpu.as_secs_f64() * 1000.0 / self.ops as f64)
    }

    /// Operations per server CPU-second: the throughput one fully used core would give.
    pub fn ops_per_core(&self) -> f64 {
        let cpu = self.server_cpu.as_secs_f64();
        if cpu <= 0.0 {
            return 0.0;
        }
        self.ops as f64 / cpu
    }
}

#[derive(Default)]
struct Tally {
    ops: u64,
    http_requests: u64,
    failures: u64,
    errors: Vec<String>,
    latencies_us: Vec<u32>,
}

/// Runs `op` on every worker state until the window closes. `op` takes a worker's state and
/// gives it back with the operation's outcome (how many HTTP requests it made).
pub async fn run<W, F, Fut>(
    server: &Server,
    database: Option<&PgSchema>,
    workers: Vec<W>,
    op: F,
    warm_up: Duration,
    window: Duration,
) -> Result<Measured>
where
    W: Send + 'static,
    F: Fn(W) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = (W, Outcome<u32>)> + Send + 'static,
{
    let start_at = Instant::now() + warm_up;
    let end_at = start_at + window;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut tasks = tokio::task::JoinSet::new();
    for worker in workers {
        let (op, tally) = (op.clone(), tally.clone());
        tasks.spawn(async move {
            let mut mine = Tally::default();
            let mut state = worker;
            loop {
                let began = Instant::now();
                if began >= end_at {
                    break;
                }
                let (next, outcome) = op(state).await;
                state = next;
                let done = Instant::now();
                match outcome {
                    Ok(requests) => {
                        if done >= start_at && done <= end_at {
                            mine.ops += 1;
                            mine.http_requests += u64::from(requests);
                            mine.latencies_us.push(u32::try_from((done - began).as_micros()).unwrap_or(u32::MAX));
                        }
                    }
                    Err(error) => {
                        mine.failures += 1;
                        mine.errors.push(error);
                        break;
                    }
                }
            }
            let mut total = tally.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            total.ops += mine.ops;
            total.http_requests += mine.http_requests;
            total.failures += mine.failures;
            total.errors.extend(mine.errors);
            total.latencies_us.extend(mine.latencies_us);
        });
    }
    tokio::time::sleep_until(start_at.into()).await;
    let (server_before, own_before) = (server.cpu()?, own_cpu()?);
    let database_before = match database {
        Some(database) => Some(database.backend_cpu().await?),
        None => None,
    };
    tokio::time::sleep_until(end_at.into()).await;
    let (server_after, own_after) = (server.cpu()?, own_cpu()?);
    let database_cpu = match (database, &database_before) {
        (Some(database), Some(before)) => Some(cpu_between(before, &database.backend_cpu().await?)),
        _ => None,
    };
    let rss_kib = server.rss_kib()?;
    while let Some(joined) = tasks.join_next().await {
        joined?;
    }
    let mut tally = std::mem::take(&mut *tally.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    tally.latencies_us.sort_unstable();
    tally.errors.truncate(KEPT_ERRORS);
    Ok(Measured {
        ops: tally.ops,
        http_requests: tally.http_requests,
        failures: tally.failures,
        errors: tally.errors,
        window,
        latencies_us: tally.latencies_us,
        server_cpu: server_after.saturating_sub(server_before),
        database_cpu,
        loadgen_cpu: own_after.saturating_sub(own_before),
        rss_kib,
    })
}

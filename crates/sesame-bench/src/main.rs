//! `sesame-bench`: Sesame's performance harness. It measures this machine's crypto floor
//! (ES384 signs/s and Argon2i hashes/s per core), spawns the real `sesame serve` (embedded
//! SQLite in a temp dir, or a fresh schema of a PostgreSQL database), provisions it through the
//! CLI and the Management API, then drives each flow over keep-alive HTTP on loopback and
//! reports throughput, latency, server CPU per request and each flow as a fraction of the
//! floor, plus cold-start time and RSS. Markdown on stdout, JSON with `--json`. Exits non-zero
//! if any request fails.

mod flows;
mod database;
mod floor;
mod load;
mod report;
mod server;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, ValueEnum};
use serde_json::json;

use crate::flows::{App, World};
use crate::load::Measured;
use crate::server::{Database, Server};

#[derive(Parser)]
#[command(name = "sesame-bench", about = "Load-test a real `sesame serve` on loopback and compare it with the machine's crypto floor")]
struct Cli {
    /// `postgres://…` (a fresh schema is created in it and dropped afterwards) or `sqlite://…`;
    /// default: SQLite in a temporary directory.
    #[arg(long, env = "SESAME_BENCH_DATABASE_URL")]
    database_url: Option<String>,
    /// Measured seconds per scenario (after a warm-up of a tenth of it, at most 1 s).
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Concurrent workers (each one keep-alive connection, closed loop).
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Comma-separated scenarios to run (default: all).
    #[arg(long, value_delimiter = ',', value_enum)]
    scenarios: Vec<Scenario>,
    /// CI mode: about 1 s per scenario at concurrency 2, short floor measurement.
    #[arg(long)]
    smoke: bool,
    /// Also write the results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// The `sesame` binary (default: next to this one).
    #[arg(long, env = "SESAME_BIN")]
    sesame_bin: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum Scenario {
    Discovery,
    Jwks,
    ClientCredentials,
    RefreshToken,
    Userinfo,
    Introspection,
    SignIn,
}

impl Scenario {
    const ALL: [Self; 7] = [Self::Discovery, Self::Jwks, Self::ClientCredentials, Self::RefreshToken, Self::Userinfo, Self::Introspection, Self::SignIn];

    pub fn name(self) -> &'static str {
        match self {
            Self::Discovery => "discovery",
            Self::Jwks => "jwks",
            Self::ClientCredentials => "client_credentials",
            Self::RefreshToken => "refresh_token",
            Self::Userinfo => "userinfo",
            Self::Introspection => "introspection",
            Self::SignIn => "sign_in",
        }
    }
}

/// One worker's state: its connection and the token it presents.
struct Worker {
    client: reqwest::Client,
    world: Arc<World>,
    username: String,
    /// The current refresh token (refresh_token) or an access token (userinfo, introspection).
    token: String,
}

async fn operate(scenario: Scenario, mut worker: Worker) -> (Worker, flows::Outcome<u32>) {
    let (client, world) = (&worker.client, &worker.world);
    let outcome = match scenario {
        Scenario::Discovery => flows::discovery(client, world).await.map(|()| 1),
        Scenario::Jwks => flows::jwks(client, world).await.map(|()| 1),
        Scenario::ClientCredentials => flows::client_credentials(client, world).await.map(|()| 1),
        Scenario::RefreshToken => match flows::refresh(client, world, &worker.token).await {
            Ok(successor) => {
                worker.token = successor;
                Ok(1)
            }
            Err(error) => Err(error),
        },
        Scenario::Userinfo => flows::userinfo(client, world, &worker.token).await.map(|()| 1),
        Scenario::Introspection => flows::introspection(client, world, &worker.token).await.map(|()| 1),
        Scenario::SignIn => flows::sign_in(client, world, &world.web, &worker.username).await.map(|_| flows::SIGN_IN_REQUESTS),
    };
    (worker, outcome)
}

/// The workers of a scenario, with the tokens it needs obtained by real sign-ins (not measured).
async fn workers(scenario: Scenario, world: &Arc<World>, concurrency: usize) -> Result<Vec<Worker>> {
    let mut setup = tokio::task::JoinSet::new();
    for index in 0..concurrency {
        let world = world.clone();
        setup.spawn(async move {
            let client = flows::client()?;
            let username = world.usernames[index % world.usernames.len()].clone();
            let token = match scenario {
                Scenario::RefreshToken => flows::sign_in(&client, &world, &world.spa, &username).await?["refresh_token"].as_str().unwrap_or_default().to_owned(),
                Scenario::Userinfo => flows::sign_in(&client, &world, &world.spa, &username).await?["access_token"].as_str().unwrap_or_default().to_owned(),
                Scenario::Introspection => flows::sign_in(&client, &world, &world.web, &username).await?["access_token"].as_str().unwrap_or_default().to_owned(),
                _ => String::new(),
            };
            Ok::<_, String>(Worker { client, world, username, token })
        });
    }
    let mut workers = Vec::new();
    while let Some(worker) = setup.join_next().await {
        workers.push(worker?.map_err(|error| anyhow::anyhow!("setting up {}: {error}", scenario.name()))?);
    }
    Ok(workers)
}

fn sesame_bin(cli: &Cli) -> Result<PathBuf> {
    let bin = match &cli.sesame_bin {
        Some(bin) => bin.clone(),
        None => std::env::current_exe()?.parent().context("no directory")?.join("sesame"),
    };
    if !bin.exists() {
        bail!("no sesame binary at {} (build it: cargo build -p sesame, or pass --sesame-bin)", bin.display());
    }
    Ok(bin)
}

/// Apps by the CLI, the API, its scope and the machine-to-machine role by the Management API,
/// and the users.
async fn provision(bin: &Path, database: &Database, base: &str, users: usize) -> Result<World> {
    let app = |value: serde_json::Value| App {
        id: value["id"].as_str().unwrap_or_default().to_owned(),
        secret: value["secret"].as_str().map(str::to_owned),
    };
    let ops = app(server::cli(bin, database, &["app", "create", "--name", "bench-ops", "--type", "machine-to-machine", "--management-api"])?);
    let m2m = app(server::cli(bin, database, &["app", "create", "--name", "bench-service", "--type", "machine-to-machine"])?);
    let spa = app(server::cli(bin, database, &["app", "create", "--name", "bench-spa", "--type", "spa", "--redirect-uri", flows::REDIRECT_URI])?);
    let web = app(server::cli(bin, database, &["app", "create", "--name", "bench-web", "--type", "traditional", "--redirect-uri", flows::REDIRECT_URI])?);
    let client = flows::client().map_err(anyhow::Error::msg)?;
    let token = flows::management_token(&client, base, &ops).await.map_err(anyhow::Error::msg)?;
    let manage = |path: String, body: serde_json::Value| {
        let (client, token) = (client.clone(), token.clone());
        async move { flows::manage(&client, base, &token, &path, body).await.map_err(anyhow::Error::msg) }
    };
    let indicator = "https://bench.example.com/api".to_owned();
    let scope = "bench:read".to_owned();
    let resource = flows::id_of(&manage("/resources".into(), json!({"name": "Bench API", "indicator": indicator})).await?).map_err(anyhow::Error::msg)?;
    let scope_id = flows::id_of(&manage(format!("/resources/{resource}/scopes"), json!({"name": scope})).await?).map_err(anyhow::Error::msg)?;
    let role = manage("/roles".into(), json!({"name": "bench-service", "description": "reads the bench API", "type": "MachineToMachine", "scopeIds": [scope_id]})).await?;
    let role = flows::id_of(&role).map_err(anyhow::Error::msg)?;
    manage(format!("/roles/{role}/applications"), json!({"applicationIds": [m2m.id]})).await?;
    let mut usernames = Vec::new();
    for i in 0..users {
        let username = format!("bench{i}");
        manage("/users".into(), json!({"username": username, "password": flows::PASSWORD})).await?;
        usernames.push(username);
    }
    Ok(World { base: base.to_owned(), spa, web, m2m, indicator, scope, usernames })
}

pub struct Run {
    pub scenario: Scenario,
    pub measured: Measured,
}

/// Facts about the run besides the scenarios.
pub struct RunInfo {
    /// How the bench was invoked.
    pub command: String,
    pub database: &'static str,
    pub concurrency: usize,
    pub duration: Duration,
    pub smoke: bool,
    pub floor: floor::Floor,
    pub cold_start_fresh: Duration,
    pub cold_start_restart: Duration,
    pub idle_rss_kib: u64,
    pub peak_rss_kib: u64,
    pub machine: report::Machine,
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let bin = sesame_bin(&cli)?;
    let (duration, concurrency) = if cli.smoke { (Duration::from_secs(1), 2) } else { (Duration::from_secs_f64(cli.duration), cli.concurrency.max(1)) };
    let warm_up = if cli.smoke { Duration::from_millis(100) } else { (duration / 10).min(Duration::from_secs(1)) };
    let scenarios: Vec<Scenario> = if cli.scenarios.is_empty() { Scenario::ALL.to_vec() } else { cli.scenarios.clone() };

    eprintln!("measuring the floor (ES384, Argon2i) on one core…");
    let budget = if cli.smoke { Duration::from_millis(200) } else { Duration::from_secs(2) };
    let floor = tokio::task::spawn_blocking(move || floor::measure(budget)).await??;

    let temp = tempfile::tempdir()?;
    let schema = match cli.database_url.as_deref() {
        Some(url) if url.starts_with("postgres") => Some(database::PgSchema::create(url).await?),
        _ => None,
    };
    let database = match (&schema, &cli.database_url) {
        (Some(schema), _) => Database::Url(schema.url()),
        (None, Some(url)) => Database::Url(url.clone()),
        (None, None) => Database::DataDir(temp.path().join("data")),
    };
    let outcome = bench(&cli, &bin, &database, schema.as_ref(), temp.path(), &scenarios, floor, duration, concurrency, warm_up).await;
    if let Some(schema) = &schema {
        if let Err(err) = schema.drop_schema().await {
            eprintln!("warning: could not drop schema {}: {err}", schema.name);
        }
    }
    let (mut context, runs) = outcome?;
    // The CPUs are shared (with the server before, maybe with other work): measure the floor
    // again and keep the faster figure of each, the stricter yardstick.
    let again = tokio::task::spawn_blocking(move || floor::measure(budget)).await??;
    context.floor = floor::Floor {
        es384_per_sec: context.floor.es384_per_sec.max(again.es384_per_sec),
        argon2i_per_sec: context.floor.argon2i_per_sec.max(again.argon2i_per_sec),
        argon2i_all_cores_per_sec: context.floor.argon2i_all_cores_per_sec.max(again.argon2i_all_cores_per_sec),
    };

    if let Some(path) = &cli.json {
        std::fs::write(path, serde_json::to_string_pretty(&report::json(&context, &runs))?).with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!("{}", report::markdown(&context, &runs));
    let failures: u64 = runs.iter().map(|run| run.measured.failures).sum();
    let empty: Vec<&str> = runs.iter().filter(|run| run.measured.ops == 0).map(|run| run.scenario.name()).collect();
    for run in &runs {
        for error in &run.measured.errors {
            eprintln!("FAILED {}: {error}", run.scenario.name());
        }
    }
    if failures > 0 || !empty.is_empty() {
        bail!("{failures} failed operations; scenarios with no completed operation: {empty:?}");
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn bench(
    cli: &Cli,
    bin: &Path,
    database: &Database,
    schema: Option<&database::PgSchema>,
    temp: &Path,
    scenarios: &[Scenario],
    floor: floor::Floor,
    duration: Duration,
    concurrency: usize,
    warm_up: Duration,
) -> Result<(RunInfo, Vec<Run>)> {
    if let Database::DataDir(dir) = database {
        std::fs::create_dir_all(dir)?;
    }
    let log = temp.join("sesame.log");
    let port = server::free_port()?;
    eprintln!("starting sesame serve on a fresh database…");
    let first = Server::spawn(bin, database, port, &log)?;
    let cold_start_fresh = first.cold_start;
    let users = concurrency.clamp(1, 32);
    let world = Arc::new(provision(bin, database, &first.base, users).await.with_context(|| first.log_tail())?);
    first.stop()?;

    // The measured server: a restart on the provisioned database, idle until the first scenario.
    let mut server = Server::spawn(bin, database, port, &log)?;
    let cold_start_restart = server.cold_start;
    tokio::time::sleep(if cli.smoke { Duration::from_millis(100) } else { Duration::from_secs(1) }).await;
    let idle_rss_kib = server.rss_kib()?;

    let mut runs = Vec::new();
    for &scenario in scenarios {
        eprintln!("{}: {concurrency} workers, {:.1} s…", scenario.name(), duration.as_secs_f64());
        let workers = workers(scenario, &world, concurrency).await?;
        let measured = load::run(&server, schema, workers, move |worker| operate(scenario, worker), warm_up, duration).await;
        // A dead server explains a failed run better than its missing /proc entries.
        server.check_alive()?;
        let measured = measured?;
        runs.push(Run { scenario, measured });
    }
    let peak_rss_kib = server.peak_rss_kib()?;
    server.stop()?;
    let context = RunInfo {
        command: std::env::args().collect::<Vec<_>>().join(" "),
        database: if database.is_postgres() { "PostgreSQL" } else { "SQLite" },
        concurrency,
        duration,
        smoke: cli.smoke,
        floor,
        cold_start_fresh,
        cold_start_restart,
        idle_rss_kib,
        peak_rss_kib,
        machine: report::Machine::detect(),
    };
    Ok((context, runs))
}

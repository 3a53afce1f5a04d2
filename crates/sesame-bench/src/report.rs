//! The results as a Markdown report (stdout) and as JSON (`--json`), with the targets.

use serde_json::{json, Value};

use crate::{Run, RunInfo, Scenario};

/// The machine the run happened on.
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub ram_mib: u64,
}

impl Machine {
    pub fn detect() -> Self {
        let cpus = std::thread::available_parallelism().map(std::num::NonZero::get).unwrap_or(1);
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find(|line| line.starts_with("model name"))
            .and_then(|line| line.split_once(':'))
            .map_or_else(|| "unknown".to_owned(), |(_, model)| model.trim().to_owned());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let ram_kib: u64 = meminfo
            .lines()
            .find(|line| line.starts_with("MemTotal:"))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kib| kib.parse().ok())
            .unwrap_or(0);
        Self { cpus, cpu_model, ram_mib: ram_kib / 1024 }
    }
}

/// The floor operation a scenario is compared with, and its rate per core.
fn floor_of(info: &RunInfo, scenario: Scenario) -> (&'static str, f64) {
    match scenario {
        Scenario::SignIn => ("Argon2i", info.floor.argon2i_per_sec),
        _ => ("ES384", info.floor.es384_per_sec),
    }
}

/// Operations per server CPU-second as a fraction of the floor's rate per core. For the
/// JWT-issuing scenarios (one ES384 signature each) and the sign-in (one Argon2i verification)
/// it is the share of the ceiling reached; for the others it only says how they compare.
fn fraction_of_floor(info: &RunInfo, run: &Run) -> f64 {
    let (_, rate) = floor_of(info, run.scenario);
    if rate <= 0.0 {
        return 0.0;
    }
    run.measured.ops_per_core() / rate
}

fn mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1_000_000.0
}

pub struct Target {
    pub goal: &'static str,
    pub measured: String,
    /// `None`: not measured in this run (or not applicable).
    pub met: Option<bool>,
}

pub fn targets(info: &RunInfo, runs: &[Run]) -> Vec<Target> {
    let find = |scenario: Scenario| runs.iter().find(|run| run.scenario == scenario);
    let mut targets = Vec::new();
    let client_credentials = find(Scenario::ClientCredentials);
    targets.push(Target {
        goal: "client_credentials ≥ 2000/s per core",
        measured: client_credentials.map_or_else(|| "not run".into(), |run| format!("{:.0}/s per server core ({:.0}/s total)", run.measured.ops_per_core(), run.measured.ops_per_sec())),
        met: client_credentials.map(|run| run.measured.ops_per_core() >= 2000.0),
    });
    let refresh = find(Scenario::RefreshToken);
    let on_sqlite = info.database == "SQLite";
    targets.push(Target {
        goal: "refresh_token with rotation ≥ 1000/s per core on SQLite",
        measured: refresh.map_or_else(
            || "not run".into(),
            |run| format!("{:.0}/s per server core ({:.0}/s total) on {}", run.measured.ops_per_core(), run.measured.ops_per_sec(), info.database),
        ),
        met: refresh.filter(|_| on_sqlite).map(|run| run.measured.ops_per_core() >= 1000.0),
    });
    let userinfo = find(Scenario::Userinfo);
    targets.push(Target {
        goal: "userinfo ≥ 10 000/s on 2 cores",
        measured: userinfo.map_or_else(
            || "not run".into(),
            |run| format!("{:.0}/s on {} cores shared with the load generator ({:.0}/s per server core)", run.measured.ops_per_sec(), info.machine.cpus, run.measured.ops_per_core()),
        ),
        met: userinfo.map(|run| run.measured.ops_per_sec() >= 10_000.0),
    });
    let sign_in = find(Scenario::SignIn);
    let of_ceiling = |run: &Run| run.measured.ops_per_core() / info.floor.argon2i_all_cores_per_sec;
    targets.push(Target {
        goal: "full sign-in ≥ 90% of the Argon2i ceiling",
        measured: sign_in.map_or_else(
            || "not run".into(),
            |run| {
                format!(
                    "{:.1} sign-ins per server CPU-second = {:.0}% of the ceiling ({:.1} Argon2i/s per core with all {} cores hashing), {:.0}% of one core hashing alone ({:.1}/s); {:.1} sign-ins/s in total",
                    run.measured.ops_per_core(),
                    of_ceiling(run) * 100.0,
                    info.floor.argon2i_all_cores_per_sec,
                    info.machine.cpus,
                    fraction_of_floor(info, run) * 100.0,
                    info.floor.argon2i_per_sec,
                    run.measured.ops_per_sec(),
                )
            },
        ),
        met: sign_in.map(|run| of_ceiling(run) >= 0.9),
    });
    targets.push(Target {
        goal: "idle RSS ≤ 30 MB",
        measured: format!("{:.1} MB", mb(info.idle_rss_kib)),
        met: Some(mb(info.idle_rss_kib) <= 30.0),
    });
    targets.push(Target {
        goal: "cold start ≤ 200 ms",
        measured: format!(
            "{:.0} ms restart on a provisioned database; {:.0} ms on an empty one (migrations, key generation)",
            info.cold_start_restart.as_secs_f64() * 1000.0,
            info.cold_start_fresh.as_secs_f64() * 1000.0
        ),
        met: Some(info.cold_start_restart.as_millis() <= 200),
    });
    targets
}

pub fn markdown(info: &RunInfo, runs: &[Run]) -> String {
    let mut out = String::new();
    let machine = &info.machine;
    out.push_str(&format!(
        "## sesame-bench{}\n\nMachine: {} CPUs ({}), {} MiB RAM. Database: {}. Concurrency {}, {:.1} s per scenario. \
         The load generator runs on the same CPUs as the server.\n\n",
        if info.smoke { " (smoke)" } else { "" },
        machine.cpus,
        machine.cpu_model,
        machine.ram_mib,
        info.database,
        info.concurrency,
        info.duration.as_secs_f64()
    ));
    out.push_str(&format!("Command: `{}`\n\n", info.command));
    out.push_str(&format!(
        "Floor per core (per CPU-second of the measuring thread): ES384 {:.0} signs/s; Argon2i (m=8192 KiB, t=8, p=1) \
         {:.1} hashes/s on one core alone, {:.1} per core with all cores hashing.\n\n",
        info.floor.es384_per_sec, info.floor.argon2i_per_sec, info.floor.argon2i_all_cores_per_sec
    ));
    out.push_str(&format!(
        "Cold start (spawn → `/api/status` 204): {:.0} ms on a provisioned database, {:.0} ms on an empty one. \
         Server RSS: {:.1} MB idle, {:.1} MB peak.\n\n",
        info.cold_start_restart.as_secs_f64() * 1000.0,
        info.cold_start_fresh.as_secs_f64() * 1000.0,
        mb(info.idle_rss_kib),
        mb(info.peak_rss_kib)
    ));
    let postgres = runs.iter().any(|run| run.measured.database_cpu.is_some());
    let (db_head, db_rule) = if postgres { (" PostgreSQL CPU-s / 1000 ops |", "---:|") } else { ("", "") };
    out.push_str(&format!(
        "| scenario | ops | ops/s | HTTP req/s | p50 ms | p99 ms | server CPU-s / 1000 ops |{db_head} ops per server CPU-s | vs floor | load-gen CPU-s | RSS MB | failures |\n"
    ));
    out.push_str(&format!("|---|---:|---:|---:|---:|---:|---:|{db_rule}---:|---:|---:|---:|---:|\n"));
    for run in runs {
        let m = &run.measured;
        let (floor_name, _) = floor_of(info, run.scenario);
        let db_cell = match m.database_cpu_per_1000() {
            Some(cpu) => format!(" {cpu:.3} |"),
            None if postgres => " — |".to_owned(),
            None => String::new(),
        };
        out.push_str(&format!(
            "| {} | {} | {:.0} | {:.0} | {:.2} | {:.2} | {:.3} |{db_cell} {:.0} | {:.0}% of {} | {:.1} | {:.1} | {} |\n",
            run.scenario.name(),
            m.ops,
            m.ops_per_sec(),
            m.http_per_sec(),
            m.quantile_ms(0.5),
            m.quantile_ms(0.99),
            m.cpu_per_1000(),
            m.ops_per_core(),
            fraction_of_floor(info, run) * 100.0,
            floor_name,
            m.loadgen_cpu.as_secs_f64(),
            mb(m.rss_kib),
            m.failures
        ));
    }
    if postgres {
        out.push_str("\n\"Server CPU\" is the sesame process alone; the PostgreSQL backends serving it are the column beside it.\n");
    }
    out.push_str("\n| target | measured | met |\n|---|---|---|\n");
    for target in targets(info, runs) {
        let met = match target.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "n/a",
        };
        out.push_str(&format!("| {} | {} | {met} |\n", target.goal, target.measured));
    }
    out
}

pub fn json(info: &RunInfo, runs: &[Run]) -> Value {
    let scenarios: Vec<Value> = runs
        .iter()
        .map(|run| {
            let m = &run.measured;
            let (floor_name, floor_rate) = floor_of(info, run.scenario);
            json!({
                "scenario": run.scenario.name(),
                "ops": m.ops,
                "httpRequests": m.http_requests,
                "failures": m.failures,
                "errors": m.errors,
                "windowSeconds": m.window.as_secs_f64(),
                "opsPerSecond": m.ops_per_sec(),
                "httpRequestsPerSecond": m.http_per_sec(),
                "p50Ms": m.quantile_ms(0.5),
                "p99Ms": m.quantile_ms(0.99),
                "maxMs": m.quantile_ms(1.0),
                "serverCpuSeconds": m.server_cpu.as_secs_f64(),
                "serverCpuSecondsPer1000": m.cpu_per_1000(),
                "databaseCpuSeconds": m.database_cpu.map(|cpu| cpu.as_secs_f64()),
                "databaseCpuSecondsPer1000": m.database_cpu_per_1000(),
                "opsPerServerCpuSecond": m.ops_per_core(),
                "floor": floor_name,
                "floorPerCore": floor_rate,
                "fractionOfFloor": fraction_of_floor(info, run),
                "loadGeneratorCpuSeconds": m.loadgen_cpu.as_secs_f64(),
                "serverRssKiB": m.rss_kib,
            })
        })
        .collect();
    let targets: Vec<Value> = targets(info, runs).into_iter().map(|t| json!({"goal": t.goal, "measured": t.measured, "met": t.met})).collect();
    json!({
        "command": info.command,
        "machine": {"cpus": info.machine.cpus, "cpuModel": info.machine.cpu_model, "ramMiB": info.machine.ram_mib},
        "database": info.database,
        "concurrency": info.concurrency,
        "durationSeconds": info.duration.as_secs_f64(),
        "smoke": info.smoke,
        "floor": {
            "es384PerSecondPerCore": info.floor.es384_per_sec,
            "argon2iPerSecondPerCore": info.floor.argon2i_per_sec,
            "argon2iPerSecondPerCoreAllCoresBusy": info.floor.argon2i_all_cores_per_sec,
        },
        "coldStartMs": {"restart": info.cold_start_restart.as_secs_f64() * 1000.0, "fresh": info.cold_start_fresh.as_secs_f64() * 1000.0},
        "rssKiB": {"idle": info.idle_rss_kib, "peak": info.peak_rss_kib},
        "scenarios": scenarios,
        "targets": targets,
    })
}

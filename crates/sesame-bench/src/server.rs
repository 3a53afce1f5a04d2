//! The server under test: a real `sesame serve` process on a loopback port, its readiness
//! (`GET /api/status` → 204), and what `/proc` says about its CPU time and memory.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// Where the server keeps its data.
#[derive(Debug, Clone)]
pub enum Database {
    /// `--data-dir` (embedded SQLite).
    DataDir(PathBuf),
    /// `--database-url`.
    Url(String),
}

impl Database {
    fn args(&self) -> Vec<String> {
        match self {
            Self::DataDir(dir) => vec!["--data-dir".into(), dir.display().to_string()],
            Self::Url(url) => vec!["--database-url".into(), url.clone()],
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Url(url) if url.starts_with("postgres"))
    }
}

pub struct Server {
    child: Child,
    pub pid: u32,
    pub base: String,
    /// From spawning the process to the first 204 from `/api/status`.
    pub cold_start: Duration,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Runs a provisioning command of the binary (`app create …`) and parses its JSON output.
pub fn cli(bin: &Path, database: &Database, args: &[&str]) -> Result<serde_json::Value> {
    let output = Command::new(bin).args(database.args()).args(args).env("SESAME_LOG", "warn").output().with_context(|| format!("cannot run {}", bin.display()))?;
    if !output.status.success() {
        bail!("sesame {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    serde_json::from_slice(&output.stdout).context("sesame printed no JSON")
}

impl Server {
    /// Spawns `sesame serve` on `port` (its public endpoint is the loopback address itself) and
    /// waits until it answers.
    pub fn spawn(bin: &Path, database: &Database, port: u16, log: &Path) -> Result<Self> {
        let base = format!("http://127.0.0.1:{port}");
        let log_file = std::fs::OpenOptions::new().create(true).append(true).open(log)?;
        let started = Instant::now();
        let child = Command::new(bin)
            .args(database.args())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--endpoint", &base])
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("cannot spawn {}", bin.display()))?;
        let pid = child.id();
        let mut server = Self { child, pid, base, cold_start: Duration::ZERO, log: log.to_owned() };
        loop {
            if status_is_204(port) {
                server.cold_start = started.elapsed();
                return Ok(server);
            }
            if let Some(status) = server.child.try_wait()? {
                bail!("sesame serve exited with {status} before answering:\n{}", server.log_tail());
            }
            if started.elapsed() > Duration::from_secs(30) {
                bail!("sesame serve did not answer /api/status within 30 s:\n{}", server.log_tail());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Still running?
    pub fn check_alive(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!("sesame serve died ({status}):\n{}", self.log_tail());
        }
        Ok(())
    }

    pub fn stop(mut self) -> Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// User + system CPU time the process has used so far.
    pub fn cpu(&self) -> Result<Duration> {
        process_cpu(&format!("/proc/{}/stat", self.pid))
    }

    /// Resident set size now (`VmRSS`) in KiB.
    pub fn rss_kib(&self) -> Result<u64> {
        status_field(self.pid, "VmRSS")
    }

    /// Peak resident set size (`VmHWM`) in KiB.
    pub fn peak_rss_kib(&self) -> Result<u64> {
        status_field(self.pid, "VmHWM")
    }
}

/// One raw HTTP/1.1 request, so that readiness is seen within a millisecond.
fn status_is_204(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream.write_all(b"GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && &head[9..12] == b"204"
}

/// The kernel's clock ticks per second for `/proc/*/stat` times (`getconf CLK_TCK`, normally 100).
fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|output| String::from_utf8(output.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(100)
    })
}

/// utime + stime of a `/proc/<pid>/stat` file.
pub fn process_cpu(stat_path: &str) -> Result<Duration> {
    let stat = std::fs::read_to_string(stat_path).with_context(|| format!("cannot read {stat_path}"))?;
    // The command name (field 2) may hold spaces; fields after it are space-separated.
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).context("malformed stat")?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Field 3 (state) is fields[0]; utime is field 14, stime field 15.
    let utime: u64 = fields.get(11).context("no utime")?.parse()?;
    let stime: u64 = fields.get(12).context("no stime")?.parse()?;
    let ticks = clock_ticks();
    Ok(Duration::from_secs_f64((utime + stime) as f64 / ticks as f64))
}

fn status_field(pid: u32, name: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status.lines().find(|line| line.starts_with(&format!("{name}:"))).with_context(|| format!("no {name}"))?;
    Ok(line.split_whitespace().nth(1).context("no value")?.parse()?)
}

/// CPU time of this process (the load generator).
pub fn own_cpu() -> Result<Duration> {
    process_cpu("/proc/self/stat")
}

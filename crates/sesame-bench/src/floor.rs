//! The floor: what this machine's CPU can do per core for the two operations that dominate
//! Sesame's costly flows. An ES384 signature (aws-lc-rs, cached key) is the floor of every
//! JWT-issuing request; an Argon2i hash with Logto's parameters (m=8192 KiB, t=8, p=1) is the
//! floor of a password sign-in.

use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use argon2::{Algorithm, Argon2, Params, Version};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, ECDSA_P384_SHA384_FIXED_SIGNING};

#[derive(Debug, Clone, Copy)]
pub struct Floor {
    /// ES384 signatures per second on one core.
    pub es384_per_sec: f64,
    /// Argon2i hashes (Logto's parameters) per second on one core.
    pub argon2i_per_sec: f64,
    /// Argon2i hashes per second per core while every core hashes at once (they share caches
    /// and memory bandwidth): the machine's sign-in ceiling is this times the cores.
    pub argon2i_all_cores_per_sec: f64,
}

/// Measures both, one after the other, on the calling thread, for about `budget` each.
/// Rates are per CPU-second of this thread (not per wall-clock second), so that time the
/// thread spends preempted by other work on a shared machine does not count.
pub fn measure(budget: Duration) -> Result<Floor> {
    Ok(Floor { es384_per_sec: es384(budget)?, argon2i_per_sec: argon2i(budget)?, argon2i_all_cores_per_sec: argon2i_all_cores(budget)? })
}

/// One Argon2i loop per core, all at once; the mean rate per core.
fn argon2i_all_cores(budget: Duration) -> Result<f64> {
    let cores = std::thread::available_parallelism().map(std::num::NonZero::get).unwrap_or(1);
    let rates = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..cores).map(|_| scope.spawn(|| argon2i(budget))).collect();
        threads.into_iter().map(|thread| thread.join().map_err(|_| anyhow!("an Argon2i thread panicked"))?).collect::<Result<Vec<f64>>>()
    })?;
    Ok(rates.iter().sum::<f64>() / rates.len() as f64)
}

/// `count` operations over the CPU time this thread used since `cpu_before`.
fn rate(count: u64, cpu_before: Duration, started: Instant) -> Result<f64> {
    let cpu = crate::server::process_cpu("/proc/thread-self/stat")?.saturating_sub(cpu_before);
    // Tick granularity: fall back to the wall clock when the CPU time is too coarse to use.
    let seconds = if cpu >= Duration::from_millis(100) { cpu } else { started.elapsed() };
    Ok(count as f64 / seconds.as_secs_f64())
}

fn es384(budget: Duration) -> Result<f64> {
    let key = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_FIXED_SIGNING).map_err(|_| anyhow!("cannot generate a P-384 key"))?;
    let rng = SystemRandom::new();
    // About the size of an access token's signing input.
    let message = vec![b'e'; 420];
    let (started, cpu_before) = (Instant::now(), crate::server::process_cpu("/proc/thread-self/stat")?);
    let mut count = 0u64;
    while count < 20 || started.elapsed() < budget {
        let signature = key.sign(&rng, &message).map_err(|_| anyhow!("signing failed"))?;
        std::hint::black_box(signature);
        count += 1;
    }
    rate(count, cpu_before, started)
}

fn argon2i(budget: Duration) -> Result<f64> {
    let params = Params::new(8192, 8, 1, Some(32)).map_err(|err| anyhow!("argon2 params: {err}"))?;
    let argon2 = Argon2::new(Algorithm::Argon2i, Version::V0x13, params);
    let salt = [7u8; 16];
    let mut output = [0u8; 32];
    let (started, cpu_before) = (Instant::now(), crate::server::process_cpu("/proc/thread-self/stat")?);
    let mut count = 0u64;
    while count < 3 || started.elapsed() < budget {
        argon2.hash_password_into(b"correct-Horse-battery-7", &salt, &mut output).map_err(|err| anyhow!("argon2: {err}"))?;
        std::hint::black_box(&output);
        count += 1;
    }
    rate(count, cpu_before, started)
}

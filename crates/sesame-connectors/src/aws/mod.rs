//! AWS plumbing shared by AWS-backed connectors: the SigV4 signer and its UTC timestamps.

pub mod sigv4;
pub mod time;

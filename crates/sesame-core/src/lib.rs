//! Sesame's identity domain and OIDC engine. It owns the rules — who may sign in, which
//! tokens a request earns, which claims a scope releases — and knows nothing of HTTP or SQL:
//! the server crate feeds it parsed requests, and storage sits behind the [`store::Store`] port.

// A failed unwrap in a test is a failed test, with the error in its message.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod clock;
pub mod crypto;
pub mod error;
pub mod experience;
pub mod ids;
pub mod keyring;
pub mod manage;
pub mod model;
pub mod oidc;
pub mod organization;
pub mod provider;
pub mod provision;
pub mod sign_in_experience;
pub mod store;

//! Fake upstreams for tests (feature `testing`): [`FakeSes`] and [`FakeDiscord`] listen on
//! `127.0.0.1:0`, enforce the real protocol (SigV4, OAuth parameters), record what they
//! received, and can be told to fail. They stop when dropped.

mod fake_discord;
mod fake_ses;

use std::sync::{Mutex, MutexGuard, PoisonError};

use axum::Router;
use tokio::task::JoinHandle;
use url::Url;

pub use fake_discord::{follow_authorization, DiscordFailure, FakeDiscord};
pub use fake_ses::{FakeSes, ReceivedEmail, Rejection, SesFailure};

/// A server task on a loopback port, aborted on drop.
struct Served {
    base_url: Url,
    task: JoinHandle<()>,
}

impl Served {
    async fn start(router: Router) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let base_url = Url::parse(&format!("http://{addr}/")).map_err(std::io::Error::other)?;
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::warn!(error = %e, "fake upstream stopped");
            }
        });
        Ok(Self { base_url, task })
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Locks, ignoring poisoning (a panicking test must not cascade into the others).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

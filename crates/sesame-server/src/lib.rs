//! Sesame's HTTP edge. It owns the axum router — OIDC endpoints, the Experience API, hosted
//! pages — and the translation between HTTP (cookies, headers, status codes, error bodies) and
//! `sesame-core`'s calls. Handlers stay thin: parse, call one core function, shape the answer.

mod http;
mod state;

pub use http::router;
pub use state::AppState;

/// Serves `state` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}

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
    use axum::serve::ListenerExt;
    // Responses go out as soon as they are written: no Nagle delay on small writes.
    let listener = listener.tap_io(|stream| {
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(error = %err, "cannot set TCP_NODELAY on an accepted connection");
        }
    });
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}

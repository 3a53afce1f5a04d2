//! Runs the sample: configuration from `LOGTO_ENDPOINT`, `LOGTO_APP_ID`, `LOGTO_APP_SECRET`,
//! `APP_BASE_URL`, `PORT` (and optionally `LOGTO_SCOPES`, `LOGTO_RESOURCES`); listens on
//! `127.0.0.1:$PORT`.

use example_axum_sample::{app, SampleConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = SampleConfig::from_env();
    let router = app(&config)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
    eprintln!("axum sample on {} (Sesame at {}, app {})", config.base_url, config.endpoint, config.app_id);
    axum::serve(listener, router).await?;
    Ok(())
}

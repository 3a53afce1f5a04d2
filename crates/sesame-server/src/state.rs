//! The state every handler shares.

use std::sync::Arc;

use axum::extract::FromRef;
use axum_extra::extract::cookie::Key;
use sesame_core::provider::Provider;

#[derive(Clone)]
pub struct AppState {
    pub provider: Arc<Provider>,
    cookie_key: Key,
    /// Whether cookies get the `Secure` attribute (the public endpoint is https).
    pub secure_cookies: bool,
}

impl AppState {
    pub fn new(provider: Arc<Provider>) -> Self {
        // The provider only loads cookie keys of at least 64 bytes, which `Key` requires.
        let cookie_key = Key::try_from(provider.cookie_key().as_bytes()).unwrap_or_else(|_| Key::generate());
        let secure_cookies = provider.endpoint.starts_with("https://");
        Self { provider, cookie_key, secure_cookies }
    }
}

impl FromRef<AppState> for Key {
    fn from_ref(state: &AppState) -> Self {
        state.cookie_key.clone()
    }
}

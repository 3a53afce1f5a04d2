//! `sesame-axum` puts `sesame-client` into axum apps. It owns the web side of sign-in: the
//! `/sign-in`, `/sign-up`, callback and `/sign-out` routes ([`SesameAuth::routes`]), per-browser
//! sessions kept server-side behind a signed cookie ([`SessionStore`], [`MemorySessionStore`];
//! why not tokens in the cookie is explained in [`session`]), the [`Authenticated`] extractor
//! (Logto's `@authenticated(shouldRedirect, fetchUserInfo)` decorator), and, for APIs, the
//! [`VerifiedAccessToken`] extractor that answers RFC 6750 `401`/`403`s.
//!
//! ```no_run
//! use axum::routing::get;
//! use axum::Router;
//! use sesame_axum::{Authenticated, SesameAuth};
//! use sesame_client::{SesameClient, SesameConfig, UserInfo};
//!
//! async fn userinfo(user: Authenticated<UserInfo>) -> String {
//!     format!("{:?}", user.user)
//! }
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let client = SesameClient::new(SesameConfig::new("http://localhost:3001", "<app id>").app_secret("<secret>"))?;
//! let auth = SesameAuth::new(client, "http://localhost:3000/callback")?.post_logout_redirect_uri("http://localhost:3000/");
//! let app = auth.routes().route("/protected/userinfo", get(userinfo)).with_state(auth);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod auth;
mod authenticated;
mod bearer;
pub mod session;

pub use auth::{callback, sign_in, sign_out, sign_up, AuthError, SesameAuth, SesameSession, DEFAULT_COOKIE_NAME};
pub use authenticated::{Authenticated, OnUnauthenticated, RedirectToSignIn, RespondUnauthorized, UserSource};
pub use bearer::{BearerRejection, VerifiedAccessToken};
pub use session::{new_session_id, MemorySessionStore, SessionStorage, SessionStore};

/// Escapes text for HTML element content and attribute values.
///
/// ```
/// assert_eq!(sesame_axum::html_escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
/// ```
pub fn html_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

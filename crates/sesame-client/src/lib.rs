//! `sesame-client` is the Rust SDK for Sesame and any Logto-compatible server: the surface of
//! Logto's Python SDK (`LogtoClient`) in async Rust. It owns the OpenID Connect relying-party
//! side of the protocol — discovery, sign-in URLs with PKCE S256 and `state`, the callback's
//! code exchange, ID-token verification against the JWKS (ES384, ES256, RS256), sign-out URLs,
//! userinfo, and access tokens for API resources and organizations, cached per resource with
//! refresh-token rotation — plus [`AccessTokenVerifier`], the check an API behind those access
//! tokens needs. Per-user state goes through the [`Storage`] port; web-framework glue lives
//! in `sesame-axum`.
//!
//! ```no_run
//! use sesame_client::{SesameClient, SesameConfig, UserInfoScope};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), sesame_client::Error> {
//! let client = SesameClient::new(
//!     SesameConfig::new("http://localhost:3001", "<app id>")
//!         .app_secret("<app secret>")
//!         .scopes([UserInfoScope::Email, UserInfoScope::Organizations])
//!         .resource("https://api.example.com"),
//! )?;
//! let sign_in_url = client.sign_in("http://localhost:3000/callback").await?;
//! // … the browser signs in and comes back …
//! # let callback_url = sign_in_url;
//! client.handle_sign_in_callback(&callback_url).await?;
//! let claims = client.id_token_claims().await?;
//! let api_token = client.access_token(Some("https://api.example.com")).await?;
//! let org_token = client.organization_token("<organization id>").await?;
//! let sign_out_url = client.sign_out(Some("http://localhost:3000/")).await?;
//! # let _ = (claims, api_token, org_token, sign_out_url);
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod claims;
mod client;
mod clock;
mod config;
mod discovery;
mod error;
mod http;
mod jwks;
mod jwt;
mod pkce;
pub mod resource_server;
mod storage;
mod tokens;

pub use claims::{AccessTokenClaims, IdTokenClaims, UserIdentity, UserInfo};
pub use client::{SesameClient, SesameClientBuilder};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    organization_urn, ClientAuthentication, FirstScreen, InteractionMode, Prompt, SesameConfig, SignInOptions, UserInfoScope,
    DEFAULT_SCOPES, ORGANIZATIONS_RESOURCE, ORGANIZATION_URN_PREFIX,
};
pub use discovery::ProviderMetadata;
pub use error::{CallbackError, Error, OAuthError, TokenError};
pub use jwks::{Jwk, JwkSet, JWKS_MAX_AGE_SECS, UNKNOWN_KID_REFETCH_INTERVAL_SECS};
pub use jwt::CLOCK_LEEWAY_SECS;
pub use resource_server::{AccessTokenError, AccessTokenVerifier, ACCESS_TOKEN_TYPE};
pub use storage::{storage_keys, MemoryStorage, Storage, StorageError};
pub use tokens::ACCESS_TOKEN_EXPIRY_MARGIN_SECS;

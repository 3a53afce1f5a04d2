//! The OpenID Connect provider: authorization, tokens, userinfo, logout, discovery.

pub mod artifacts;
pub mod authorize;
pub mod claims;
pub mod client;
pub mod discovery;
pub mod end_session;
pub mod introspection;
pub mod params;
pub mod resources;
pub mod token;
pub mod userinfo;

//! Sesame's connector framework and built-in connectors.
//!
//! This crate owns the connector framework's traits ([`EmailConnector`], [`SocialConnector`]),
//! the factory registry served as Logto's `GET /api/connector-factories`, config validation
//! with Logto's `connector.*` error codes, secret redaction for logs, and the built-in
//! connectors — AWS SES email (`aws-ses-mail`, SES API v2 signed with a hand-written SigV4) and
//! Discord social (`discord-universal`, OAuth 2.0), plus the development email connector
//! (`mock-email-service`) that writes messages to a file — each talking to its upstream over
//! `reqwest`. It has no HTTP server and no database. With the `testing` feature,
//! the `testing` module provides fake SES and Discord servers on loopback ports.

pub mod aws;
pub mod config;
pub mod connector;
pub mod discord;
pub mod error;
pub mod factory;
pub mod mock_email;
pub mod registry;
pub mod ses;
pub mod template;
#[cfg(feature = "testing")]
pub mod testing;
mod upstream;

pub use config::{redact_config, Secret};
pub use connector::{
    Clock, ConnectorOptions, EmailConnector, SentMessage, SocialConnector, SocialUserInfo,
};
pub use discord::{DiscordConnector, DiscordEndpoints};
pub use error::{ConnectorError, ConnectorErrorCode};
pub use factory::{ConnectorFactory, ConnectorPlatform, ConnectorType, FormItem, FormItemType};
pub use registry::{email_connector, factories, factory, social_connector, validate_config};
pub use ses::AwsSesConnector;
pub use template::{EmailTemplate, MessagePayload, TemplateType};

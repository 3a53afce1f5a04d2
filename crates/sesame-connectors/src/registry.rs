//! The built-in connector factories: listing, config validation and construction by id.

use std::sync::Arc;

use serde_json::Value;

use crate::connector::{ConnectorOptions, EmailConnector, SocialConnector};
use crate::discord::{self, DiscordConfig, DiscordConnector};
use crate::error::ConnectorError;
use crate::factory::ConnectorFactory;
use crate::mock_email::{self, MockEmailConnector};
use crate::ses::{self, AwsSesConfig, AwsSesConnector};

/// Every built-in factory, as `GET /api/connector-factories` lists them.
pub fn factories() -> Vec<ConnectorFactory> {
    vec![ses::factory(), discord::factory(), mock_email::factory()]
}

/// The factory with this id.
pub fn factory(factory_id: &str) -> Option<ConnectorFactory> {
    factories().into_iter().find(|f| f.id == factory_id)
}

fn unknown(factory_id: &str) -> ConnectorError {
    let shown: String = factory_id.chars().take(64).collect();
    ConnectorError::general(format!("Unknown connector factory: {shown}")).with_status(404)
}

/// Checks a config against the factory's schema: `connector.invalid_config` naming the bad
/// field (e.g. `accessKeySecret: Required`), or 404 `connector.general` for an unknown id.
pub fn validate_config(factory_id: &str, config: &Value) -> Result<(), ConnectorError> {
    match factory_id {
        ses::FACTORY_ID => AwsSesConfig::parse(config).map(drop),
        discord::FACTORY_ID => DiscordConfig::parse(config).map(drop),
        mock_email::FACTORY_ID => mock_email::validate(config),
        other => Err(unknown(other)),
    }
}

/// Builds an email connector from a stored config.
pub fn email_connector(
    factory_id: &str,
    config: &Value,
    options: &ConnectorOptions,
) -> Result<Arc<dyn EmailConnector>, ConnectorError> {
    match factory_id {
        ses::FACTORY_ID => Ok(Arc::new(AwsSesConnector::new(config, options)?)),
        mock_email::FACTORY_ID => Ok(Arc::new(MockEmailConnector::new(config)?)),
        other => Err(unknown(other)),
    }
}

/// Builds a social connector from a stored config.
pub fn social_connector(
    factory_id: &str,
    config: &Value,
    options: &ConnectorOptions,
) -> Result<Arc<dyn SocialConnector>, ConnectorError> {
    match factory_id {
        discord::FACTORY_ID => Ok(Arc::new(DiscordConnector::new(config, options)?)),
        other => Err(unknown(other)),
    }
}

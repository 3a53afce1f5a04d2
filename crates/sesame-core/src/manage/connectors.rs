//! Connectors: the factories Sesame ships, and the configured instances (stored, validated
//! against their factory's schema, testable with an unsaved config).

use serde::Deserialize;
use serde_json::{json, Value};
use sesame_connectors::{ConnectorFactory, ConnectorType, MessagePayload, TemplateType};

use super::{entity_error, not_found};
use crate::error::ApiError;
use crate::ids;
use crate::model::ConnectorRecord;
use crate::provider::Provider;

const ENTITY: &str = "connector";
/// What a test message carries instead of a real code.
const TEST_CODE: &str = "000000";

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateConnector {
    pub connector_id: String,
    #[serde(default)]
    pub config: Option<Value>,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub sync_profile: Option<bool>,
    #[serde(default)]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateConnector {
    pub config: Option<Value>,
    pub metadata: Option<Value>,
    pub sync_profile: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestConnector {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub config: Value,
    #[serde(default)]
    pub locale: Option<String>,
}

pub fn factories() -> Vec<ConnectorFactory> {
    sesame_connectors::factories()
}

pub fn factory(id: &str) -> Result<ConnectorFactory, ApiError> {
    sesame_connectors::factory(id).ok_or_else(|| not_found("connector factory"))
}

/// Logto's connector response: the factory's metadata, then the instance's own fields.
pub fn view(record: &ConnectorRecord) -> Value {
    let mut value = sesame_connectors::factory(&record.connector_id)
        .and_then(|factory| serde_json::to_value(factory).ok())
        .unwrap_or_else(|| json!({}));
    if let (Value::Object(merged), Value::Object(overrides)) = (&mut value, &record.metadata) {
        for (key, field) in overrides {
            merged.insert(key.clone(), field.clone());
        }
    }
    value["id"] = json!(record.id);
    value["connectorId"] = json!(record.connector_id);
    value["config"] = record.config.clone();
    value["metadata"] = record.metadata.clone();
    value["syncProfile"] = json!(record.sync_profile);
    value["createdAt"] = json!(record.created_at);
    value
}

pub async fn list(provider: &Provider) -> Result<Vec<ConnectorRecord>, ApiError> {
    Ok(provider.store.list_connectors().await?)
}

pub async fn get(provider: &Provider, id: &str) -> Result<ConnectorRecord, ApiError> {
    provider.store.find_connector(id).await?.ok_or_else(|| not_found(ENTITY))
}

fn object_or_empty(value: Option<Value>, field: &str) -> Result<Value, ApiError> {
    match value {
        None => Ok(json!({})),
        Some(value @ Value::Object(_)) => Ok(value),
        Some(_) => Err(ApiError::invalid_input(format!("{field} must be an object."))),
    }
}

pub async fn create(provider: &Provider, input: CreateConnector) -> Result<ConnectorRecord, ApiError> {
    let factory = factory(&input.connector_id)?;
    let config = object_or_empty(input.config, "config")?;
    sesame_connectors::validate_config(&factory.id, &config)?;
    let existing = provider.store.list_connectors().await?;
    // One email connector sends every code; social connectors are one per provider.
    let clash = existing.iter().any(|other| {
        other.connector_id == factory.id
            || (factory.connector_type == ConnectorType::Email
                && sesame_connectors::factory(&other.connector_id).is_some_and(|f| f.connector_type == ConnectorType::Email))
    });
    if clash {
        return Err(ApiError::new(422, "connector.multiple_instances_not_supported", "A connector of this kind already exists."));
    }
    let record = ConnectorRecord {
        id: input.id.unwrap_or_else(ids::entity_id),
        connector_id: factory.id,
        config,
        metadata: object_or_empty(input.metadata, "metadata")?,
        sync_profile: input.sync_profile.unwrap_or(false),
        created_at: provider.now_ms(),
    };
    provider.store.insert_connector(&record).await.map_err(entity_error(ENTITY))?;
    Ok(record)
}

pub async fn update(provider: &Provider, id: &str, patch: UpdateConnector) -> Result<ConnectorRecord, ApiError> {
    let mut record = get(provider, id).await?;
    if let Some(config) = patch.config {
        let config = object_or_empty(Some(config), "config")?;
        sesame_connectors::validate_config(&record.connector_id, &config)?;
        record.config = config;
    }
    if let Some(metadata) = patch.metadata {
        record.metadata = object_or_empty(Some(metadata), "metadata")?;
    }
    record.sync_profile = patch.sync_profile.unwrap_or(record.sync_profile);
    provider.store.update_connector(&record).await.map_err(entity_error(ENTITY))?;
    Ok(record)
}

pub async fn delete(provider: &Provider, id: &str) -> Result<(), ApiError> {
    provider.store.delete_connector(id).await.map_err(entity_error(ENTITY))
}

/// `POST /connectors/:factoryId/test`: sends a message with an unsaved config.
pub async fn test(provider: &Provider, factory_id: &str, input: TestConnector) -> Result<(), ApiError> {
    let factory = factory(factory_id)?;
    if factory.connector_type != ConnectorType::Email {
        return Err(ApiError::invalid_input("Only email connectors can send a test message."));
    }
    let to = input.email.filter(|email| email.contains('@')).ok_or_else(|| ApiError::invalid_input("A valid email is required."))?;
    sesame_connectors::validate_config(&factory.id, &input.config)?;
    let connector = sesame_connectors::email_connector(&factory.id, &input.config, &provider.connector_options)?;
    let payload = MessagePayload { code: TEST_CODE.to_owned(), locale: input.locale, ..MessagePayload::default() };
    connector.send_message(&to, TemplateType::Generic, &payload).await?;
    Ok(())
}

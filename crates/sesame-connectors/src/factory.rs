//! Connector factory metadata, serialized like the items of Logto's
//! `GET /api/connector-factories` (`connectorFactoryResponseGuard`: the connector metadata plus
//! `type`).

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;
use serde_json::Value;

/// Logto's `ConnectorType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ConnectorType {
    Email,
    #[serde(rename = "SMS")]
    Sms,
    Social,
}

/// Logto's `ConnectorPlatform` (social connectors only; `null` for the others).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ConnectorPlatform {
    Native,
    Universal,
    Web,
}

/// Logto's `ConnectorConfigFormItemType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum FormItemType {
    Text,
    Number,
    MultilineText,
    Switch,
    Select,
    Json,
}

/// One field of the admin console's config form.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FormItem {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub item_type: FormItemType,
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_value: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl FormItem {
    pub(crate) fn new(key: &str, label: &str, item_type: FormItemType, required: bool) -> Self {
        Self {
            key: key.into(),
            label: label.into(),
            item_type,
            required,
            placeholder: None,
            default_value: None,
            description: None,
        }
    }

    pub(crate) fn placeholder(mut self, placeholder: &str) -> Self {
        self.placeholder = Some(placeholder.into());
        self
    }

    pub(crate) fn default_value(mut self, value: Value) -> Self {
        self.default_value = Some(value);
        self
    }

    pub(crate) fn description(mut self, description: &str) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// Phrases by language tag; `en` is always present.
pub type I18nPhrases = BTreeMap<String, String>;

/// A connector factory as Logto lists it. `logo` is a `data:` URL and `readme` the Markdown
/// text, as Logto's core serves them after reading the connector package's files.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorFactory {
    #[serde(rename = "type")]
    pub connector_type: ConnectorType,
    pub id: String,
    pub target: String,
    pub platform: Option<ConnectorPlatform>,
    pub name: I18nPhrases,
    pub description: I18nPhrases,
    pub logo: String,
    pub logo_dark: Option<String>,
    pub readme: String,
    pub is_standard: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_template: Option<String>,
    pub form_items: Vec<FormItem>,
}

pub(crate) fn phrases(pairs: &[(&str, &str)]) -> I18nPhrases {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// An SVG file as a `data:image/svg+xml;base64,…` URL.
pub(crate) fn svg_data_url(svg: &str) -> String {
    format!("data:image/svg+xml;base64,{}", STANDARD.encode(svg))
}

//! The development email connector (`mock-email-service`): instead of sending, it appends each
//! message as one JSON line (`{address, code, type, payload}`) to a file, so local runs and
//! tests can read codes without an email provider. It exists only where an operator creates it.

use std::io::Write;
use std::path::PathBuf;

use async_trait::async_trait;
use serde_json::{json, Value};

use crate::connector::{EmailConnector, SentMessage};
use crate::error::ConnectorError;
use crate::factory::{phrases, svg_data_url, ConnectorFactory, ConnectorType, FormItem, FormItemType};
use crate::template::{MessagePayload, TemplateType};

pub const FACTORY_ID: &str = "mock-email-service";
pub const TARGET: &str = "mock-email";
/// Logto's mock connector's path, so tooling written for Logto finds the codes.
pub const DEFAULT_RECORD_FILE: &str = "/tmp/logto/mock_email_record.txt";

#[derive(Debug, Clone)]
pub struct MockEmailConnector {
    record_file: PathBuf,
}

impl MockEmailConnector {
    pub fn new(config: &Value) -> Result<Self, ConnectorError> {
        Ok(Self { record_file: parse(config)? })
    }
}

fn parse(config: &Value) -> Result<PathBuf, ConnectorError> {
    let object = config.as_object().ok_or_else(|| ConnectorError::invalid_config("config: Expected an object"))?;
    match object.get("recordFile") {
        None | Some(Value::Null) => Ok(PathBuf::from(DEFAULT_RECORD_FILE)),
        Some(Value::String(path)) if !path.trim().is_empty() => Ok(PathBuf::from(path)),
        Some(_) => Err(ConnectorError::invalid_config("recordFile: Expected a non-empty string")),
    }
}

pub fn validate(config: &Value) -> Result<(), ConnectorError> {
    parse(config).map(drop)
}

fn append(path: &PathBuf, line: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    writeln!(file, "{line}")
}

#[async_trait]
impl EmailConnector for MockEmailConnector {
    fn factory_id(&self) -> &'static str {
        FACTORY_ID
    }

    async fn send_message(&self, to: &str, usage_type: TemplateType, payload: &MessagePayload) -> Result<SentMessage, ConnectorError> {
        let record = json!({"address": to, "code": payload.code, "type": usage_type, "payload": payload});
        let path = self.record_file.clone();
        let line = record.to_string();
        tokio::task::spawn_blocking(move || append(&path, &line))
            .await
            .map_err(|_| ConnectorError::general("The mock email service stopped.").with_status(500))?
            .map_err(|err| {
                tracing::warn!(error = %err, "mock email service could not write its record file");
                ConnectorError::general("The mock email service could not write its record file.").with_status(500)
            })?;
        Ok(SentMessage { provider_message_id: None })
    }
}

pub fn factory() -> ConnectorFactory {
    ConnectorFactory {
        connector_type: ConnectorType::Email,
        id: FACTORY_ID.into(),
        target: TARGET.into(),
        platform: None,
        name: phrases(&[("en", "Mock email service (development)")]),
        description: phrases(&[("en", "Writes every message to a local file instead of sending it. For development and tests only.")]),
        logo: svg_data_url(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect x="2" y="5" width="20" height="14" rx="2" fill="none" stroke="currentColor"/><path d="M2 7l10 6 10-6" fill="none" stroke="currentColor"/></svg>"#),
        logo_dark: None,
        readme: "Development only: each message is appended as one JSON line to `recordFile` (default `/tmp/logto/mock_email_record.txt`).".into(),
        is_standard: false,
        config_template: None,
        form_items: vec![FormItem::new("recordFile", "Record file", FormItemType::Text, false)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn appends_one_json_line_per_message() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("nested/mail.txt");
        let connector = MockEmailConnector::new(&json!({"recordFile": file.to_str()})).expect("config");
        for code in ["123456", "654321"] {
            let payload = MessagePayload { code: code.into(), ..MessagePayload::default() };
            connector.send_message("a@example.com", TemplateType::SignIn, &payload).await.expect("sent");
        }
        let text = std::fs::read_to_string(&file).expect("record file");
        let lines: Vec<Value> = text.lines().map(|line| serde_json::from_str(line).expect("json line")).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[1]["address"].as_str(), lines[1]["code"].as_str(), lines[1]["type"].as_str()), (Some("a@example.com"), Some("654321"), Some("SignIn")));
        assert!(MockEmailConnector::new(&json!({"recordFile": 7})).is_err());
    }
}

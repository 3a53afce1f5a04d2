//! Message templates: Logto's usage types, the choice of a template for a usage type, and the
//! `{{name}}` placeholder substitution of connector-kit's `replaceSendMessageHandlebars`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ConnectorError, ConnectorErrorCode};

/// Logto's `TemplateType` (why a verification code is being sent), plus the deprecated `Test`
/// that older admin consoles still send for "test send".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TemplateType {
    SignIn,
    Register,
    ForgotPassword,
    OrganizationInvitation,
    Generic,
    UserPermissionValidation,
    BindNewIdentifier,
    MfaVerification,
    BindMfa,
    Test,
}

impl TemplateType {
    /// Every usage type, in Logto's declaration order.
    pub const ALL: [TemplateType; 10] = [
        Self::SignIn,
        Self::Register,
        Self::ForgotPassword,
        Self::OrganizationInvitation,
        Self::Generic,
        Self::UserPermissionValidation,
        Self::BindNewIdentifier,
        Self::MfaVerification,
        Self::BindMfa,
        Self::Test,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "SignIn",
            Self::Register => "Register",
            Self::ForgotPassword => "ForgotPassword",
            Self::OrganizationInvitation => "OrganizationInvitation",
            Self::Generic => "Generic",
            Self::UserPermissionValidation => "UserPermissionValidation",
            Self::BindNewIdentifier => "BindNewIdentifier",
            Self::MfaVerification => "MfaVerification",
            Self::BindMfa => "BindMfa",
            Self::Test => "Test",
        }
    }
}

impl fmt::Display for TemplateType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TemplateType {
    type Err = ConnectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                ConnectorError::new(
                    ConnectorErrorCode::InvalidRequestParameters,
                    format!("Unknown template usage type: {s}"),
                )
            })
    }
}

/// What a message is built from: Logto's `SendMessagePayload`
/// (`{ code, link?, locale?, uiLocales?, ...context }`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagePayload {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ui_locales: Option<String>,
    /// Extra context (application, organization, user …) reachable as `{{application.name}}`.
    #[serde(flatten)]
    pub context: Map<String, Value>,
}

impl MessagePayload {
    /// A payload carrying only a verification code.
    pub fn with_code(code: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            ..Self::default()
        }
    }

    /// The payload as the JSON object placeholders are resolved against.
    pub fn to_object(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }
}

/// One configured template (`{usageType, subject, content}`); `usageType` is free text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailTemplate {
    pub usage_type: String,
    pub subject: String,
    pub content: String,
}

/// The first template for `usage_type`, else the first `Generic` one, else
/// `connector.template_not_found` (connector-kit's `getConfigTemplateByType`).
pub fn select_template(
    templates: &[EmailTemplate],
    usage_type: TemplateType,
) -> Result<&EmailTemplate, ConnectorError> {
    let find = |name: &str| templates.iter().find(|t| t.usage_type == name);
    find(usage_type.as_str())
        .or_else(|| find(TemplateType::Generic.as_str()))
        .ok_or_else(|| {
            ConnectorError::new(
                ConnectorErrorCode::TemplateNotFound,
                format!("Cannot find template for type: {usage_type}"),
            )
        })
}

/// Replaces `{{ name }}` / `{{ a.b.c }}` placeholders (names of `[A-Za-z0-9_.]`).
///
/// A placeholder whose root key is absent from `payload` is left as it is; a present root with
/// a missing nested value becomes the empty string. Nothing is HTML-escaped, like Logto.
pub fn render(template: &str, payload: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        match parse_placeholder(after) {
            Some((path, len)) => {
                match resolve(payload, path) {
                    Some(value) => out.push_str(&value),
                    None => out.push_str(&after[..len]),
                }
                rest = &after[len..];
            }
            None => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// At the start of `s` (which begins with `{{`): the dotted name and the placeholder's length.
fn parse_placeholder(s: &str) -> Option<(&str, usize)> {
    let inner = &s[2..];
    let name_start = inner.len() - inner.trim_start().len();
    let name_len = inner[name_start..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(inner.len() - name_start);
    if name_len == 0 {
        return None;
    }
    let after_name = &inner[name_start + name_len..];
    let spaces = after_name.len() - after_name.trim_start().len();
    after_name[spaces..].starts_with("}}").then(|| {
        let name = &inner[name_start..name_start + name_len];
        (name, 2 + name_start + name_len + spaces + 2)
    })
}

/// `None` when the root key is absent (leave the placeholder), else the rendered value.
fn resolve(payload: &Map<String, Value>, path: &str) -> Option<String> {
    let mut keys = path.split('.');
    let root = payload.get(keys.next()?)?;
    let value = keys.try_fold(root, |v, key| v.get(key));
    Some(value.map(stringify).unwrap_or_default())
}

fn stringify(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn replaces_every_code_placeholder() {
        let p = MessagePayload::with_code("1234").to_object();
        assert_eq!(
            render("Your code is {{code}}, {{ code }} is your code", &p),
            "Your code is 1234, 1234 is your code"
        );
    }

    #[test]
    fn unknown_root_left_missing_nested_empty() {
        let p = obj(json!({"code": "1", "user": {"name": "Ann"}, "n": 5, "z": null}));
        assert_eq!(
            render("{{link}}|{{user.name}}|{{user.email}}", &p),
            "{{link}}|Ann|"
        );
        assert_eq!(render("{{n}}{{z}}{{ }}{{a-b}}{", &p), "5{{ }}{{a-b}}{");
        assert_eq!(render("{{{code}}}", &p), "{1}");
    }

    #[test]
    fn payload_context_is_flattened() {
        let mut p = MessagePayload::with_code("9");
        p.context
            .insert("application".into(), json!({"name": "Bookstore"}));
        p.locale = Some("zh-CN".into());
        let o = p.to_object();
        assert_eq!(
            render("{{application.name}} {{locale}} {{code}}", &o),
            "Bookstore zh-CN 9"
        );
    }

    #[test]
    fn selects_exact_then_generic() {
        let t = |u: &str| EmailTemplate {
            usage_type: u.into(),
            subject: u.into(),
            content: String::new(),
        };
        let list = vec![t("SignIn"), t("Generic")];
        assert_eq!(
            select_template(&list, TemplateType::SignIn).map(|t| t.subject.as_str()),
            Ok("SignIn")
        );
        assert_eq!(
            select_template(&list, TemplateType::BindMfa).map(|t| t.subject.as_str()),
            Ok("Generic")
        );
        let err = select_template(&list[..1], TemplateType::Register).err();
        assert_eq!(
            err.map(|e| (e.logto_code(), e.to_string())),
            Some((
                "connector.template_not_found".into(),
                "Cannot find template for type: Register".into()
            ))
        );
    }

    #[test]
    fn usage_types_round_trip() {
        for t in TemplateType::ALL {
            assert_eq!(t.as_str().parse::<TemplateType>(), Ok(t));
            assert_eq!(serde_json::to_value(t).ok(), Some(json!(t.as_str())));
        }
        assert!("Nope".parse::<TemplateType>().is_err());
    }
}

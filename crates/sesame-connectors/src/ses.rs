//! The AWS SES email connector (`aws-ses-mail`): Logto's config, SES API v2 `SendEmail`
//! (`POST /v2/email/outbound-emails`) signed with SigV4 for service `ses`.

use async_trait::async_trait;
use reqwest::StatusCode;
use serde::Serialize;
use serde_json::{json, Value};
use url::Url;

use crate::aws::sigv4::{self, Credentials, SignableRequest, SigningParams, SigningSettings};
use crate::config::{invalid, Fields, Secret};
use crate::connector::{Clock, ConnectorOptions, EmailConnector, SentMessage};
use crate::error::{truncate, ConnectorError, ConnectorErrorCode, MAX_UPSTREAM_TEXT};
use crate::factory::{
    phrases, svg_data_url, ConnectorFactory, ConnectorType, FormItem, FormItemType,
};
use crate::template::{render, select_template, EmailTemplate, MessagePayload, TemplateType};
use crate::upstream::{self, UpstreamResponse};

pub const FACTORY_ID: &str = "aws-ses-mail";
pub const TARGET: &str = "aws-ses";
/// SigV4's service name for SES (the host prefix is `email`).
pub const SIGNING_SERVICE: &str = "ses";
/// The SendEmail operation's path.
pub const SEND_EMAIL_PATH: &str = "/v2/email/outbound-emails";
const PROVIDER: &str = "AWS SES";

/// Usage types every config must have a template for (Logto's `templateGuard` refinement).
pub const REQUIRED_USAGE_TYPES: [TemplateType; 4] = [
    TemplateType::Register,
    TemplateType::SignIn,
    TemplateType::ForgotPassword,
    TemplateType::Generic,
];

/// A validated `aws-ses-mail` config (Logto's `awsSesConfigGuard`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSesConfig {
    pub access_key_id: String,
    pub access_key_secret: Secret,
    pub region: String,
    pub email_address: Option<String>,
    pub email_address_identity_arn: Option<String>,
    pub feedback_forwarding_email_address: Option<String>,
    pub feedback_forwarding_email_address_identity_arn: Option<String>,
    pub configuration_set_name: Option<String>,
    pub templates: Vec<EmailTemplate>,
}

impl AwsSesConfig {
    /// Validates a stored config: field types as Logto's guard, the four required usage types,
    /// and a region that is a plain DNS label (it becomes part of the endpoint's host name).
    pub fn parse(config: &Value) -> Result<Self, ConnectorError> {
        let f = Fields::root(config)?;
        let parsed = Self {
            access_key_id: f.string("accessKeyId")?,
            access_key_secret: Secret::new(f.string("accessKeySecret")?),
            region: f.string("region")?,
            email_address: f.optional_string("emailAddress")?,
            email_address_identity_arn: f.optional_string("emailAddressIdentityArn")?,
            feedback_forwarding_email_address: f
                .optional_string("feedbackForwardingEmailAddress")?,
            feedback_forwarding_email_address_identity_arn: f
                .optional_string("feedbackForwardingEmailAddressIdentityArn")?,
            configuration_set_name: f.optional_string("configurationSetName")?,
            templates: parse_templates(&f)?,
        };
        check_region(&parsed.region)?;
        Ok(parsed)
    }

    fn credentials(&self) -> Credentials {
        Credentials::new(self.access_key_id.clone(), self.access_key_secret.expose())
    }
}

fn parse_templates(f: &Fields<'_>) -> Result<Vec<EmailTemplate>, ConnectorError> {
    let items = f.array("templates")?;
    let templates = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let t = Fields::at(item, format!("templates[{i}]"))?;
            Ok(EmailTemplate {
                usage_type: t.string("usageType")?,
                subject: t.string("subject")?,
                content: t.string("content")?,
            })
        })
        .collect::<Result<Vec<_>, ConnectorError>>()?;
    let missing: Vec<&str> = REQUIRED_USAGE_TYPES
        .iter()
        .map(|t| t.as_str())
        .filter(|name| !templates.iter().any(|t| t.usage_type == *name))
        .collect();
    if missing.is_empty() {
        Ok(templates)
    } else {
        Err(invalid(
            "templates",
            &format!(
                "Template with UsageType ({}) should be provided!",
                missing.join(", ")
            ),
        ))
    }
}

fn check_region(region: &str) -> Result<(), ConnectorError> {
    let ok = (1..=63).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "region",
            "Expected an AWS region name such as us-east-1",
        ))
    }
}

/// `https://email.{region}.amazonaws.com` (`.amazonaws.com.cn` in China regions).
pub fn default_base_url(region: &str) -> Result<Url, ConnectorError> {
    check_region(region)?;
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    Url::parse(&format!("https://email.{region}.{suffix}/"))
        .map_err(|_| invalid("region", "Expected an AWS region name such as us-east-1"))
}

/// The SendEmail URL under `base` (which may carry a path prefix).
fn send_email_url(base: &Url) -> Result<Url, ConnectorError> {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base.join(SEND_EMAIL_PATH.trim_start_matches('/'))
        .map_err(|_| {
            ConnectorError::general("The AWS SES endpoint override is not a valid base URL.")
                .with_status(500)
        })
}

/// The `Host` header value for `url`, with the port when it is not the scheme's default.
fn host_header(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// SendEmail's JSON body. Logto sends the same members; unlike Logto we name `UTF-8` on both
/// the subject and the HTML body (Logto sends `utf8` on the subject only, and SES reads an
/// HTML body without a charset as ASCII, which garbles non-English templates).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendEmailRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_email_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_email_address_identity_arn: Option<String>,
    pub destination: Value,
    pub content: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedback_forwarding_email_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedback_forwarding_email_address_identity_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration_set_name: Option<String>,
}

impl SendEmailRequest {
    pub fn new(config: &AwsSesConfig, to: &str, subject: &str, html: &str) -> Self {
        Self {
            from_email_address: config.email_address.clone(),
            from_email_address_identity_arn: config.email_address_identity_arn.clone(),
            destination: json!({ "ToAddresses": [to] }),
            content: json!({ "Simple": {
                "Subject": { "Data": subject, "Charset": "UTF-8" },
                "Body": { "Html": { "Data": html, "Charset": "UTF-8" } },
            }}),
            feedback_forwarding_email_address: config.feedback_forwarding_email_address.clone(),
            feedback_forwarding_email_address_identity_arn: config
                .feedback_forwarding_email_address_identity_arn
                .clone(),
            configuration_set_name: config.configuration_set_name.clone(),
        }
    }
}

/// The `aws-ses-mail` connector.
#[derive(Debug, Clone)]
pub struct AwsSesConnector {
    config: AwsSesConfig,
    url: Url,
    host: String,
    http: reqwest::Client,
    clock: Clock,
}

impl AwsSesConnector {
    pub fn new(config: &Value, options: &ConnectorOptions) -> Result<Self, ConnectorError> {
        let config = AwsSesConfig::parse(config)?;
        let base = match &options.ses_base_url {
            Some(url) => url.clone(),
            None => default_base_url(&config.region)?,
        };
        let url = send_email_url(&base)?;
        let host = host_header(&url).ok_or_else(|| {
            ConnectorError::general("The AWS SES endpoint has no host.").with_status(500)
        })?;
        Ok(Self {
            config,
            url,
            host,
            http: options.http.clone(),
            clock: options.clock.clone(),
        })
    }

    pub fn config(&self) -> &AwsSesConfig {
        &self.config
    }

    /// The signed request for `body`: (header name, value) pairs.
    fn signed_headers(&self, body: &[u8]) -> Vec<(String, String)> {
        let headers = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("host".to_owned(), self.host.clone()),
        ];
        let credentials = self.config.credentials();
        let request = SignableRequest {
            method: "POST",
            path: self.url.path(),
            query: self.url.query(),
            headers: &headers,
            body,
        };
        let params = SigningParams {
            credentials: &credentials,
            region: &self.config.region,
            service: SIGNING_SERVICE,
            time: self.clock.now(),
            settings: SigningSettings::default(),
        };
        let signed = sigv4::sign(&request, &params);
        headers
            .into_iter()
            .chain(signed.headers.into_iter().map(|(n, v)| (n.to_owned(), v)))
            .collect()
    }

    async fn post(&self, body: Vec<u8>) -> Result<UpstreamResponse, ConnectorError> {
        let mut request = self.http.post(self.url.clone());
        for (name, value) in self.signed_headers(&body) {
            request = request.header(name, value);
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| upstream::transport_error(PROVIDER, &e))?;
        upstream::read(PROVIDER, response).await
    }
}

#[async_trait]
impl EmailConnector for AwsSesConnector {
    fn factory_id(&self) -> &'static str {
        FACTORY_ID
    }

    async fn send_message(
        &self,
        to: &str,
        usage_type: TemplateType,
        payload: &MessagePayload,
    ) -> Result<SentMessage, ConnectorError> {
        if self.config.email_address.is_none() && self.config.email_address_identity_arn.is_none() {
            return Err(invalid(
                "emailAddress",
                "Required to send email (the From address)",
            ));
        }
        let template = select_template(&self.config.templates, usage_type)?;
        let values = payload.to_object();
        let request = SendEmailRequest::new(
            &self.config,
            to,
            &render(&template.subject, &values),
            &render(&template.content, &values),
        );
        let body = serde_json::to_vec(&request).map_err(|_| {
            ConnectorError::general("Could not encode the email request.").with_status(500)
        })?;
        let response = self.post(body).await?;
        if response.status == StatusCode::OK {
            let id = response.json().and_then(|j| {
                j.get("MessageId")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            });
            tracing::debug!(provider = PROVIDER, message_id = ?id, usage_type = %usage_type, "email accepted");
            return Ok(SentMessage {
                provider_message_id: id,
            });
        }
        response.log_failure(PROVIDER, "SendEmail");
        Err(map_error(&response))
    }
}

/// An AWS error's type and message, from `X-Amzn-Errortype` / `__type` / `code` and
/// `message` / `Message` (rest-json), or `<Code>` / `<Message>` (XML, as some front ends send).
pub fn parse_aws_error(
    headers: &reqwest::header::HeaderMap,
    body: &str,
) -> (Option<String>, Option<String>) {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let field = |names: &[&str]| {
        json.as_ref()
            .and_then(|j| names.iter().find_map(|n| j.get(*n).and_then(Value::as_str)))
            .map(str::to_owned)
    };
    let header_type = headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let error_type = header_type
        .or_else(|| field(&["__type", "code", "Code"]))
        .or_else(|| xml_tag(body, "Code"));
    let message = field(&["message", "Message"]).or_else(|| xml_tag(body, "Message"));
    (error_type.map(|t| clean_error_type(&t)), message)
}

/// `ns#Type:http://…` → `Type`.
fn clean_error_type(raw: &str) -> String {
    let before_colon = raw.split(':').next().unwrap_or(raw);
    before_colon
        .rsplit('#')
        .next()
        .unwrap_or(before_colon)
        .trim()
        .to_owned()
}

fn xml_tag(body: &str, tag: &str) -> Option<String> {
    let start = body.find(&format!("<{tag}>"))? + tag.len() + 2;
    let len = body[start..].find(&format!("</{tag}>"))?;
    Some(body[start..start + len].trim().to_owned())
}

const THROTTLING_TYPES: [&str; 3] = [
    "TooManyRequestsException",
    "ThrottlingException",
    "Throttling",
];

/// SES failure → `ConnectorError`:
/// throttling (429 or a throttling type) → `connector.rate_limit_exceeded` (429);
/// 5xx → `connector.general` (502/503, "try again later");
/// 401/403 (signature, unknown key, expired signature, IAM denial) → `connector.invalid_config`;
/// any other 4xx (e.g. `MessageRejected`) → `connector.invalid_response`, as Logto.
/// Messages carry the AWS error type and AWS's short message (truncated), never the body.
fn map_error(response: &UpstreamResponse) -> ConnectorError {
    let (error_type, message) = parse_aws_error(&response.headers, &response.body);
    let status = response.status;
    let kind = error_type
        .clone()
        .unwrap_or_else(|| format!("HTTP {}", status.as_u16()));
    let detail = message
        .map(|m| format!(": {}", truncate(&m, MAX_UPSTREAM_TEXT)))
        .unwrap_or_default();
    let throttled = status == StatusCode::TOO_MANY_REQUESTS
        || error_type
            .as_deref()
            .is_some_and(|t| THROTTLING_TYPES.contains(&t));
    if throttled {
        return ConnectorError::new(
            ConnectorErrorCode::RateLimitExceeded,
            format!("AWS SES is throttling requests ({kind}){detail}. Try again later."),
        );
    }
    if status.is_server_error() {
        return upstream::server_error(PROVIDER, status, error_type.as_deref());
    }
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return ConnectorError::invalid_config(format!(
            "AWS SES rejected the request's credentials ({kind}){detail}. Check accessKeyId, accessKeySecret and region."
        ));
    }
    ConnectorError::invalid_response(format!("AWS SES rejected the email ({kind}){detail}"))
}

const DEFAULT_TEMPLATES: [(&str, &str); 9] = [
    ("SignIn", "sign-in"),
    ("Register", "sign-up"),
    ("ForgotPassword", "password reset"),
    ("OrganizationInvitation", "organization invitation"),
    ("Generic", ""),
    ("UserPermissionValidation", "permission validation"),
    ("BindNewIdentifier", "new identifier"),
    ("MfaVerification", "MFA verification"),
    ("BindMfa", "2-step verification setup"),
];

fn default_templates() -> Value {
    let items: Vec<Value> = DEFAULT_TEMPLATES
        .iter()
        .map(|(usage, purpose)| {
            let what = if purpose.is_empty() { "verification code".to_owned() } else { format!("{purpose} verification code") };
            json!({
                "usageType": usage,
                "subject": format!("Your {what}"),
                "content": format!("Your {what} is {{{{code}}}}. The code will remain active for 10 minutes."),
            })
        })
        .collect();
    Value::Array(items)
}

fn text(key: &str, label: &str, required: bool) -> FormItem {
    let placeholder = format!("<{}>", label.to_ascii_lowercase().replace(' ', "-"));
    FormItem::new(key, label, FormItemType::Text, required).placeholder(&placeholder)
}

/// The factory as `GET /api/connector-factories` lists it.
pub fn factory() -> ConnectorFactory {
    ConnectorFactory {
        connector_type: ConnectorType::Email,
        id: FACTORY_ID.into(),
        target: TARGET.into(),
        platform: None,
        name: phrases(&[("en", "AWS Direct Mail"), ("zh-CN", "AWS邮件推送")]),
        description: phrases(&[
            ("en", "Amazon SES is a cloud email service provider that can integrate into any application for bulk email sending."),
            ("zh-CN", "Amazon SES 是云电子邮件发送服务提供商，它可以集成到任何应用程序中，用于批量发送电子邮件。"),
        ]),
        logo: svg_data_url(include_str!("../assets/aws-ses/logo.svg")),
        logo_dark: None,
        readme: include_str!("../assets/aws-ses/README.md").into(),
        is_standard: false,
        config_template: None,
        form_items: vec![
            text("accessKeyId", "Access Key ID", true),
            text("accessKeySecret", "Access Key Secret", true),
            text("region", "Region", true),
            text("emailAddress", "Email Address", false),
            text("emailAddressIdentityArn", "Email Address Identity ARN", false),
            text("feedbackForwardingEmailAddress", "Feedback Forwarding Email Address", false),
            text("feedbackForwardingEmailAddressIdentityArn", "Feedback Forwarding Email Address Identity ARN", false),
            text("configurationSetName", "Configuration Set Name", false),
            FormItem::new("templates", "Templates", FormItemType::Json, true).default_value(default_templates()),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Value {
        json!({
            "accessKeyId": "AKID", "accessKeySecret": "secret", "region": "eu-west-1",
            "emailAddress": "Sesame <noreply@example.com>",
            "templates": [
                {"usageType": "SignIn", "subject": "Sign-in code {{code}}", "content": "Your code is {{code}}, {{code}} is your code"},
                {"usageType": "Register", "subject": "r", "content": "r"},
                {"usageType": "ForgotPassword", "subject": "f", "content": "f"},
                {"usageType": "Generic", "subject": "g", "content": "g"},
            ]
        })
    }

    #[test]
    fn body_has_logto_members_and_utf8() {
        let c = AwsSesConfig::parse(&config()).ok();
        let body = c.map(|c| {
            serde_json::to_value(SendEmailRequest::new(&c, "to@example.com", "S", "<b>H</b>")).ok()
        });
        assert_eq!(
            body.flatten(),
            Some(json!({
                "FromEmailAddress": "Sesame <noreply@example.com>",
                "Destination": {"ToAddresses": ["to@example.com"]},
                "Content": {"Simple": {
                    "Subject": {"Data": "S", "Charset": "UTF-8"},
                    "Body": {"Html": {"Data": "<b>H</b>", "Charset": "UTF-8"}}
                }}
            }))
        );
    }

    #[test]
    fn endpoints_per_partition_and_override() {
        let url = |r: &str| default_base_url(r).map(|u| u.to_string()).ok();
        assert_eq!(
            url("us-east-1").as_deref(),
            Some("https://email.us-east-1.amazonaws.com/")
        );
        assert_eq!(
            url("cn-north-1").as_deref(),
            Some("https://email.cn-north-1.amazonaws.com.cn/")
        );
        assert!(default_base_url("evil.com/x").is_err());
        let base = Url::parse("http://127.0.0.1:4566/proxy").ok();
        let joined = base.and_then(|b| send_email_url(&b).ok());
        assert_eq!(
            joined.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:4566/proxy/v2/email/outbound-emails")
        );
        assert_eq!(
            joined.as_ref().and_then(host_header).as_deref(),
            Some("127.0.0.1:4566")
        );
    }

    #[test]
    fn parses_aws_error_shapes() {
        let mut headers = reqwest::header::HeaderMap::new();
        let (t, m) = parse_aws_error(
            &headers,
            r#"{"__type":"com.amazon#MessageRejected:http://x","Message":"Email address not verified"}"#,
        );
        assert_eq!(
            (t.as_deref(), m.as_deref()),
            (Some("MessageRejected"), Some("Email address not verified"))
        );
        headers.insert(
            "x-amzn-errortype",
            reqwest::header::HeaderValue::from_static("TooManyRequestsException:"),
        );
        let (t, m) = parse_aws_error(&headers, r#"{"message":"slow down"}"#);
        assert_eq!(
            (t.as_deref(), m.as_deref()),
            (Some("TooManyRequestsException"), Some("slow down"))
        );
        let xml = "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>nope</Message></Error></ErrorResponse>";
        let (t, m) = parse_aws_error(&reqwest::header::HeaderMap::new(), xml);
        assert_eq!(
            (t.as_deref(), m.as_deref()),
            (Some("SignatureDoesNotMatch"), Some("nope"))
        );
    }

    #[test]
    fn default_templates_cover_every_usage_type_but_test() {
        let t = default_templates();
        let items = t.as_array().map(Vec::len);
        assert_eq!(items, Some(9));
        assert_eq!(t[0]["content"], "Your sign-in verification code is {{code}}. The code will remain active for 10 minutes.");
    }
}

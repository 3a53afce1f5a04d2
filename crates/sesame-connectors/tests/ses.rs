//! The AWS SES connector against `FakeSes`, which verifies every SigV4 signature itself.

use std::time::{Duration, SystemTime};

use serde_json::{json, Value};
use sesame_connectors::aws::sigv4::{
    self, Credentials, SignableRequest, SigningParams, SigningSettings,
};
use sesame_connectors::connector::default_http_client;
use sesame_connectors::testing::{FakeSes, SesFailure};
use sesame_connectors::{
    email_connector, Clock, ConnectorError, ConnectorErrorCode, ConnectorOptions, EmailConnector,
    MessagePayload, TemplateType,
};

const KEY_ID: &str = "AKIDSESAMETEST";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSESAMEKEY";
const REGION: &str = "eu-west-1";

fn config_with(templates: Value) -> Value {
    json!({
        "accessKeyId": KEY_ID,
        "accessKeySecret": SECRET,
        "region": REGION,
        "emailAddress": "Sesame <noreply@example.com>",
        "configurationSetName": "transactional",
        "templates": templates,
    })
}

/// A template per usage type, each naming its type so the test can tell them apart.
fn all_templates() -> Value {
    let items: Vec<Value> = TemplateType::ALL
        .iter()
        .filter(|t| **t != TemplateType::Test)
        .map(|t| json!({"usageType": t.as_str(), "subject": format!("{t} code {{{{code}}}}"), "content": format!("<p>{t}: {{{{ code }}}}</p>")}))
        .collect();
    Value::Array(items)
}

fn required_templates() -> Value {
    json!([
        {"usageType": "SignIn", "subject": "Sign-in code {{code}}", "content": "Your code is {{code}}, {{code}} is your code"},
        {"usageType": "Register", "subject": "Welcome", "content": "Register with {{code}}"},
        {"usageType": "ForgotPassword", "subject": "Reset", "content": "Reset with {{code}}"},
        {"usageType": "Generic", "subject": "Your code", "content": "验证码：{{code}}"},
    ])
}

async fn fake() -> FakeSes {
    FakeSes::start(KEY_ID, SECRET, REGION)
        .await
        .expect("fake SES starts")
}

fn options(fake: &FakeSes) -> ConnectorOptions {
    ConnectorOptions::new()
        .expect("options")
        .with_ses_base_url(fake.base_url())
}

fn connector(config: &Value, options: &ConnectorOptions) -> std::sync::Arc<dyn EmailConnector> {
    email_connector("aws-ses-mail", config, options).expect("valid config")
}

async fn send(connector: &dyn EmailConnector, usage: TemplateType) -> Result<(), ConnectorError> {
    connector
        .send_message(
            "user@example.com",
            usage,
            &MessagePayload::with_code("123456"),
        )
        .await
        .map(drop)
}

fn assert_code(
    result: Result<(), ConnectorError>,
    code: ConnectorErrorCode,
    status: u16,
) -> ConnectorError {
    let err = result.expect_err("the send must fail");
    assert_eq!((err.code(), err.status()), (code, status), "{err}");
    assert!(!err.to_string().contains(SECRET), "{err}");
    err
}

#[tokio::test]
async fn sends_the_template_of_each_usage_type_with_the_code_filled_in() {
    let fake = fake().await;
    let c = connector(&config_with(all_templates()), &options(&fake));
    for usage in TemplateType::ALL
        .iter()
        .filter(|t| **t != TemplateType::Test)
    {
        let sent = c
            .send_message(
                "user@example.com",
                *usage,
                &MessagePayload::with_code("654321"),
            )
            .await;
        assert!(sent.expect("accepted").provider_message_id.is_some());
    }
    let sent = fake.sent();
    assert_eq!(sent.len(), 9);
    for (email, usage) in sent.iter().zip(TemplateType::ALL) {
        assert_eq!(email.subject, format!("{usage} code 654321"));
        assert_eq!(
            email.html.as_deref(),
            Some(format!("<p>{usage}: 654321</p>").as_str())
        );
        assert_eq!(email.to, vec!["user@example.com".to_owned()]);
        assert_eq!(email.from.as_deref(), Some("Sesame <noreply@example.com>"));
        assert_eq!(
            email.configuration_set_name.as_deref(),
            Some("transactional")
        );
        assert_eq!(
            (
                email.subject_charset.as_deref(),
                email.html_charset.as_deref()
            ),
            (Some("UTF-8"), Some("UTF-8"))
        );
        assert_eq!(email.text, None);
        assert_eq!(
            email.host,
            format!("127.0.0.1:{}", fake.base_url().port().expect("port"))
        );
    }
    assert!(fake.rejections().is_empty());
}

#[tokio::test]
async fn a_usage_type_without_its_own_template_uses_generic() {
    let fake = fake().await;
    let c = connector(&config_with(required_templates()), &options(&fake));
    send(c.as_ref(), TemplateType::SignIn)
        .await
        .expect("sign-in");
    send(c.as_ref(), TemplateType::BindMfa)
        .await
        .expect("bind MFA");
    send(c.as_ref(), TemplateType::Test).await.expect("test");
    let sent = fake.sent();
    assert_eq!(sent[0].subject, "Sign-in code 123456");
    assert_eq!(
        sent[0].html.as_deref(),
        Some("Your code is 123456, 123456 is your code")
    );
    assert_eq!(
        (sent[1].subject.as_str(), sent[1].html.as_deref()),
        ("Your code", Some("验证码：123456"))
    );
    assert_eq!(sent[2].subject, "Your code");
}

#[tokio::test]
async fn the_body_has_exactly_the_members_logto_sends() {
    let fake = fake().await;
    let mut config = config_with(required_templates());
    config["emailAddressIdentityArn"] =
        json!("arn:aws:ses:eu-west-1:123456789012:identity/example.com");
    config["feedbackForwardingEmailAddress"] = json!("bounces@example.com");
    let c = connector(&config, &options(&fake));
    send(c.as_ref(), TemplateType::Register)
        .await
        .expect("sent");
    assert_eq!(
        fake.sent()[0].body,
        json!({
            "FromEmailAddress": "Sesame <noreply@example.com>",
            "FromEmailAddressIdentityArn": "arn:aws:ses:eu-west-1:123456789012:identity/example.com",
            "Destination": {"ToAddresses": ["user@example.com"]},
            "Content": {"Simple": {
                "Subject": {"Data": "Welcome", "Charset": "UTF-8"},
                "Body": {"Html": {"Data": "Register with 123456", "Charset": "UTF-8"}}
            }},
            "FeedbackForwardingEmailAddress": "bounces@example.com",
            "ConfigurationSetName": "transactional"
        })
    );
}

#[tokio::test]
async fn a_wrong_secret_fails_the_fakes_signature_check() {
    let fake = fake().await;
    let mut config = config_with(required_templates());
    config["accessKeySecret"] = json!("not-the-right-secret");
    let c = connector(&config, &options(&fake));
    let err = assert_code(
        send(c.as_ref(), TemplateType::SignIn).await,
        ConnectorErrorCode::InvalidConfig,
        400,
    );
    assert!(err.message().contains("InvalidSignatureException"), "{err}");
    assert!(
        err.message()
            .contains("The request signature we calculated does not match"),
        "{err}"
    );
    assert!(
        err.message()
            .contains("Check accessKeyId, accessKeySecret and region"),
        "{err}"
    );
    assert!(!err.message().contains("not-the-right-secret"));
    assert_eq!(fake.rejections()[0].status, 403);
    assert!(fake.sent().is_empty());
}

#[tokio::test]
async fn an_unknown_key_or_region_is_rejected() {
    let fake = fake().await;
    let mut config = config_with(required_templates());
    config["accessKeyId"] = json!("AKIDUNKNOWN");
    let err = assert_code(
        send(
            connector(&config, &options(&fake)).as_ref(),
            TemplateType::SignIn,
        )
        .await,
        ConnectorErrorCode::InvalidConfig,
        400,
    );
    assert!(
        err.message().contains("UnrecognizedClientException"),
        "{err}"
    );

    let mut config = config_with(required_templates());
    config["region"] = json!("us-west-2");
    let err = assert_code(
        send(
            connector(&config, &options(&fake)).as_ref(),
            TemplateType::SignIn,
        )
        .await,
        ConnectorErrorCode::InvalidConfig,
        400,
    );
    assert!(err.message().contains("valid region"), "{err}");
    assert!(fake.sent().is_empty());
}

#[tokio::test]
async fn a_clock_more_than_five_minutes_off_is_rejected() {
    let fake = fake().await;
    let behind = SystemTime::now() - Duration::from_secs(600);
    let options = options(&fake).with_clock(Clock::fixed(behind));
    let c = connector(&config_with(required_templates()), &options);
    let err = assert_code(
        send(c.as_ref(), TemplateType::SignIn).await,
        ConnectorErrorCode::InvalidConfig,
        400,
    );
    assert!(err.message().contains("Signature expired"), "{err}");

    let slightly_behind =
        options.with_clock(Clock::fixed(SystemTime::now() - Duration::from_secs(120)));
    send(
        connector(&config_with(required_templates()), &slightly_behind).as_ref(),
        TemplateType::SignIn,
    )
    .await
    .expect("within skew");
}

#[tokio::test]
async fn throttling_is_a_rate_limit_error() {
    let fake = fake().await;
    fake.fail_with(Some(SesFailure::Throttle));
    let c = connector(&config_with(required_templates()), &options(&fake));
    let err = assert_code(
        send(c.as_ref(), TemplateType::SignIn).await,
        ConnectorErrorCode::RateLimitExceeded,
        429,
    );
    assert_eq!(err.logto_code(), "connector.rate_limit_exceeded");
    assert!(err.is_retryable());
    assert!(
        err.message().contains("TooManyRequestsException")
            && err.message().contains("Try again later"),
        "{err}"
    );
    assert_eq!(fake.rejections().len(), 1, "no retry loop");
}

#[tokio::test]
async fn server_errors_are_retryable_general_errors() {
    let fake = fake().await;
    let c = connector(&config_with(required_templates()), &options(&fake));
    fake.fail_with(Some(SesFailure::ServerError));
    let err = assert_code(
        send(c.as_ref(), TemplateType::SignIn).await,
        ConnectorErrorCode::General,
        502,
    );
    assert!(
        err.message().contains("HTTP 500") && err.message().contains("try again later"),
        "{err}"
    );
    fake.fail_with(Some(SesFailure::Unavailable));
    let err = assert_code(
        send(c.as_ref(), TemplateType::SignIn).await,
        ConnectorErrorCode::General,
        503,
    );
    assert!(err.is_retryable());
    assert_eq!(fake.rejections().len(), 2, "one request per send");
    fake.fail_with(None);
    send(c.as_ref(), TemplateType::SignIn)
        .await
        .expect("recovered");
}

#[tokio::test]
async fn a_rejected_message_is_an_invalid_response_with_the_aws_message() {
    let fake = fake().await;
    fake.fail_with(Some(SesFailure::MessageRejected("Email address is not verified. The following identities failed the check in region EU-WEST-1: noreply@example.com".into())));
    let c = connector(&config_with(required_templates()), &options(&fake));
    let err = assert_code(
        send(c.as_ref(), TemplateType::SignIn).await,
        ConnectorErrorCode::InvalidResponse,
        400,
    );
    assert!(
        err.message().starts_with(
            "AWS SES rejected the email (MessageRejected): Email address is not verified."
        ),
        "{err}"
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_retryable_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let base = url::Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
    let options = ConnectorOptions::new()
        .expect("options")
        .with_ses_base_url(base);
    let c = connector(&config_with(required_templates()), &options);
    let err = assert_code(
        send(c.as_ref(), TemplateType::SignIn).await,
        ConnectorErrorCode::General,
        502,
    );
    assert_eq!(err.message(), "Could not reach AWS SES; try again later.");
}

#[tokio::test]
async fn a_stalled_endpoint_times_out_as_a_retryable_error() {
    let fake = fake().await;
    fake.fail_with(Some(SesFailure::Stall(Duration::from_secs(5))));
    let http = default_http_client(Duration::from_millis(300)).expect("client");
    let options = options(&fake).with_http_client(http);
    let c = connector(&config_with(required_templates()), &options);
    let err = assert_code(
        send(c.as_ref(), TemplateType::SignIn).await,
        ConnectorErrorCode::General,
        504,
    );
    assert_eq!(
        err.message(),
        "AWS SES did not answer in time; try again later."
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn no_from_address_fails_before_calling_aws() {
    let fake = fake().await;
    let mut config = config_with(required_templates());
    config
        .as_object_mut()
        .expect("object")
        .remove("emailAddress");
    let c = connector(&config, &options(&fake));
    let err = assert_code(
        send(c.as_ref(), TemplateType::SignIn).await,
        ConnectorErrorCode::InvalidConfig,
        400,
    );
    assert_eq!(
        err.message(),
        "emailAddress: Required to send email (the From address)"
    );
    assert!(fake.rejections().is_empty() && fake.sent().is_empty());
}

/// Requests signed by hand (not through the connector), to show the fake enforces SigV4 on
/// what actually arrives.
mod fake_enforcement {
    use super::*;

    const BODY: &str = r#"{"FromEmailAddress":"a@example.com","Destination":{"ToAddresses":["b@example.com"]},"Content":{"Simple":{"Subject":{"Data":"s"},"Body":{"Text":{"Data":"t"}}}}}"#;

    fn signed(
        fake: &FakeSes,
        credentials: &Credentials,
        body: &[u8],
        settings: SigningSettings,
    ) -> Vec<(String, String)> {
        let host = format!("127.0.0.1:{}", fake.base_url().port().expect("port"));
        let headers = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("host".to_owned(), host),
        ];
        let request = SignableRequest {
            method: "POST",
            path: "/v2/email/outbound-emails",
            query: None,
            headers: &headers,
            body,
        };
        let params = SigningParams {
            credentials,
            region: REGION,
            service: "ses",
            time: SystemTime::now(),
            settings,
        };
        let out = sigv4::sign(&request, &params);
        headers
            .into_iter()
            .chain(out.headers.into_iter().map(|(n, v)| (n.to_owned(), v)))
            .collect()
    }

    async fn post(fake: &FakeSes, headers: &[(String, String)], body: &str) -> (u16, String) {
        let url = fake
            .base_url()
            .join("v2/email/outbound-emails")
            .expect("url");
        let mut request = reqwest::Client::new().post(url).body(body.to_owned());
        for (n, v) in headers {
            request = request.header(n, v);
        }
        let response = request.send().await.expect("response");
        (
            response.status().as_u16(),
            response.text().await.expect("body"),
        )
    }

    #[tokio::test]
    async fn accepts_a_correct_signature_with_a_session_token() {
        let fake = fake().await;
        let credentials =
            Credentials::new(KEY_ID, SECRET).with_session_token("FwoGZXIvYXdzEXAMPLE");
        let headers = signed(
            &fake,
            &credentials,
            BODY.as_bytes(),
            SigningSettings::default(),
        );
        assert_eq!(post(&fake, &headers, BODY).await.0, 200);
        assert_eq!(fake.sent()[0].text.as_deref(), Some("t"));
    }

    #[tokio::test]
    async fn rejects_a_body_changed_after_signing() {
        let fake = fake().await;
        let headers = signed(
            &fake,
            &Credentials::new(KEY_ID, SECRET),
            BODY.as_bytes(),
            SigningSettings::default(),
        );
        let (status, text) = post(
            &fake,
            &headers,
            &BODY.replace("b@example.com", "c@example.com"),
        )
        .await;
        assert_eq!(status, 403);
        assert!(
            text.contains("The request signature we calculated does not match"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn rejects_unsigned_requests_and_unsigned_tokens() {
        let fake = fake().await;
        let plain = vec![("content-type".to_owned(), "application/json".to_owned())];
        let (status, text) = post(&fake, &plain, BODY).await;
        assert_eq!(
            (status, text.contains("Missing Authentication Token")),
            (403, true),
            "{text}"
        );

        let credentials = Credentials::new(KEY_ID, SECRET).with_session_token("tok");
        let settings = SigningSettings {
            sign_session_token: false,
            ..SigningSettings::default()
        };
        let headers = signed(&fake, &credentials, BODY.as_bytes(), settings);
        assert_eq!(post(&fake, &headers, BODY).await.0, 403);
    }

    #[tokio::test]
    async fn rejects_a_malformed_body_with_400() {
        let fake = fake().await;
        let body = r#"{"Destination": "#;
        let headers = signed(
            &fake,
            &Credentials::new(KEY_ID, SECRET),
            body.as_bytes(),
            SigningSettings::default(),
        );
        let (status, text) = post(&fake, &headers, body).await;
        assert_eq!(status, 400, "{text}");
        let no_subject = r#"{"FromEmailAddress":"a@example.com","Destination":{"ToAddresses":["b@example.com"]},"Content":{"Simple":{"Body":{"Text":{"Data":"t"}}}}}"#;
        let headers = signed(
            &fake,
            &Credentials::new(KEY_ID, SECRET),
            no_subject.as_bytes(),
            SigningSettings::default(),
        );
        let (status, text) = post(&fake, &headers, no_subject).await;
        assert_eq!(status, 400, "{text}");
        assert_eq!(
            fake.rejections()
                .iter()
                .map(|r| r.error_type.as_str())
                .collect::<Vec<_>>(),
            ["BadRequestException"; 2]
        );
    }
}

//! Our SigV4 signer against AWS's own Rust signer (the `aws-sigv4` crate, a dev-dependency
//! only) on the SES v2 `SendEmail` request.
//!
//! The request is the one the connector really sends: `AwsSesConnector` is given
//! `http://email.eu-west-1.amazonaws.com/` as its endpoint, and a client whose DNS for that name
//! points at a loopback listener that records the raw HTTP/1.1 request. So the host, path,
//! `content-type`, `x-amz-date`, `Authorization` and body compared here are wire values. SigV4
//! does not sign the scheme, so `http` here versus `https` in production changes nothing;
//! `aws-sigv4` is given the production URL
//! `https://email.eu-west-1.amazonaws.com/v2/email/outbound-emails`.
//!
//! `aws-sigv4` signs the same method, URL, body and instant with the headers our
//! `Authorization` lists as signed (less `x-amz-date`, which both signers add themselves), and
//! the headers each signer adds must be equal, `Authorization` byte for byte. An SES config has
//! no session token, so the temporary-credentials variants call our signer directly on the
//! same request (checked to reproduce the connector's own signature first).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{
    sign as aws_sign, SessionTokenMode, SignableBody, SignableRequest as AwsSignableRequest,
    SigningSettings as AwsSigningSettings,
};
use aws_sigv4::sign::v4;
use serde_json::{json, Value};
use sesame_connectors::aws::sigv4::{
    self, Credentials, ParsedAuthorization, SignableRequest, SigningParams, SigningSettings,
};
use sesame_connectors::{email_connector, Clock, ConnectorOptions, MessagePayload, TemplateType};
use url::Url;

const KEY_ID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// Shaped like an STS token: long, with `/`, `+` and `=`.
const SESSION_TOKEN: &str =
    "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCWV1LXdlc3QtMSJHMEUCIQD+EXAMPLEtoken/x+y==";
const REGION: &str = "eu-west-1";
const HOST: &str = "email.eu-west-1.amazonaws.com";
const URL: &str = "https://email.eu-west-1.amazonaws.com/v2/email/outbound-emails";
const PATH: &str = "/v2/email/outbound-emails";
/// 2026-11-21T12:34:56Z.
const UNIX_TIME: u64 = 1_795_264_496;
const AMZ_DATE: &str = "20261121T123456Z";

fn signing_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(UNIX_TIME)
}

/// One HTTP/1.1 request as read off the socket; header names lower-cased, in wire order.
#[derive(Debug)]
struct WireRequest {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl WireRequest {
    fn header(&self, name: &str) -> Option<&str> {
        let mut found = self.headers.iter().filter(|(n, _)| n == name);
        let value = found.next().map(|(_, v)| v.as_str());
        assert!(found.next().is_none(), "{name} sent more than once");
        value
    }

    fn expect_header(&self, name: &str) -> &str {
        self.header(name)
            .unwrap_or_else(|| panic!("no {name} header in {self:?}"))
    }
}

/// Serves `count` requests on a loopback port, one per connection, answering each as SES
/// answers a successful SendEmail.
fn record_requests(count: usize) -> (SocketAddr, JoinHandle<Vec<WireRequest>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    let handle = thread::spawn(move || {
        (0..count)
            .map(|_| {
                let (mut stream, _) = listener.accept().expect("accept");
                stream
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .expect("read timeout");
                let request = read_request(&mut stream);
                let reply = r#"{"MessageId":"cross-check-1"}"#;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
                    reply.len()
                );
                stream.write_all(response.as_bytes()).expect("write");
                request
            })
            .collect()
    });
    (addr, handle)
}

fn read_request(stream: &mut impl Read) -> WireRequest {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).expect("read the request head");
        assert!(n > 0, "connection closed inside the request head");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).expect("UTF-8 head");
    let mut body = buf[head_end + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().expect("request line");
    let mut parts = request_line.split(' ');
    let method = parts.next().expect("method").to_owned();
    let target = parts.next().expect("target").to_owned();
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').expect("name: value");
            (name.to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    assert!(
        !headers.iter().any(|(n, _)| n == "transfer-encoding"),
        "expected a content-length body: {headers:?}"
    );
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().expect("content-length"));
    while body.len() < length {
        let n = stream.read(&mut chunk).expect("read the body");
        assert!(n > 0, "connection closed inside the body");
        body.extend_from_slice(&chunk[..n]);
    }
    assert_eq!(body.len(), length, "no pipelining expected");
    WireRequest {
        method,
        target,
        headers,
        body,
    }
}

fn config() -> Value {
    json!({
        "accessKeyId": KEY_ID,
        "accessKeySecret": SECRET,
        "region": REGION,
        "emailAddress": "Sesame <noreply@example.com>",
        "configurationSetName": "transactional",
        "templates": [
            {"usageType": "SignIn", "subject": "Sign-in code {{code}}", "content": "<p>Your code is {{code}}</p>"},
            {"usageType": "Register", "subject": "Welcome", "content": "Register with {{code}}"},
            {"usageType": "ForgotPassword", "subject": "Reset", "content": "Reset with {{code}}"},
            {"usageType": "Generic", "subject": "Votre code ✉", "content": "验证码：{{code}}  (  spaces\tand tabs )"},
        ],
    })
}

/// The requests the SES connector sends for `usages`, at the fixed signing time.
async fn connector_requests(usages: &[TemplateType]) -> Vec<WireRequest> {
    let (addr, server) = record_requests(usages.len());
    let http = reqwest::Client::builder()
        .no_proxy()
        .resolve(HOST, addr)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("HTTP client");
    let options = ConnectorOptions::new()
        .expect("options")
        .with_http_client(http)
        .with_clock(Clock::fixed(signing_time()))
        .with_ses_base_url(Url::parse(&format!("http://{HOST}/")).expect("base URL"));
    let connector = email_connector("aws-ses-mail", &config(), &options).expect("valid config");
    for usage in usages {
        let sent = connector
            .send_message(
                "user@example.com",
                *usage,
                &MessagePayload::with_code("123456"),
            )
            .await
            .expect("the recorder accepts the email");
        assert_eq!(sent.provider_message_id.as_deref(), Some("cross-check-1"));
    }
    server.join().expect("recorder thread")
}

/// The headers `aws-sigv4` adds for `request`, names lower-cased, sorted.
fn aws_sigv4_headers(
    request: &WireRequest,
    signed: &[&str],
    session_token: Option<&str>,
    token_mode: SessionTokenMode,
) -> Vec<(String, String)> {
    let identity = aws_credential_types::Credentials::new(
        KEY_ID,
        SECRET,
        session_token.map(str::to_owned),
        None,
        "sesame-cross-check",
    )
    .into();
    let mut settings = AwsSigningSettings::default();
    settings.session_token_mode = token_mode;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("ses")
        .time(signing_time())
        .settings(settings)
        .build()
        .expect("signing params")
        .into();
    let headers = signed
        .iter()
        .filter(|n| **n != "x-amz-date" && **n != "x-amz-security-token")
        .map(|n| (*n, request.expect_header(n)));
    let signable = AwsSignableRequest::new(
        &request.method,
        URL,
        headers,
        SignableBody::Bytes(&request.body),
    )
    .expect("signable request");
    let (instructions, _signature) = aws_sign(signable, &params)
        .expect("aws-sigv4 signs")
        .into_parts();
    sorted(instructions.headers())
}

fn sorted<'a>(headers: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = headers
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
        .collect();
    out.sort();
    out
}

fn signed_header_names(authorization: &str) -> Vec<String> {
    ParsedAuthorization::parse(authorization)
        .unwrap_or_else(|| panic!("not a SigV4 Authorization header: {authorization}"))
        .signed_headers
}

/// Signs the connector's request again with our signer, the way `AwsSesConnector` does, with
/// `credentials` and `settings`; returns the headers it adds (lower-cased names, sorted).
fn our_headers(
    request: &WireRequest,
    credentials: &Credentials,
    settings: SigningSettings,
) -> Vec<(String, String)> {
    let headers = vec![
        (
            "content-type".to_owned(),
            request.expect_header("content-type").to_owned(),
        ),
        ("host".to_owned(), request.expect_header("host").to_owned()),
    ];
    let signable = SignableRequest {
        method: &request.method,
        path: PATH,
        query: None,
        headers: &headers,
        body: &request.body,
    };
    let params = SigningParams {
        credentials,
        region: REGION,
        service: "ses",
        time: signing_time(),
        settings,
    };
    let out = sigv4::sign(&signable, &params);
    sorted(out.headers.iter().map(|(n, v)| (*n, v.as_str())))
}

#[tokio::test]
async fn connector_send_email_is_signed_as_aws_sigv4_signs_it() {
    let requests = connector_requests(&[TemplateType::SignIn, TemplateType::Generic]).await;
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.method, "POST");
        assert_eq!(request.target, PATH);
        assert_eq!(request.expect_header("host"), HOST);
        assert_eq!(request.expect_header("content-type"), "application/json");
        assert_eq!(request.expect_header("x-amz-date"), AMZ_DATE);
        assert_eq!(request.header("x-amz-security-token"), None);
        let body: Value = serde_json::from_slice(&request.body).expect("JSON body");
        assert_eq!(
            body["Destination"],
            json!({"ToAddresses": ["user@example.com"]})
        );

        let authorization = request.expect_header("authorization");
        let signed = signed_header_names(authorization);
        assert_eq!(signed, ["content-type", "host", "x-amz-date"]);
        let signed: Vec<&str> = signed.iter().map(String::as_str).collect();
        let theirs = aws_sigv4_headers(request, &signed, None, SessionTokenMode::Include);
        let ours = sorted(
            ["authorization", "x-amz-date"]
                .iter()
                .map(|n| (*n, request.expect_header(n))),
        );
        assert_eq!(
            ours,
            theirs,
            "body: {}",
            String::from_utf8_lossy(&request.body)
        );
        assert!(
            authorization.starts_with(&format!(
                "AWS4-HMAC-SHA256 Credential={KEY_ID}/20261121/{REGION}/ses/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="
            )),
            "{authorization}"
        );
    }
    // The second body carries non-ASCII text and whitespace runs (hashed as sent, not trimmed).
    assert!(String::from_utf8_lossy(&requests[1].body)
        .contains("验证码：123456  (  spaces\\tand tabs )"));
    assert_ne!(
        requests[0].expect_header("authorization"),
        requests[1].expect_header("authorization")
    );
}

/// The connector's request, and our signer reproducing the connector's own headers on it.
async fn connector_request_resigned() -> WireRequest {
    let request = connector_requests(&[TemplateType::SignIn])
        .await
        .pop()
        .expect("one request");
    let ours = our_headers(
        &request,
        &Credentials::new(KEY_ID, SECRET),
        SigningSettings::default(),
    );
    let wire = sorted(
        ["authorization", "x-amz-date"]
            .iter()
            .map(|n| (*n, request.expect_header(n))),
    );
    assert_eq!(
        ours, wire,
        "re-signing differs from what the connector sent"
    );
    request
}

#[tokio::test]
async fn session_token_is_signed_as_aws_sigv4_signs_it() {
    let request = connector_request_resigned().await;
    let credentials = Credentials::new(KEY_ID, SECRET).with_session_token(SESSION_TOKEN);
    let ours = our_headers(&request, &credentials, SigningSettings::default());
    let authorization = &ours
        .iter()
        .find(|(n, _)| n == "authorization")
        .expect("authorization")
        .1;
    let signed = signed_header_names(authorization);
    assert_eq!(
        signed,
        ["content-type", "host", "x-amz-date", "x-amz-security-token"]
    );
    let signed: Vec<&str> = signed.iter().map(String::as_str).collect();
    let theirs = aws_sigv4_headers(
        &request,
        &signed,
        Some(SESSION_TOKEN),
        SessionTokenMode::Include,
    );
    assert_eq!(ours, theirs);
    assert!(ours.contains(&("x-amz-security-token".to_owned(), SESSION_TOKEN.to_owned())));
}

#[tokio::test]
async fn unsigned_session_token_matches_aws_sigv4_exclude_mode() {
    let request = connector_request_resigned().await;
    let credentials = Credentials::new(KEY_ID, SECRET).with_session_token(SESSION_TOKEN);
    let settings = SigningSettings {
        sign_session_token: false,
        ..SigningSettings::default()
    };
    let ours = our_headers(&request, &credentials, settings);
    let authorization = &ours
        .iter()
        .find(|(n, _)| n == "authorization")
        .expect("authorization")
        .1;
    let signed = signed_header_names(authorization);
    assert_eq!(signed, ["content-type", "host", "x-amz-date"]);
    let signed: Vec<&str> = signed.iter().map(String::as_str).collect();
    let theirs = aws_sigv4_headers(
        &request,
        &signed,
        Some(SESSION_TOKEN),
        SessionTokenMode::Exclude,
    );
    assert_eq!(ours, theirs);
    assert!(ours.contains(&("x-amz-security-token".to_owned(), SESSION_TOKEN.to_owned())));
}

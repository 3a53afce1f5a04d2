//! A fake SES v2 `SendEmail` endpoint that authenticates every request like AWS: it parses the
//! SigV4 `Authorization` header, checks the scope and the clock skew, recomputes the signature
//! from the request exactly as it arrived (method, path, query, the signed headers' values,
//! the body) with the secret it was started with, and only then looks at the body.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};
use url::Url;

use super::{lock, Served};
use crate::aws::sigv4::{self, CanonicalRequest, ParsedAuthorization, SigningSettings};
use crate::aws::time::AmzDate;
use crate::ses::{SEND_EMAIL_PATH, SIGNING_SERVICE};

/// AWS allows 5 minutes between `X-Amz-Date` and its own clock.
const MAX_SKEW_SECS: i64 = 300;

const SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// A failure the fake answers with once a request has authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SesFailure {
    /// 429 `TooManyRequestsException`.
    Throttle,
    /// 500 `InternalFailure`.
    ServerError,
    /// 503 `ServiceUnavailable`.
    Unavailable,
    /// 400 `MessageRejected` with this message.
    MessageRejected(String),
    /// Answers normally, but only after this long (for client timeouts).
    Stall(std::time::Duration),
}

/// One email the fake accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedEmail {
    pub from: Option<String>,
    pub to: Vec<String>,
    pub subject: String,
    pub subject_charset: Option<String>,
    pub html: Option<String>,
    pub html_charset: Option<String>,
    pub text: Option<String>,
    pub configuration_set_name: Option<String>,
    /// The whole JSON body.
    pub body: Value,
    /// The `Host` header the request carried (and signed).
    pub host: String,
}

/// A request the fake refused: status, AWS error type, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub status: u16,
    pub error_type: String,
    pub message: String,
}

struct Shared {
    access_key_id: String,
    secret_access_key: String,
    region: String,
    state: Mutex<Recorded>,
}

#[derive(Default)]
struct Recorded {
    sent: Vec<ReceivedEmail>,
    rejections: Vec<Rejection>,
    failure: Option<SesFailure>,
}

/// The fake SES server. Dropping it stops it.
pub struct FakeSes {
    shared: Arc<Shared>,
    served: Served,
}

impl FakeSes {
    /// Starts a fake that accepts requests signed by this key for `region`.
    pub async fn start(
        access_key_id: &str,
        secret_access_key: &str,
        region: &str,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            region: region.into(),
            state: Mutex::new(Recorded::default()),
        });
        let router = Router::new().fallback(handle).with_state(shared.clone());
        Ok(Self {
            shared,
            served: Served::start(router).await?,
        })
    }

    /// The base URL to give the connector (`ConnectorOptions::with_ses_base_url`).
    pub fn base_url(&self) -> Url {
        self.served.base_url.clone()
    }

    /// Emails accepted so far, oldest first.
    pub fn sent(&self) -> Vec<ReceivedEmail> {
        lock(&self.shared.state).sent.clone()
    }

    /// Requests refused so far (authentication, validation and injected failures).
    pub fn rejections(&self) -> Vec<Rejection> {
        lock(&self.shared.state).rejections.clone()
    }

    /// Makes every authenticated request fail this way until cleared with `None`.
    pub fn fail_with(&self, failure: Option<SesFailure>) {
        lock(&self.shared.state).failure = failure;
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let stall = match lock(&shared.state).failure {
        Some(SesFailure::Stall(delay)) => Some(delay),
        _ => None,
    };
    if let Some(delay) = stall {
        tokio::time::sleep(delay).await;
    }
    match process(&shared, &method, &uri, &headers, &body) {
        Ok(email) => {
            let mut state = lock(&shared.state);
            state.sent.push(email);
            let id = format!("0100fake-{:06}", state.sent.len());
            (StatusCode::OK, axum::Json(json!({ "MessageId": id }))).into_response()
        }
        Err(rejection) => {
            let response = error_response(&rejection);
            lock(&shared.state).rejections.push(rejection);
            response
        }
    }
}

fn process(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<ReceivedEmail, Rejection> {
    if method != Method::POST || uri.path() != SEND_EMAIL_PATH {
        return Err(reject(
            404,
            "UnknownOperationException",
            "Unknown operation",
        ));
    }
    authenticate(shared, method, uri, headers, body)?;
    let failure = lock(&shared.state).failure.clone();
    if let Some(rejection) = failure.and_then(injected) {
        return Err(rejection);
    }
    let content_type = header(headers, "content-type").unwrap_or_default();
    if !content_type.starts_with("application/json") {
        return Err(reject(
            400,
            "BadRequestException",
            "Expected Content-Type application/json",
        ));
    }
    let json: Value = serde_json::from_slice(body).map_err(|_| {
        reject(
            400,
            "BadRequestException",
            "Could not parse request body into json",
        )
    })?;
    parse_email(&json, header(headers, "host").unwrap_or_default())
}

fn injected(failure: SesFailure) -> Option<Rejection> {
    Some(match failure {
        SesFailure::Throttle => reject(429, "TooManyRequestsException", "Too many requests."),
        SesFailure::ServerError => reject(
            500,
            "InternalFailure",
            "The request processing has failed because of an unknown error.",
        ),
        SesFailure::Unavailable => reject(503, "ServiceUnavailable", "Service is unavailable."),
        SesFailure::MessageRejected(message) => reject(400, "MessageRejected", &message),
        SesFailure::Stall(_) => return None,
    })
}

/// SigV4 header authentication, in the order AWS reports problems.
fn authenticate(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), Rejection> {
    let Some(authorization) = header(headers, "authorization") else {
        return Err(reject(
            403,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ));
    };
    let auth = ParsedAuthorization::parse(&authorization).ok_or_else(|| {
        reject(
            400,
            "IncompleteSignatureException",
            "Authorization header requires 'Credential', 'Signature', 'SignedHeaders' parameters.",
        )
    })?;
    if auth.access_key_id != shared.access_key_id {
        return Err(reject(
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ));
    }
    check_scope(shared, &auth)?;
    check_date(&auth, headers)?;
    check_signed_header_set(&auth, headers)?;
    let expected = recompute_signature(shared, &auth, method, uri, headers, body)?;
    if expected != auth.signature {
        return Err(reject(403, "InvalidSignatureException", SIGNATURE_MISMATCH));
    }
    Ok(())
}

fn check_scope(shared: &Shared, auth: &ParsedAuthorization) -> Result<(), Rejection> {
    let bad = |m: &str| Err(reject(403, "InvalidSignatureException", m));
    if auth.terminator != "aws4_request" {
        return bad("Credential should be scoped with a valid terminator: 'aws4_request'.");
    }
    if auth.service != SIGNING_SERVICE {
        return bad(&format!(
            "Credential should be scoped to correct service: '{SIGNING_SERVICE}'."
        ));
    }
    if auth.region != shared.region {
        return bad(&format!(
            "Credential should be scoped to a valid region, not '{}'.",
            auth.region
        ));
    }
    Ok(())
}

fn check_date(auth: &ParsedAuthorization, headers: &HeaderMap) -> Result<(), Rejection> {
    let raw = header(headers, "x-amz-date").ok_or_else(|| {
        reject(
            400,
            "IncompleteSignatureException",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        )
    })?;
    let date = AmzDate::parse_timestamp(&raw).ok_or_else(|| {
        reject(
            400,
            "IncompleteSignatureException",
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        )
    })?;
    if date.date() != auth.date {
        return Err(reject(403, "InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP."));
    }
    let now = AmzDate::from_system_time(SystemTime::now());
    let skew = date.unix_seconds() - now.unix_seconds();
    if skew < -MAX_SKEW_SECS {
        let floor = AmzDate::from_unix_seconds(now.unix_seconds() - MAX_SKEW_SECS).timestamp();
        let message = format!(
            "Signature expired: {raw} is now earlier than {floor} ({} - 5 min.)",
            now.timestamp()
        );
        return Err(reject(403, "InvalidSignatureException", &message));
    }
    if skew > MAX_SKEW_SECS {
        let ceiling = AmzDate::from_unix_seconds(now.unix_seconds() + MAX_SKEW_SECS).timestamp();
        let message = format!(
            "Signature not yet current: {raw} is still later than {ceiling} ({} + 5 min.)",
            now.timestamp()
        );
        return Err(reject(403, "InvalidSignatureException", &message));
    }
    Ok(())
}

/// `host` and `x-amz-date` must be signed, a sent session token too, and every signed header
/// must be present.
fn check_signed_header_set(
    auth: &ParsedAuthorization,
    headers: &HeaderMap,
) -> Result<(), Rejection> {
    let signed = |name: &str| auth.signed_headers.iter().any(|h| h == name);
    if !signed("host") {
        return Err(reject(
            403,
            "InvalidSignatureException",
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    if !signed("x-amz-date")
        || (headers.contains_key("x-amz-security-token") && !signed("x-amz-security-token"))
    {
        return Err(reject(
            403,
            "InvalidSignatureException",
            "'X-Amz-Date' and 'X-Amz-Security-Token' must be signed headers.",
        ));
    }
    match auth
        .signed_headers
        .iter()
        .find(|h| !headers.contains_key(h.as_str()))
    {
        Some(missing) => Err(reject(
            403,
            "InvalidSignatureException",
            &format!("Signed header '{missing}' is missing from the request."),
        )),
        None => Ok(()),
    }
}

/// The signature AWS would compute for this request as received.
fn recompute_signature(
    shared: &Shared,
    auth: &ParsedAuthorization,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, Rejection> {
    let mut signed: Vec<(String, String)> = Vec::new();
    for name in &auth.signed_headers {
        for value in headers.get_all(name.as_str()) {
            let value = value
                .to_str()
                .map_err(|_| reject(400, "BadRequestException", "Header values must be ASCII"))?;
            signed.push((name.clone(), value.to_owned()));
        }
    }
    let settings = SigningSettings::default();
    let canonical = CanonicalRequest::new(
        method.as_str(),
        &sigv4::canonical_uri(uri.path(), &settings),
        &sigv4::canonical_query(uri.query().unwrap_or("")),
        &signed,
        &sigv4::hex_sha256(body),
    );
    if canonical.signed_headers != auth.signed_headers.join(";") {
        return Err(reject(403, "InvalidSignatureException", SIGNATURE_MISMATCH));
    }
    let amz_date = header(headers, "x-amz-date").unwrap_or_default();
    let scope = sigv4::credential_scope(&auth.date, &auth.region, &auth.service);
    let string_to_sign = sigv4::string_to_sign(&amz_date, &scope, &canonical.text);
    let key = sigv4::signing_key(
        &shared.secret_access_key,
        &auth.date,
        &auth.region,
        &auth.service,
    );
    Ok(sigv4::signature(&key, &string_to_sign))
}

/// Validates the SendEmail body the way SES does for the members we use.
fn parse_email(json: &Value, host: String) -> Result<ReceivedEmail, Rejection> {
    let bad = |m: &str| reject(400, "BadRequestException", m);
    let str_at = |pointer: &str| {
        json.pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let to: Vec<String> = json
        .pointer("/Destination/ToAddresses")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if to.is_empty() || to.iter().any(|t| !t.contains('@')) {
        return Err(bad("Missing final '@domain'"));
    }
    let from = str_at("/FromEmailAddress");
    if from.is_none() && str_at("/FromEmailAddressIdentityArn").is_none() {
        return Err(bad("Missing required parameter FromEmailAddress"));
    }
    let subject = str_at("/Content/Simple/Subject/Data")
        .ok_or_else(|| bad("Missing required parameter Content.Simple.Subject.Data"))?;
    let html = str_at("/Content/Simple/Body/Html/Data");
    let text = str_at("/Content/Simple/Body/Text/Data");
    if html.is_none() && text.is_none() {
        return Err(bad("Missing required parameter Content.Simple.Body"));
    }
    Ok(ReceivedEmail {
        from,
        to,
        subject,
        subject_charset: str_at("/Content/Simple/Subject/Charset"),
        html,
        html_charset: str_at("/Content/Simple/Body/Html/Charset"),
        text,
        configuration_set_name: str_at("/ConfigurationSetName"),
        body: json.clone(),
        host,
    })
}

fn reject(status: u16, error_type: &str, message: &str) -> Rejection {
    Rejection {
        status,
        error_type: error_type.into(),
        message: message.into(),
    }
}

/// rest-json error: `X-Amzn-Errortype` header plus `{"message": …}`.
fn error_response(rejection: &Rejection) -> Response {
    let status =
        StatusCode::from_u16(rejection.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let error_type = format!(
        "{}:http://internal.amazon.com/coral/com.amazonaws.sesv2/",
        rejection.error_type
    );
    (
        status,
        [("x-amzn-errortype", error_type)],
        axum::Json(json!({ "message": rejection.message })),
    )
        .into_response()
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

//! AWS Signature Version 4, header form (`Authorization: AWS4-HMAC-SHA256 …`), written from
//! AWS's published algorithm: canonical request → string to sign → signing key → signature.
//!
//! The path given to the signer is the path as it goes on the wire (already percent-encoded,
//! as `url::Url::path` returns it). For every service but S3 the canonical URI encodes it once
//! more, so `%3D` on the wire becomes `%253D` in the canonical request, as AWS requires.

use std::fmt;
use std::time::SystemTime;

use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

use super::time::AmzDate;

/// The algorithm name in the string to sign and the `Authorization` header.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Everything but SigV4's unreserved characters `A-Z a-z 0-9 - . _ ~` is percent-encoded.
const SIGV4_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// An access key. `Debug` never prints the secret or the session token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Temporary credentials' token, sent (and signed) as `X-Amz-Security-Token`.
    pub session_token: Option<String>,
}

impl Credentials {
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
        }
    }

    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(token.into());
        self
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"******")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "******"),
            )
            .finish()
    }
}

/// Signing options. The defaults are what every AWS service but S3 expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningSettings {
    /// Remove `.`/`..` segments and empty segments from the path before encoding.
    pub normalize_path: bool,
    /// Percent-encode the (already wire-encoded) path once more. False only for S3.
    pub encode_path: bool,
    /// Also send and sign `x-amz-content-sha256` (S3 and a few others need it; SES does not).
    pub sign_payload_header: bool,
    /// Sign `x-amz-security-token` (true); when false the token is added after signing, as a few
    /// services (IoT) require.
    pub sign_session_token: bool,
}

impl Default for SigningSettings {
    fn default() -> Self {
        Self {
            normalize_path: true,
            encode_path: true,
            sign_payload_header: false,
            sign_session_token: true,
        }
    }
}

/// Who signs, where and when.
#[derive(Debug, Clone)]
pub struct SigningParams<'a> {
    pub credentials: &'a Credentials,
    pub region: &'a str,
    pub service: &'a str,
    pub time: SystemTime,
    pub settings: SigningSettings,
}

/// The parts of an HTTP request that are signed. `headers` must include `host` (with `:port`
/// when the port is not the scheme's default), exactly as it will be sent; the signer adds
/// `x-amz-date` (and the token / payload hash headers) itself.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// The headers to add to the request, and the intermediate strings (for tests and debugging;
/// none of them contains the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningOutput {
    /// `(name, value)` pairs to send: `X-Amz-Date`, maybe `X-Amz-Security-Token` and
    /// `x-amz-content-sha256`, and `Authorization`.
    pub headers: Vec<(&'static str, String)>,
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
}

impl SigningOutput {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Signs `request`, returning the headers to add.
pub fn sign(request: &SignableRequest<'_>, params: &SigningParams<'_>) -> SigningOutput {
    let date = AmzDate::from_system_time(params.time);
    let amz_date = date.timestamp();
    let payload_hash = hex_sha256(request.body);
    let added = added_headers(params, &amz_date, &payload_hash);

    let mut signed: Vec<(String, String)> = request.headers.to_vec();
    signed.extend(added.iter().map(|(n, v)| ((*n).to_owned(), v.clone())));
    let canonical = CanonicalRequest::new(
        request.method,
        &canonical_uri(request.path, &params.settings),
        &canonical_query(request.query.unwrap_or("")),
        &signed,
        &payload_hash,
    );
    let scope = credential_scope(&date.date(), params.region, params.service);
    let string_to_sign = string_to_sign(&amz_date, &scope, &canonical.text);
    let key = signing_key(
        &params.credentials.secret_access_key,
        &date.date(),
        params.region,
        params.service,
    );
    let signature = signature(&key, &string_to_sign);

    let mut headers = added;
    if let (Some(token), false) = (
        &params.credentials.session_token,
        params.settings.sign_session_token,
    ) {
        headers.push(("X-Amz-Security-Token", token.clone()));
    }
    headers.push((
        "Authorization",
        authorization_header(
            &params.credentials.access_key_id,
            &scope,
            &canonical.signed_headers,
            &signature,
        ),
    ));
    SigningOutput {
        headers,
        canonical_request: canonical.text,
        string_to_sign,
        signature,
    }
}

/// The headers the signer itself adds before signing.
fn added_headers(
    params: &SigningParams<'_>,
    amz_date: &str,
    payload_hash: &str,
) -> Vec<(&'static str, String)> {
    let mut added = vec![("X-Amz-Date", amz_date.to_owned())];
    if let (Some(token), true) = (
        &params.credentials.session_token,
        params.settings.sign_session_token,
    ) {
        added.push(("X-Amz-Security-Token", token.clone()));
    }
    if params.settings.sign_payload_header {
        added.push(("x-amz-content-sha256", payload_hash.to_owned()));
    }
    added
}

/// A canonical request and its `SignedHeaders` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    pub text: String,
    pub signed_headers: String,
}

impl CanonicalRequest {
    /// Builds the canonical request from an already canonical URI and query string, the headers
    /// to sign (any case, repeated names allowed) and the hex SHA-256 of the body.
    pub fn new(
        method: &str,
        canonical_uri: &str,
        canonical_query: &str,
        headers: &[(String, String)],
        payload_hash: &str,
    ) -> Self {
        let headers = canonical_headers(headers);
        let signed_headers = headers
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(";");
        let header_block: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
        let text = format!("{method}\n{canonical_uri}\n{canonical_query}\n{header_block}\n{signed_headers}\n{payload_hash}");
        Self {
            text,
            signed_headers,
        }
    }
}

/// Lower-cased names, sorted; values trimmed with inner runs of whitespace collapsed to one
/// space; repeated names merged, their values joined with `,` in order.
pub fn canonical_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    let mut sorted: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), collapse_whitespace(v)))
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut merged: Vec<(String, String)> = Vec::with_capacity(sorted.len());
    for (name, value) in sorted {
        match merged.last_mut() {
            Some((last, values)) if *last == name => {
                values.push(',');
                values.push_str(&value);
            }
            _ => merged.push((name, value)),
        }
    }
    merged
}

fn collapse_whitespace(value: &str) -> String {
    value.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

/// The canonical URI of a wire path (see the module docs).
pub fn canonical_uri(path: &str, settings: &SigningSettings) -> String {
    let path = if path.is_empty() { "/" } else { path };
    let path = if settings.normalize_path {
        normalize_path(path)
    } else {
        path.to_owned()
    };
    if !settings.encode_path {
        return path;
    }
    path.split('/')
        .map(|segment| utf8_percent_encode(segment, SIGV4_ENCODE).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// RFC 3986 dot-segment removal plus collapsing of empty segments (`//`), keeping a trailing
/// slash.
fn normalize_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    let mut out = format!("/{}", segments.join("/"));
    if trailing && !segments.is_empty() {
        out.push('/');
    }
    out
}

/// Parameters decoded, re-encoded with SigV4's rules and sorted by name then value; a name
/// without `=` gets an empty value.
pub fn canonical_query(query: &str) -> String {
    let encode = |s: &str| {
        let raw: Vec<u8> = percent_decode_str(s).collect();
        percent_encoding::percent_encode(&raw, SIGV4_ENCODE).to_string()
    };
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (encode(k), encode(v)),
            None => (encode(p), String::new()),
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `date/region/service/aws4_request`.
pub fn credential_scope(date: &str, region: &str, service: &str) -> String {
    format!("{date}/{region}/{service}/aws4_request")
}

pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex_sha256(canonical_request.as_bytes())
    )
}

/// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, b"aws4_request")
}

/// Lower-case hex HMAC-SHA256 of the string to sign.
pub fn signature(signing_key: &[u8; 32], string_to_sign: &str) -> String {
    hex::encode(hmac_sha256(signing_key, string_to_sign.as_bytes()))
}

pub fn authorization_header(
    access_key_id: &str,
    scope: &str,
    signed_headers: &str,
    signature: &str,
) -> String {
    format!("{ALGORITHM} Credential={access_key_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}")
}

pub fn hex_sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// A parsed `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
    pub terminator: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

impl ParsedAuthorization {
    /// `None` unless the header is a complete SigV4 header-auth value.
    pub fn parse(header: &str) -> Option<Self> {
        let rest = header.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
        let (mut credential, mut signed, mut sig) = (None, None, None);
        for part in rest.split(',') {
            let (key, value) = part.trim().split_once('=')?;
            match key {
                "Credential" => credential = Some(value),
                "SignedHeaders" => signed = Some(value),
                "Signature" => sig = Some(value),
                _ => return None,
            }
        }
        let mut scope = credential?.splitn(5, '/');
        let mut next = || scope.next().filter(|s| !s.is_empty()).map(str::to_owned);
        Some(Self {
            access_key_id: next()?,
            date: next()?,
            region: next()?,
            service: next()?,
            terminator: next()?,
            signed_headers: signed?.split(';').map(str::to_owned).collect(),
            signature: sig?.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ses_params(credentials: &Credentials) -> SigningParams<'_> {
        SigningParams {
            credentials,
            region: "us-east-1",
            service: "ses",
            time: AmzDate::from_unix_seconds(1_440_938_160).to_system_time(),
            settings: SigningSettings::default(),
        }
    }

    /// The SES golden vector from the reference notes (cross-checked there with botocore,
    /// aws-sigv4 and an independent signer).
    #[test]
    fn ses_send_email_golden_vector() {
        let body = br#"{"Content":{"Simple":{"Body":{"Html":{"Data":"Your code is 123456"}},"Subject":{"Charset":"utf8","Data":"Sign-in code"}}},"Destination":{"ToAddresses":["to@example.com"]},"FromEmailAddress":"noreply@example.com"}"#;
        assert_eq!(body.len(), 212);
        let credentials =
            Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        let headers = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            (
                "Host".to_owned(),
                "email.us-east-1.amazonaws.com".to_owned(),
            ),
        ];
        let request = SignableRequest {
            method: "POST",
            path: "/v2/email/outbound-emails",
            query: None,
            headers: &headers,
            body,
        };
        let out = sign(&request, &ses_params(&credentials));
        assert_eq!(
            out.canonical_request,
            "POST\n/v2/email/outbound-emails\n\ncontent-type:application/json\nhost:email.us-east-1.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\nd5e83a85c347178b66e33e9cad29e28fea968e3ecf1a2a5bd12ca28f710e9ecc"
        );
        assert_eq!(
            out.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/ses/aws4_request\nd35e0dac6e7a3f61ee45ab45003bd01fe0809132a73d67f0ed7c73bb45400458"
        );
        assert_eq!(
            out.header("authorization"),
            Some("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ses/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=c1b77144fc2eceb8c566d40cfdbffb14afbb71fbef54757e61dea4e1b6f8ebc6")
        );
        assert_eq!(out.header("x-amz-date"), Some("20150830T123600Z"));
    }

    #[test]
    fn wire_path_is_encoded_again() {
        let s = SigningSettings::default();
        assert_eq!(
            canonical_uri("/test/@connections/JBDvjfGEIAMCERw%3D", &s),
            "/test/%40connections/JBDvjfGEIAMCERw%253D"
        );
        assert_eq!(canonical_uri("", &s), "/");
        let s3 = SigningSettings {
            normalize_path: false,
            encode_path: false,
            ..s
        };
        assert_eq!(canonical_uri("/a//b/../%3D", &s3), "/a//b/../%3D");
    }

    #[test]
    fn normalizes_dot_segments() {
        assert_eq!(normalize_path("/a/b/.."), "/a/");
        assert_eq!(normalize_path("/a/./b//c"), "/a/b/c");
        assert_eq!(normalize_path("/../.."), "/");
    }

    #[test]
    fn query_sorted_and_reencoded() {
        assert_eq!(canonical_query("b=2&a=1&a=0&c"), "a=0&a=1&b=2&c=");
        assert_eq!(canonical_query("k=a b&x=%7e"), "k=a%20b&x=~");
    }

    #[test]
    fn parses_authorization() {
        let p = ParsedAuthorization::parse(
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/ses/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
        );
        assert_eq!(
            p.as_ref().map(|p| (
                p.region.as_str(),
                p.signed_headers.len(),
                p.signature.as_str()
            )),
            Some(("us-east-1", 2, "abc"))
        );
        assert_eq!(
            ParsedAuthorization::parse(
                "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1, Signature=x"
            ),
            None
        );
        assert_eq!(ParsedAuthorization::parse("Bearer x"), None);
    }

    #[test]
    fn debug_hides_secrets() {
        let c = Credentials::new("AKID", "topsecret").with_session_token("tok");
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("topsecret") && !shown.contains("tok\""),
            "{shown}"
        );
    }
}

//! Our SigV4 signer against every header-signing case of AWS's published test suite
//! (`tests/fixtures/aws-sigv4-test-suite`, Apache-2.0, copied from awslabs/aws-c-auth).
//!
//! For each case the request is rebuilt from `request.txt` (method, the path exactly as
//! written, query, headers in order with folded lines joined by a space, body) and the
//! options from `context.json` (credentials and session token, region, service, time,
//! `normalize`, `sign_body`, `omit_session_token`). The canonical request, the string to sign,
//! the signature and the headers of the signed request must all match byte for byte.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sesame_connectors::aws::sigv4::{
    self, Credentials, SignableRequest, SigningParams, SigningSettings,
};
use sesame_connectors::aws::time::AmzDate;

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aws-sigv4-test-suite/v4")
}

fn read(case: &str, file: &str) -> String {
    let path = suite_dir().join(case).join(file);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A request parsed from `request.txt`.
struct SuiteRequest {
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// `METHOD <path, may contain spaces> HTTP/1.1`, headers (a line starting with whitespace
/// continues the previous value), an empty line, the body.
fn parse_request(text: &str) -> SuiteRequest {
    let (head, body) = match text.split_once("\n\n") {
        Some((h, b)) => (h, b.as_bytes().to_vec()),
        None => (text.trim_end_matches('\n'), Vec::new()),
    };
    let mut lines = head.lines();
    let request_line = lines.next().expect("request line");
    let (method, rest) = request_line.split_once(' ').expect("method");
    let target = rest.rsplit_once(' ').expect("HTTP version").0;
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (target.to_owned(), None),
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().expect("continuation after a header");
            last.1 = format!("{} {}", last.1, line.trim());
        } else {
            let (name, value) = line.split_once(':').expect("header");
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    SuiteRequest {
        method: method.to_owned(),
        path,
        query,
        headers,
        body,
    }
}

/// The headers of `header-signed-request.txt` (parsed like `request.txt`), as `name:value`.
fn signed_request_headers(text: &str) -> BTreeSet<String> {
    parse_request(text)
        .headers
        .iter()
        .map(|(n, v)| format!("{n}:{v}"))
        .collect()
}

fn run_case(case: &str) {
    let context: Value = serde_json::from_str(&read(case, "context.json")).expect("context.json");
    let request = parse_request(&read(case, "request.txt"));
    let creds = &context["credentials"];
    let mut credentials = Credentials::new(
        creds["access_key_id"].as_str().expect("access_key_id"),
        creds["secret_access_key"]
            .as_str()
            .expect("secret_access_key"),
    );
    if let Some(token) = creds["token"].as_str() {
        credentials = credentials.with_session_token(token);
    }
    let time =
        AmzDate::parse_rfc3339(context["timestamp"].as_str().expect("timestamp")).expect("time");
    let flag = |name: &str| context[name].as_bool().unwrap_or(false);
    let params = SigningParams {
        credentials: &credentials,
        region: context["region"].as_str().expect("region"),
        service: context["service"].as_str().expect("service"),
        time: time.to_system_time(),
        settings: SigningSettings {
            normalize_path: flag("normalize"),
            encode_path: true,
            sign_payload_header: flag("sign_body"),
            sign_session_token: !flag("omit_session_token"),
        },
    };
    let signable = SignableRequest {
        method: &request.method,
        path: &request.path,
        query: request.query.as_deref(),
        headers: &request.headers,
        body: &request.body,
    };
    let out = sigv4::sign(&signable, &params);

    assert_eq!(
        out.canonical_request,
        read(case, "header-canonical-request.txt"),
        "{case}: canonical request"
    );
    assert_eq!(
        out.string_to_sign,
        read(case, "header-string-to-sign.txt"),
        "{case}: string to sign"
    );
    assert_eq!(
        out.signature,
        read(case, "header-signature.txt").trim_end(),
        "{case}: signature"
    );

    let mut sent: BTreeSet<String> = request
        .headers
        .iter()
        .map(|(n, v)| format!("{n}:{v}"))
        .collect();
    sent.extend(out.headers.iter().map(|(n, v)| format!("{n}:{v}")));
    let expected = signed_request_headers(&read(case, "header-signed-request.txt"));
    assert_eq!(sent, expected, "{case}: signed request headers");
}

macro_rules! suite_cases {
    ($($test:ident => $case:literal,)*) => {
        $(
            #[test]
            fn $test() {
                run_case($case);
            }
        )*

        /// Every case folder in the fixtures has a test above (none is silently skipped).
        #[test]
        fn every_fixture_case_is_tested() {
            let listed: BTreeSet<&str> = [$($case),*].into_iter().collect();
            let on_disk: BTreeSet<String> = fs::read_dir(suite_dir())
                .expect("suite dir")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            let on_disk: BTreeSet<&str> = on_disk.iter().map(String::as_str).collect();
            assert_eq!(listed, on_disk);
        }
    };
}

suite_cases! {
    get_header_key_duplicate => "get-header-key-duplicate",
    get_header_value_multiline => "get-header-value-multiline",
    get_header_value_order => "get-header-value-order",
    get_header_value_trim => "get-header-value-trim",
    get_relative_normalized => "get-relative-normalized",
    get_relative_relative_normalized => "get-relative-relative-normalized",
    get_relative_relative_unnormalized => "get-relative-relative-unnormalized",
    get_relative_unnormalized => "get-relative-unnormalized",
    get_slash_dot_slash_normalized => "get-slash-dot-slash-normalized",
    get_slash_dot_slash_unnormalized => "get-slash-dot-slash-unnormalized",
    get_slash_normalized => "get-slash-normalized",
    get_slash_pointless_dot_normalized => "get-slash-pointless-dot-normalized",
    get_slash_pointless_dot_unnormalized => "get-slash-pointless-dot-unnormalized",
    get_slash_unnormalized => "get-slash-unnormalized",
    get_slashes_normalized => "get-slashes-normalized",
    get_slashes_unnormalized => "get-slashes-unnormalized",
    get_space_normalized => "get-space-normalized",
    get_space_unnormalized => "get-space-unnormalized",
    get_unreserved => "get-unreserved",
    get_utf8 => "get-utf8",
    get_vanilla => "get-vanilla",
    get_vanilla_empty_query_key => "get-vanilla-empty-query-key",
    get_vanilla_query => "get-vanilla-query",
    get_vanilla_query_order_encoded => "get-vanilla-query-order-encoded",
    get_vanilla_query_order_key_case => "get-vanilla-query-order-key-case",
    get_vanilla_query_unreserved => "get-vanilla-query-unreserved",
    get_vanilla_utf8_query => "get-vanilla-utf8-query",
    get_vanilla_with_session_token => "get-vanilla-with-session-token",
    post_header_key_case => "post-header-key-case",
    post_header_key_sort => "post-header-key-sort",
    post_header_value_case => "post-header-value-case",
    post_sts_header_after => "post-sts-header-after",
    post_sts_header_before => "post-sts-header-before",
    post_vanilla => "post-vanilla",
    post_vanilla_empty_query_value => "post-vanilla-empty-query-value",
    post_vanilla_query => "post-vanilla-query",
    post_x_www_form_urlencoded => "post-x-www-form-urlencoded",
    post_x_www_form_urlencoded_parameters => "post-x-www-form-urlencoded-parameters",
}

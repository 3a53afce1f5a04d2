//! Talking to upstreams: bounded body reads, transport errors, and logging of failed
//! responses (truncated, at `warn`) so that nothing upstream-sized ends up in an error message.

use reqwest::header::HeaderMap;
use reqwest::{Response, StatusCode};

use crate::error::{truncate, ConnectorError};

/// Upstream bodies larger than this are refused (ours are a few hundred bytes).
const MAX_BODY_BYTES: usize = 1 << 20;

/// How much of a failed response's body is logged.
const LOGGED_BODY_CHARS: usize = 512;

/// A whole upstream response.
#[derive(Debug)]
pub(crate) struct UpstreamResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl UpstreamResponse {
    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// Logs a failed response: status and a truncated body, never the request.
    pub fn log_failure(&self, provider: &str, what: &str) {
        tracing::warn!(
            provider,
            status = self.status.as_u16(),
            body = %truncate(&self.body, LOGGED_BODY_CHARS),
            "{what} failed"
        );
    }

    /// Seconds to wait from `Retry-After` or a JSON `retry_after` (Discord), rounded up.
    pub fn retry_after_secs(&self) -> Option<u64> {
        let header = self
            .headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok());
        let parsed = header.and_then(|h| h.trim().parse::<f64>().ok());
        let from_body = || {
            self.json()
                .and_then(|j| j.get("retry_after").and_then(serde_json::Value::as_f64))
        };
        parsed
            .or_else(from_body)
            .filter(|s| s.is_finite() && *s >= 0.0 && *s < 86_400.0)
            .map(|s| s.ceil() as u64)
    }
}

/// Reads the response, refusing bodies over 1 MiB.
pub(crate) async fn read(
    provider: &str,
    mut response: Response,
) -> Result<UpstreamResponse, ConnectorError> {
    let status = response.status();
    let headers = response.headers().clone();
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(provider, &e))?
    {
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            tracing::warn!(
                provider,
                status = status.as_u16(),
                "upstream response body too large"
            );
            return Err(ConnectorError::invalid_response(format!(
                "{provider} sent an oversized response."
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(UpstreamResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

/// A request that got no complete answer: timeout (504) or unreachable (502), both retryable.
pub(crate) fn transport_error(provider: &str, error: &reqwest::Error) -> ConnectorError {
    // reqwest errors name the URL and the cause; neither carries a secret, but they stay in logs.
    tracing::warn!(provider, error = %error, "upstream request failed");
    if error.is_timeout() {
        ConnectorError::upstream_unavailable(
            504,
            format!("{provider} did not answer in time; try again later."),
        )
    } else {
        ConnectorError::upstream_unavailable(
            502,
            format!("Could not reach {provider}; try again later."),
        )
    }
}

/// An upstream 5xx: 503 when it said so, else 502; the message says to try again.
pub(crate) fn server_error(
    provider: &str,
    status: StatusCode,
    detail: Option<&str>,
) -> ConnectorError {
    let hint = if status == StatusCode::SERVICE_UNAVAILABLE {
        503
    } else {
        502
    };
    let detail = detail.map(|d| format!(" {d}")).unwrap_or_default();
    ConnectorError::upstream_unavailable(
        hint,
        format!(
            "{provider} is temporarily unavailable (HTTP {}{detail}); try again later.",
            status.as_u16()
        ),
    )
}

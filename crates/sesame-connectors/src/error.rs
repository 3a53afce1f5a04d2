//! `ConnectorError`: a Logto connector error code, a message that is safe to show and log,
//! and an HTTP status hint for the edge.

use std::fmt;

use serde::Serialize;

/// The longest upstream text (an AWS `message`, a Discord `error_description`) ever copied into
/// an error message. Whole upstream bodies are never copied; they go to `tracing` truncated.
pub(crate) const MAX_UPSTREAM_TEXT: usize = 200;

/// Logto's `ConnectorErrorCodes` (connector-kit), serialized as the snake_case suffix of the
/// API code (`connector.<suffix>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectorErrorCode {
    General,
    InvalidMetadata,
    UnexpectedType,
    InvalidConfigGuard,
    InvalidRequestParameters,
    InsufficientRequestParameters,
    InvalidConfig,
    InvalidCertificate,
    InvalidResponse,
    TemplateNotFound,
    TemplateNotSupported,
    RateLimitExceeded,
    UsageLimitExceeded,
    NotImplemented,
    SocialAuthCodeInvalid,
    SocialInvalidAccessToken,
    SocialInvalidIdToken,
    AuthorizationFailed,
}

impl ConnectorErrorCode {
    /// The suffix, e.g. `invalid_config`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::General => "general",
            Self::InvalidMetadata => "invalid_metadata",
            Self::UnexpectedType => "unexpected_type",
            Self::InvalidConfigGuard => "invalid_config_guard",
            Self::InvalidRequestParameters => "invalid_request_parameters",
            Self::InsufficientRequestParameters => "insufficient_request_parameters",
            Self::InvalidConfig => "invalid_config",
            Self::InvalidCertificate => "invalid_certificate",
            Self::InvalidResponse => "invalid_response",
            Self::TemplateNotFound => "template_not_found",
            Self::TemplateNotSupported => "template_not_supported",
            Self::RateLimitExceeded => "rate_limit_exceeded",
            Self::UsageLimitExceeded => "usage_limit_exceeded",
            Self::NotImplemented => "not_implemented",
            Self::SocialAuthCodeInvalid => "social_auth_code_invalid",
            Self::SocialInvalidAccessToken => "social_invalid_access_token",
            Self::SocialInvalidIdToken => "social_invalid_id_token",
            Self::AuthorizationFailed => "authorization_failed",
        }
    }

    /// The Logto API error code, e.g. `connector.invalid_config`.
    pub fn logto_code(self) -> String {
        format!("connector.{}", self.as_str())
    }

    /// The status Logto's core answers with for this code when nothing more specific applies.
    pub fn default_status(self) -> u16 {
        match self {
            Self::SocialAuthCodeInvalid
            | Self::SocialInvalidAccessToken
            | Self::SocialInvalidIdToken
            | Self::AuthorizationFailed => 401,
            Self::RateLimitExceeded | Self::UsageLimitExceeded => 429,
            Self::NotImplemented => 501,
            _ => 400,
        }
    }
}

impl fmt::Display for ConnectorErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "connector.{}", self.as_str())
    }
}

/// A connector failure. `Display` is the message only: it never carries a secret or a whole
/// upstream body, so it can be returned to clients and logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConnectorError {
    code: ConnectorErrorCode,
    message: String,
    status: u16,
}

impl ConnectorError {
    /// An error with the code's default status.
    pub fn new(code: ConnectorErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            status: code.default_status(),
        }
    }

    /// Overrides the HTTP status hint (e.g. 502/503 for an upstream outage).
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub fn invalid_config(message: impl Into<String>) -> Self {
        Self::new(ConnectorErrorCode::InvalidConfig, message)
    }

    pub fn general(message: impl Into<String>) -> Self {
        Self::new(ConnectorErrorCode::General, message)
    }

    pub fn invalid_response(message: impl Into<String>) -> Self {
        Self::new(ConnectorErrorCode::InvalidResponse, message)
    }

    /// An upstream that is down, overloaded or unreachable: `connector.general` with the given
    /// 5xx status, and a message that says to try again.
    pub fn upstream_unavailable(status: u16, message: impl Into<String>) -> Self {
        Self::general(message).with_status(status)
    }

    pub fn code(&self) -> ConnectorErrorCode {
        self.code
    }

    /// The Logto API code, e.g. `connector.social_auth_code_invalid`.
    pub fn logto_code(&self) -> String {
        self.code.logto_code()
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status the edge should answer with.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether the same request may succeed later (rate limits and upstream outages).
    pub fn is_retryable(&self) -> bool {
        matches!(self.status, 429 | 502 | 503 | 504)
    }
}

/// Cuts `text` to at most `max` characters, marking the cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_follow_logto() {
        let e = ConnectorError::new(ConnectorErrorCode::SocialAuthCodeInvalid, "bad code");
        assert_eq!(e.logto_code(), "connector.social_auth_code_invalid");
        assert_eq!(e.status(), 401);
        assert_eq!(ConnectorErrorCode::RateLimitExceeded.default_status(), 429);
        assert_eq!(ConnectorErrorCode::NotImplemented.default_status(), 501);
        assert_eq!(ConnectorErrorCode::InvalidConfig.default_status(), 400);
        assert_eq!(e.to_string(), "bad code");
        assert_eq!(
            serde_json::to_value(ConnectorErrorCode::TemplateNotFound).ok(),
            Some(serde_json::json!("template_not_found"))
        );
    }

    #[test]
    fn retryable_follows_status() {
        assert!(ConnectorError::upstream_unavailable(503, "x").is_retryable());
        assert!(!ConnectorError::invalid_config("x").is_retryable());
    }

    #[test]
    fn truncate_counts_characters() {
        assert_eq!(truncate("héllo", 10), "héllo");
        assert_eq!(truncate("héllo", 2), "hé…");
    }
}

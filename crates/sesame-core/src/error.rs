//! Errors with protocol meaning. The HTTP edge only chooses the response shape.

use std::borrow::Cow;

use serde_json::Value;

use crate::store::StoreError;

/// An OAuth 2.0 / OIDC error (RFC 6749 §5.2 names). The edge adds Logto's `code: "oidc.<error>"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcError {
    pub error: &'static str,
    pub description: Cow<'static, str>,
    pub status: u16,
}

macro_rules! oidc_errors {
    ($($name:ident => ($error:literal, $status:literal)),* $(,)?) => {
        impl OidcError {
            $(
                pub fn $name(description: impl Into<Cow<'static, str>>) -> Self {
                    Self { error: $error, description: description.into(), status: $status }
                }
            )*
        }
    };
}

oidc_errors! {
    invalid_request => ("invalid_request", 400),
    invalid_client => ("invalid_client", 401),
    invalid_grant => ("invalid_grant", 400),
    unauthorized_client => ("unauthorized_client", 400),
    unsupported_grant_type => ("unsupported_grant_type", 400),
    unsupported_response_type => ("unsupported_response_type", 400),
    invalid_scope => ("invalid_scope", 400),
    invalid_target => ("invalid_target", 400),
    login_required => ("login_required", 400),
    access_denied => ("access_denied", 403),
    invalid_token => ("invalid_token", 401),
    insufficient_scope => ("insufficient_scope", 403),
    unsupported_token_type => ("unsupported_token_type", 400),
    server_error => ("server_error", 500),
}

impl From<StoreError> for OidcError {
    fn from(err: StoreError) -> Self {
        tracing::error!(error = %err, "store failure during an OIDC request");
        Self::server_error("oops! something went wrong")
    }
}

/// A Logto API error: `{code, message, data?}` with an HTTP status.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: Cow<'static, str>,
    pub message: Cow<'static, str>,
    pub data: Option<Value>,
}

impl ApiError {
    pub fn new(status: u16, code: impl Into<Cow<'static, str>>, message: impl Into<Cow<'static, str>>) -> Self {
        Self { status, code: code.into(), message: message.into(), data: None }
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    pub fn invalid_input(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(400, codes::GUARD_INVALID_INPUT, message)
    }

    pub fn internal() -> Self {
        Self::new(500, codes::INTERNAL, "Internal server error.")
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        tracing::error!(error = %err, "store failure during an API request");
        Self::internal()
    }
}

impl From<crate::crypto::password::PasswordError> for ApiError {
    fn from(err: crate::crypto::password::PasswordError) -> Self {
        tracing::error!(error = %err, "password worker failure");
        Self::internal()
    }
}

impl From<sesame_connectors::ConnectorError> for ApiError {
    /// Connector messages are written for users and never hold secrets or upstream bodies.
    fn from(err: sesame_connectors::ConnectorError) -> Self {
        Self::new(err.status(), err.logto_code(), err.message().to_owned())
    }
}

/// Logto's error codes, one home for all of them.
pub mod codes {
    pub const GUARD_INVALID_INPUT: &str = "guard.invalid_input";
    pub const INTERNAL: &str = "internal_server_error";
    pub const AUTH_UNAUTHORIZED: &str = "auth.unauthorized";
    pub const AUTH_FORBIDDEN: &str = "auth.forbidden";
    pub const ENTITY_NOT_FOUND: &str = "entity.not_found";
    pub const ENTITY_UNIQUE_VIOLATION: &str = "entity.unique_integrity_violation";
    pub const GUARD_INVALID_PAGINATION: &str = "guard.invalid_pagination";
    pub const SESSION_NOT_FOUND: &str = "session.not_found";
    pub const SESSION_INVALID_CREDENTIALS: &str = "session.invalid_credentials";
    pub const SESSION_VERIFICATION_NOT_FOUND: &str = "session.verification_session_not_found";
    pub const SESSION_IDENTIFIER_NOT_FOUND: &str = "session.identifier_not_found";
    pub const SESSION_VERIFICATION_FAILED: &str = "session.verification_failed";
    pub const SESSION_INTERACTION_EVENT_NOT_SET: &str = "session.interaction_not_found";
    pub const USER_SUSPENDED: &str = "user.suspended";
    pub const USER_NOT_EXIST: &str = "user.user_not_exist";
    pub const USER_USERNAME_IN_USE: &str = "user.username_already_in_use";
    pub const USER_EMAIL_IN_USE: &str = "user.email_already_in_use";
    pub const USER_PHONE_IN_USE: &str = "user.phone_already_in_use";
    pub const USER_MISSING_PROFILE: &str = "user.missing_profile";
    pub const USER_INVALID_USERNAME: &str = "user.invalid_username";
    pub const PASSWORD_REJECTED: &str = "password.rejected";
    pub const USER_SIGN_IN_METHOD_NOT_ENABLED: &str = "user.sign_in_method_not_enabled";
    pub const USER_SIGN_UP_METHOD_NOT_ENABLED: &str = "user.sign_up_method_not_enabled";
    pub const USER_SAME_PASSWORD: &str = "user.same_password";
    pub const CONNECTOR_NOT_FOUND: &str = "connector.not_found";
    pub const REQUEST_MESSAGE_RATE_LIMITED: &str = "request.message_rate_limited";
    pub const VERIFICATION_CODE_EXPIRED: &str = "verification_code.expired";
    pub const VERIFICATION_CODE_EXCEED_MAX_TRY: &str = "verification_code.exceed_max_try";
    pub const VERIFICATION_CODE_MISMATCH: &str = "verification_code.code_mismatch";
    pub const VERIFICATION_CODE_EMAIL_MISMATCH: &str = "verification_code.email_mismatch";
    pub const VERIFICATION_CODE_PHONE_MISMATCH: &str = "verification_code.phone_mismatch";
    pub const USER_IDENTITY_NOT_EXIST: &str = "user.identity_not_exist";
    pub const USER_IDENTITY_ALREADY_IN_USE: &str = "user.identity_already_in_use";
    pub const SESSION_INSUFFICIENT_INFO: &str = "session.insufficient_info";
    pub const SESSION_CONNECTOR_VALIDATION_SESSION_NOT_FOUND: &str = "session.connector_validation_session_not_found";
    pub const SESSION_NOT_SUPPORTED_FOR_FORGOT_PASSWORD: &str = "session.not_supported_for_forgot_password";
    pub const CONNECTOR_UNEXPECTED_TYPE: &str = "connector.unexpected_type";
}

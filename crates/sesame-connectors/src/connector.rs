//! The connector traits (email, social), their results, and the options every connector is
//! built with (HTTP client, clock, upstream endpoints).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::discord::DiscordEndpoints;
use crate::error::ConnectorError;
use crate::template::{MessagePayload, TemplateType};

/// Sends verification codes by email (Logto's `EmailConnector.sendMessage`).
#[async_trait]
pub trait EmailConnector: Send + Sync {
    /// The factory id, e.g. `aws-ses-mail`.
    fn factory_id(&self) -> &'static str;

    /// Picks the template for `usage_type` (else `Generic`), fills in the payload and sends it.
    async fn send_message(
        &self,
        to: &str,
        usage_type: TemplateType,
        payload: &MessagePayload,
    ) -> Result<SentMessage, ConnectorError>;
}

/// What the provider said about an accepted message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SentMessage {
    /// The provider's id for the message (SES `MessageId`), for logs.
    pub provider_message_id: Option<String>,
}

/// Signs users in with a third-party identity provider (Logto's `SocialConnector`).
#[async_trait]
pub trait SocialConnector: Send + Sync {
    /// The factory id, e.g. `discord-universal`.
    fn factory_id(&self) -> &'static str;

    /// The provider's authorization URL the browser is sent to.
    fn authorization_uri(&self, state: &str, redirect_uri: &str) -> Result<String, ConnectorError>;

    /// Exchanges the callback data (`{code, state?, redirectUri, error?, …}`, Logto's
    /// `connectorData`) for the user's profile.
    async fn user_info(&self, callback: &Value) -> Result<SocialUserInfo, ConnectorError>;
}

/// Logto's `SocialUserInfo`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SocialUserInfo {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_data: Option<Value>,
}

/// Where a connector gets the current time (SigV4 timestamps).
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> SystemTime + Send + Sync>);

impl Clock {
    pub fn system() -> Self {
        Self(Arc::new(SystemTime::now))
    }

    pub fn from_fn(now: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    /// A clock stopped at `time`.
    pub fn fixed(time: SystemTime) -> Self {
        Self::from_fn(move || time)
    }

    pub fn now(&self) -> SystemTime {
        (self.0)()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// How connectors reach their upstreams. None of this is part of a stored config: endpoints
/// are overridden only by the server's own settings (tests, private endpoints), never by an
/// admin-editable config, so credentials cannot be redirected elsewhere through the API.
#[derive(Debug, Clone)]
pub struct ConnectorOptions {
    /// Shared client: a total timeout per request, no redirects followed, rustls.
    pub http: reqwest::Client,
    pub clock: Clock,
    /// Replaces `https://email.{region}.amazonaws.com` for SES (the path `/v2/email/…` is
    /// appended to it). SigV4 still signs with the configured region and signs the actual host.
    pub ses_base_url: Option<Url>,
    pub discord: DiscordEndpoints,
}

/// The timeout of one upstream request (connect, send, read the whole body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

impl ConnectorOptions {
    /// Real endpoints, the system clock and a new HTTP client.
    pub fn new() -> Result<Self, ConnectorError> {
        Ok(Self {
            http: default_http_client(DEFAULT_TIMEOUT)?,
            clock: Clock::system(),
            ses_base_url: None,
            discord: DiscordEndpoints::default(),
        })
    }

    pub fn with_ses_base_url(mut self, base_url: Url) -> Self {
        self.ses_base_url = Some(base_url);
        self
    }

    pub fn with_discord_endpoints(mut self, endpoints: DiscordEndpoints) -> Self {
        self.discord = endpoints;
        self
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }
}

/// The client connectors use unless given one: `timeout`, no redirects, a `User-Agent`.
pub fn default_http_client(timeout: Duration) -> Result<reqwest::Client, ConnectorError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("sesame-connectors/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            tracing::error!(error = %e, "could not build the connectors' HTTP client");
            ConnectorError::general("Could not initialize the HTTP client.").with_status(500)
        })
}

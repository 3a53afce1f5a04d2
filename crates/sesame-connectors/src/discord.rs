//! The Discord social connector (`discord-universal`): OAuth 2.0 authorization code flow with
//! `client_secret_post`, then `GET /users/@me`, mapped like Logto's connector.

use async_trait::async_trait;
use reqwest::StatusCode;
use serde_json::Value;
use url::Url;

use crate::config::{Fields, Secret};
use crate::connector::{ConnectorOptions, SocialConnector, SocialUserInfo};
use crate::error::{truncate, ConnectorError, ConnectorErrorCode, MAX_UPSTREAM_TEXT};
use crate::factory::{
    phrases, svg_data_url, ConnectorFactory, ConnectorPlatform, ConnectorType, FormItem,
    FormItemType,
};
use crate::upstream::{self, UpstreamResponse};

pub const FACTORY_ID: &str = "discord-universal";
pub const TARGET: &str = "discord";
pub const DEFAULT_SCOPE: &str = "identify email";
const PROVIDER: &str = "Discord";

/// Discord's URLs. Tests point them at a fake with [`DiscordEndpoints::under`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscordEndpoints {
    pub authorize: Url,
    pub token: Url,
    pub user_info: Url,
    /// Avatar URLs are `{avatar_base}{user id}/{hash}`; never fetched by the connector.
    pub avatar_base: String,
}

const AUTHORIZE_PATH: &str = "oauth2/authorize";
const TOKEN_PATH: &str = "api/v10/oauth2/token";
const USER_INFO_PATH: &str = "api/v10/users/@me";
const AVATAR_BASE: &str = "https://cdn.discordapp.com/avatars/";

impl DiscordEndpoints {
    /// `{base}oauth2/authorize`, `{base}api/v10/oauth2/token`, `{base}api/v10/users/@me`
    /// (avatar URLs keep pointing at Discord's CDN).
    pub fn under(base: &Url) -> Result<Self, url::ParseError> {
        let mut base = base.clone();
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        Ok(Self {
            authorize: base.join(AUTHORIZE_PATH)?,
            token: base.join(TOKEN_PATH)?,
            user_info: base.join(USER_INFO_PATH)?,
            avatar_base: AVATAR_BASE.into(),
        })
    }
}

impl Default for DiscordEndpoints {
    fn default() -> Self {
        let real = |s: &str| Url::parse(s).unwrap_or_else(|_| unreachable!("constant URL {s}"));
        Self {
            authorize: real("https://discord.com/oauth2/authorize"),
            token: real("https://discord.com/api/v10/oauth2/token"),
            user_info: real("https://discord.com/api/v10/users/@me"),
            avatar_base: AVATAR_BASE.into(),
        }
    }
}

/// A validated `discord-universal` config (Logto's guard: `clientId`, `clientSecret`, `scope?`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscordConfig {
    pub client_id: String,
    pub client_secret: Secret,
    pub scope: Option<String>,
}

impl DiscordConfig {
    pub fn parse(config: &Value) -> Result<Self, ConnectorError> {
        let f = Fields::root(config)?;
        Ok(Self {
            client_id: f.string("clientId")?,
            client_secret: Secret::new(f.string("clientSecret")?),
            scope: f.optional_string("scope")?,
        })
    }

    /// The configured scope, or `identify email`.
    pub fn scope(&self) -> &str {
        self.scope.as_deref().unwrap_or(DEFAULT_SCOPE)
    }
}

/// The `discord-universal` connector.
#[derive(Debug, Clone)]
pub struct DiscordConnector {
    config: DiscordConfig,
    endpoints: DiscordEndpoints,
    http: reqwest::Client,
}

impl DiscordConnector {
    pub fn new(config: &Value, options: &ConnectorOptions) -> Result<Self, ConnectorError> {
        Ok(Self {
            config: DiscordConfig::parse(config)?,
            endpoints: options.discord.clone(),
            http: options.http.clone(),
        })
    }

    pub fn config(&self) -> &DiscordConfig {
        &self.config
    }

    /// `POST /oauth2/token` (form, `client_secret_post`) → the access token.
    async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
    ) -> Result<String, ConnectorError> {
        let form = [
            ("client_id", self.config.client_id.as_str()),
            ("client_secret", self.config.client_secret.expose()),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
        ];
        let sent = self
            .http
            .post(self.endpoints.token.clone())
            .form(&form)
            .send()
            .await;
        let response = upstream::read(
            PROVIDER,
            sent.map_err(|e| upstream::transport_error(PROVIDER, &e))?,
        )
        .await?;
        if !response.status.is_success() {
            response.log_failure(PROVIDER, "token exchange");
            return Err(token_error(&response));
        }
        access_token(&response)
    }

    /// `GET /users/@me` with the bearer token → the profile JSON.
    async fn fetch_profile(&self, access_token: &str) -> Result<Value, ConnectorError> {
        let sent = self
            .http
            .get(self.endpoints.user_info.clone())
            .bearer_auth(access_token)
            .send()
            .await;
        let response = upstream::read(
            PROVIDER,
            sent.map_err(|e| upstream::transport_error(PROVIDER, &e))?,
        )
        .await?;
        if !response.status.is_success() {
            response.log_failure(PROVIDER, "user info request");
            return Err(profile_error(&response));
        }
        response.json().ok_or_else(|| {
            ConnectorError::invalid_response("Discord's user info response is not JSON.")
        })
    }

    fn avatar_url(&self, id: &str, hash: &str) -> String {
        format!("{}{id}/{hash}", self.endpoints.avatar_base)
    }

    /// Logto's mapping: `name` = `username`, the avatar URL without extension (none when
    /// there is no avatar), `email` only when `verified` is true; empty strings count as absent.
    pub fn map_profile(&self, profile: Value) -> Result<SocialUserInfo, ConnectorError> {
        let text = |key: &str| {
            profile
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let id = text("id")
            .ok_or_else(|| ConnectorError::invalid_response("Discord's user info has no `id`."))?;
        let verified = profile.get("verified").and_then(Value::as_bool) == Some(true);
        Ok(SocialUserInfo {
            name: text("username"),
            avatar: text("avatar").map(|hash| self.avatar_url(&id, &hash)),
            email: text("email").filter(|_| verified),
            phone: None,
            id,
            raw_data: Some(profile),
        })
    }
}

#[async_trait]
impl SocialConnector for DiscordConnector {
    fn factory_id(&self) -> &'static str {
        FACTORY_ID
    }

    /// `client_id, redirect_uri, response_type=code, scope, state`, form-encoded in that order
    /// (byte-identical to Logto's URL).
    fn authorization_uri(&self, state: &str, redirect_uri: &str) -> Result<String, ConnectorError> {
        let mut url = self.endpoints.authorize.clone();
        url.query_pairs_mut()
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("scope", self.config.scope())
            .append_pair("state", state);
        Ok(url.into())
    }

    async fn user_info(&self, callback: &Value) -> Result<SocialUserInfo, ConnectorError> {
        let (code, redirect_uri) = parse_callback(callback)?;
        let token = self.exchange_code(&code, &redirect_uri).await?;
        let profile = self.fetch_profile(&token).await?;
        self.map_profile(profile)
    }
}

/// `{code, redirectUri}` out of the callback data; an `error` from Discord (the user pressed
/// "Cancel": `access_denied`) is `connector.authorization_failed`.
pub fn parse_callback(callback: &Value) -> Result<(String, String), ConnectorError> {
    let Some(data) = callback.as_object() else {
        return Err(ConnectorError::general(
            "The social callback data must be a JSON object.",
        ));
    };
    if let Some(error) = data.get("error").and_then(Value::as_str) {
        return Err(authorization_error(
            error,
            data.get("error_description").and_then(Value::as_str),
        ));
    }
    let field = |key: &str| data.get(key).and_then(Value::as_str).map(str::to_owned);
    let missing =
        |key: &str| ConnectorError::general(format!("The social callback data has no `{key}`."));
    Ok((
        field("code").ok_or_else(|| missing("code"))?,
        field("redirectUri").ok_or_else(|| missing("redirectUri"))?,
    ))
}

fn authorization_error(error: &str, description: Option<&str>) -> ConnectorError {
    let message = if error == "access_denied" {
        "The user denied access to their Discord account.".to_owned()
    } else {
        let error = truncate(error, 64);
        match description {
            Some(d) => format!(
                "Discord did not authorize the sign-in ({error}): {}",
                truncate(d, MAX_UPSTREAM_TEXT)
            ),
            None => format!("Discord did not authorize the sign-in ({error})."),
        }
    };
    ConnectorError::new(ConnectorErrorCode::AuthorizationFailed, message)
}

/// 429 / 5xx, shared by both calls: `connector.general` with 503/502 and "try again".
fn unavailable(response: &UpstreamResponse) -> Option<ConnectorError> {
    if response.status == StatusCode::TOO_MANY_REQUESTS {
        let when = match response.retry_after_secs() {
            Some(1) => "try again in 1 second".to_owned(),
            Some(secs) => format!("try again in {secs} seconds"),
            None => "try again later".to_owned(),
        };
        return Some(ConnectorError::upstream_unavailable(
            503,
            format!("Discord is rate limiting sign-in requests; {when}."),
        ));
    }
    response
        .status
        .is_server_error()
        .then(|| upstream::server_error(PROVIDER, response.status, None))
}

/// A failed token exchange: `invalid_client` is our config; every other 4xx (`invalid_grant`,
/// an expired or replayed code, a redirect URI mismatch) means the code is unusable.
fn token_error(response: &UpstreamResponse) -> ConnectorError {
    if let Some(e) = unavailable(response) {
        return e;
    }
    let json = response.json();
    let error = json
        .as_ref()
        .and_then(|j| j.get("error"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if error == "invalid_client" {
        return ConnectorError::invalid_config("Discord rejected the client credentials (invalid_client); check clientId and clientSecret.");
    }
    let name = if error.is_empty() {
        format!("HTTP {}", response.status.as_u16())
    } else {
        truncate(error, 64)
    };
    ConnectorError::new(
        ConnectorErrorCode::SocialAuthCodeInvalid,
        format!("Discord rejected the authorization code ({name}); it may be expired or already used. Please sign in again."),
    )
}

fn access_token(response: &UpstreamResponse) -> Result<String, ConnectorError> {
    let json = response
        .json()
        .ok_or_else(|| ConnectorError::invalid_response("Discord's token response is not JSON."))?;
    match json.get("access_token") {
        Some(Value::String(t)) if t.is_empty() => Err(ConnectorError::new(
            ConnectorErrorCode::SocialAuthCodeInvalid,
            "Discord returned an empty access token.",
        )),
        Some(Value::String(t)) => Ok(t.clone()),
        _ => Err(ConnectorError::invalid_response(
            "Discord's token response has no access_token.",
        )),
    }
}

fn profile_error(response: &UpstreamResponse) -> ConnectorError {
    if let Some(e) = unavailable(response) {
        return e;
    }
    if response.status == StatusCode::UNAUTHORIZED {
        return ConnectorError::new(
            ConnectorErrorCode::SocialInvalidAccessToken,
            "Discord did not accept the access token.",
        );
    }
    ConnectorError::general(format!(
        "Discord refused the user info request (HTTP {}).",
        response.status.as_u16()
    ))
}

/// The factory as `GET /api/connector-factories` lists it.
pub fn factory() -> ConnectorFactory {
    ConnectorFactory {
        connector_type: ConnectorType::Social,
        id: FACTORY_ID.into(),
        target: TARGET.into(),
        platform: Some(ConnectorPlatform::Universal),
        name: phrases(&[("en", "Discord")]),
        description: phrases(&[
            (
                "en",
                "Discord is the easiest way to talk over voice, video, and text.",
            ),
            (
                "zh-CN",
                "Discord 是一款专为社群设计的免费网络实时通话软件与数字发行平台。",
            ),
        ]),
        logo: svg_data_url(include_str!("../assets/discord/logo.svg")),
        logo_dark: None,
        readme: include_str!("../assets/discord/README.md").into(),
        is_standard: false,
        config_template: None,
        form_items: vec![
            FormItem::new("clientId", "Client ID", FormItemType::Text, true)
                .placeholder("<client-id>"),
            FormItem::new("clientSecret", "Client Secret", FormItemType::Text, true)
                .placeholder("<client-secret>"),
            FormItem::new("scope", "Scope", FormItemType::MultilineText, false)
                .placeholder("Enter the scopes (separated by a space)")
                .description(
                    "The `scope` determines permissions granted by the user's authorization.",
                ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn connector(options: &ConnectorOptions) -> Option<DiscordConnector> {
        DiscordConnector::new(
            &json!({"clientId": "<client-id>", "clientSecret": "s"}),
            options,
        )
        .ok()
    }

    #[test]
    fn authorization_uri_matches_logto() {
        let options = ConnectorOptions::new().ok();
        let uri = options.as_ref().and_then(connector).and_then(|c| {
            c.authorization_uri("some_state", "http://localhost:3000/callback")
                .ok()
        });
        assert_eq!(
            uri.as_deref(),
            Some("https://discord.com/oauth2/authorize?client_id=%3Cclient-id%3E&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&response_type=code&scope=identify+email&state=some_state")
        );
    }

    #[test]
    fn maps_profile_like_logto() {
        let options = ConnectorOptions::new().ok();
        let c = options.as_ref().and_then(connector);
        let profile = json!({"id": "1234567890", "username": "Whumpus", "avatar": "avatar_id", "email": "whumpus@discord.com", "verified": true});
        let info = c.as_ref().and_then(|c| c.map_profile(profile.clone()).ok());
        assert_eq!(
            info.and_then(|i| serde_json::to_value(i).ok()),
            Some(json!({
                "id": "1234567890", "name": "Whumpus",
                "avatar": "https://cdn.discordapp.com/avatars/1234567890/avatar_id",
                "email": "whumpus@discord.com", "rawData": profile
            }))
        );
        let bare = c.as_ref().and_then(|c| {
            c.map_profile(json!({"id": "1", "avatar": null, "email": "x@y", "verified": false}))
                .ok()
        });
        assert_eq!(
            bare.map(|i| (i.name, i.avatar, i.email)),
            Some((None, None, None))
        );
        let err = c.and_then(|c| c.map_profile(json!({"username": "x"})).err());
        assert_eq!(
            err.map(|e| e.logto_code()).as_deref(),
            Some("connector.invalid_response")
        );
    }

    #[test]
    fn callback_errors() {
        let denied =
            parse_callback(&json!({"error": "access_denied", "state": "s", "redirectUri": "r"}))
                .err();
        assert_eq!(
            denied.map(|e| (e.logto_code(), e.status(), e.to_string())),
            Some((
                "connector.authorization_failed".into(),
                401,
                "The user denied access to their Discord account.".into()
            ))
        );
        let missing = parse_callback(&json!({"redirectUri": "r"})).err();
        assert_eq!(
            missing.map(|e| (e.logto_code(), e.to_string())),
            Some((
                "connector.general".into(),
                "The social callback data has no `code`.".into()
            ))
        );
        assert_eq!(
            parse_callback(&json!({"code": "c", "redirectUri": "r", "state": "s"})).ok(),
            Some(("c".into(), "r".into()))
        );
    }

    #[test]
    fn endpoints_under_a_base() {
        let base = Url::parse("http://127.0.0.1:9/").ok();
        let e = base.and_then(|b| DiscordEndpoints::under(&b).ok());
        assert_eq!(
            e.as_ref().map(|e| e.token.as_str()),
            Some("http://127.0.0.1:9/api/v10/oauth2/token")
        );
        assert_eq!(
            e.as_ref().map(|e| e.user_info.as_str()),
            Some("http://127.0.0.1:9/api/v10/users/@me")
        );
        assert_eq!(
            e.map(|e| e.authorize.to_string()),
            Some("http://127.0.0.1:9/oauth2/authorize".into())
        );
    }
}

//! The HTTP plumbing shared by the client and the resource-server verifier: the default
//! reqwest client, and turning responses into values or typed errors.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::{Error, OAuthError};

/// How long any single request to the identity server may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of an unexpected body an error keeps.
const BODY_EXCERPT_LEN: usize = 512;

/// A reqwest client that never follows redirects (no OAuth endpoint should redirect) and gives
/// up after 30 seconds.
pub(crate) fn default_http_client() -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("sesame-client/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(Error::HttpClientSetup)
}

pub(crate) fn transport_error(url: &str) -> impl FnOnce(reqwest::Error) -> Error + '_ {
    move |source| Error::Http { url: url.to_owned(), source: source.without_url() }
}

#[derive(Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// A 200 response's JSON body as `T`; an OAuth error body as [`Error::OAuth`]; anything else
/// as [`Error::UnexpectedResponse`] / [`Error::InvalidResponse`].
pub(crate) async fn read_json<T: DeserializeOwned>(response: reqwest::Response, url: &str) -> Result<T, Error> {
    let status = response.status();
    let body = response.bytes().await.map_err(transport_error(url))?;
    if status.is_success() {
        return serde_json::from_slice(&body)
            .map_err(|err| Error::InvalidResponse { url: url.to_owned(), reason: err.to_string() });
    }
    if let Ok(oauth) = serde_json::from_slice::<OAuthErrorBody>(&body) {
        return Err(Error::OAuth(OAuthError {
            status: status.as_u16(),
            error: oauth.error,
            error_description: oauth.error_description,
        }));
    }
    let text = String::from_utf8_lossy(&body);
    let excerpt: String = text.chars().take(BODY_EXCERPT_LEN).collect();
    Err(Error::UnexpectedResponse { url: url.to_owned(), status: status.as_u16(), body: excerpt })
}

/// `GET url` and read the JSON answer.
pub(crate) async fn get_json<T: DeserializeOwned>(http: &reqwest::Client, url: &str) -> Result<T, Error> {
    let response = http.get(url).send().await.map_err(transport_error(url))?;
    read_json(response, url).await
}

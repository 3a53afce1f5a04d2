//! What the load generator says to the server, one flow at a time, over keep-alive HTTP/1.1
//! connections (one per worker). Cookies are kept by hand, per sign-in, so that a new browser
//! does not need a new connection.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::header::{HeaderMap, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{redirect, Client, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const PASSWORD: &str = "correct-Horse-battery-7";
pub const REDIRECT_URI: &str = "http://localhost:3000/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

#[derive(Debug, Clone)]
pub struct App {
    pub id: String,
    pub secret: Option<String>,
}

/// What provisioning created: the server, its apps, the API and the users.
#[derive(Debug, Clone)]
pub struct World {
    pub base: String,
    /// A single-page app (public: every refresh rotates).
    pub spa: App,
    /// A traditional web app (confidential: introspection, the SDK guide's sign-in).
    pub web: App,
    /// A machine-to-machine app holding a role with `scope` on `indicator`.
    pub m2m: App,
    pub indicator: String,
    pub scope: String,
    pub usernames: Vec<String>,
}

pub type Outcome<T> = Result<T, String>;

/// A client for one worker: one keep-alive connection, no redirects followed, no cookie store.
pub fn client() -> Outcome<Client> {
    Client::builder()
        .redirect(redirect::Policy::none())
        .tcp_nodelay(true)
        .pool_max_idle_per_host(4)
        .build()
        .map_err(|err| err.to_string())
}

/// A browser's cookies for one host, by name (attributes ignored but for removal).
#[derive(Default)]
pub struct Cookies(Vec<(String, String)>);

impl Cookies {
    fn absorb(&mut self, response: &Response) {
        for header in response.headers().get_all(SET_COOKIE) {
            let Ok(text) = header.to_str() else { continue };
            let mut parts = text.split(';');
            let Some((name, value)) = parts.next().and_then(|pair| pair.split_once('=')) else { continue };
            let name = name.trim();
            let removed = value.is_empty()
                || parts.any(|attribute| {
                    let attribute = attribute.trim().to_ascii_lowercase();
                    attribute == "max-age=0" || attribute.starts_with("max-age=-")
                });
            self.0.retain(|(kept, _)| kept != name);
            if !removed {
                self.0.push((name.to_owned(), value.to_owned()));
            }
        }
    }

    fn attach(&self, request: RequestBuilder) -> RequestBuilder {
        if self.0.is_empty() {
            return request;
        }
        let header = self.0.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ");
        request.header(COOKIE, header)
    }
}

/// A response read to the end (so its connection goes back to the pool).
pub struct Answer {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Outcome<Value> {
        serde_json::from_slice(&self.body).map_err(|err| format!("malformed JSON: {err}"))
    }

    fn location(&self) -> Outcome<String> {
        self.headers.get(LOCATION).and_then(|value| value.to_str().ok()).map(str::to_owned).ok_or_else(|| "no Location".to_owned())
    }
}

/// Sends (with `cookies`, taking any they set), checks the status and reads the whole body.
pub async fn call(request: RequestBuilder, expected: StatusCode, cookies: Option<&mut Cookies>) -> Outcome<Answer> {
    let request = match &cookies {
        Some(cookies) => cookies.attach(request),
        None => request,
    };
    let response = request.send().await.map_err(|err| format!("request failed: {err}"))?;
    if let Some(cookies) = cookies {
        cookies.absorb(&response);
    }
    let status = response.status();
    let path = response.url().path().to_owned();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(|err| format!("reading the body of {path}: {err}"))?.to_vec();
    if status != expected {
        return Err(format!("{path}: expected {expected}, got {status}: {}", String::from_utf8_lossy(&body)));
    }
    Ok(Answer { headers, body })
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn string(value: &Value, field: &str) -> Outcome<String> {
    value[field].as_str().map(str::to_owned).ok_or_else(|| format!("no {field} in {value}"))
}

/// HTTP requests in one sign-in.
pub const SIGN_IN_REQUESTS: u32 = 7;

/// The whole password sign-in an SDK and the hosted page drive: authorize → Experience API
/// (event, password, identification, submit) → resume → code → token. Returns the token
/// response (`offline_access`, so with a refresh token).
pub async fn sign_in(client: &Client, world: &World, app: &App, username: &str) -> Outcome<Value> {
    let base = &world.base;
    let mut cookies = Cookies::default();
    let mut authorize = url::Url::parse(&format!("{base}/oidc/auth")).map_err(|err| err.to_string())?;
    authorize
        .query_pairs_mut()
        .append_pair("client_id", &app.id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid offline_access profile email")
        .append_pair("prompt", "consent")
        .append_pair("state", "bench")
        .append_pair("code_challenge", &challenge(VERIFIER))
        .append_pair("code_challenge_method", "S256");
    call(client.get(authorize), StatusCode::SEE_OTHER, Some(&mut cookies)).await?;
    let api = |path: &str| format!("{base}/api/experience{path}");
    call(client.put(api("")).json(&json!({"interactionEvent": "SignIn"})), StatusCode::NO_CONTENT, Some(&mut cookies)).await?;
    let body = json!({"identifier": {"type": "username", "value": username}, "password": PASSWORD});
    let verification = call(client.post(api("/verification/password")).json(&body), StatusCode::OK, Some(&mut cookies)).await?;
    let body = json!({"verificationId": verification.json()?["verificationId"]});
    call(client.post(api("/identification")).json(&body), StatusCode::NO_CONTENT, Some(&mut cookies)).await?;
    let submitted = call(client.post(api("/submit")).json(&json!({})), StatusCode::OK, Some(&mut cookies)).await?;
    let redirect_to = string(&submitted.json()?, "redirectTo")?;
    let resumed = call(client.get(redirect_to), StatusCode::SEE_OTHER, Some(&mut cookies)).await?;
    let callback = url::Url::parse(&resumed.location()?).map_err(|err| err.to_string())?;
    let code = callback.query_pairs().find(|(key, _)| key == "code").map(|(_, value)| value.into_owned()).ok_or_else(|| format!("no code in {callback}"))?;
    let mut form = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("code", code),
        ("redirect_uri", REDIRECT_URI.to_owned()),
        ("code_verifier", VERIFIER.to_owned()),
        ("client_id", app.id.clone()),
    ];
    if let Some(secret) = &app.secret {
        form.push(("client_secret", secret.clone()));
    }
    let tokens = call(client.post(format!("{base}/oidc/token")).form(&form), StatusCode::OK, None).await?;
    let tokens = tokens.json()?;
    string(&tokens, "refresh_token")?;
    Ok(tokens)
}

pub async fn discovery(client: &Client, world: &World) -> Outcome<()> {
    let body = call(client.get(format!("{}/oidc/.well-known/openid-configuration", world.base)), StatusCode::OK, None).await?;
    string(&body.json()?, "issuer").map(drop)
}

pub async fn jwks(client: &Client, world: &World) -> Outcome<()> {
    let body = call(client.get(format!("{}/oidc/jwks", world.base)), StatusCode::OK, None).await?;
    body.json()?["keys"].as_array().filter(|keys| !keys.is_empty()).map(drop).ok_or_else(|| "no keys".to_owned())
}

pub async fn client_credentials(client: &Client, world: &World) -> Outcome<()> {
    let form = [("grant_type", "client_credentials"), ("resource", world.indicator.as_str()), ("scope", world.scope.as_str())];
    let request = client.post(format!("{}/oidc/token", world.base)).basic_auth(&world.m2m.id, world.m2m.secret.as_deref()).form(&form);
    let body = call(request, StatusCode::OK, None).await?;
    let token = string(&body.json()?, "access_token")?;
    if token.split('.').count() != 3 {
        return Err("client_credentials did not return a JWT".into());
    }
    Ok(())
}

/// One refresh with the SPA's current refresh token; returns its successor.
pub async fn refresh(client: &Client, world: &World, refresh_token: &str) -> Outcome<String> {
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", world.spa.id.as_str())];
    let body = call(client.post(format!("{}/oidc/token", world.base)).form(&form), StatusCode::OK, None).await?;
    let successor = string(&body.json()?, "refresh_token")?;
    if successor == refresh_token {
        return Err("the SPA's refresh token did not rotate".into());
    }
    Ok(successor)
}

pub async fn userinfo(client: &Client, world: &World, access_token: &str) -> Outcome<()> {
    let body = call(client.get(format!("{}/oidc/me", world.base)).bearer_auth(access_token), StatusCode::OK, None).await?;
    string(&body.json()?, "sub").map(drop)
}

pub async fn introspection(client: &Client, world: &World, access_token: &str) -> Outcome<()> {
    let request = client
        .post(format!("{}/oidc/token/introspection", world.base))
        .basic_auth(&world.web.id, world.web.secret.as_deref())
        .form(&[("token", access_token)]);
    let body = call(request, StatusCode::OK, None).await?;
    let body = body.json()?;
    if body["active"] != true {
        return Err(format!("token not active: {body}"));
    }
    Ok(())
}

/// A Management API access token for the ops app.
pub async fn management_token(client: &Client, base: &str, app: &App) -> Outcome<String> {
    let form = [("grant_type", "client_credentials"), ("resource", "https://default.logto.app/api"), ("scope", "all")];
    let request = client.post(format!("{base}/oidc/token")).basic_auth(&app.id, app.secret.as_deref()).form(&form);
    let body = call(request, StatusCode::OK, None).await?;
    string(&body.json()?, "access_token")
}

/// A Management API call expecting a 2xx JSON answer (`null` for an empty body).
pub async fn manage(client: &Client, base: &str, token: &str, path: &str, body: Value) -> Outcome<Value> {
    let response = client.post(format!("{base}/api{path}")).bearer_auth(token).json(&body).send().await.map_err(|err| err.to_string())?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(|err| err.to_string())?;
    if !status.is_success() {
        return Err(format!("POST /api{path}: {status}: {}", String::from_utf8_lossy(&bytes)));
    }
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&bytes).map_err(|err| err.to_string())
}

pub fn id_of(value: &Value) -> Outcome<String> {
    string(value, "id")
}

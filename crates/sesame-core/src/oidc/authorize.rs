//! The authorization endpoint (`/oidc/auth`) and its resumption after sign-in
//! (`/oidc/auth/:uid`). Steps run in order; each returns a typed proof or an error. Errors are
//! shown on our own page until the redirect URI is verified, and redirected only after.

use url::Url;

use super::artifacts::{self, AuthorizationRequest, CodeRecord, GrantRecord, Loaded, SessionRecord};
use super::claims::OFFLINE_ACCESS;
use super::client::{check_redirect_uri, load_client, VerifiedRedirectUri};
use super::params::{split_scope, Params};
use super::resources;
use crate::error::OidcError;
use crate::experience::InteractionRecord;
use crate::ids;
use crate::model::{Application, ApplicationType};
use crate::provider::Provider;
use crate::store::ArtifactKind;

pub const SIGN_IN_PAGE: &str = "/sign-in";
pub const REGISTER_PAGE: &str = "/register";

/// Where the browser goes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeOutcome {
    /// To a hosted page; the interaction `uid` must be bound to the browser with a cookie.
    SignIn { uid: String, location: String },
    /// Back to the client, with a code or an error. `session` is a new session cookie value
    /// to set when this redirect completes a sign-in.
    Redirect { location: String, session: Option<String> },
}

/// `GET|POST /oidc/auth`. `Err` means: render the error on our page, redirect nowhere.
pub async fn authorize(provider: &Provider, params: &Params, session_cookie: Option<&str>) -> Result<AuthorizeOutcome, OidcError> {
    let client = load_client(provider, params.require("client_id")?).await?;
    let redirect_uri = check_redirect_uri(&client, params.require("redirect_uri")?)?;
    let state = params.get("state").ok().flatten().map(str::to_owned);
    match validate_request(provider, params, &client, &redirect_uri).await {
        Ok(request) => Ok(continue_authorization(provider, request, session_cookie).await?),
        Err(error) if error.status >= 500 => Err(error),
        Err(error) => Ok(AuthorizeOutcome::Redirect {
            location: error_redirect(provider, &redirect_uri, state.as_deref(), &error),
            session: None,
        }),
    }
}

async fn validate_request(
    provider: &Provider,
    params: &Params,
    client: &Application,
    redirect_uri: &VerifiedRedirectUri,
) -> Result<AuthorizationRequest, OidcError> {
    if client.app_type == ApplicationType::MachineToMachine {
        return Err(OidcError::unauthorized_client("the client is not allowed to use the authorization code flow"));
    }
    match params.require("response_type")? {
        "code" => {}
        _ => return Err(OidcError::unsupported_response_type("unsupported response_type requested")),
    }
    if params.get("response_mode")?.is_some_and(|mode| mode != "query") {
        return Err(OidcError::invalid_request("unsupported response_mode requested"));
    }
    let prompt = check_prompt(params.get("prompt")?)?;
    let code_challenge = check_pkce(client, params.get("code_challenge")?, params.get("code_challenge_method")?)?;
    let resources = resources::check_requested(provider, &params.all_split("resource")).await?;
    let scopes = resolve_scopes(params.get("scope")?.unwrap_or_default(), &prompt);
    let first_screen = resolve_first_screen(params.get("interaction_mode")?, params.get("first_screen")?);
    Ok(AuthorizationRequest {
        client_id: client.id.clone(),
        redirect_uri: redirect_uri.as_str().to_owned(),
        scopes,
        resources,
        state: params.get("state")?.map(str::to_owned),
        nonce: params.get("nonce")?.map(str::to_owned),
        prompt,
        code_challenge,
        login_hint: params.get("login_hint")?.map(str::to_owned),
        first_screen: first_screen.to_owned(),
        direct_sign_in: params.get("direct_sign_in")?.and_then(direct_sign_in),
    })
}

/// Logto's `direct_sign_in=<method>:<target>` (`social:discord`, `sso:<id>`, `method:email`),
/// passed on to the page when well formed; anything else is ignored, as Logto does.
fn direct_sign_in(value: &str) -> Option<String> {
    let (method, target) = value.split_once(':')?;
    let target_ok = !target.is_empty()
        && target.len() <= 128
        && target.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    (matches!(method, "social" | "sso" | "method") && target_ok).then(|| value.to_owned())
}

fn check_prompt(prompt: Option<&str>) -> Result<Vec<String>, OidcError> {
    let prompts = split_scope(prompt.unwrap_or_default());
    if let Some(unknown) = prompts.iter().find(|p| !matches!(p.as_str(), "none" | "login" | "consent")) {
        return Err(OidcError::invalid_request(format!("unsupported prompt value requested: {unknown}")));
    }
    if prompts.len() > 1 && prompts.iter().any(|p| p == "none") {
        return Err(OidcError::invalid_request("prompt none must only be used alone"));
    }
    Ok(prompts)
}

/// PKCE with S256 only; required for public clients (Logto's rule).
fn check_pkce(client: &Application, challenge: Option<&str>, method: Option<&str>) -> Result<Option<String>, OidcError> {
    let Some(challenge) = challenge else {
        if client.app_type.is_public() {
            return Err(OidcError::invalid_request("PKCE must be used: code_challenge is required"));
        }
        if method.is_some() {
            return Err(OidcError::invalid_request("code_challenge_method requires a code_challenge"));
        }
        return Ok(None);
    };
    if method != Some("S256") {
        return Err(OidcError::invalid_request("code_challenge_method must be S256"));
    }
    let well_formed = (43..=128).contains(&challenge.len())
        && challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(OidcError::invalid_request("code_challenge must be a base64url S256 digest"));
    }
    Ok(Some(challenge.to_owned()))
}

/// Requested scopes, minus `offline_access` unless consent was prompted (oidc-provider's rule).
/// Unknown scopes stay: they may name API resource permissions.
fn resolve_scopes(scope: &str, prompt: &[String]) -> Vec<String> {
    let consent = prompt.iter().any(|p| p == "consent");
    split_scope(scope).into_iter().filter(|s| consent || s != OFFLINE_ACCESS).collect()
}

fn resolve_first_screen(interaction_mode: Option<&str>, first_screen: Option<&str>) -> &'static str {
    match (interaction_mode, first_screen) {
        (_, Some("register" | "identifier:register")) | (Some("signUp"), None) => REGISTER_PAGE,
        _ => SIGN_IN_PAGE,
    }
}

async fn continue_authorization(
    provider: &Provider,
    request: AuthorizationRequest,
    session_cookie: Option<&str>,
) -> Result<AuthorizeOutcome, OidcError> {
    let wants_login = request.prompt.iter().any(|p| p == "login");
    let session = match session_cookie {
        Some(cookie) if !wants_login => live_session(provider, cookie).await?,
        _ => None,
    };
    if let Some(session) = session {
        // Single sign-on: first-party apps are consented automatically.
        let location = issue_code(provider, &request, &session.record).await?;
        return Ok(AuthorizeOutcome::Redirect { location, session: None });
    }
    if request.prompt.iter().any(|p| p == "none") {
        let verified = VerifiedRedirectUri::trusted(&request.redirect_uri);
        let error = OidcError::login_required("End-User authentication is required");
        let location = error_redirect(provider, &verified, request.state.as_deref(), &error);
        return Ok(AuthorizeOutcome::Redirect { location, session: None });
    }
    let uid = ids::bearer_value();
    let location = sign_in_location(&request);
    let record = InteractionRecord::new(request);
    artifacts::save(
        provider,
        ArtifactKind::Interaction,
        &uid,
        None,
        None,
        &record,
        artifacts::expires_in(provider, provider.lifetimes.interaction),
    )
    .await?;
    Ok(AuthorizeOutcome::SignIn { uid, location })
}

fn sign_in_location(request: &AuthorizationRequest) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("app_id", &request.client_id);
    if let Some(hint) = &request.login_hint {
        query.append_pair("login_hint", hint);
    }
    if let Some(direct) = &request.direct_sign_in {
        query.append_pair("direct_sign_in", direct);
    }
    format!("{}?{}", request.first_screen, query.finish())
}

/// A session cookie's session, if it is live and its user may still sign in.
pub async fn live_session(provider: &Provider, cookie: &str) -> Result<Option<Loaded<SessionRecord>>, OidcError> {
    let Some(session) = artifacts::load_bearer::<SessionRecord>(provider, ArtifactKind::Session, cookie).await? else {
        return Ok(None);
    };
    let user = provider.store.find_user(&session.record.account_id).await?;
    Ok(user.filter(|user| !user.is_suspended).map(|_| session))
}

/// `GET /oidc/auth/:uid`: the Experience API submitted a sign-in; finish the authorization.
pub async fn resume(
    provider: &Provider,
    uid: &str,
    interaction_cookie: Option<&str>,
    session_cookie: Option<&str>,
) -> Result<AuthorizeOutcome, OidcError> {
    let not_found = || OidcError::invalid_request("interaction session not found");
    // The interaction must belong to this browser: a link carrying someone else's uid is useless.
    if interaction_cookie != Some(uid) {
        return Err(not_found());
    }
    let interaction = artifacts::load::<InteractionRecord>(provider, ArtifactKind::Interaction, uid)
        .await?
        .ok_or_else(not_found)?;
    let Some(account_id) = interaction.record.signed_in_account() else {
        let location = sign_in_location(&interaction.record.request);
        return Ok(AuthorizeOutcome::SignIn { uid: uid.to_owned(), location });
    };
    let (session, new_cookie) = establish_session(provider, account_id, session_cookie).await?;
    provider.store.delete_artifact(ArtifactKind::Interaction, uid).await?;
    let location = issue_code(provider, &interaction.record.request, &session).await?;
    Ok(AuthorizeOutcome::Redirect { location, session: new_cookie })
}

/// Keeps the browser's session if it is the same user's; otherwise starts a new one (a new
/// cookie value, so a planted session id is never promoted).
async fn establish_session(
    provider: &Provider,
    account_id: &str,
    session_cookie: Option<&str>,
) -> Result<(SessionRecord, Option<String>), OidcError> {
    if let Some(cookie) = session_cookie {
        if let Some(existing) = live_session(provider, cookie).await? {
            if existing.record.account_id == account_id {
                return Ok((existing.record, None));
            }
            provider.store.delete_artifact(ArtifactKind::Session, &existing.key).await?;
        }
    }
    let cookie = ids::bearer_value();
    let session = SessionRecord {
        account_id: account_id.to_owned(),
        sid: ids::entity_id(),
        login_ts: provider.now_secs(),
        pending_logout: None,
    };
    artifacts::save(
        provider,
        ArtifactKind::Session,
        &ids::bearer_key(&cookie),
        None,
        Some(account_id),
        &session,
        artifacts::expires_in(provider, provider.lifetimes.session),
    )
    .await?;
    provider.store.touch_user_sign_in(account_id, provider.now_ms()).await?;
    Ok((session, Some(cookie)))
}

/// Records the grant and a single-use code, and builds the redirect back to the client.
async fn issue_code(provider: &Provider, request: &AuthorizationRequest, session: &SessionRecord) -> Result<String, OidcError> {
    let grant_id = ids::entity_id();
    let grant = GrantRecord {
        account_id: session.account_id.clone(),
        client_id: request.client_id.clone(),
        scopes: request.scopes.clone(),
        resources: request.resources.clone(),
    };
    let account = Some(session.account_id.as_str());
    let grant_expiry = artifacts::expires_in(provider, provider.lifetimes.grant);
    artifacts::save(provider, ArtifactKind::Grant, &grant_id, Some(&grant_id), account, &grant, grant_expiry).await?;
    let code = ids::bearer_value();
    let record = CodeRecord {
        account_id: session.account_id.clone(),
        client_id: request.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        scopes: request.scopes.clone(),
        resources: request.resources.clone(),
        code_challenge: request.code_challenge.clone(),
        nonce: request.nonce.clone(),
        sid: session.sid.clone(),
        auth_time: session.login_ts,
    };
    let code_expiry = artifacts::expires_in(provider, provider.lifetimes.authorization_code);
    artifacts::save(provider, ArtifactKind::AuthorizationCode, &ids::bearer_key(&code), Some(&grant_id), account, &record, code_expiry)
        .await?;
    let verified = VerifiedRedirectUri::trusted(&request.redirect_uri);
    Ok(append_query(&verified, &[("code", Some(&code)), ("state", request.state.as_deref()), ("iss", Some(&provider.issuer))]))
}

fn error_redirect(provider: &Provider, redirect_uri: &VerifiedRedirectUri, state: Option<&str>, error: &OidcError) -> String {
    append_query(
        redirect_uri,
        &[
            ("error", Some(error.error)),
            ("error_description", Some(&error.description)),
            ("state", state),
            ("iss", Some(&provider.issuer)),
        ],
    )
}

fn append_query(redirect_uri: &VerifiedRedirectUri, pairs: &[(&str, Option<&str>)]) -> String {
    let Ok(mut url) = Url::parse(redirect_uri.as_str()) else {
        // Registered URIs are validated on registration; an unparsable one is never used.
        return redirect_uri.as_str().to_owned();
    };
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
    }
    url.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_access_needs_consent() {
        assert_eq!(resolve_scopes("openid offline_access", &[]), vec!["openid"]);
        assert_eq!(resolve_scopes("openid offline_access", &["consent".into()]), vec!["openid", "offline_access"]);
    }

    #[test]
    fn prompt_values_are_checked() {
        assert!(check_prompt(Some("none login")).is_err());
        assert!(check_prompt(Some("select_account")).is_err());
        assert_eq!(check_prompt(Some("login consent")).expect("ok"), vec!["login", "consent"]);
    }

    #[test]
    fn direct_sign_in_is_passed_on_only_when_well_formed() {
        assert_eq!(direct_sign_in("social:discord").as_deref(), Some("social:discord"));
        assert_eq!(direct_sign_in("sso:abc-123").as_deref(), Some("sso:abc-123"));
        assert_eq!(direct_sign_in("method:email").as_deref(), Some("method:email"));
        for bad in ["discord", "social:", "oauth:discord", "social:dis cord", "social:a/b", "social:x&y=1"] {
            assert_eq!(direct_sign_in(bad), None, "{bad}");
        }
    }

    #[test]
    fn first_screen_follows_interaction_mode_and_first_screen() {
        assert_eq!(resolve_first_screen(Some("signUp"), None), REGISTER_PAGE);
        assert_eq!(resolve_first_screen(None, Some("identifier:register")), REGISTER_PAGE);
        assert_eq!(resolve_first_screen(Some("signIn"), None), SIGN_IN_PAGE);
        assert_eq!(resolve_first_screen(None, None), SIGN_IN_PAGE);
    }
}

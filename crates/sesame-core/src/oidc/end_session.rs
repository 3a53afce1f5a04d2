//! RP-initiated logout (`/oidc/session/end`). With a live session the browser confirms through
//! a form carrying a per-session xsrf token, so a cross-site link cannot sign anyone out.

use super::artifacts::{self, PendingLogout, SessionRecord};
use super::authorize::live_session;
use super::client::{check_post_logout_redirect_uri, load_client};
use super::params::Params;
use crate::crypto::secrets_equal;
use crate::error::OidcError;
use crate::ids;
use crate::provider::Provider;
use crate::store::ArtifactKind;

pub const SUCCESS_PAGE: &str = "/oidc/session/end/success";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndSessionOutcome {
    /// Render the auto-submitting confirmation form with this xsrf value.
    Confirm { xsrf: String },
    /// Nothing to end: go straight to the post-logout destination.
    Redirect(String),
}

pub async fn end_session(provider: &Provider, params: &Params, session_cookie: Option<&str>) -> Result<EndSessionOutcome, OidcError> {
    let redirect = resolve_redirect(provider, params).await?;
    let session = match session_cookie {
        Some(cookie) => live_session(provider, cookie).await?,
        None => None,
    };
    let Some(mut session) = session else {
        return Ok(EndSessionOutcome::Redirect(redirect.unwrap_or_else(|| SUCCESS_PAGE.to_owned())));
    };
    let xsrf = ids::bearer_value();
    session.record.pending_logout = Some(PendingLogout { xsrf: xsrf.clone(), redirect });
    save_session(provider, &session.key, &session.record, session.expires_at).await?;
    Ok(EndSessionOutcome::Confirm { xsrf })
}

/// `POST /oidc/session/end/confirm`: ends the session and returns where to send the browser.
pub async fn confirm(provider: &Provider, params: &Params, session_cookie: Option<&str>) -> Result<String, OidcError> {
    let xsrf = params.require("xsrf")?;
    let session = match session_cookie {
        Some(cookie) => artifacts::load_bearer::<SessionRecord>(provider, ArtifactKind::Session, cookie).await?,
        None => None,
    };
    let Some(session) = session else {
        return Ok(SUCCESS_PAGE.to_owned());
    };
    let pending = session
        .record
        .pending_logout
        .filter(|pending| secrets_equal(&pending.xsrf, xsrf))
        .ok_or_else(|| OidcError::invalid_request("xsrf token invalid"))?;
    provider.store.delete_artifact(ArtifactKind::Session, &session.key).await?;
    Ok(pending.redirect.unwrap_or_else(|| SUCCESS_PAGE.to_owned()))
}

async fn save_session(provider: &Provider, key: &str, record: &SessionRecord, expires_at: i64) -> Result<(), OidcError> {
    artifacts::save(provider, ArtifactKind::Session, key, None, Some(&record.account_id), record, expires_at).await?;
    Ok(())
}

/// The registered post-logout URI (with `state`), identified by `client_id` or `id_token_hint`.
async fn resolve_redirect(provider: &Provider, params: &Params) -> Result<Option<String>, OidcError> {
    let hinted_client = match params.get("id_token_hint")? {
        Some(hint) => Some(client_from_hint(provider, hint)?),
        None => None,
    };
    let client_id = match (params.get("client_id")?, hinted_client.as_deref()) {
        (Some(given), Some(hinted)) if given != hinted => {
            return Err(OidcError::invalid_request("client_id does not match the id_token_hint audience"))
        }
        (Some(given), _) => Some(given),
        (None, hinted) => hinted,
    };
    let Some(uri) = params.get("post_logout_redirect_uri")? else {
        if let Some(client_id) = client_id {
            load_client(provider, client_id).await?;
        }
        return Ok(None);
    };
    let client_id = client_id.ok_or_else(|| {
        OidcError::invalid_request("post_logout_redirect_uri can only be used in combination with id_token_hint or client_id")
    })?;
    let client = load_client(provider, client_id).await?;
    let verified = check_post_logout_redirect_uri(&client, uri)?;
    let mut location = verified.as_str().to_owned();
    if let Some(state) = params.get("state")? {
        let separator = if location.contains('?') { '&' } else { '?' };
        let state: String = url::form_urlencoded::byte_serialize(state.as_bytes()).collect();
        location = format!("{location}{separator}state={state}");
    }
    Ok(Some(location))
}

/// The audience of an ID token we signed; expired hints are fine (that is their usual state).
fn client_from_hint(provider: &Provider, hint: &str) -> Result<String, OidcError> {
    let claims = provider
        .verify_jws(hint)
        .filter(|claims| claims.get("iss").and_then(|iss| iss.as_str()) == Some(provider.issuer.as_str()))
        .ok_or_else(|| OidcError::invalid_request("could not validate id_token_hint"))?;
    claims
        .get("aud")
        .and_then(|aud| aud.as_str())
        .map(str::to_owned)
        .ok_or_else(|| OidcError::invalid_request("could not validate id_token_hint"))
}

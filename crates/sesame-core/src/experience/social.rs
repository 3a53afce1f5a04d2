//! Social sign-in (Logto's `/verification/social/:connectorId/*` and what identification does
//! with a social verification).
//!
//! * `authorization-uri` stores the connector session — connector instance, `state`,
//!   `redirectUri` — as a [`Verification::Social`] of the interaction and returns the
//!   provider's authorization URL.
//! * `verify` accepts the callback data only for that session: same connector, the `state` it
//!   was started with (compared in constant time, before anything is sent upstream, so a
//!   forged callback never gets its code exchanged) and the same redirect URI. Then the
//!   connector exchanges the code and reads the profile, which is kept in the verification.
//! * Identification signs in the user the identity (connector target + upstream id) is linked
//!   to; otherwise answers `user.identity_not_exist`, naming the account with the same email
//!   only when the provider verified that email. Linking to that account
//!   (`linkSocialIdentity`) needs the same proof, and binds the identity to that user, that
//!   target and that upstream subject. Registration creates a user with the identity.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sesame_connectors::{ConnectorType, SocialConnector, SocialUserInfo};

use super::{load, save, InteractionEvent, InteractionRecord, Verification};
use crate::crypto::secrets_equal;
use crate::error::{codes, ApiError};
use crate::ids;
use crate::model::{ConnectorRecord, NewUser, User};
use crate::provider::Provider;
use crate::provision;
use crate::sign_in_experience::{self, Identifier as SignUpIdentifier, SignInExperience};
use crate::store::StoreError;

/// The identity a social connector returned (Logto's `SocialUserInfo`): kept in the
/// interaction, and stored as `users.identities[target].details`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SocialIdentity {
    /// The upstream user id (Discord's snowflake).
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Only an address the provider says is verified: connectors drop unverified ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_data: Option<Value>,
}

impl From<SocialUserInfo> for SocialIdentity {
    fn from(info: SocialUserInfo) -> Self {
        Self { id: info.id, name: info.name, avatar: info.avatar, email: info.email, phone: info.phone, raw_data: info.raw_data }
    }
}

impl SocialIdentity {
    /// `users.identities[target].details`: `{id, name?, avatar?, email?, phone?, rawData?}`.
    pub fn details(&self) -> Value {
        serde_json::to_value(self).unwrap_or_else(|_| json!({ "id": self.id }))
    }
}

fn connector_not_found() -> ApiError {
    ApiError::new(404, codes::ENTITY_NOT_FOUND, "The connector does not exist.")
}

fn verification_not_found() -> ApiError {
    super::verification_not_found()
}

fn session_mismatch(what: &str) -> ApiError {
    ApiError::new(
        400,
        codes::SESSION_CONNECTOR_VALIDATION_SESSION_NOT_FOUND,
        format!("The sign-in response does not belong to this sign-in session ({what}). Please start the social sign-in again."),
    )
}

fn not_verified() -> ApiError {
    ApiError::new(400, codes::SESSION_VERIFICATION_FAILED, "The social sign-in was not completed.")
}

fn identity_not_exist() -> ApiError {
    ApiError::new(404, codes::USER_IDENTITY_NOT_EXIST, "The social account has not been registered yet.")
}

fn identity_in_use() -> ApiError {
    ApiError::new(422, codes::USER_IDENTITY_ALREADY_IN_USE, "The social account has been associated with an existing user.")
}

fn suspended() -> ApiError {
    ApiError::new(401, codes::USER_SUSPENDED, "This account is suspended.")
}

/// A configured social connector that the sign-in experience offers.
struct EnabledConnector {
    record: ConnectorRecord,
    target: String,
    connector: Arc<dyn SocialConnector>,
}

/// The connector instance `connector_id`: it must exist (404 `entity.not_found`), be a social
/// connector (400 `connector.unexpected_type`) and have its target in the sign-in experience's
/// `socialSignInConnectorTargets` (422 `user.sign_in_method_not_enabled`).
async fn enabled_connector(provider: &Provider, connector_id: &str) -> Result<EnabledConnector, ApiError> {
    let record = provider.store.find_connector(connector_id).await?.ok_or_else(connector_not_found)?;
    let factory = sesame_connectors::factory(&record.connector_id).ok_or_else(connector_not_found)?;
    if factory.connector_type != ConnectorType::Social {
        return Err(ApiError::new(400, codes::CONNECTOR_UNEXPECTED_TYPE, "This connector is not a social connector."));
    }
    let settings = sign_in_experience::load(provider).await?;
    if !settings.social_sign_in_connector_targets.contains(&factory.target) {
        return Err(ApiError::new(
            422,
            codes::USER_SIGN_IN_METHOD_NOT_ENABLED,
            "This social connector is not enabled in the sign-in experience.",
        ));
    }
    let connector = sesame_connectors::social_connector(&record.connector_id, &record.config, &provider.connector_options)?;
    Ok(EnabledConnector { record, target: factory.target, connector })
}

/// `POST /verification/social/:connectorId/authorization-uri`: returns the provider's
/// authorization URL and the verification id.
pub async fn authorization_uri(
    provider: &Provider,
    uid: Option<&str>,
    connector_id: &str,
    state: &str,
    redirect_uri: &str,
) -> Result<(String, String), ApiError> {
    let mut interaction = load(provider, uid).await?;
    if state.is_empty() || redirect_uri.is_empty() {
        return Err(ApiError::new(400, codes::SESSION_INSUFFICIENT_INFO, "state and redirectUri are required."));
    }
    let enabled = enabled_connector(provider, connector_id).await?;
    let uri = enabled.connector.authorization_uri(state, redirect_uri)?;
    let id = ids::entity_id();
    interaction.record.add_verification(Verification::Social {
        id: id.clone(),
        connector_id: enabled.record.id,
        target: enabled.target,
        state: state.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        identity: None,
    });
    save(provider, &interaction).await?;
    Ok((uri, id))
}

/// `POST /verification/social/:connectorId/verify`: checks the callback data against the
/// stored connector session, then has the connector exchange the code for the profile.
pub async fn verify(
    provider: &Provider,
    uid: Option<&str>,
    connector_id: &str,
    verification_id: Option<&str>,
    connector_data: &Value,
) -> Result<String, ApiError> {
    let mut interaction = load(provider, uid).await?;
    let verification_id = verification_id.ok_or_else(verification_not_found)?;
    let Verification::Social { id, connector_id: session_connector, state, redirect_uri, .. } =
        interaction.record.verification(verification_id)?.clone()
    else {
        return Err(verification_not_found());
    };
    if session_connector != connector_id {
        return Err(verification_not_found());
    }
    let enabled = enabled_connector(provider, connector_id).await?;
    let Some(data) = connector_data.as_object() else {
        return Err(ApiError::invalid_input("connectorData must be an object."));
    };
    // The state first, before the connector sees anything: a response this session did not
    // ask for never gets its code exchanged.
    let returned_state = data.get("state").and_then(Value::as_str).unwrap_or_default();
    if !secrets_equal(returned_state, &state) {
        return Err(session_mismatch("state mismatch"));
    }
    if data.get("redirectUri").and_then(Value::as_str) != Some(redirect_uri.as_str()) {
        return Err(session_mismatch("redirect URI mismatch"));
    }
    let info = enabled.connector.user_info(connector_data).await?;
    let verified = SocialIdentity::from(info);
    for verification in &mut interaction.record.verifications {
        if let Verification::Social { id: stored, identity, .. } = verification {
            if *stored == id {
                *identity = Some(verified.clone());
            }
        }
    }
    save(provider, &interaction).await?;
    Ok(id)
}

/// The verified identity of a social verification, with its connector and target.
struct Verified {
    connector_id: String,
    target: String,
    identity: SocialIdentity,
}

fn verified(verification: &Verification) -> Result<Verified, ApiError> {
    match verification {
        Verification::Social { connector_id, target, identity: Some(identity), .. } => {
            Ok(Verified { connector_id: connector_id.clone(), target: target.clone(), identity: identity.clone() })
        }
        Verification::Social { .. } => Err(not_verified()),
        _ => Err(verification_not_found()),
    }
}

/// The verified social verification of the interaction, if any (registration after a
/// missing-profile answer identifies again without a verification id).
pub(super) fn verified_social(record: &InteractionRecord) -> Option<&Verification> {
    record.verifications.iter().find(|v| matches!(v, Verification::Social { identity: Some(_), .. }))
}

/// The account with the identity's email, when linking to it is safe: the provider verified
/// the email (connectors only return verified ones) and the account's primary email is that
/// very address (ignoring case, nothing else).
async fn related_user(provider: &Provider, identity: &SocialIdentity) -> Result<Option<User>, ApiError> {
    let Some(email) = identity.email.as_deref().filter(|email| !email.is_empty()) else {
        return Ok(None);
    };
    let user = provider.store.find_user_by_email(email).await?;
    Ok(user.filter(|user| user.primary_email.as_deref().is_some_and(|primary| primary.to_lowercase() == email.to_lowercase())))
}

/// Identification of an existing user (SignIn) by a social verification; returns the user id.
pub(super) async fn identify_existing(
    provider: &Provider,
    event: InteractionEvent,
    verification: &Verification,
    link_social_identity: bool,
) -> Result<String, ApiError> {
    if event == InteractionEvent::ForgotPassword {
        return Err(ApiError::new(
            422,
            codes::SESSION_NOT_SUPPORTED_FOR_FORGOT_PASSWORD,
            "This operation is not supported for forgot password.",
        ));
    }
    let Verified { connector_id, target, identity } = verified(verification)?;
    if let Some(user) = provider.store.find_user_by_identity(&target, &identity.id).await? {
        if user.is_suspended {
            return Err(suspended());
        }
        let user_id = user.id.clone();
        sync_signed_in_user(provider, &connector_id, &target, &identity, user).await?;
        return Ok(user_id);
    }
    let related = related_user(provider, &identity).await?;
    if !link_social_identity {
        let error = identity_not_exist();
        return Err(match (&related, &identity.email) {
            (Some(_), Some(email)) => error.with_data(json!({ "relatedUser": { "type": "email", "value": email } })),
            _ => error,
        });
    }
    let Some(user) = related else {
        return Err(identity_not_exist());
    };
    if user.is_suspended {
        return Err(suspended());
    }
    let details = identity.details();
    match provider.store.link_user_identity(&user.id, &target, &identity.id, Some(&details), provider.now_ms()).await {
        Ok(user) => {
            sync_profile(provider, &connector_id, &identity, user).await?;
        }
        Err(StoreError::Conflict { .. }) => return Err(identity_in_use()),
        Err(StoreError::NotFound) => return Err(ApiError::new(404, codes::USER_NOT_EXIST, "User does not exist.")),
        Err(err) => return Err(err.into()),
    }
    Ok(user.id)
}

/// On each social sign-in the stored details follow the provider's latest profile, and with
/// the connector's `syncProfile` the user's name and avatar too (Logto's behaviour).
async fn sync_signed_in_user(
    provider: &Provider,
    connector_id: &str,
    target: &str,
    identity: &SocialIdentity,
    user: User,
) -> Result<(), ApiError> {
    let details = identity.details();
    let user = match provider.store.link_user_identity(&user.id, target, &identity.id, Some(&details), provider.now_ms()).await {
        Ok(user) => user,
        // Unlinked or deleted meanwhile: nothing to keep in step.
        Err(StoreError::NotFound | StoreError::Conflict { .. }) => return Ok(()),
        Err(err) => return Err(err.into()),
    };
    sync_profile(provider, connector_id, identity, user).await
}

async fn sync_profile(provider: &Provider, connector_id: &str, identity: &SocialIdentity, mut user: User) -> Result<(), ApiError> {
    let sync = provider.store.find_connector(connector_id).await?.is_some_and(|record| record.sync_profile);
    let changed = sync
        && ((identity.name.is_some() && identity.name != user.name) || (identity.avatar.is_some() && identity.avatar != user.avatar));
    if !changed {
        return Ok(());
    }
    if identity.name.is_some() {
        user.name = identity.name.clone();
    }
    if identity.avatar.is_some() {
        user.avatar = identity.avatar.clone();
    }
    match provider.store.update_user(&user, provider.now_ms()).await {
        Ok(()) | Err(StoreError::NotFound) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// What registration must still ask for, Logto's default (`socialSignIn.skipRequiredIdentifiers`
/// off): the sign-up's primary identifier — a username when usernames sign up, else an email
/// (the provider's verified, unused address counts) — but never a password, for which the
/// social identity stands in.
fn missing_profile(settings: &SignInExperience, username: Option<&str>, email: Option<&str>) -> Option<&'static str> {
    let identifiers = &settings.sign_up.identifiers;
    if identifiers.contains(&SignUpIdentifier::Username) {
        return username.is_none().then_some("username");
    }
    let email_missing = email.is_none();
    match (identifiers.contains(&SignUpIdentifier::Email), identifiers.contains(&SignUpIdentifier::Phone)) {
        (true, true) => email_missing.then_some("emailOrPhone"),
        (true, false) => email_missing.then_some("email"),
        (false, true) => Some("phone"),
        (false, false) => None,
    }
}

/// Registration (event `Register`) with a social verification: a new user holding the
/// identity, named and pictured from the profile, with the verified email as primary email
/// when no one uses it. Returns the new user's id.
pub(super) async fn register(
    provider: &Provider,
    settings: &SignInExperience,
    record: &InteractionRecord,
    verification: &Verification,
) -> Result<String, ApiError> {
    if !settings.allows_registration() {
        return Err(super::forbidden_event());
    }
    let Verified { target, identity, .. } = verified(verification)?;
    if provider.store.find_user_by_identity(&target, &identity.id).await?.is_some() {
        return Err(identity_in_use());
    }
    let email = match identity.email.as_deref().map(str::to_lowercase) {
        Some(email) if provider.store.find_user_by_email(&email).await?.is_none() => Some(email),
        _ => None,
    };
    let username = record.profile.username.clone();
    if let Some(missing) = missing_profile(settings, username.as_deref(), email.as_deref()) {
        return Err(ApiError::new(422, codes::USER_MISSING_PROFILE, "Please provide the missing profile fields.")
            .with_data(json!({ "missingProfile": [missing] })));
    }
    let new_user = NewUser {
        id: ids::user_id(),
        username,
        primary_email: email,
        password_encrypted: record.profile.password_hash.clone(),
        password_encryption_method: record.profile.password_method.clone(),
        name: identity.name.clone(),
        ..NewUser::default()
    };
    let now = provider.now_ms();
    let mut user = provision::insert_user(provider.store.as_ref(), &new_user, now).await.map_err(|err| match err {
        StoreError::Conflict { field } if field == "primary_email" => {
            ApiError::new(422, codes::USER_EMAIL_IN_USE, "This email is associated with an existing account.")
        }
        StoreError::Conflict { .. } => ApiError::new(422, codes::USER_USERNAME_IN_USE, "This username is already in use."),
        other => other.into(),
    })?;
    if identity.avatar.is_some() {
        user.avatar = identity.avatar.clone();
        provider.store.update_user(&user, now).await?;
    }
    let details = identity.details();
    match provider.store.link_user_identity(&user.id, &target, &identity.id, Some(&details), now).await {
        Ok(_) => Ok(user.id),
        Err(err) => {
            // Linked to someone else meanwhile: the new user must not stay without it.
            if let Err(cleanup) = provider.store.delete_user(&user.id).await {
                tracing::error!(error = %cleanup, "could not remove a user whose registration failed");
            }
            Err(match err {
                StoreError::Conflict { .. } => identity_in_use(),
                other => other.into(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(identifiers: &[SignUpIdentifier]) -> SignInExperience {
        let mut settings = SignInExperience::default();
        settings.sign_up.identifiers = identifiers.to_vec();
        settings.sign_up.password = true;
        settings
    }

    #[test]
    fn registration_asks_for_the_primary_identifier_but_never_a_password() {
        use SignUpIdentifier::{Email, Phone, Username};
        assert_eq!(missing_profile(&settings(&[]), None, None), None);
        assert_eq!(missing_profile(&settings(&[Username]), None, Some("a@b.co")), Some("username"));
        assert_eq!(missing_profile(&settings(&[Username, Email]), Some("alice"), None), None, "username first, as Logto");
        assert_eq!(missing_profile(&settings(&[Email]), None, Some("a@b.co")), None);
        assert_eq!(missing_profile(&settings(&[Email]), None, None), Some("email"));
        assert_eq!(missing_profile(&settings(&[Email, Phone]), None, None), Some("emailOrPhone"));
        assert_eq!(missing_profile(&settings(&[Phone]), None, Some("a@b.co")), Some("phone"));
    }

    #[test]
    fn details_are_logtos_social_user_info() {
        let identity = SocialIdentity {
            id: "1".into(),
            name: Some("Whumpus".into()),
            avatar: None,
            email: None,
            phone: None,
            raw_data: Some(json!({"id": "1", "verified": false, "email": "x@y.z"})),
        };
        assert_eq!(identity.details(), json!({"id": "1", "name": "Whumpus", "rawData": {"id": "1", "verified": false, "email": "x@y.z"}}));
    }
}

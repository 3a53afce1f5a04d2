//! Profile fields gathered during an interaction: a username and password for registration,
//! and a new password for a reset.

use serde::Deserialize;

use super::{load, save, InteractionEvent, InteractionRecord};
use crate::error::{codes, ApiError};
use crate::provider::Provider;
use crate::sign_in_experience;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "camelCase")]
pub enum ProfileInput {
    Username(String),
    Password(String),
}

/// `POST /profile`.
pub async fn add_profile(provider: &Provider, uid: Option<&str>, input: ProfileInput) -> Result<(), ApiError> {
    let mut interaction = load(provider, uid).await?;
    match input {
        ProfileInput::Username(username) => {
            interaction.record.profile.username = Some(super::password::check_username_available(provider, &username).await?);
        }
        ProfileInput::Password(password) => {
            let user_info = profile_user_info(&interaction.record);
            store_password(provider, &mut interaction.record, &password, &user_info).await?;
        }
    }
    save(provider, &interaction).await
}

/// What the password must not contain: the identifiers gathered so far.
fn profile_user_info(record: &InteractionRecord) -> Vec<String> {
    let mut info: Vec<String> = record.profile.username.iter().cloned().collect();
    for verification in &record.verifications {
        if let super::Verification::VerificationCode { identifier, .. } = verification {
            info.push(identifier.value.clone());
        }
    }
    info
}

async fn store_password(provider: &Provider, record: &mut InteractionRecord, password: &str, user_info: &[String]) -> Result<(), ApiError> {
    let settings = sign_in_experience::load(provider).await?;
    let info: Vec<&str> = user_info.iter().map(String::as_str).collect();
    super::password_policy::check_password(password, &settings.password_policy, &info)?;
    let (hash, method) = provider.passwords.hash(password).await?;
    record.profile.password_hash = Some(hash);
    record.profile.password_method = Some(method.to_owned());
    Ok(())
}

/// `PUT /profile/password`: the new password of a ForgotPassword interaction, checked
/// against the policy and the user's information, and refused when it is the current one.
pub async fn reset_password(provider: &Provider, uid: Option<&str>, password: &str) -> Result<(), ApiError> {
    let mut interaction = load(provider, uid).await?;
    if interaction.record.event()? != InteractionEvent::ForgotPassword {
        return Err(super::forbidden_event());
    }
    let user_id = interaction.record.identified_user.clone().ok_or_else(|| {
        ApiError::new(404, codes::SESSION_IDENTIFIER_NOT_FOUND, "No user was identified in this interaction.")
    })?;
    let user = provider.store.find_user(&user_id).await?.ok_or_else(|| ApiError::new(404, codes::USER_NOT_EXIST, "User does not exist."))?;
    let current = user.password_encryption_method.clone().zip(user.password_encrypted.clone());
    if current.is_some() && provider.passwords.verify(password, current).await? {
        return Err(ApiError::new(422, codes::USER_SAME_PASSWORD, "The new password must differ from the old one."));
    }
    let user_info: Vec<String> = [user.username, user.primary_email, user.primary_phone, user.name].into_iter().flatten().collect();
    store_password(provider, &mut interaction.record, password, &user_info).await?;
    save(provider, &interaction).await
}

/// Writes the reset password at submit.
pub(super) async fn apply_password_reset(provider: &Provider, record: &InteractionRecord, user_id: &str) -> Result<(), ApiError> {
    let (Some(hash), Some(method)) = (&record.profile.password_hash, &record.profile.password_method) else {
        return Err(ApiError::new(422, codes::USER_MISSING_PROFILE, "Please set a new password first.")
            .with_data(serde_json::json!({ "missingProfile": ["password"] })));
    };
    provider.store.update_user_password(user_id, hash, method, provider.now_ms()).await?;
    Ok(())
}

//! `POST /identification`: binds the interaction to a user — an existing one for sign-in and
//! password reset, a new one (created here) for registration.

use serde_json::json;

use super::password::{find_user_by, sign_up_method_not_enabled, username_in_use};
use super::{load, save, social, IdentifierType, InteractionEvent, InteractionRecord, PendingProfile, Verification};
use crate::error::{codes, ApiError};
use crate::ids;
use crate::model::{NewUser, User};
use crate::provider::Provider;
use crate::provision;
use crate::sign_in_experience::{self, SignInExperience};
use crate::store::StoreError;

/// Whether identification signed in an existing user or registered a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identified {
    SignedIn,
    Registered,
}

/// `link_social_identity` (Logto's `linkSocialIdentity`) links a verified social identity
/// to the account with the same verified email instead of answering `user.identity_not_exist`.
pub async fn identify(
    provider: &Provider,
    uid: Option<&str>,
    verification_id: Option<&str>,
    link_social_identity: bool,
) -> Result<Identified, ApiError> {
    let mut interaction = load(provider, uid).await?;
    let (user_id, outcome) = match interaction.record.event()? {
        event @ (InteractionEvent::SignIn | InteractionEvent::ForgotPassword) => {
            let id = verification_id.ok_or_else(|| ApiError::invalid_input("verificationId is required."))?;
            let user_id = match interaction.record.verification(id)? {
                social @ Verification::Social { .. } => social::identify_existing(provider, event, social, link_social_identity).await?,
                _ => identify_existing(provider, &interaction.record, id).await?,
            };
            (user_id, Identified::SignedIn)
        }
        InteractionEvent::Register => (register(provider, &interaction.record, verification_id).await?, Identified::Registered),
    };
    interaction.record.identified_user = Some(user_id);
    save(provider, &interaction).await?;
    Ok(outcome)
}

fn user_not_exist() -> ApiError {
    ApiError::new(404, codes::USER_NOT_EXIST, "User does not exist.")
}

fn not_verified() -> ApiError {
    ApiError::new(400, codes::SESSION_VERIFICATION_FAILED, "The verification was not completed.")
}

async fn identify_existing(provider: &Provider, record: &InteractionRecord, verification_id: &str) -> Result<String, ApiError> {
    let user = match record.verification(verification_id)? {
        Verification::Password { user_id, .. } => provider.store.find_user(user_id).await?,
        Verification::VerificationCode { identifier, verified: true, .. } => find_user_by(provider, identifier).await?,
        Verification::VerificationCode { .. } => return Err(not_verified()),
        Verification::NewPasswordIdentity { .. } | Verification::Social { .. } => {
            return Err(ApiError::invalid_input("This verification cannot identify an existing user."))
        }
    };
    let user = user.ok_or_else(user_not_exist)?;
    if user.is_suspended {
        return Err(ApiError::new(401, codes::USER_SUSPENDED, "This account is suspended."));
    }
    Ok(user.id)
}

async fn register(provider: &Provider, record: &InteractionRecord, verification_id: Option<&str>) -> Result<String, ApiError> {
    let settings = sign_in_experience::load(provider).await?;
    let social_verification = match verification_id {
        Some(id) => Some(record.verification(id)?).filter(|v| matches!(v, Verification::Social { .. })),
        None => social::verified_social(record),
    };
    if let Some(verification) = social_verification {
        return social::register(provider, &settings, record, verification).await;
    }
    let new_user = match verification_id {
        Some(id) => match record.verification(id)? {
            Verification::NewPasswordIdentity { username, password_hash, password_method, .. } => NewUser {
                username: Some(username.clone()),
                password_encrypted: Some(password_hash.clone()),
                password_encryption_method: Some(password_method.clone()),
                ..NewUser::default()
            },
            Verification::VerificationCode { identifier, verified: true, .. } => {
                registration_by_code(provider, &settings, identifier.kind, &identifier.value, &record.profile).await?
            }
            Verification::VerificationCode { .. } => return Err(not_verified()),
            Verification::Password { .. } | Verification::Social { .. } => {
                return Err(ApiError::invalid_input("This verification cannot register a new user."))
            }
        },
        // After a missing-profile answer the page sends the profile, then identifies again
        // without an id: the verified code still names the identifier.
        None => match verified_code(record) {
            Some((kind, value)) => registration_by_code(provider, &settings, kind, &value, &record.profile).await?,
            None => registration_by_profile(&settings, &record.profile)?,
        },
    };
    insert(provider, new_user).await
}

fn verified_code(record: &InteractionRecord) -> Option<(IdentifierType, String)> {
    record.verifications.iter().find_map(|verification| match verification {
        Verification::VerificationCode { identifier, verified: true, .. } => Some((identifier.kind, identifier.value.clone())),
        _ => None,
    })
}

async fn registration_by_code(
    provider: &Provider,
    settings: &SignInExperience,
    kind: IdentifierType,
    value: &str,
    profile: &PendingProfile,
) -> Result<NewUser, ApiError> {
    if !settings.sign_up.identifiers.contains(&kind.setting()) {
        return Err(sign_up_method_not_enabled());
    }
    let identifier = super::Identifier { kind, value: value.to_owned() };
    if find_user_by(provider, &identifier).await?.is_some() {
        return Err(identifier_in_use(kind));
    }
    if settings.sign_up.password && profile.password_hash.is_none() {
        return Err(missing_profile(&["password"]));
    }
    let mut user = NewUser {
        password_encrypted: profile.password_hash.clone(),
        password_encryption_method: profile.password_method.clone(),
        ..NewUser::default()
    };
    match kind {
        IdentifierType::Email => user.primary_email = Some(value.to_owned()),
        IdentifierType::Phone => user.primary_phone = Some(value.to_owned()),
        IdentifierType::Username => user.username = Some(value.to_owned()),
    }
    Ok(user)
}

fn registration_by_profile(settings: &SignInExperience, profile: &PendingProfile) -> Result<NewUser, ApiError> {
    if !settings.sign_up.identifiers.contains(&sign_in_experience::Identifier::Username) {
        return Err(sign_up_method_not_enabled());
    }
    let mut missing = Vec::new();
    if profile.username.is_none() {
        missing.push("username");
    }
    if profile.password_hash.is_none() {
        missing.push("password");
    }
    if !missing.is_empty() {
        return Err(missing_profile(&missing));
    }
    Ok(NewUser {
        username: profile.username.clone(),
        password_encrypted: profile.password_hash.clone(),
        password_encryption_method: profile.password_method.clone(),
        ..NewUser::default()
    })
}

fn missing_profile(fields: &[&str]) -> ApiError {
    ApiError::new(422, codes::USER_MISSING_PROFILE, "Please provide the missing profile fields.").with_data(json!({ "missingProfile": fields }))
}

fn identifier_in_use(kind: IdentifierType) -> ApiError {
    match kind {
        IdentifierType::Email => ApiError::new(422, codes::USER_EMAIL_IN_USE, "This email is associated with an existing account."),
        IdentifierType::Phone => ApiError::new(422, codes::USER_PHONE_IN_USE, "This phone number is associated with an existing account."),
        IdentifierType::Username => username_in_use(),
    }
}

async fn insert(provider: &Provider, mut new_user: NewUser) -> Result<String, ApiError> {
    new_user.id = ids::user_id();
    match provision::insert_user(provider.store.as_ref(), &new_user, provider.now_ms()).await {
        Ok(User { id, .. }) => Ok(id),
        Err(StoreError::Conflict { field }) => Err(match field.as_str() {
            "primary_email" => identifier_in_use(IdentifierType::Email),
            "primary_phone" => identifier_in_use(IdentifierType::Phone),
            _ => username_in_use(),
        }),
        Err(err) => Err(err.into()),
    }
}

//! Password verifications: signing in with an identifier and password, and choosing a
//! username and password to register.

use super::{load, save, sentinel, Identifier, IdentifierType, Verification};
use crate::error::{codes, ApiError};
use crate::ids;
use crate::model::User;
use crate::provider::Provider;
use crate::sign_in_experience;
use crate::store::StoreError;

pub(super) async fn find_user_by(provider: &Provider, identifier: &Identifier) -> Result<Option<User>, StoreError> {
    let identifier = identifier.canonical();
    match identifier.kind {
        IdentifierType::Username => provider.store.find_user_by_username(&identifier.value).await,
        IdentifierType::Email => provider.store.find_user_by_email(&identifier.value).await,
        IdentifierType::Phone => provider.store.find_user_by_phone(&identifier.value).await,
    }
}

fn invalid_credentials() -> ApiError {
    ApiError::new(422, codes::SESSION_INVALID_CREDENTIALS, "Wrong account or password. Please try again.")
}

/// `POST /verification/password`. Unknown users cost as much time as wrong passwords, and
/// failures count towards the identifier's lockout.
pub async fn verify_password(provider: &Provider, uid: Option<&str>, identifier: &Identifier, password: &str) -> Result<String, ApiError> {
    let mut interaction = load(provider, uid).await?;
    let settings = sign_in_experience::load(provider).await?;
    let method_enabled = settings.sign_in_method(identifier.kind.setting()).is_some_and(|method| method.password);
    if !method_enabled {
        return Err(ApiError::new(422, codes::USER_SIGN_IN_METHOD_NOT_ENABLED, "This sign-in method is not enabled."));
    }
    sentinel::ensure_not_blocked(provider, identifier, &settings.sentinel_policy).await?;
    let user = find_user_by(provider, identifier).await?;
    let stored = user.as_ref().and_then(|user| Some((user.password_encryption_method.clone()?, user.password_encrypted.clone()?)));
    let valid = provider.passwords.verify(password, stored).await?;
    let Some(user) = user.filter(|_| valid) else {
        return Err(sentinel::record_failure(provider, identifier, &settings.sentinel_policy, invalid_credentials()).await);
    };
    let id = ids::entity_id();
    interaction.record.add_verification(Verification::Password { id: id.clone(), user_id: user.id });
    save(provider, &interaction).await?;
    Ok(id)
}

/// `POST /verification/new-password-identity`: a username and password for registration.
pub async fn new_password_identity(
    provider: &Provider,
    uid: Option<&str>,
    identifier: &Identifier,
    password: &str,
) -> Result<String, ApiError> {
    let mut interaction = load(provider, uid).await?;
    if identifier.kind != IdentifierType::Username {
        return Err(ApiError::invalid_input("Only a username identifier can register with a new password."));
    }
    let settings = sign_in_experience::load(provider).await?;
    if !settings.sign_up.identifiers.contains(&sign_in_experience::Identifier::Username) {
        return Err(sign_up_method_not_enabled());
    }
    let username = check_username_available(provider, &identifier.value).await?;
    super::password_policy::check_password(password, &settings.password_policy, &[&username])?;
    let (password_hash, method) = provider.passwords.hash(password).await?;
    let id = ids::entity_id();
    interaction.record.add_verification(Verification::NewPasswordIdentity {
        id: id.clone(),
        username,
        password_hash,
        password_method: method.to_owned(),
    });
    save(provider, &interaction).await?;
    Ok(id)
}

pub(super) fn sign_up_method_not_enabled() -> ApiError {
    ApiError::new(422, codes::USER_SIGN_UP_METHOD_NOT_ENABLED, "This sign-up method is not enabled.")
}

/// Logto's username rule: a letter or underscore, then word characters, at most 128.
fn check_username_format(username: &str) -> Result<(), ApiError> {
    let mut chars = username.chars();
    let starts_well = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !starts_well || username.len() > 128 || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(ApiError::invalid_input(
            "Username must start with a letter or underscore and contain only letters, numbers and underscores.",
        ));
    }
    Ok(())
}

pub(super) async fn check_username_available(provider: &Provider, username: &str) -> Result<String, ApiError> {
    let username = username.trim();
    check_username_format(username)?;
    if provider.store.find_user_by_username(username).await?.is_some() {
        return Err(username_in_use());
    }
    Ok(username.to_owned())
}

pub(super) fn username_in_use() -> ApiError {
    ApiError::new(422, codes::USER_USERNAME_IN_USE, "This username is already in use.")
}

//! Users: create, update, passwords, suspension, custom data, profile and roles, with the
//! rules of Logto's `routes/admin-user/*`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::input::{self, nullable};
use super::{entity_error, not_found};
use crate::crypto::password::ARGON2I;
use crate::error::{codes, ApiError};
use crate::model::{Listing, Page, Role, RoleType, User};
use crate::provider::Provider;
use crate::provision::{self, NewUserInput};
use crate::store::StoreError;

const ENTITY: &str = "user";
pub const USER_INVALID_ROLE_TYPE: &str = "user.invalid_role_type";
pub const USER_CANNOT_DELETE_SELF: &str = "user.cannot_delete_self";

/// Logto's `addressGuard`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// Logto's `userProfileGuard`: the OIDC standard profile claims, camelCase, all optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthdate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zoneinfo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

impl Profile {
    fn into_map(self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }
}

/// `POST /api/users`. Logto applies no password policy here (`password: string().min(1)`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateUser {
    #[serde(default, deserialize_with = "input::present")]
    pub username: Option<String>,
    #[serde(default, deserialize_with = "input::present")]
    pub primary_email: Option<String>,
    #[serde(default, deserialize_with = "input::present")]
    pub primary_phone: Option<String>,
    #[serde(default, deserialize_with = "input::present")]
    pub password: Option<String>,
    #[serde(default, deserialize_with = "input::present")]
    pub name: Option<String>,
    #[serde(default)]
    pub avatar: Option<String>,
    #[serde(default, deserialize_with = "input::present")]
    pub custom_data: Option<Value>,
    #[serde(default, deserialize_with = "input::present")]
    pub profile: Option<Profile>,
}

/// `PATCH /api/users/:userId`: absent fields stay, `null` (or `""`) clears nullable ones;
/// `customData` and `profile` replace the stored ones.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "nullable")]
    pub username: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub primary_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub primary_phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub avatar: Option<Option<String>>,
    #[serde(default, deserialize_with = "input::present")]
    pub custom_data: Option<Value>,
    #[serde(default, deserialize_with = "input::present")]
    pub profile: Option<Profile>,
}

fn username_in_use() -> ApiError {
    ApiError::new(422, codes::USER_USERNAME_IN_USE, "This username is already in use.")
}

fn email_in_use() -> ApiError {
    ApiError::new(422, codes::USER_EMAIL_IN_USE, "This email is associated with an existing account.")
}

fn phone_in_use() -> ApiError {
    ApiError::new(422, codes::USER_PHONE_IN_USE, "This phone number is associated with an existing account.")
}

/// A store write on a user: missing → 404, a taken identifier → Logto's `user.*_already_in_use`.
fn user_error(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict { field } => match field.as_str() {
            "username" => username_in_use(),
            "primary_email" => email_in_use(),
            "primary_phone" => phone_in_use(),
            _ => entity_error(ENTITY)(StoreError::Conflict { field }),
        },
        other => entity_error(ENTITY)(other),
    }
}

/// `None` for absent-or-empty; otherwise the value, checked.
fn identifier(value: Option<String>, check: fn(&str) -> Result<(), ApiError>) -> Result<Option<String>, ApiError> {
    match value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
        Some(value) => {
            check(&value)?;
            Ok(Some(value))
        }
        None => Ok(None),
    }
}

/// Avatars are URLs or empty (Logto: `string().url().or(literal(''))`).
fn avatar(value: Option<String>) -> Result<Option<String>, ApiError> {
    match value.filter(|v| !v.is_empty()) {
        Some(url) if url::Url::parse(&url).is_ok() => Ok(Some(url)),
        Some(_) => Err(ApiError::invalid_input("avatar must be a URL.")),
        None => Ok(None),
    }
}

/// Refuses identifiers another user holds (Logto's `checkIdentifierCollision`).
async fn check_collisions(
    provider: &Provider,
    username: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
    except: Option<&str>,
) -> Result<(), ApiError> {
    let other = |user: Option<User>| user.is_some_and(|user| Some(user.id.as_str()) != except);
    if let Some(email) = email {
        if other(provider.store.find_user_by_email(email).await?) {
            return Err(email_in_use());
        }
    }
    if let Some(phone) = phone {
        if other(provider.store.find_user_by_phone(phone).await?) {
            return Err(phone_in_use());
        }
    }
    if let Some(username) = username {
        if other(provider.store.find_user_by_username(username).await?) {
            return Err(username_in_use());
        }
    }
    Ok(())
}

pub async fn get(provider: &Provider, id: &str) -> Result<User, ApiError> {
    provider.store.find_user(id).await?.ok_or_else(|| not_found(ENTITY))
}

pub async fn list(provider: &Provider, search: Option<&str>, page: Page) -> Result<Listing<User>, ApiError> {
    let term = input::search_term(search);
    Ok(provider.store.list_users(term.as_deref(), page).await?)
}

/// Creates the user and gives it the default `User` roles.
pub async fn create(provider: &Provider, input: CreateUser) -> Result<User, ApiError> {
    let username = identifier(input.username, input::check_username)?;
    let email = identifier(input.primary_email, input::check_email)?;
    let phone = identifier(input.primary_phone, input::check_phone)?;
    if input.password.as_deref().is_some_and(str::is_empty) {
        return Err(ApiError::invalid_input("password must not be empty."));
    }
    let avatar = avatar(input.avatar)?;
    let custom_data = input.custom_data.map(|data| input::json_object(data, "customData")).transpose()?;
    check_collisions(provider, username.as_deref(), email.as_deref(), phone.as_deref(), None).await?;
    let new = NewUserInput { username, password: input.password, email, phone, name: input.name };
    let mut user = provision::create_user(provider.store.as_ref(), &provider.passwords, new, provider.now_ms()).await?;
    if avatar.is_some() || custom_data.is_some() || input.profile.is_some() {
        user.avatar = avatar;
        if let Some(data) = custom_data {
            user.custom_data = Value::Object(data);
        }
        if let Some(profile) = input.profile {
            user.profile = Value::Object(profile.into_map());
        }
        provider.store.update_user(&user, user.updated_at).await.map_err(user_error)?;
    }
    let defaults: Vec<String> = provider
        .store
        .list_roles(Some(RoleType::User), None, Page::ALL)
        .await?
        .items
        .into_iter()
        .filter(|role| role.is_default)
        .map(|role| role.id)
        .collect();
    if !defaults.is_empty() {
        provider.store.add_user_roles(&user.id, &defaults).await.map_err(entity_error("role"))?;
    }
    Ok(user)
}

/// Applies a `null`-clears / value-sets patch of one nullable identifier.
fn patched(
    current: Option<String>,
    patch: Option<Option<String>>,
    check: fn(&str) -> Result<(), ApiError>,
) -> Result<Option<String>, ApiError> {
    match patch {
        None => Ok(current),
        Some(value) => identifier(value, check),
    }
}

fn any_text(_: &str) -> Result<(), ApiError> {
    Ok(())
}

pub async fn update(provider: &Provider, id: &str, patch: UpdateUser) -> Result<User, ApiError> {
    let mut user = get(provider, id).await?;
    let username = patched(user.username.clone(), patch.username.clone(), input::check_username)?;
    let email = patched(user.primary_email.clone(), patch.primary_email.clone(), input::check_email)?;
    let phone = patched(user.primary_phone.clone(), patch.primary_phone.clone(), input::check_phone)?;
    check_collisions(
        provider,
        patch.username.is_some().then_some(username.as_deref()).flatten(),
        patch.primary_email.is_some().then_some(email.as_deref()).flatten(),
        patch.primary_phone.is_some().then_some(phone.as_deref()).flatten(),
        Some(id),
    )
    .await?;
    user.username = username;
    user.primary_email = email.map(|email| email.to_lowercase());
    user.primary_phone = phone;
    user.name = patched(user.name.take(), patch.name, any_text)?;
    if let Some(value) = patch.avatar {
        user.avatar = avatar(value)?;
    }
    if let Some(data) = patch.custom_data {
        user.custom_data = Value::Object(input::json_object(data, "customData")?);
    }
    if let Some(profile) = patch.profile {
        user.profile = Value::Object(profile.into_map());
    }
    let now = provider.now_ms();
    provider.store.update_user(&user, now).await.map_err(user_error)?;
    user.updated_at = now;
    Ok(user)
}

/// Deletes the user with its role assignments, sessions, grants and tokens.
pub async fn delete(provider: &Provider, id: &str, caller_user: Option<&str>) -> Result<(), ApiError> {
    if caller_user == Some(id) {
        return Err(ApiError::new(400, USER_CANNOT_DELETE_SELF, "You cannot delete yourself."));
    }
    provider.store.delete_user(id).await.map_err(entity_error(ENTITY))
}

/// Sets a new password (hashed with Logto's Argon2i parameters). Like Logto, neither the
/// password policy nor a sign-out applies: this is an administrator's reset.
pub async fn set_password(provider: &Provider, id: &str, password: &str) -> Result<User, ApiError> {
    if password.is_empty() {
        return Err(ApiError::invalid_input("password must not be empty."));
    }
    get(provider, id).await?;
    let (hash, method) = provider.passwords.hash(password).await?;
    provider.store.update_user_password(id, &hash, method, provider.now_ms()).await.map_err(entity_error(ENTITY))?;
    get(provider, id).await
}

/// `POST /users/:userId/password/verify`: 422 `session.invalid_credentials` on a mismatch or
/// when the user has no password. A hash of an older method is upgraded to Argon2i, as Logto does.
pub async fn verify_password(provider: &Provider, id: &str, password: &str) -> Result<(), ApiError> {
    if password.is_empty() {
        return Err(ApiError::invalid_input("password must not be empty."));
    }
    let user = get(provider, id).await?;
    let stored = user.password_encryption_method.clone().zip(user.password_encrypted.clone());
    let has_password = stored.is_some();
    let valid = provider.passwords.verify(password, stored).await?;
    if !has_password || !valid {
        return Err(ApiError::new(422, codes::SESSION_INVALID_CREDENTIALS, "Wrong account or password. Please try again."));
    }
    if user.password_encryption_method.as_deref() != Some(ARGON2I) {
        let (hash, method) = provider.passwords.hash(password).await?;
        provider.store.update_user_password(id, &hash, method, provider.now_ms()).await.map_err(entity_error(ENTITY))?;
    }
    Ok(())
}

pub async fn has_password(provider: &Provider, id: &str) -> Result<bool, ApiError> {
    Ok(get(provider, id).await?.password_encrypted.is_some())
}

/// Suspending also ends every session and revokes every grant and token of the user.
pub async fn set_suspended(provider: &Provider, id: &str, suspended: bool) -> Result<User, ApiError> {
    provider.store.set_user_suspended(id, suspended, provider.now_ms()).await.map_err(entity_error(ENTITY))?;
    if suspended {
        provider.store.revoke_account(id).await?;
    }
    get(provider, id).await
}

/// Merges top-level keys into the custom data; returns the result.
pub async fn merge_custom_data(provider: &Provider, id: &str, data: Value) -> Result<Value, ApiError> {
    let patch = input::json_object(data, "customData")?;
    let mut user = get(provider, id).await?;
    user.custom_data = input::merge_top_level(&user.custom_data, patch);
    provider.store.update_user(&user, provider.now_ms()).await.map_err(user_error)?;
    Ok(user.custom_data)
}

/// Merges top-level profile claims into the profile; returns the result.
pub async fn merge_profile(provider: &Provider, id: &str, profile: Profile) -> Result<Value, ApiError> {
    let mut user = get(provider, id).await?;
    user.profile = input::merge_top_level(&user.profile, profile.into_map());
    provider.store.update_user(&user, provider.now_ms()).await.map_err(user_error)?;
    Ok(user.profile)
}

/// The user's `User`-type roles.
pub async fn roles(provider: &Provider, id: &str, page: Page) -> Result<Listing<Role>, ApiError> {
    get(provider, id).await?;
    let roles = provider.store.user_roles(id).await?.into_iter().filter(|role| role.role_type == RoleType::User).collect();
    Ok(input::page_of(roles, page))
}

/// Loads the roles, refusing unknown ones (404) and non-`User` ones (422).
async fn user_roles_named(provider: &Provider, role_ids: &[String]) -> Result<(), ApiError> {
    for role_id in role_ids {
        let role = provider.store.find_role(role_id).await?.ok_or_else(|| not_found("role"))?;
        if role.role_type != RoleType::User {
            return Err(ApiError::new(422, USER_INVALID_ROLE_TYPE, "Only roles of type User can be assigned to users.")
                .with_data(serde_json::json!({ "roleId": role.id })));
        }
    }
    Ok(())
}

/// Assigns roles (already held ones are ignored, like Logto).
pub async fn add_roles(provider: &Provider, id: &str, role_ids: &[String]) -> Result<(), ApiError> {
    let role_ids = input::ids(role_ids, "roleIds", false)?;
    get(provider, id).await?;
    user_roles_named(provider, &role_ids).await?;
    provider.store.add_user_roles(id, &role_ids).await.map_err(entity_error("role"))
}

/// Makes `role_ids` exactly the user's roles.
pub async fn replace_roles(provider: &Provider, id: &str, role_ids: &[String]) -> Result<Vec<Role>, ApiError> {
    let role_ids = input::ids(role_ids, "roleIds", false)?;
    get(provider, id).await?;
    user_roles_named(provider, &role_ids).await?;
    let held = provider.store.user_roles(id).await?;
    provider.store.add_user_roles(id, &role_ids).await.map_err(entity_error("role"))?;
    for role in held.iter().filter(|role| !role_ids.contains(&role.id)) {
        match provider.store.remove_user_role(id, &role.id).await {
            Ok(()) | Err(StoreError::NotFound) => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(provider.store.user_roles(id).await?)
}

pub async fn remove_role(provider: &Provider, id: &str, role_id: &str) -> Result<(), ApiError> {
    provider.store.remove_user_role(id, role_id).await.map_err(entity_error("user role"))
}

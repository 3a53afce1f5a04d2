//! Roles (RBAC), with the rules of Logto's `routes/role*.ts`: unique names, scopes granted
//! once, `User` roles held by users only, machine-to-machine roles by machine-to-machine
//! applications only, and the Management API's scopes never granted to `User` roles.

use serde::Deserialize;
use serde_json::json;

use super::input;
use super::{entity_error, not_found};
use crate::error::ApiError;
use crate::ids;
use crate::model::{Application, ApplicationType, Listing, Page, Resource, Role, RoleType, Scope, User};
use crate::provider::Provider;
use crate::store::StoreError;

const ENTITY: &str = "role";
pub const ROLE_NAME_IN_USE: &str = "role.name_in_use";
pub const ROLE_SCOPE_EXISTS: &str = "role.scope_exists";
pub const ROLE_USER_EXISTS: &str = "role.user_exists";
pub const ROLE_APPLICATION_EXISTS: &str = "role.application_exists";
pub const MANAGEMENT_SCOPES_NOT_FOR_USERS: &str = "role.management_api_scopes_not_assignable_to_user_role";
pub const APPLICATION_INVALID_TYPE: &str = "application.invalid_type";
pub const APPLICATION_INVALID_ROLE_TYPE: &str = "application.invalid_role_type";

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateRole {
    pub name: String,
    pub description: String,
    #[serde(rename = "type", default, deserialize_with = "input::present")]
    pub role_type: Option<RoleType>,
    #[serde(default, deserialize_with = "input::present")]
    pub scope_ids: Option<Vec<String>>,
    #[serde(default, deserialize_with = "input::present")]
    pub is_default: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateRole {
    #[serde(default, deserialize_with = "input::present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "input::present")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "input::present")]
    pub is_default: Option<bool>,
}

/// A role in a listing, with Logto's counts and up to three featured holders.
#[derive(Debug, Clone)]
pub struct RoleSummary {
    pub role: Role,
    pub users_count: u64,
    pub featured_users: Vec<User>,
    pub applications_count: u64,
    pub featured_applications: Vec<Application>,
}

fn name_in_use(name: &str) -> ApiError {
    ApiError::new(422, ROLE_NAME_IN_USE, format!("The role name {name} is already in use."))
        .with_data(json!({ "name": name }))
}

fn role_error(name: &str) -> impl Fn(StoreError) -> ApiError + '_ {
    move |err| match err {
        StoreError::Conflict { .. } => name_in_use(name),
        other => entity_error(ENTITY)(other),
    }
}

pub async fn get(provider: &Provider, id: &str) -> Result<Role, ApiError> {
    provider.store.find_role(id).await?.ok_or_else(|| not_found(ENTITY))
}

const FEATURED: Page = Page { offset: 0, limit: 3 };

pub async fn list(provider: &Provider, role_type: Option<RoleType>, search: Option<&str>, page: Page) -> Result<Listing<RoleSummary>, ApiError> {
    let term = input::search_term(search);
    let roles = provider.store.list_roles(role_type, term.as_deref(), page).await?;
    let mut items = Vec::with_capacity(roles.items.len());
    for role in roles.items {
        let users = provider.store.role_users(&role.id, FEATURED).await?;
        let applications = provider.store.role_applications(&role.id, FEATURED).await?;
        items.push(RoleSummary {
            role,
            users_count: users.total,
            featured_users: users.items,
            applications_count: applications.total,
            featured_applications: applications.items,
        });
    }
    Ok(Listing { items, total: roles.total })
}

/// Checks scopes may be granted to a role of `role_type`: each exists (404), and a `User` role
/// gets none of the Management API's.
async fn check_grantable(provider: &Provider, role_type: RoleType, scope_ids: &[String]) -> Result<(), ApiError> {
    for scope_id in scope_ids {
        let scope = provider.store.find_scope(scope_id).await?.ok_or_else(|| not_found("scope"))?;
        if role_type == RoleType::User {
            let resource = provider.store.find_resource(&scope.resource_id).await?;
            if resource.is_some_and(|resource| resource.indicator == provider.management_api) {
                return Err(ApiError::new(400, MANAGEMENT_SCOPES_NOT_FOR_USERS, "Management API scopes cannot be assigned to user roles.")
                    .with_data(json!({ "scopeId": scope.id })));
            }
        }
    }
    Ok(())
}

pub async fn create(provider: &Provider, input: CreateRole) -> Result<Role, ApiError> {
    let name = input::required_text(&input.name, "name")?;
    let scope_ids = input::ids(input.scope_ids.as_deref().unwrap_or_default(), "scopeIds", false)?;
    let role = Role {
        id: ids::entity_id(),
        name,
        description: input.description,
        role_type: input.role_type.unwrap_or(RoleType::User),
        is_default: input.is_default.unwrap_or(false),
        created_at: provider.now_ms(),
    };
    if provider.store.find_role_by_name(&role.name).await?.is_some() {
        return Err(name_in_use(&role.name));
    }
    check_grantable(provider, role.role_type, &scope_ids).await?;
    provider.store.insert_role(&role, &scope_ids).await.map_err(|err| match err {
        StoreError::Conflict { .. } => name_in_use(&role.name),
        StoreError::NotFound => not_found("scope"),
        other => other.into(),
    })?;
    Ok(role)
}

pub async fn update(provider: &Provider, id: &str, patch: UpdateRole) -> Result<Role, ApiError> {
    let mut role = get(provider, id).await?;
    if let Some(name) = patch.name {
        let name = input::required_text(&name, "name")?;
        if provider.store.find_role_by_name(&name).await?.is_some_and(|other| other.id != role.id) {
            return Err(name_in_use(&name));
        }
        role.name = name;
    }
    if let Some(description) = patch.description {
        role.description = description;
    }
    if let Some(is_default) = patch.is_default {
        role.is_default = is_default;
    }
    provider.store.update_role(&role).await.map_err(role_error(&role.name))?;
    Ok(role)
}

pub async fn delete(provider: &Provider, id: &str) -> Result<(), ApiError> {
    provider.store.delete_role(id).await.map_err(entity_error(ENTITY))
}

/// The role's scopes, each with its resource (Logto's `scopeResponseGuard`).
pub async fn scopes(provider: &Provider, id: &str, page: Page) -> Result<Listing<(Scope, Option<Resource>)>, ApiError> {
    get(provider, id).await?;
    let scopes = input::page_of(provider.store.role_scopes(id).await?, page);
    let mut items = Vec::with_capacity(scopes.items.len());
    for scope in scopes.items {
        let resource = provider.store.find_resource(&scope.resource_id).await?;
        items.push((scope, resource));
    }
    Ok(Listing { items, total: scopes.total })
}

/// Grants scopes; returns all the role's scopes. A scope already granted is 422.
pub async fn add_scopes(provider: &Provider, id: &str, scope_ids: &[String]) -> Result<Vec<Scope>, ApiError> {
    let scope_ids = input::ids(scope_ids, "scopeIds", true)?;
    let role = get(provider, id).await?;
    let held = provider.store.role_scopes(id).await?;
    if let Some(scope) = held.iter().find(|scope| scope_ids.contains(&scope.id)) {
        return Err(ApiError::new(422, ROLE_SCOPE_EXISTS, "The scope is already granted to this role.")
            .with_data(json!({ "scopeId": scope.id })));
    }
    check_grantable(provider, role.role_type, &scope_ids).await?;
    provider.store.add_role_scopes(id, &scope_ids).await.map_err(entity_error("scope"))?;
    Ok(provider.store.role_scopes(id).await?)
}

pub async fn remove_scope(provider: &Provider, id: &str, scope_id: &str) -> Result<(), ApiError> {
    provider.store.remove_role_scope(id, scope_id).await.map_err(entity_error("role scope"))
}

pub async fn users(provider: &Provider, id: &str, page: Page) -> Result<Listing<User>, ApiError> {
    get(provider, id).await?;
    Ok(provider.store.role_users(id, page).await?)
}

/// Assigns a `User` role to users; a user already holding it is 422 (Logto's `role.user_exists`).
pub async fn add_users(provider: &Provider, id: &str, user_ids: &[String]) -> Result<(), ApiError> {
    let user_ids = input::ids(user_ids, "userIds", true)?;
    let role = get(provider, id).await?;
    if role.role_type != RoleType::User {
        return Err(ApiError::new(422, super::users::USER_INVALID_ROLE_TYPE, "Only roles of type User can be assigned to users.")
            .with_data(json!({ "roleId": role.id })));
    }
    for user_id in &user_ids {
        provider.store.find_user(user_id).await?.ok_or_else(|| not_found("user"))?;
        if provider.store.user_roles(user_id).await?.iter().any(|held| held.id == role.id) {
            return Err(ApiError::new(422, ROLE_USER_EXISTS, "The user already has this role.").with_data(json!({ "userId": user_id })));
        }
    }
    for user_id in &user_ids {
        provider.store.add_user_roles(user_id, std::slice::from_ref(&role.id)).await.map_err(entity_error("user"))?;
    }
    Ok(())
}

pub async fn remove_user(provider: &Provider, id: &str, user_id: &str) -> Result<(), ApiError> {
    provider.store.remove_user_role(user_id, id).await.map_err(entity_error("user role"))
}

pub async fn applications(provider: &Provider, id: &str, page: Page) -> Result<Listing<Application>, ApiError> {
    get(provider, id).await?;
    Ok(provider.store.role_applications(id, page).await?)
}

/// Assigns a machine-to-machine role to machine-to-machine applications.
pub async fn add_applications(provider: &Provider, id: &str, application_ids: &[String]) -> Result<(), ApiError> {
    let application_ids = input::ids(application_ids, "applicationIds", true)?;
    let role = get(provider, id).await?;
    if role.role_type != RoleType::MachineToMachine {
        return Err(ApiError::new(422, APPLICATION_INVALID_ROLE_TYPE, "Only machine-to-machine roles can be assigned to applications.")
            .with_data(json!({ "roleId": role.id })));
    }
    for application_id in &application_ids {
        let app = provider.store.find_application(application_id).await?.ok_or_else(|| not_found("application"))?;
        if app.app_type != ApplicationType::MachineToMachine {
            return Err(ApiError::new(422, APPLICATION_INVALID_TYPE, "Only machine-to-machine applications can be assigned roles.")
                .with_data(json!({ "applicationId": app.id })));
        }
        if provider.store.application_roles(application_id).await?.iter().any(|held| held.id == role.id) {
            return Err(ApiError::new(422, ROLE_APPLICATION_EXISTS, "The application already has this role.")
                .with_data(json!({ "applicationId": application_id })));
        }
    }
    for application_id in &application_ids {
        provider
            .store
            .add_application_roles(application_id, std::slice::from_ref(&role.id))
            .await
            .map_err(entity_error("application"))?;
    }
    Ok(())
}

pub async fn remove_application(provider: &Provider, id: &str, application_id: &str) -> Result<(), ApiError> {
    provider.store.remove_application_role(application_id, id).await.map_err(entity_error("application role"))
}

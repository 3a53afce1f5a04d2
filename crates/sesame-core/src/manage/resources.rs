//! API resources and their scopes, with the rules of Logto's `routes/resource.ts` and
//! `routes/resource.scope.ts`: unique indicators, at most one default resource, scope names
//! without whitespace and unique per resource, and a Management API resource nobody may change.

use serde::Deserialize;

use super::input::{self, nullable};
use super::{entity_error, not_found};
use crate::error::ApiError;
use crate::ids;
use crate::model::{Listing, Page, Resource, Scope};
use crate::provider::Provider;
use crate::store::StoreError;

const ENTITY: &str = "resource";
pub const RESOURCE_INDICATOR_IN_USE: &str = "resource.resource_identifier_in_use";
pub const CANNOT_MODIFY_MANAGEMENT_API: &str = "resource.cannot_modify_management_api";
pub const CANNOT_DELETE_MANAGEMENT_API: &str = "resource.cannot_delete_management_api";
pub const SCOPE_NAME_EXISTS: &str = "scope.name_exists";
pub const SCOPE_NAME_WITH_SPACE: &str = "scope.name_with_space";
/// Logto's default `access_token_ttl`.
pub const DEFAULT_ACCESS_TOKEN_TTL: i64 = 3600;
/// Upper bound on a lifetime, so expiry arithmetic can never overflow (about 68 years).
const MAX_ACCESS_TOKEN_TTL: i64 = i32::MAX as i64;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateResource {
    pub name: String,
    pub indicator: String,
    #[serde(default, deserialize_with = "input::present")]
    pub access_token_ttl: Option<i64>,
}

/// The indicator and the default flag have their own rules (`is-default`), as in Logto.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateResource {
    #[serde(default, deserialize_with = "input::present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "input::present")]
    pub access_token_ttl: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateScope {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateScope {
    #[serde(default, deserialize_with = "input::present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub description: Option<Option<String>>,
}

fn indicator_in_use(indicator: &str) -> ApiError {
    ApiError::new(422, RESOURCE_INDICATOR_IN_USE, format!("The resource indicator {indicator} is already in use."))
        .with_data(serde_json::json!({ "indicator": indicator }))
}

fn scope_name_exists(name: &str) -> ApiError {
    ApiError::new(422, SCOPE_NAME_EXISTS, format!("The scope name {name} is already in use."))
        .with_data(serde_json::json!({ "name": name }))
}

fn management_api_locked() -> ApiError {
    ApiError::new(400, CANNOT_MODIFY_MANAGEMENT_API, "The Management API resource cannot be modified.")
}

fn check_ttl(ttl: i64) -> Result<i64, ApiError> {
    if ttl <= 0 || ttl > MAX_ACCESS_TOKEN_TTL {
        return Err(ApiError::invalid_input("accessTokenTtl must be a positive number of seconds."));
    }
    Ok(ttl)
}

/// An RFC 8707 resource indicator: an absolute URI without a fragment.
fn check_indicator(indicator: &str) -> Result<String, ApiError> {
    let indicator = indicator.trim();
    let parsed = url::Url::parse(indicator).map_err(|_| ApiError::invalid_input("indicator must be an absolute URI."))?;
    if parsed.fragment().is_some() {
        return Err(ApiError::invalid_input("indicator must not contain a fragment."));
    }
    Ok(indicator.to_owned())
}

fn check_scope_name(name: &str) -> Result<String, ApiError> {
    if name.chars().any(char::is_whitespace) {
        return Err(ApiError::new(400, SCOPE_NAME_WITH_SPACE, "Scope names must not contain spaces."));
    }
    if name.is_empty() || name.len() > 256 {
        return Err(ApiError::invalid_input("Scope names must be 1 to 256 characters long."));
    }
    Ok(name.to_owned())
}

pub fn is_management_api(provider: &Provider, resource: &Resource) -> bool {
    resource.indicator == provider.management_api
}

pub async fn get(provider: &Provider, id: &str) -> Result<Resource, ApiError> {
    provider.store.find_resource(id).await?.ok_or_else(|| not_found(ENTITY))
}

pub async fn list(provider: &Provider, page: Page) -> Result<Listing<Resource>, ApiError> {
    Ok(provider.store.list_resources(page).await?)
}

pub async fn create(provider: &Provider, input: CreateResource) -> Result<Resource, ApiError> {
    let resource = Resource {
        id: ids::entity_id(),
        name: input::required_text(&input.name, "name")?,
        indicator: check_indicator(&input.indicator)?,
        is_default: false,
        access_token_ttl: check_ttl(input.access_token_ttl.unwrap_or(DEFAULT_ACCESS_TOKEN_TTL))?,
    };
    if provider.store.find_resource_by_indicator(&resource.indicator).await?.is_some() {
        return Err(indicator_in_use(&resource.indicator));
    }
    provider.store.insert_resource(&resource).await.map_err(|err| match err {
        StoreError::Conflict { .. } => indicator_in_use(&resource.indicator),
        other => other.into(),
    })?;
    Ok(resource)
}

pub async fn update(provider: &Provider, id: &str, patch: UpdateResource) -> Result<Resource, ApiError> {
    let mut resource = get(provider, id).await?;
    if is_management_api(provider, &resource) {
        return Err(management_api_locked());
    }
    if let Some(name) = patch.name {
        resource.name = input::required_text(&name, "name")?;
    }
    if let Some(ttl) = patch.access_token_ttl {
        resource.access_token_ttl = check_ttl(ttl)?;
    }
    provider.store.update_resource(&resource).await.map_err(entity_error(ENTITY))?;
    Ok(resource)
}

/// Makes the resource the default (clearing any other) or not.
pub async fn set_default(provider: &Provider, id: &str, is_default: bool) -> Result<Resource, ApiError> {
    get(provider, id).await?;
    provider.store.set_default_resource(id, is_default).await.map_err(entity_error(ENTITY))?;
    get(provider, id).await
}

pub async fn delete(provider: &Provider, id: &str) -> Result<(), ApiError> {
    let resource = get(provider, id).await?;
    if is_management_api(provider, &resource) {
        return Err(ApiError::new(400, CANNOT_DELETE_MANAGEMENT_API, "The Management API resource cannot be deleted."));
    }
    provider.store.delete_resource(id).await.map_err(entity_error(ENTITY))
}

pub async fn scopes(provider: &Provider, resource_id: &str, page: Page) -> Result<Listing<Scope>, ApiError> {
    get(provider, resource_id).await?;
    Ok(provider.store.list_scopes(resource_id, page).await?)
}

/// The resource, if it may have its scopes changed.
async fn editable(provider: &Provider, resource_id: &str) -> Result<Resource, ApiError> {
    let resource = get(provider, resource_id).await?;
    if is_management_api(provider, &resource) {
        return Err(management_api_locked());
    }
    Ok(resource)
}

/// The scope, if it belongs to the resource.
async fn scope_of(provider: &Provider, resource_id: &str, scope_id: &str) -> Result<Scope, ApiError> {
    provider
        .store
        .find_scope(scope_id)
        .await?
        .filter(|scope| scope.resource_id == resource_id)
        .ok_or_else(|| not_found("scope"))
}

async fn name_taken(provider: &Provider, resource_id: &str, name: &str, except: Option<&str>) -> Result<bool, ApiError> {
    let scopes = provider.store.list_scopes(resource_id, Page::ALL).await?;
    Ok(scopes.items.iter().any(|scope| scope.name == name && Some(scope.id.as_str()) != except))
}

pub async fn create_scope(provider: &Provider, resource_id: &str, input: CreateScope) -> Result<Scope, ApiError> {
    let name = check_scope_name(&input.name)?;
    editable(provider, resource_id).await?;
    if name_taken(provider, resource_id, &name, None).await? {
        return Err(scope_name_exists(&name));
    }
    let scope = Scope {
        id: ids::entity_id(),
        resource_id: resource_id.to_owned(),
        name,
        description: input.description,
        created_at: provider.now_ms(),
    };
    provider.store.insert_scope(&scope).await.map_err(|err| match err {
        StoreError::Conflict { .. } => scope_name_exists(&scope.name),
        other => entity_error(ENTITY)(other),
    })?;
    Ok(scope)
}

pub async fn update_scope(provider: &Provider, resource_id: &str, scope_id: &str, patch: UpdateScope) -> Result<Scope, ApiError> {
    let name = patch.name.as_deref().map(check_scope_name).transpose()?;
    editable(provider, resource_id).await?;
    let mut scope = scope_of(provider, resource_id, scope_id).await?;
    if let Some(name) = name {
        if name_taken(provider, resource_id, &name, Some(scope_id)).await? {
            return Err(scope_name_exists(&name));
        }
        scope.name = name;
    }
    if let Some(description) = patch.description {
        scope.description = description;
    }
    provider.store.update_scope(&scope).await.map_err(|err| match err {
        StoreError::Conflict { .. } => scope_name_exists(&scope.name),
        other => entity_error("scope")(other),
    })?;
    Ok(scope)
}

pub async fn delete_scope(provider: &Provider, resource_id: &str, scope_id: &str) -> Result<(), ApiError> {
    editable(provider, resource_id).await?;
    scope_of(provider, resource_id, scope_id).await?;
    provider.store.delete_scope(scope_id).await.map_err(entity_error("scope"))
}

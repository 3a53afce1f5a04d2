//! Organization roles (the organization template's roles), with the rules of Logto's
//! `routes/organization-role`: unique names (422 `entity.unique_integrity_violation`), a type
//! fixed at creation (`User` by default), and two relations — the organization scopes and the
//! API resource scopes a role grants — where adding a held scope is a no-op.

use serde::Deserialize;

use super::input::{self, nullable};
use super::organization_scopes::{self, MAX_NAME};
use super::organizations;
use super::{entity_error, not_found};
use crate::error::ApiError;
use crate::ids;
use crate::model::{Listing, Page, Resource, RoleType, Scope};
use crate::organization::{OrganizationRole, OrganizationScope};
use crate::provider::Provider;
use crate::store::StoreError;

const ENTITY: &str = "organization role";

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateOrganizationRole {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(rename = "type", default, deserialize_with = "input::present")]
    pub role_type: Option<RoleType>,
    #[serde(default, deserialize_with = "input::present")]
    pub organization_scope_ids: Option<Vec<String>>,
    #[serde(default, deserialize_with = "input::present")]
    pub resource_scope_ids: Option<Vec<String>>,
}

/// Absent fields stay; `description: null` clears it. The type cannot change.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateOrganizationRole {
    #[serde(default, deserialize_with = "input::present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub description: Option<Option<String>>,
}

/// A role in a listing, with what it grants (Logto's `OrganizationRoleWithScopes`).
#[derive(Debug, Clone)]
pub struct RoleWithScopes {
    pub role: OrganizationRole,
    pub scopes: Vec<OrganizationScope>,
    /// Each resource scope with its resource (`None` only if the resource vanished meanwhile).
    pub resource_scopes: Vec<(Scope, Option<Resource>)>,
}

/// A role name: trimmed, non-blank, at most 128 characters.
fn role_name(name: &str) -> Result<String, ApiError> {
    let name = input::required_text(name, "name")?;
    if name.chars().count() > MAX_NAME {
        return Err(ApiError::invalid_input(format!("name must be at most {MAX_NAME} characters.")));
    }
    Ok(name)
}

pub async fn get(provider: &Provider, id: &str) -> Result<OrganizationRole, ApiError> {
    provider.store.find_organization_role(id).await?.ok_or_else(|| not_found(ENTITY))
}

async fn with_resources(provider: &Provider, scopes: Vec<Scope>) -> Result<Vec<(Scope, Option<Resource>)>, ApiError> {
    let mut items = Vec::with_capacity(scopes.len());
    for scope in scopes {
        let resource = provider.store.find_resource(&scope.resource_id).await?;
        items.push((scope, resource));
    }
    Ok(items)
}

/// By name, each with its organization scopes and resource scopes; `search` matches id, name or
/// description (Logto's `organizationRoleSearchKeys`).
pub async fn list(provider: &Provider, search: Option<&str>, page: Page) -> Result<Listing<RoleWithScopes>, ApiError> {
    let roles = match input::search_term(search) {
        None => provider.store.list_organization_roles(page).await?,
        Some(term) => {
            let all = provider.store.list_organization_roles(Page::ALL).await?.items;
            let matching = all
                .into_iter()
                .filter(|role| organizations::matches(&term, &[Some(&role.id), Some(&role.name), role.description.as_deref()]))
                .collect();
            input::page_of(matching, page)
        }
    };
    let mut items = Vec::with_capacity(roles.items.len());
    for role in roles.items {
        let scopes = provider.store.organization_role_scopes(&role.id).await?;
        let resource_scopes = with_resources(provider, provider.store.organization_role_resource_scopes(&role.id).await?).await?;
        items.push(RoleWithScopes { role, scopes, resource_scopes });
    }
    Ok(Listing { items, total: roles.total })
}

/// Checks every organization scope exists (404).
async fn check_organization_scopes(provider: &Provider, scope_ids: &[String]) -> Result<(), ApiError> {
    for scope_id in scope_ids {
        organization_scopes::get(provider, scope_id).await?;
    }
    Ok(())
}

/// Checks every API resource scope exists (404).
async fn check_resource_scopes(provider: &Provider, scope_ids: &[String]) -> Result<(), ApiError> {
    for scope_id in scope_ids {
        provider.store.find_scope(scope_id).await?.ok_or_else(|| not_found("scope"))?;
    }
    Ok(())
}

/// Creates the role with its initial scopes, atomically.
pub async fn create(provider: &Provider, input: CreateOrganizationRole) -> Result<OrganizationRole, ApiError> {
    let role = OrganizationRole {
        id: ids::entity_id(),
        name: role_name(&input.name)?,
        description: organization_scopes::description(input.description)?,
        role_type: input.role_type.unwrap_or(RoleType::User),
    };
    let scope_ids = input::ids(input.organization_scope_ids.as_deref().unwrap_or_default(), "organizationScopeIds", false)?;
    let resource_scope_ids = input::ids(input.resource_scope_ids.as_deref().unwrap_or_default(), "resourceScopeIds", false)?;
    check_organization_scopes(provider, &scope_ids).await?;
    check_resource_scopes(provider, &resource_scope_ids).await?;
    provider.store.insert_organization_role(&role, &scope_ids, &resource_scope_ids).await.map_err(|err| match err {
        StoreError::NotFound => not_found("scope"),
        other => entity_error(ENTITY)(other),
    })?;
    Ok(role)
}

pub async fn update(provider: &Provider, id: &str, patch: UpdateOrganizationRole) -> Result<OrganizationRole, ApiError> {
    let name = patch.name.as_deref().map(role_name).transpose()?;
    let new_description = patch.description.map(organization_scopes::description).transpose()?;
    let mut role = get(provider, id).await?;
    if let Some(name) = name {
        role.name = name;
    }
    if let Some(description) = new_description {
        role.description = description;
    }
    provider.store.update_organization_role(&role).await.map_err(entity_error(ENTITY))?;
    Ok(role)
}

/// Deletes the role; every member and application holding it loses it.
pub async fn delete(provider: &Provider, id: &str) -> Result<(), ApiError> {
    provider.store.delete_organization_role(id).await.map_err(entity_error(ENTITY))
}

// --- organization scopes of a role

pub async fn scopes(provider: &Provider, id: &str, page: Page) -> Result<Listing<OrganizationScope>, ApiError> {
    get(provider, id).await?;
    Ok(input::page_of(provider.store.organization_role_scopes(id).await?, page))
}

/// Grants organization scopes (held ones are ignored, like Logto's `on conflict do nothing`).
pub async fn add_scopes(provider: &Provider, id: &str, scope_ids: &[String]) -> Result<(), ApiError> {
    let scope_ids = input::ids(scope_ids, "organizationScopeIds", true)?;
    get(provider, id).await?;
    check_organization_scopes(provider, &scope_ids).await?;
    provider.store.add_organization_role_scopes(id, &scope_ids).await.map_err(entity_error(ENTITY))
}

/// Makes `scope_ids` exactly the role's organization scopes (an empty list revokes all).
pub async fn replace_scopes(provider: &Provider, id: &str, scope_ids: &[String]) -> Result<(), ApiError> {
    let scope_ids = input::ids(scope_ids, "organizationScopeIds", false)?;
    get(provider, id).await?;
    check_organization_scopes(provider, &scope_ids).await?;
    let held = provider.store.organization_role_scopes(id).await?;
    if !scope_ids.is_empty() {
        provider.store.add_organization_role_scopes(id, &scope_ids).await.map_err(entity_error(ENTITY))?;
    }
    for scope in held.iter().filter(|scope| !scope_ids.contains(&scope.id)) {
        ignore_missing(provider.store.remove_organization_role_scope(id, &scope.id).await)?;
    }
    Ok(())
}

pub async fn remove_scope(provider: &Provider, id: &str, scope_id: &str) -> Result<(), ApiError> {
    get(provider, id).await?;
    provider.store.remove_organization_role_scope(id, scope_id).await.map_err(entity_error("organization role scope"))
}

// --- API resource scopes of a role

pub async fn resource_scopes(provider: &Provider, id: &str, page: Page) -> Result<Listing<Scope>, ApiError> {
    get(provider, id).await?;
    Ok(input::page_of(provider.store.organization_role_resource_scopes(id).await?, page))
}

/// Grants API resource scopes (held ones are ignored).
pub async fn add_resource_scopes(provider: &Provider, id: &str, scope_ids: &[String]) -> Result<(), ApiError> {
    let scope_ids = input::ids(scope_ids, "scopeIds", true)?;
    get(provider, id).await?;
    check_resource_scopes(provider, &scope_ids).await?;
    provider.store.add_organization_role_resource_scopes(id, &scope_ids).await.map_err(entity_error(ENTITY))
}

/// Makes `scope_ids` exactly the role's API resource scopes (an empty list revokes all).
pub async fn replace_resource_scopes(provider: &Provider, id: &str, scope_ids: &[String]) -> Result<(), ApiError> {
    let scope_ids = input::ids(scope_ids, "scopeIds", false)?;
    get(provider, id).await?;
    check_resource_scopes(provider, &scope_ids).await?;
    let held = provider.store.organization_role_resource_scopes(id).await?;
    if !scope_ids.is_empty() {
        provider.store.add_organization_role_resource_scopes(id, &scope_ids).await.map_err(entity_error(ENTITY))?;
    }
    for scope in held.iter().filter(|scope| !scope_ids.contains(&scope.id)) {
        ignore_missing(provider.store.remove_organization_role_resource_scope(id, &scope.id).await)?;
    }
    Ok(())
}

pub async fn remove_resource_scope(provider: &Provider, id: &str, scope_id: &str) -> Result<(), ApiError> {
    get(provider, id).await?;
    provider.store.remove_organization_role_resource_scope(id, scope_id).await.map_err(entity_error("organization role resource scope"))
}

/// A removal racing another one is fine: the row is gone either way.
pub(crate) fn ignore_missing(result: Result<(), StoreError>) -> Result<(), ApiError> {
    match result {
        Ok(()) | Err(StoreError::NotFound) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_are_trimmed_and_fit_the_column() {
        assert_eq!(role_name("  Admin  ").expect("valid"), "Admin");
        assert_eq!(role_name("Billing manager").expect("spaces inside are fine"), "Billing manager");
        for bad in ["", "   ", &"r".repeat(MAX_NAME + 1)] {
            assert!(role_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn bodies_follow_logto_guards() {
        let role: CreateOrganizationRole = serde_json::from_str(r#"{"name":"a","description":null}"#).expect("nullable description");
        assert!(role.role_type.is_none() && role.organization_scope_ids.is_none());
        for bad in
            [r#"{"name":"a","type":null}"#, r#"{"name":"a","organizationScopeIds":null}"#, r#"{"name":"a","type":"Admin"}"#, r#"{"name":"a","x":1}"#]
        {
            assert!(serde_json::from_str::<CreateOrganizationRole>(bad).is_err(), "{bad}");
        }
        let patch: UpdateOrganizationRole = serde_json::from_str(r#"{"description":null}"#).expect("clear");
        assert_eq!(patch.description, Some(None));
        assert!(serde_json::from_str::<UpdateOrganizationRole>(r#"{"type":"User"}"#).is_err(), "the type is fixed");
    }
}

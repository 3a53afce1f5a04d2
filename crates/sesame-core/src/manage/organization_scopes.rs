//! Organization scopes (the organization template's permissions), with the rules of Logto's
//! `routes/organization-scope`: unique names (422 `entity.unique_integrity_violation`), at most
//! 128 characters and, since they travel in space-separated `scope` values, no whitespace.

use serde::Deserialize;

use super::input::{self, nullable};
use super::{entity_error, not_found};
use crate::error::ApiError;
use crate::ids;
use crate::model::{Listing, Page};
use crate::organization::OrganizationScope;
use crate::provider::Provider;

const ENTITY: &str = "organization scope";

/// Logto's `organization_scopes` column sizes.
pub const MAX_NAME: usize = 128;
pub const MAX_DESCRIPTION: usize = 256;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateOrganizationScope {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// Absent fields stay; `description: null` clears it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateOrganizationScope {
    #[serde(default, deserialize_with = "input::present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub description: Option<Option<String>>,
}

/// A scope name: non-empty, at most 128 characters, no whitespace.
fn scope_name(name: &str) -> Result<String, ApiError> {
    if name.is_empty() || name.chars().any(char::is_whitespace) {
        return Err(ApiError::invalid_input("name must be non-empty and contain no whitespace."));
    }
    if name.chars().count() > MAX_NAME {
        return Err(ApiError::invalid_input(format!("name must be at most {MAX_NAME} characters.")));
    }
    Ok(name.to_owned())
}

/// An optional description of at most 256 characters (Logto's `varchar(256)`).
pub(crate) fn description(value: Option<String>) -> Result<Option<String>, ApiError> {
    if value.as_ref().is_some_and(|text| text.chars().count() > MAX_DESCRIPTION) {
        return Err(ApiError::invalid_input(format!("description must be at most {MAX_DESCRIPTION} characters.")));
    }
    Ok(value)
}

pub async fn get(provider: &Provider, id: &str) -> Result<OrganizationScope, ApiError> {
    provider.store.find_organization_scope(id).await?.ok_or_else(|| not_found(ENTITY))
}

/// By name; `search` (Logto's `q`) matches the name.
pub async fn list(provider: &Provider, search: Option<&str>, page: Page) -> Result<Listing<OrganizationScope>, ApiError> {
    match input::search_term(search) {
        None => Ok(provider.store.list_organization_scopes(page).await?),
        Some(term) => {
            let all = provider.store.list_organization_scopes(Page::ALL).await?.items;
            Ok(input::page_of(all.into_iter().filter(|scope| super::organizations::matches(&term, &[Some(&scope.name)])).collect(), page))
        }
    }
}

pub async fn create(provider: &Provider, input: CreateOrganizationScope) -> Result<OrganizationScope, ApiError> {
    let scope = OrganizationScope { id: ids::entity_id(), name: scope_name(&input.name)?, description: description(input.description)? };
    provider.store.insert_organization_scope(&scope).await.map_err(entity_error(ENTITY))?;
    Ok(scope)
}

pub async fn update(provider: &Provider, id: &str, patch: UpdateOrganizationScope) -> Result<OrganizationScope, ApiError> {
    let name = patch.name.as_deref().map(scope_name).transpose()?;
    let new_description = patch.description.map(description).transpose()?;
    let mut scope = get(provider, id).await?;
    if let Some(name) = name {
        scope.name = name;
    }
    if let Some(description) = new_description {
        scope.description = description;
    }
    provider.store.update_organization_scope(&scope).await.map_err(entity_error(ENTITY))?;
    Ok(scope)
}

/// Deletes the scope; roles stop granting it.
pub async fn delete(provider: &Provider, id: &str) -> Result<(), ApiError> {
    provider.store.delete_organization_scope(id).await.map_err(entity_error(ENTITY))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_names_have_no_whitespace_and_fit_the_column() {
        assert_eq!(scope_name("read:members").expect("valid"), "read:members");
        for bad in ["", "read members", " read", "read\t", &"a".repeat(MAX_NAME + 1)] {
            assert!(scope_name(bad).is_err(), "{bad:?}");
        }
        assert!(description(Some("d".repeat(MAX_DESCRIPTION))).is_ok());
        assert!(description(Some("d".repeat(MAX_DESCRIPTION + 1))).is_err());
    }
}

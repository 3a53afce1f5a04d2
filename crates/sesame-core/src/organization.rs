//! Organizations (multi-tenant B2B): the records and the storage port for organizations,
//! their scopes and roles, and who belongs to them. Kept beside the main [`crate::store::Store`]
//! trait, which includes this one.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{Application, Listing, Page, RoleType, Scope, User};
use crate::store::StoreResult;

/// The resource indicator the SDKs request alongside `urn:logto:scope:organizations`.
pub const ORGANIZATIONS_RESOURCE: &str = "urn:logto:resource:organizations";

/// `urn:logto:organization:<id>`: the audience of an organization token.
pub fn organization_urn(organization_id: &str) -> String {
    format!("urn:logto:organization:{organization_id}")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub custom_data: Value,
    pub is_mfa_required: bool,
    pub created_at: i64,
}

/// A permission inside organizations (e.g. `read:members`); `name` is unique.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationScope {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
}

/// A role members hold inside an organization; `name` is unique. It grants organization
/// scopes and API resource scopes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationRole {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub role_type: RoleType,
}

/// Every method with a missing referenced row (organization, user, application, role,
/// scope) answers `StoreError::NotFound`; adding existing pairs is a no-op; multi-row changes
/// are atomic.
#[async_trait]
pub trait OrganizationStore: Send + Sync {
    // --- organizations
    async fn insert_organization(&self, organization: &Organization) -> StoreResult<()>;
    async fn find_organization(&self, id: &str) -> StoreResult<Option<Organization>>;
    /// Newest first; `search` matches id or name, case-insensitively.
    async fn list_organizations(&self, search: Option<&str>, page: Page) -> StoreResult<Listing<Organization>>;
    /// Writes name, description, custom_data and is_mfa_required.
    async fn update_organization(&self, organization: &Organization) -> StoreResult<()>;
    /// Deletes it with every membership and role assignment in it.
    async fn delete_organization(&self, id: &str) -> StoreResult<()>;

    // --- organization scopes (`Conflict{field: "name"}` on a taken name)
    async fn insert_organization_scope(&self, scope: &OrganizationScope) -> StoreResult<()>;
    async fn find_organization_scope(&self, id: &str) -> StoreResult<Option<OrganizationScope>>;
    /// By name.
    async fn list_organization_scopes(&self, page: Page) -> StoreResult<Listing<OrganizationScope>>;
    async fn update_organization_scope(&self, scope: &OrganizationScope) -> StoreResult<()>;
    async fn delete_organization_scope(&self, id: &str) -> StoreResult<()>;

    // --- organization roles (`Conflict{field: "name"}` on a taken name)
    /// Inserts the role with its organization scopes and API resource scopes, atomically.
    async fn insert_organization_role(
        &self,
        role: &OrganizationRole,
        organization_scope_ids: &[String],
        resource_scope_ids: &[String],
    ) -> StoreResult<()>;
    async fn find_organization_role(&self, id: &str) -> StoreResult<Option<OrganizationRole>>;
    /// By name.
    async fn list_organization_roles(&self, page: Page) -> StoreResult<Listing<OrganizationRole>>;
    /// Writes name, description (not the type).
    async fn update_organization_role(&self, role: &OrganizationRole) -> StoreResult<()>;
    async fn delete_organization_role(&self, id: &str) -> StoreResult<()>;
    async fn organization_role_scopes(&self, role_id: &str) -> StoreResult<Vec<OrganizationScope>>;
    async fn add_organization_role_scopes(&self, role_id: &str, scope_ids: &[String]) -> StoreResult<()>;
    async fn remove_organization_role_scope(&self, role_id: &str, scope_id: &str) -> StoreResult<()>;
    async fn organization_role_resource_scopes(&self, role_id: &str) -> StoreResult<Vec<Scope>>;
    async fn add_organization_role_resource_scopes(&self, role_id: &str, scope_ids: &[String]) -> StoreResult<()>;
    async fn remove_organization_role_resource_scope(&self, role_id: &str, scope_id: &str) -> StoreResult<()>;

    // --- user members
    async fn add_organization_users(&self, organization_id: &str, user_ids: &[String]) -> StoreResult<()>;
    /// Removes the membership and the user's roles in that organization, atomically.
    /// `NotFound` when the user is not a member.
    async fn remove_organization_user(&self, organization_id: &str, user_id: &str) -> StoreResult<()>;
    /// Members by join order.
    async fn organization_users(&self, organization_id: &str, page: Page) -> StoreResult<Listing<User>>;
    async fn is_organization_user(&self, organization_id: &str, user_id: &str) -> StoreResult<bool>;
    /// The organizations a user belongs to, by join order.
    async fn user_organizations(&self, user_id: &str) -> StoreResult<Vec<Organization>>;
    async fn organization_user_roles(&self, organization_id: &str, user_id: &str) -> StoreResult<Vec<OrganizationRole>>;
    /// The user must be a member (`NotFound` otherwise) and the roles of type `User`.
    async fn add_organization_user_roles(&self, organization_id: &str, user_id: &str, role_ids: &[String]) -> StoreResult<()>;
    async fn remove_organization_user_role(&self, organization_id: &str, user_id: &str, role_id: &str) -> StoreResult<()>;
    /// `(organization id, role name)` for every role the user holds, for the
    /// `organization_roles` claim.
    async fn user_organization_role_names(&self, user_id: &str) -> StoreResult<Vec<(String, String)>>;

    // --- application members (machine-to-machine apps)
    async fn add_organization_applications(&self, organization_id: &str, application_ids: &[String]) -> StoreResult<()>;
    async fn remove_organization_application(&self, organization_id: &str, application_id: &str) -> StoreResult<()>;
    async fn organization_applications(&self, organization_id: &str, page: Page) -> StoreResult<Listing<Application>>;
    async fn is_organization_application(&self, organization_id: &str, application_id: &str) -> StoreResult<bool>;
    async fn organization_application_roles(&self, organization_id: &str, application_id: &str) -> StoreResult<Vec<OrganizationRole>>;
    async fn add_organization_application_roles(&self, organization_id: &str, application_id: &str, role_ids: &[String]) -> StoreResult<()>;
    async fn remove_organization_application_role(&self, organization_id: &str, application_id: &str, role_id: &str) -> StoreResult<()>;

    // --- scope resolution (names, deduplicated, sorted)
    /// Organization scopes the user's roles in that organization grant.
    async fn user_organization_scopes(&self, organization_id: &str, user_id: &str) -> StoreResult<Vec<String>>;
    /// The resource's scopes the user's roles in that organization grant.
    async fn user_organization_resource_scopes(&self, organization_id: &str, user_id: &str, resource_id: &str) -> StoreResult<Vec<String>>;
    async fn application_organization_scopes(&self, organization_id: &str, application_id: &str) -> StoreResult<Vec<String>>;
    async fn application_organization_resource_scopes(
        &self,
        organization_id: &str,
        application_id: &str,
        resource_id: &str,
    ) -> StoreResult<Vec<String>>;
}

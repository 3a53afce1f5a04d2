//! Organizations and who belongs to them, with the rules of Logto's `routes/organization/**`:
//! users and machine-to-machine applications are members; a member holds organization roles of
//! its own kind (`User` roles for users, `MachineToMachine` roles for applications — anything
//! else is Logto's 422 `entity.db_constraint_violated`); role routes of a non-member are 422
//! `organization.require_membership`; adding what is already there is a no-op.

use serde::Deserialize;
use serde_json::{json, Value};

use super::input::{self, nullable};
use super::organization_roles::{self, ignore_missing};
use super::organization_scopes::{self, MAX_NAME};
use super::{entity_error, not_found};
use crate::error::ApiError;
use crate::ids;
use crate::model::{Application, ApplicationType, Listing, Page, RoleType, User};
use crate::organization::{Organization, OrganizationRole, OrganizationScope};
use crate::provider::Provider;
use crate::store::StoreError;

const ENTITY: &str = "organization";
pub const ORGANIZATION_REQUIRE_MEMBERSHIP: &str = "organization.require_membership";
pub const ORGANIZATION_ROLE_NAMES_NOT_FOUND: &str = "organization.role_names_not_found";
/// What Logto answers when a row breaks a check constraint: a role of the wrong type for the
/// member, or an application that is not machine-to-machine.
pub const ENTITY_DB_CONSTRAINT_VIOLATED: &str = "entity.db_constraint_violated";

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateOrganization {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "input::present")]
    pub custom_data: Option<Value>,
    #[serde(default, deserialize_with = "input::present")]
    pub is_mfa_required: Option<bool>,
}

/// Absent fields stay; `description: null` clears it; `customData` replaces the stored object.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateOrganization {
    #[serde(default, deserialize_with = "input::present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "input::present")]
    pub custom_data: Option<Value>,
    #[serde(default, deserialize_with = "input::present")]
    pub is_mfa_required: Option<bool>,
}

/// Organization roles named by id and/or by name (Logto accepts both for a user's roles).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleRefs {
    #[serde(default, deserialize_with = "input::present")]
    pub organization_role_ids: Option<Vec<String>>,
    #[serde(default, deserialize_with = "input::present")]
    pub organization_role_names: Option<Vec<String>>,
}

/// Logto's organization ids are 12 characters of `[0-9a-z]` (`generateStandardId(12)`).
fn organization_id() -> String {
    ids::entity_id().chars().take(12).collect()
}

/// Case-insensitive substring search over some fields (Logto's `ilike '%term%'`).
pub fn matches(term: &str, fields: &[Option<&str>]) -> bool {
    let term = term.to_lowercase();
    fields.iter().flatten().any(|field| field.to_lowercase().contains(&term))
}

fn organization_name(name: &str) -> Result<String, ApiError> {
    let name = input::required_text(name, "name")?;
    if name.chars().count() > MAX_NAME {
        return Err(ApiError::invalid_input(format!("name must be at most {MAX_NAME} characters.")));
    }
    Ok(name)
}

fn custom_data(value: Value) -> Result<Value, ApiError> {
    input::json_object(value, "customData").map(Value::Object)
}

fn require_membership() -> ApiError {
    ApiError::new(422, ORGANIZATION_REQUIRE_MEMBERSHIP, "The entity must be a member of the organization.")
}

fn wrong_role_type(role: &OrganizationRole, expected: RoleType) -> ApiError {
    let message = match expected {
        RoleType::User => "Only organization roles of type User can be assigned to users.",
        RoleType::MachineToMachine => "Only organization roles of type MachineToMachine can be assigned to applications.",
    };
    ApiError::new(422, ENTITY_DB_CONSTRAINT_VIOLATED, message).with_data(json!({ "organizationRoleId": role.id, "type": role.role_type }))
}

/// A membership write: missing rows → 404; a role or application of the wrong type (the
/// store's `Conflict{field: "type"}`, should one slip past the checks here) → Logto's 422.
fn membership_error(entity: &'static str) -> impl Fn(StoreError) -> ApiError {
    move |err| match err {
        StoreError::Conflict { field } if field == "type" => {
            ApiError::new(422, ENTITY_DB_CONSTRAINT_VIOLATED, "The member or role is of the wrong type for this organization relation.")
        }
        other => entity_error(entity)(other),
    }
}

// --- organizations

pub async fn get(provider: &Provider, id: &str) -> Result<Organization, ApiError> {
    provider.store.find_organization(id).await?.ok_or_else(|| not_found(ENTITY))
}

/// Newest first; `search` (Logto's `q`) matches id or name.
pub async fn list(provider: &Provider, search: Option<&str>, page: Page) -> Result<Listing<Organization>, ApiError> {
    let term = input::search_term(search);
    Ok(provider.store.list_organizations(term.as_deref(), page).await?)
}

pub async fn create(provider: &Provider, input: CreateOrganization) -> Result<Organization, ApiError> {
    let organization = Organization {
        id: organization_id(),
        name: organization_name(&input.name)?,
        description: organization_scopes::description(input.description)?,
        custom_data: input.custom_data.map(custom_data).transpose()?.unwrap_or_else(|| json!({})),
        is_mfa_required: input.is_mfa_required.unwrap_or(false),
        created_at: provider.now_ms(),
    };
    provider.store.insert_organization(&organization).await.map_err(entity_error(ENTITY))?;
    Ok(organization)
}

pub async fn update(provider: &Provider, id: &str, patch: UpdateOrganization) -> Result<Organization, ApiError> {
    let name = patch.name.as_deref().map(organization_name).transpose()?;
    let new_description = patch.description.map(organization_scopes::description).transpose()?;
    let new_custom_data = patch.custom_data.map(custom_data).transpose()?;
    let mut organization = get(provider, id).await?;
    if let Some(name) = name {
        organization.name = name;
    }
    if let Some(description) = new_description {
        organization.description = description;
    }
    if let Some(data) = new_custom_data {
        organization.custom_data = data;
    }
    if let Some(required) = patch.is_mfa_required {
        organization.is_mfa_required = required;
    }
    provider.store.update_organization(&organization).await.map_err(entity_error(ENTITY))?;
    Ok(organization)
}

/// Deletes the organization with every membership and role assignment in it.
pub async fn delete(provider: &Provider, id: &str) -> Result<(), ApiError> {
    provider.store.delete_organization(id).await.map_err(entity_error(ENTITY))
}

// --- members of either kind

/// The two kinds of member. What users and applications share (adding, replacing and removing
/// members, the membership check, a member's roles) is written once over this, which only
/// picks the store calls and the names that errors use.
#[derive(Clone, Copy)]
enum Member {
    User,
    Application,
}

/// The names a kind of member goes by in bodies and errors.
struct MemberNames {
    /// The body field that lists members of this kind.
    ids_field: &'static str,
    /// What a missing member (404) or a failed membership write names.
    entity: &'static str,
    /// What removing a missing membership (404) names.
    membership_entity: &'static str,
    /// What removing a role the member does not hold (404) names.
    role_assignment_entity: &'static str,
}

const USER_NAMES: MemberNames = MemberNames {
    ids_field: "userIds",
    entity: "user",
    membership_entity: "organization member",
    role_assignment_entity: "organization user role",
};

const APPLICATION_NAMES: MemberNames = MemberNames {
    ids_field: "applicationIds",
    entity: "application",
    membership_entity: "organization application",
    role_assignment_entity: "organization application role",
};

impl Member {
    fn names(self) -> &'static MemberNames {
        match self {
            Member::User => &USER_NAMES,
            Member::Application => &APPLICATION_NAMES,
        }
    }

    /// 404 for an unknown user; 404 or 422 for an unknown or not machine-to-machine application.
    async fn check(self, provider: &Provider, member_ids: &[String]) -> Result<(), ApiError> {
        match self {
            Member::User => check_users(provider, member_ids).await,
            Member::Application => check_applications(provider, member_ids).await,
        }
    }

    async fn exists(self, provider: &Provider, member_id: &str) -> Result<bool, StoreError> {
        Ok(match self {
            Member::User => provider.store.find_user(member_id).await?.is_some(),
            Member::Application => provider.store.find_application(member_id).await?.is_some(),
        })
    }

    /// The ids of every member of this kind, by join order.
    async fn member_ids(self, provider: &Provider, id: &str) -> Result<Vec<String>, StoreError> {
        Ok(match self {
            Member::User => provider.store.organization_users(id, Page::ALL).await?.items.into_iter().map(|user| user.id).collect(),
            Member::Application => provider.store.organization_applications(id, Page::ALL).await?.items.into_iter().map(|app| app.id).collect(),
        })
    }

    async fn add(self, provider: &Provider, id: &str, member_ids: &[String]) -> Result<(), StoreError> {
        match self {
            Member::User => provider.store.add_organization_users(id, member_ids).await,
            Member::Application => provider.store.add_organization_applications(id, member_ids).await,
        }
    }

    async fn remove(self, provider: &Provider, id: &str, member_id: &str) -> Result<(), StoreError> {
        match self {
            Member::User => provider.store.remove_organization_user(id, member_id).await,
            Member::Application => provider.store.remove_organization_application(id, member_id).await,
        }
    }

    async fn is_member(self, provider: &Provider, id: &str, member_id: &str) -> Result<bool, StoreError> {
        match self {
            Member::User => provider.store.is_organization_user(id, member_id).await,
            Member::Application => provider.store.is_organization_application(id, member_id).await,
        }
    }

    async fn roles(self, provider: &Provider, id: &str, member_id: &str) -> Result<Vec<OrganizationRole>, StoreError> {
        match self {
            Member::User => provider.store.organization_user_roles(id, member_id).await,
            Member::Application => provider.store.organization_application_roles(id, member_id).await,
        }
    }

    async fn add_roles(self, provider: &Provider, id: &str, member_id: &str, role_ids: &[String]) -> Result<(), StoreError> {
        match self {
            Member::User => provider.store.add_organization_user_roles(id, member_id, role_ids).await,
            Member::Application => provider.store.add_organization_application_roles(id, member_id, role_ids).await,
        }
    }

    async fn remove_role(self, provider: &Provider, id: &str, member_id: &str, role_id: &str) -> Result<(), StoreError> {
        match self {
            Member::User => provider.store.remove_organization_user_role(id, member_id, role_id).await,
            Member::Application => provider.store.remove_organization_application_role(id, member_id, role_id).await,
        }
    }
}

/// Each member of a page with its roles in the organization.
async fn with_roles<T>(
    provider: &Provider,
    kind: Member,
    id: &str,
    members: Listing<T>,
    member_id: fn(&T) -> &str,
) -> Result<Listing<(T, Vec<OrganizationRole>)>, ApiError> {
    let mut items = Vec::with_capacity(members.items.len());
    for member in members.items {
        let roles = kind.roles(provider, id, member_id(&member)).await?;
        items.push((member, roles));
    }
    Ok(Listing { items, total: members.total })
}

/// Adds members (current members are left alone).
async fn add_members(provider: &Provider, kind: Member, id: &str, member_ids: &[String]) -> Result<(), ApiError> {
    let member_ids = input::ids(member_ids, kind.names().ids_field, true)?;
    get(provider, id).await?;
    kind.check(provider, &member_ids).await?;
    kind.add(provider, id, &member_ids).await.map_err(membership_error(kind.names().entity))
}

/// Makes `member_ids` exactly the members of this kind; removed members lose their roles in it.
async fn replace_members(provider: &Provider, kind: Member, id: &str, member_ids: &[String]) -> Result<(), ApiError> {
    let member_ids = input::ids(member_ids, kind.names().ids_field, false)?;
    get(provider, id).await?;
    kind.check(provider, &member_ids).await?;
    let members = kind.member_ids(provider, id).await?;
    if !member_ids.is_empty() {
        kind.add(provider, id, &member_ids).await.map_err(membership_error(kind.names().entity))?;
    }
    for member in members.iter().filter(|member| !member_ids.contains(member)) {
        ignore_missing(kind.remove(provider, id, member).await)?;
    }
    Ok(())
}

/// Removes a member and its roles in the organization; 404 when it is not a member.
async fn remove_member(provider: &Provider, kind: Member, id: &str, member_id: &str) -> Result<(), ApiError> {
    get(provider, id).await?;
    kind.remove(provider, id, member_id).await.map_err(entity_error(kind.names().membership_entity))
}

/// 404 for an unknown organization or member, 422 when it is not a member.
async fn require_member(provider: &Provider, kind: Member, id: &str, member_id: &str) -> Result<(), ApiError> {
    get(provider, id).await?;
    if !kind.exists(provider, member_id).await? {
        return Err(not_found(kind.names().entity));
    }
    if !kind.is_member(provider, id, member_id).await? {
        return Err(require_membership());
    }
    Ok(())
}

/// The member's roles in the organization.
async fn member_roles(provider: &Provider, kind: Member, id: &str, member_id: &str, page: Page) -> Result<Listing<OrganizationRole>, ApiError> {
    require_member(provider, kind, id, member_id).await?;
    Ok(input::page_of(kind.roles(provider, id, member_id).await?, page))
}

/// Gives the member the roles (checked already); nothing to do for none.
async fn grant_roles(provider: &Provider, kind: Member, id: &str, member_id: &str, role_ids: &[String]) -> Result<(), ApiError> {
    if !role_ids.is_empty() {
        kind.add_roles(provider, id, member_id, role_ids).await.map_err(membership_error("organization role"))?;
    }
    Ok(())
}

/// Makes `role_ids` (checked already) exactly the member's roles in the organization.
async fn set_roles(provider: &Provider, kind: Member, id: &str, member_id: &str, role_ids: &[String]) -> Result<(), ApiError> {
    let held = kind.roles(provider, id, member_id).await?;
    grant_roles(provider, kind, id, member_id, role_ids).await?;
    for role in held.iter().filter(|role| !role_ids.contains(&role.id)) {
        ignore_missing(kind.remove_role(provider, id, member_id, &role.id).await)?;
    }
    Ok(())
}

async fn remove_member_role(provider: &Provider, kind: Member, id: &str, member_id: &str, role_id: &str) -> Result<(), ApiError> {
    require_member(provider, kind, id, member_id).await?;
    kind.remove_role(provider, id, member_id, role_id).await.map_err(entity_error(kind.names().role_assignment_entity))
}

/// Checks every role exists (404) and is of the member's kind (422).
async fn check_roles(provider: &Provider, role_ids: &[String], expected: RoleType) -> Result<(), ApiError> {
    for role_id in role_ids {
        let role = organization_roles::get(provider, role_id).await?;
        if role.role_type != expected {
            return Err(wrong_role_type(&role, expected));
        }
    }
    Ok(())
}

// --- user members

/// Members by join order, each with its roles in the organization; `search` matches id,
/// email, phone, username or name (Logto's `userSearchKeys`).
pub async fn users(provider: &Provider, id: &str, search: Option<&str>, page: Page) -> Result<Listing<(User, Vec<OrganizationRole>)>, ApiError> {
    get(provider, id).await?;
    let members = match input::search_term(search) {
        None => provider.store.organization_users(id, page).await?,
        Some(term) => {
            let all = provider.store.organization_users(id, Page::ALL).await?.items;
            let found = all
                .into_iter()
                .filter(|user| {
                    let fields = [
                        Some(user.id.as_str()),
                        user.primary_email.as_deref(),
                        user.primary_phone.as_deref(),
                        user.username.as_deref(),
                        user.name.as_deref(),
                    ];
                    matches(&term, &fields)
                })
                .collect();
            input::page_of(found, page)
        }
    };
    with_roles(provider, Member::User, id, members, |user| &user.id).await
}

async fn check_users(provider: &Provider, user_ids: &[String]) -> Result<(), ApiError> {
    for user_id in user_ids {
        provider.store.find_user(user_id).await?.ok_or_else(|| not_found("user"))?;
    }
    Ok(())
}

/// Adds users as members (current members are left alone).
pub async fn add_users(provider: &Provider, id: &str, user_ids: &[String]) -> Result<(), ApiError> {
    add_members(provider, Member::User, id, user_ids).await
}

/// Makes `user_ids` exactly the members; removed members lose their roles in it.
pub async fn replace_users(provider: &Provider, id: &str, user_ids: &[String]) -> Result<(), ApiError> {
    replace_members(provider, Member::User, id, user_ids).await
}

/// Removes a member and its roles in the organization; 404 when it is not a member.
pub async fn remove_user(provider: &Provider, id: &str, user_id: &str) -> Result<(), ApiError> {
    remove_member(provider, Member::User, id, user_id).await
}

/// The ids of the roles named by id or by name, deduplicated; unknown names are Logto's 422
/// `organization.role_names_not_found`.
async fn resolve_roles(provider: &Provider, refs: &RoleRefs, expected: RoleType) -> Result<Vec<String>, ApiError> {
    let mut role_ids = input::ids(refs.organization_role_ids.as_deref().unwrap_or_default(), "organizationRoleIds", false)?;
    let names = input::ids(refs.organization_role_names.as_deref().unwrap_or_default(), "organizationRoleNames", false)?;
    if !names.is_empty() {
        let roles = provider.store.list_organization_roles(Page::ALL).await?.items;
        let missing: Vec<&String> = names.iter().filter(|name| !roles.iter().any(|role| &role.name == *name)).collect();
        if !missing.is_empty() {
            return Err(ApiError::new(422, ORGANIZATION_ROLE_NAMES_NOT_FOUND, "Some organization role names do not exist.")
                .with_data(json!({ "names": missing })));
        }
        for role in roles.into_iter().filter(|role| names.contains(&role.name)) {
            if !role_ids.contains(&role.id) {
                role_ids.push(role.id);
            }
        }
    }
    check_roles(provider, &role_ids, expected).await?;
    Ok(role_ids)
}

/// The member's roles in the organization.
pub async fn user_roles(provider: &Provider, id: &str, user_id: &str, page: Page) -> Result<Listing<OrganizationRole>, ApiError> {
    member_roles(provider, Member::User, id, user_id, page).await
}

/// Gives the member `User` roles; returns the ids of the roles named (Logto's response).
pub async fn add_user_roles(provider: &Provider, id: &str, user_id: &str, refs: &RoleRefs) -> Result<Vec<String>, ApiError> {
    require_member(provider, Member::User, id, user_id).await?;
    let role_ids = resolve_roles(provider, refs, RoleType::User).await?;
    grant_roles(provider, Member::User, id, user_id, &role_ids).await?;
    Ok(role_ids)
}

/// Makes the named roles exactly the member's roles in the organization.
pub async fn replace_user_roles(provider: &Provider, id: &str, user_id: &str, refs: &RoleRefs) -> Result<(), ApiError> {
    require_member(provider, Member::User, id, user_id).await?;
    let role_ids = resolve_roles(provider, refs, RoleType::User).await?;
    set_roles(provider, Member::User, id, user_id, &role_ids).await
}

pub async fn remove_user_role(provider: &Provider, id: &str, user_id: &str, role_id: &str) -> Result<(), ApiError> {
    remove_member_role(provider, Member::User, id, user_id, role_id).await
}

/// The organization scopes the member's roles grant, once each, by name.
pub async fn user_scopes(provider: &Provider, id: &str, user_id: &str) -> Result<Vec<OrganizationScope>, ApiError> {
    require_member(provider, Member::User, id, user_id).await?;
    let mut scopes: Vec<OrganizationScope> = Vec::new();
    for role in provider.store.organization_user_roles(id, user_id).await? {
        for scope in provider.store.organization_role_scopes(&role.id).await? {
            if !scopes.iter().any(|held| held.id == scope.id) {
                scopes.push(scope);
            }
        }
    }
    scopes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(scopes)
}

/// The organizations the user belongs to, each with the user's roles in it.
pub async fn user_organizations(provider: &Provider, user_id: &str) -> Result<Vec<(Organization, Vec<OrganizationRole>)>, ApiError> {
    provider.store.find_user(user_id).await?.ok_or_else(|| not_found("user"))?;
    let mut items = Vec::new();
    for organization in provider.store.user_organizations(user_id).await? {
        let roles = provider.store.organization_user_roles(&organization.id, user_id).await?;
        items.push((organization, roles));
    }
    Ok(items)
}

// --- application members

/// Member applications by join order, each with its roles in the organization; `search`
/// matches id, name or description (Logto's `applicationSearchKeys`).
pub async fn applications(
    provider: &Provider,
    id: &str,
    search: Option<&str>,
    page: Page,
) -> Result<Listing<(Application, Vec<OrganizationRole>)>, ApiError> {
    get(provider, id).await?;
    let members = match input::search_term(search) {
        None => provider.store.organization_applications(id, page).await?,
        Some(term) => {
            let all = provider.store.organization_applications(id, Page::ALL).await?.items;
            let found = all.into_iter().filter(|app| matches(&term, &[Some(&app.id), Some(&app.name), app.description.as_deref()])).collect();
            input::page_of(found, page)
        }
    };
    with_roles(provider, Member::Application, id, members, |app| &app.id).await
}

/// Checks every application exists (404) and is machine-to-machine (422).
async fn check_applications(provider: &Provider, application_ids: &[String]) -> Result<(), ApiError> {
    for application_id in application_ids {
        let app = provider.store.find_application(application_id).await?.ok_or_else(|| not_found("application"))?;
        if app.app_type != ApplicationType::MachineToMachine {
            return Err(ApiError::new(422, ENTITY_DB_CONSTRAINT_VIOLATED, "Only machine-to-machine applications can be organization members.")
                .with_data(json!({ "applicationId": app.id, "type": app.app_type })));
        }
    }
    Ok(())
}

pub async fn add_applications(provider: &Provider, id: &str, application_ids: &[String]) -> Result<(), ApiError> {
    add_members(provider, Member::Application, id, application_ids).await
}

/// Makes `application_ids` exactly the member applications.
pub async fn replace_applications(provider: &Provider, id: &str, application_ids: &[String]) -> Result<(), ApiError> {
    replace_members(provider, Member::Application, id, application_ids).await
}

pub async fn remove_application(provider: &Provider, id: &str, application_id: &str) -> Result<(), ApiError> {
    remove_member(provider, Member::Application, id, application_id).await
}

pub async fn application_roles(provider: &Provider, id: &str, application_id: &str, page: Page) -> Result<Listing<OrganizationRole>, ApiError> {
    member_roles(provider, Member::Application, id, application_id, page).await
}

/// Role ids only, non-empty (Logto's guard for applications).
async fn application_role_ids(provider: &Provider, id: &str, application_id: &str, role_ids: &[String]) -> Result<Vec<String>, ApiError> {
    let role_ids = input::ids(role_ids, "organizationRoleIds", true)?;
    require_member(provider, Member::Application, id, application_id).await?;
    check_roles(provider, &role_ids, RoleType::MachineToMachine).await?;
    Ok(role_ids)
}

pub async fn add_application_roles(provider: &Provider, id: &str, application_id: &str, role_ids: &[String]) -> Result<(), ApiError> {
    let role_ids = application_role_ids(provider, id, application_id, role_ids).await?;
    grant_roles(provider, Member::Application, id, application_id, &role_ids).await
}

/// Makes `role_ids` (non-empty, as in Logto) exactly the application's roles.
pub async fn replace_application_roles(provider: &Provider, id: &str, application_id: &str, role_ids: &[String]) -> Result<(), ApiError> {
    let role_ids = application_role_ids(provider, id, application_id, role_ids).await?;
    set_roles(provider, Member::Application, id, application_id, &role_ids).await
}

pub async fn remove_application_role(provider: &Provider, id: &str, application_id: &str, role_id: &str) -> Result<(), ApiError> {
    remove_member_role(provider, Member::Application, id, application_id, role_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_names_and_search() {
        let id = organization_id();
        assert_eq!(id.len(), 12);
        assert!(id.chars().all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()));
        assert!(organization_name(" Acme ").is_ok_and(|name| name == "Acme"));
        assert!(organization_name(" ").is_err());
        assert!(organization_name(&"n".repeat(MAX_NAME + 1)).is_err());
        assert!(matches("ACM", &[None, Some("acme inc")]));
        assert!(!matches("zed", &[Some("acme"), None]));
    }

    #[test]
    fn bodies_follow_logto_guards() {
        let create: CreateOrganization = serde_json::from_str(r#"{"name":"Acme","description":null}"#).expect("nullable description");
        assert!(create.custom_data.is_none() && create.is_mfa_required.is_none());
        for bad in [
            r#"{"name":"a","customData":null}"#,
            r#"{"name":"a","isMfaRequired":null}"#,
            r#"{"description":"no name"}"#,
            r#"{"name":"a","branding":{}}"#,
        ] {
            assert!(serde_json::from_str::<CreateOrganization>(bad).is_err(), "{bad}");
        }
        assert!(custom_data(json!([1])).is_err());
        let patch: UpdateOrganization = serde_json::from_str(r#"{"description":null}"#).expect("clear");
        assert_eq!(patch.description, Some(None));
        let refs: RoleRefs = serde_json::from_str(r#"{"organizationRoleNames":["admin"]}"#).expect("by name");
        assert!(refs.organization_role_ids.is_none());
        assert!(serde_json::from_str::<RoleRefs>(r#"{"organizationRoleIds":null}"#).is_err());
    }
}

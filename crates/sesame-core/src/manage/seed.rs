//! What every deployment starts with: Logto's Management API resource (scope `all`) and the
//! machine-to-machine role "Logto Management API access" that grants it. Each step is
//! idempotent, so a crash half-way or several nodes starting at once still end complete.

use crate::ids;
use crate::model::{Page, Resource, Role, RoleType, Scope};
use crate::store::{Store, StoreError, StoreResult};

use super::auth::ALL_SCOPE;

pub const MANAGEMENT_ROLE: &str = "Logto Management API access";

/// Returns the id of the Management API access role.
pub async fn ensure_management_api(store: &dyn Store, indicator: &str, now: i64) -> StoreResult<String> {
    let resource = ensure_resource(store, indicator).await?;
    let scope_id = ensure_all_scope(store, &resource.id, now).await?;
    let role_id = ensure_role(store, now).await?;
    store.add_role_scopes(&role_id, &[scope_id]).await?;
    Ok(role_id)
}

/// Runs `insert`; if another writer got there first, `find` returns theirs.
async fn insert_or_find<T>(
    insert: impl std::future::Future<Output = StoreResult<()>>,
    ours: T,
    find: impl std::future::Future<Output = StoreResult<Option<T>>>,
) -> StoreResult<T> {
    match insert.await {
        Ok(()) => Ok(ours),
        Err(StoreError::Conflict { .. }) => find.await?.ok_or(StoreError::NotFound),
        Err(err) => Err(err),
    }
}

async fn ensure_resource(store: &dyn Store, indicator: &str) -> StoreResult<Resource> {
    if let Some(resource) = store.find_resource_by_indicator(indicator).await? {
        return Ok(resource);
    }
    let resource = Resource {
        id: ids::entity_id(),
        name: "Logto Management API".to_owned(),
        indicator: indicator.to_owned(),
        is_default: false,
        access_token_ttl: 3600,
    };
    insert_or_find(store.insert_resource(&resource), resource.clone(), store.find_resource_by_indicator(indicator)).await
}

async fn find_all_scope(store: &dyn Store, resource_id: &str) -> StoreResult<Option<String>> {
    let scopes = store.list_scopes(resource_id, Page::ALL).await?;
    Ok(scopes.items.into_iter().find(|scope| scope.name == ALL_SCOPE).map(|scope| scope.id))
}

async fn ensure_all_scope(store: &dyn Store, resource_id: &str, now: i64) -> StoreResult<String> {
    if let Some(id) = find_all_scope(store, resource_id).await? {
        return Ok(id);
    }
    let scope = Scope {
        id: ids::entity_id(),
        resource_id: resource_id.to_owned(),
        name: ALL_SCOPE.to_owned(),
        description: Some("Default scope for Management API, allows all permissions.".to_owned()),
        created_at: now,
    };
    insert_or_find(store.insert_scope(&scope), scope.id.clone(), find_all_scope(store, resource_id)).await
}

async fn ensure_role(store: &dyn Store, now: i64) -> StoreResult<String> {
    let find = || async { Ok(store.find_role_by_name(MANAGEMENT_ROLE).await?.map(|role| role.id)) };
    if let Some(id) = find().await? {
        return Ok(id);
    }
    let role = Role {
        id: ids::entity_id(),
        name: MANAGEMENT_ROLE.to_owned(),
        description: "This default role grants access to the Logto management API.".to_owned(),
        role_type: RoleType::MachineToMachine,
        is_default: false,
        created_at: now,
    };
    insert_or_find(store.insert_role(&role, &[]), role.id.clone(), find()).await
}

//! `OrganizationStore`'s contract, checked against both backends with the harness in
//! `support` (each case runs on a fresh SQLite file and a fresh PostgreSQL schema).

// A failed unwrap is a failed test, with the error in the panic message.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use std::sync::Arc;

use serde_json::json;
use sesame_core::model::{
    Application, ApplicationType, Listing, NewUser, OidcClientMetadata, Page, Resource, RoleType,
    Scope, User,
};
use sesame_core::organization::{Organization, OrganizationRole, OrganizationScope};
use sesame_core::store::{Store, StoreError};

const NOW: i64 = 1_700_000_000_000;

conformance!(
    organization_crud_and_not_found,
    organization_list_is_newest_first_searchable_and_paged,
    organization_scope_crud_names_unique_and_sorted,
    organization_role_crud_names_unique_and_sorted,
    organization_role_insert_is_atomic,
    organization_role_scope_grants,
    organization_user_membership,
    organization_user_removal_cascades_roles_in_that_organization_only,
    organization_user_roles_need_membership_and_user_roles,
    organization_application_membership_and_roles,
    organization_scope_resolution_for_users_does_not_leak,
    organization_scope_resolution_for_applications_does_not_leak,
    organization_deletes_clean_every_relation,
    organization_foreign_key_failures_are_not_found,
);

conformance_two_nodes!(
    organization_memberships_race_across_nodes,
    organization_role_assignment_races_member_removal,
);

// --- fixtures

fn organization(id: &str, name: &str, created_at: i64) -> Organization {
    Organization {
        id: id.to_owned(),
        name: name.to_owned(),
        description: Some(format!("{name} Inc.")),
        custom_data: json!({"tier": "gold", "seats": 5}),
        is_mfa_required: false,
        created_at,
    }
}

fn org_scope(id: &str, name: &str) -> OrganizationScope {
    OrganizationScope {
        id: id.to_owned(),
        name: name.to_owned(),
        description: Some(format!("may {name}")),
    }
}

fn org_role(id: &str, name: &str, role_type: RoleType) -> OrganizationRole {
    OrganizationRole {
        id: id.to_owned(),
        name: name.to_owned(),
        description: Some(format!("the {name} role")),
        role_type,
    }
}

fn member(id: &str) -> NewUser {
    NewUser {
        id: id.to_owned(),
        username: Some(format!("user_{id}")),
        primary_email: None,
        primary_phone: None,
        password_encrypted: None,
        password_encryption_method: None,
        name: None,
    }
}

fn app(id: &str, app_type: ApplicationType) -> Application {
    Application {
        id: id.to_owned(),
        name: format!("App {id}"),
        description: None,
        app_type,
        oidc_client_metadata: OidcClientMetadata {
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
        },
        custom_client_metadata: json!({}),
        is_third_party: false,
        created_at: NOW,
    }
}

fn api(id: &str) -> Resource {
    Resource {
        id: id.to_owned(),
        name: format!("API {id}"),
        indicator: format!("https://{id}.example"),
        is_default: false,
        access_token_ttl: 3600,
    }
}

fn api_scope(id: &str, resource_id: &str, name: &str, created_at: i64) -> Scope {
    Scope {
        id: id.to_owned(),
        resource_id: resource_id.to_owned(),
        name: name.to_owned(),
        description: None,
        created_at,
    }
}

fn ids(values: &[&str]) -> Vec<String> {
    values.iter().map(|value| (*value).to_owned()).collect()
}

fn page(offset: u64, limit: u64) -> Page {
    Page { offset, limit }
}

fn org_ids(organizations: &[Organization]) -> Vec<&str> {
    organizations.iter().map(|org| org.id.as_str()).collect()
}

fn user_ids(listing: &Listing<User>) -> Vec<&str> {
    listing.items.iter().map(|user| user.id.as_str()).collect()
}

fn role_names(roles: &[OrganizationRole]) -> Vec<&str> {
    roles.iter().map(|role| role.name.as_str()).collect()
}

fn scope_names(scopes: &[OrganizationScope]) -> Vec<&str> {
    scopes.iter().map(|scope| scope.name.as_str()).collect()
}

fn pairs(values: &[(&str, &str)]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|(org, role)| ((*org).to_owned(), (*role).to_owned()))
        .collect()
}

#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::NotFound)),
        "expected NotFound, got {result:?}"
    );
}

#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>, field: &str) {
    match result {
        Err(StoreError::Conflict { field: actual }) => assert_eq!(actual, field),
        other => panic!("expected a conflict on {field}, got {other:?}"),
    }
}

async fn insert_users(store: &Arc<dyn Store>, user_ids: &[&str]) {
    for id in user_ids {
        store.insert_user(&member(id), NOW).await.unwrap();
    }
}

// --- organizations

async fn organization_crud_and_not_found(store: Arc<dyn Store>) {
    let mut acme = organization("o1", "Acme", NOW);
    acme.description = None;
    store.insert_organization(&acme).await.unwrap();
    assert_eq!(
        store.find_organization("o1").await.unwrap(),
        Some(acme.clone())
    );
    assert_eq!(store.find_organization("nope").await.unwrap(), None);
    assert_conflict(
        store
            .insert_organization(&organization("o1", "Other", NOW))
            .await,
        "id",
    );
    // Names need not be unique.
    store
        .insert_organization(&organization("o2", "Acme", NOW))
        .await
        .unwrap();

    let mut updated = acme.clone();
    updated.name = "Acme Corp".to_owned();
    updated.description = Some("now with a description".to_owned());
    updated.custom_data = json!({"nested": {"b": [1, 2], "a": null}, "flag": true});
    updated.is_mfa_required = true;
    store.update_organization(&updated).await.unwrap();
    assert_eq!(store.find_organization("o1").await.unwrap(), Some(updated));

    assert_not_found(
        store
            .update_organization(&organization("ghost", "Ghost", NOW))
            .await,
    );
    store.delete_organization("o1").await.unwrap();
    assert_eq!(store.find_organization("o1").await.unwrap(), None);
    assert_not_found(store.delete_organization("o1").await);
    assert!(store.find_organization("o2").await.unwrap().is_some());
}

async fn organization_list_is_newest_first_searchable_and_paged(store: Arc<dyn Store>) {
    for (id, name, created_at) in [
        ("org_a", "Alpha", NOW),
        ("org_b", "Beta 100%", NOW + 2),
        ("org_c", "Gamma", NOW + 1),
        // Same millisecond as org_b, inserted later: listed before it.
        ("org_d", "Delta", NOW + 2),
    ] {
        store
            .insert_organization(&organization(id, name, created_at))
            .await
            .unwrap();
    }
    let all = store.list_organizations(None, Page::ALL).await.unwrap();
    assert_eq!(all.total, 4);
    assert_eq!(org_ids(&all.items), ["org_d", "org_b", "org_c", "org_a"]);

    let second_page = store.list_organizations(None, page(1, 2)).await.unwrap();
    assert_eq!(second_page.total, 4);
    assert_eq!(org_ids(&second_page.items), ["org_b", "org_c"]);
    let beyond = store.list_organizations(None, page(10, 2)).await.unwrap();
    assert_eq!((beyond.total, beyond.items.len()), (4, 0));

    // Search matches the id or the name, ignoring case, with wildcards taken literally.
    let by_name = store
        .list_organizations(Some("GAMM"), Page::ALL)
        .await
        .unwrap();
    assert_eq!(org_ids(&by_name.items), ["org_c"]);
    let by_id = store
        .list_organizations(Some("ORG_"), Page::ALL)
        .await
        .unwrap();
    assert_eq!(by_id.total, 4);
    let literal = store
        .list_organizations(Some("0%"), Page::ALL)
        .await
        .unwrap();
    assert_eq!(org_ids(&literal.items), ["org_b"]);
    let underscore = store
        .list_organizations(Some("a_"), Page::ALL)
        .await
        .unwrap();
    assert_eq!(underscore.total, 0, "`_` is not a wildcard");
    let paged_search = store
        .list_organizations(Some("a"), page(0, 1))
        .await
        .unwrap();
    assert_eq!(paged_search.total, 4, "every name or id has an a");
    assert_eq!(org_ids(&paged_search.items), ["org_d"]);
}

// --- the organization template

async fn organization_scope_crud_names_unique_and_sorted(store: Arc<dyn Store>) {
    for (id, name) in [
        ("s1", "read:members"),
        ("s2", "Write:members"),
        ("s3", "invite"),
    ] {
        store
            .insert_organization_scope(&org_scope(id, name))
            .await
            .unwrap();
    }
    assert_eq!(
        store.find_organization_scope("s1").await.unwrap(),
        Some(org_scope("s1", "read:members"))
    );
    assert_eq!(store.find_organization_scope("nope").await.unwrap(), None);
    // By name, bytewise (upper case first) on both backends.
    let listed = store.list_organization_scopes(Page::ALL).await.unwrap();
    assert_eq!(listed.total, 3);
    assert_eq!(
        scope_names(&listed.items),
        ["Write:members", "invite", "read:members"]
    );
    let paged = store.list_organization_scopes(page(1, 1)).await.unwrap();
    assert_eq!(
        (paged.total, scope_names(&paged.items)),
        (3, vec!["invite"])
    );

    assert_conflict(
        store
            .insert_organization_scope(&org_scope("s4", "invite"))
            .await,
        "name",
    );
    assert_conflict(
        store
            .insert_organization_scope(&org_scope("s1", "other"))
            .await,
        "id",
    );
    // Names are case-sensitive, as in Logto.
    store
        .insert_organization_scope(&org_scope("s5", "INVITE"))
        .await
        .unwrap();

    let mut renamed = org_scope("s3", "invite:members");
    renamed.description = None;
    store.update_organization_scope(&renamed).await.unwrap();
    assert_eq!(
        store.find_organization_scope("s3").await.unwrap(),
        Some(renamed)
    );
    assert_conflict(
        store
            .update_organization_scope(&org_scope("s3", "read:members"))
            .await,
        "name",
    );
    assert_not_found(
        store
            .update_organization_scope(&org_scope("ghost", "ghost"))
            .await,
    );
    store.delete_organization_scope("s3").await.unwrap();
    assert_eq!(store.find_organization_scope("s3").await.unwrap(), None);
    assert_not_found(store.delete_organization_scope("s3").await);
    // A deleted scope's name is free again.
    store
        .insert_organization_scope(&org_scope("s6", "invite:members"))
        .await
        .unwrap();
}

async fn organization_role_crud_names_unique_and_sorted(store: Arc<dyn Store>) {
    store
        .insert_organization_role(&org_role("r1", "member", RoleType::User), &[], &[])
        .await
        .unwrap();
    store
        .insert_organization_role(&org_role("r2", "Admin", RoleType::User), &[], &[])
        .await
        .unwrap();
    store
        .insert_organization_role(&org_role("r3", "bot", RoleType::MachineToMachine), &[], &[])
        .await
        .unwrap();
    assert_eq!(
        store.find_organization_role("r3").await.unwrap(),
        Some(org_role("r3", "bot", RoleType::MachineToMachine))
    );
    assert_eq!(store.find_organization_role("nope").await.unwrap(), None);
    let listed = store.list_organization_roles(Page::ALL).await.unwrap();
    assert_eq!(listed.total, 3);
    assert_eq!(role_names(&listed.items), ["Admin", "bot", "member"]);
    let paged = store.list_organization_roles(page(2, 5)).await.unwrap();
    assert_eq!((paged.total, role_names(&paged.items)), (3, vec!["member"]));

    assert_conflict(
        store
            .insert_organization_role(&org_role("r4", "member", RoleType::User), &[], &[])
            .await,
        "name",
    );
    assert_conflict(
        store
            .insert_organization_role(&org_role("r1", "fresh", RoleType::User), &[], &[])
            .await,
        "id",
    );

    // Updates write the name and description, never the type.
    let mut changed = org_role("r1", "members", RoleType::MachineToMachine);
    changed.description = None;
    store.update_organization_role(&changed).await.unwrap();
    let stored = store.find_organization_role("r1").await.unwrap().unwrap();
    assert_eq!(
        (stored.name.as_str(), stored.description, stored.role_type),
        ("members", None, RoleType::User)
    );
    assert_conflict(
        store
            .update_organization_role(&org_role("r1", "Admin", RoleType::User))
            .await,
        "name",
    );
    assert_not_found(
        store
            .update_organization_role(&org_role("ghost", "ghost", RoleType::User))
            .await,
    );
    store.delete_organization_role("r2").await.unwrap();
    assert_not_found(store.delete_organization_role("r2").await);
    assert_eq!(
        store
            .list_organization_roles(Page::ALL)
            .await
            .unwrap()
            .total,
        2
    );
}

async fn organization_role_insert_is_atomic(store: Arc<dyn Store>) {
    store.insert_resource(&api("api")).await.unwrap();
    store
        .insert_scope(&api_scope("as1", "api", "api:read", NOW))
        .await
        .unwrap();
    store
        .insert_organization_scope(&org_scope("s1", "read"))
        .await
        .unwrap();

    // An unknown organization scope or resource scope: NotFound, and no role is left behind.
    assert_not_found(
        store
            .insert_organization_role(
                &org_role("r1", "reader", RoleType::User),
                &ids(&["s1", "ghost"]),
                &[],
            )
            .await,
    );
    assert_not_found(
        store
            .insert_organization_role(
                &org_role("r1", "reader", RoleType::User),
                &ids(&["s1"]),
                &ids(&["as1", "ghost"]),
            )
            .await,
    );
    assert_eq!(store.find_organization_role("r1").await.unwrap(), None);

    // Duplicates in the lists are harmless.
    store
        .insert_organization_role(
            &org_role("r1", "reader", RoleType::User),
            &ids(&["s1", "s1"]),
            &ids(&["as1", "as1"]),
        )
        .await
        .unwrap();
    assert_eq!(
        scope_names(&store.organization_role_scopes("r1").await.unwrap()),
        ["read"]
    );
    let resource_scopes = store.organization_role_resource_scopes("r1").await.unwrap();
    assert_eq!(resource_scopes, [api_scope("as1", "api", "api:read", NOW)]);
}

async fn organization_role_scope_grants(store: Arc<dyn Store>) {
    store.insert_resource(&api("api")).await.unwrap();
    for (id, name, created_at) in [
        ("as1", "api:write", NOW + 1),
        ("as2", "api:read", NOW),
        ("as3", "api:admin", NOW + 1),
    ] {
        store
            .insert_scope(&api_scope(id, "api", name, created_at))
            .await
            .unwrap();
    }
    for (id, name) in [("s1", "write"), ("s2", "read"), ("s3", "admin")] {
        store
            .insert_organization_scope(&org_scope(id, name))
            .await
            .unwrap();
    }
    store
        .insert_organization_role(&org_role("r1", "editor", RoleType::User), &[], &[])
        .await
        .unwrap();
    store
        .insert_organization_role(
            &org_role("r2", "viewer", RoleType::User),
            &ids(&["s2"]),
            &[],
        )
        .await
        .unwrap();
    assert!(store
        .organization_role_scopes("r1")
        .await
        .unwrap()
        .is_empty());

    store
        .add_organization_role_scopes("r1", &ids(&["s1", "s2"]))
        .await
        .unwrap();
    // Adding again (with a new one) keeps the existing grants and adds the new one.
    store
        .add_organization_role_scopes("r1", &ids(&["s2", "s3"]))
        .await
        .unwrap();
    assert_eq!(
        scope_names(&store.organization_role_scopes("r1").await.unwrap()),
        ["admin", "read", "write"]
    );
    // Atomic: a missing scope leaves nothing added; a missing role is NotFound even when empty.
    assert_not_found(
        store
            .add_organization_role_scopes("r2", &ids(&["s1", "ghost"]))
            .await,
    );
    assert_eq!(
        scope_names(&store.organization_role_scopes("r2").await.unwrap()),
        ["read"]
    );
    assert_not_found(store.add_organization_role_scopes("ghost", &[]).await);
    assert_not_found(store.organization_role_scopes("ghost").await);

    store
        .remove_organization_role_scope("r1", "s3")
        .await
        .unwrap();
    assert_not_found(store.remove_organization_role_scope("r1", "s3").await);
    assert_eq!(
        scope_names(&store.organization_role_scopes("r1").await.unwrap()),
        ["read", "write"]
    );
    assert_eq!(
        scope_names(&store.organization_role_scopes("r2").await.unwrap()),
        ["read"],
        "other roles' grants are untouched"
    );

    // Resource scopes: in creation order (ties by insertion).
    store
        .add_organization_role_resource_scopes("r1", &ids(&["as3", "as1", "as2"]))
        .await
        .unwrap();
    store
        .add_organization_role_resource_scopes("r1", &ids(&["as1"]))
        .await
        .unwrap();
    let granted: Vec<String> = store
        .organization_role_resource_scopes("r1")
        .await
        .unwrap()
        .into_iter()
        .map(|scope| scope.id)
        .collect();
    assert_eq!(granted, ids(&["as2", "as1", "as3"]));
    assert_not_found(
        store
            .add_organization_role_resource_scopes("r2", &ids(&["as1", "ghost"]))
            .await,
    );
    assert!(store
        .organization_role_resource_scopes("r2")
        .await
        .unwrap()
        .is_empty());
    assert_not_found(
        store
            .add_organization_role_resource_scopes("ghost", &[])
            .await,
    );
    assert_not_found(store.organization_role_resource_scopes("ghost").await);
    store
        .remove_organization_role_resource_scope("r1", "as1")
        .await
        .unwrap();
    assert_not_found(
        store
            .remove_organization_role_resource_scope("r1", "as1")
            .await,
    );
    assert_eq!(
        store
            .organization_role_resource_scopes("r1")
            .await
            .unwrap()
            .len(),
        2
    );
}

// --- members

async fn organization_user_membership(store: Arc<dyn Store>) {
    insert_users(&store, &["u1", "u2", "u3"]).await;
    store
        .insert_organization(&organization("o1", "Acme", NOW))
        .await
        .unwrap();
    store
        .insert_organization(&organization("o2", "Globex", NOW + 1))
        .await
        .unwrap();

    store
        .add_organization_users("o1", &ids(&["u2"]))
        .await
        .unwrap();
    store
        .add_organization_users("o1", &ids(&["u1"]))
        .await
        .unwrap();
    // Idempotent: existing members stay where they were in the join order (members added
    // together join in id order).
    store
        .add_organization_users("o1", &ids(&["u3", "u1", "u3", "u2"]))
        .await
        .unwrap();
    let members = store.organization_users("o1", Page::ALL).await.unwrap();
    assert_eq!(members.total, 3);
    assert_eq!(user_ids(&members), ["u2", "u1", "u3"]);
    assert_eq!(members.items[0].username.as_deref(), Some("user_u2"));
    let second = store.organization_users("o1", page(1, 1)).await.unwrap();
    assert_eq!((second.total, user_ids(&second)), (3, vec!["u1"]));
    store
        .add_organization_users("o2", &ids(&["u3", "u1"]))
        .await
        .unwrap();
    assert_eq!(
        user_ids(&store.organization_users("o2", Page::ALL).await.unwrap()),
        ["u1", "u3"]
    );
    store.remove_organization_user("o2", "u1").await.unwrap();
    store.remove_organization_user("o2", "u3").await.unwrap();
    assert_eq!(
        store
            .organization_users("o2", Page::ALL)
            .await
            .unwrap()
            .total,
        0
    );
    assert_not_found(store.organization_users("ghost", Page::ALL).await);

    assert!(store.is_organization_user("o1", "u1").await.unwrap());
    assert!(!store.is_organization_user("o2", "u1").await.unwrap());
    assert!(!store.is_organization_user("ghost", "u1").await.unwrap());
    assert!(!store.is_organization_user("o1", "ghost").await.unwrap());

    // A user's organizations, by join order.
    store
        .add_organization_users("o2", &ids(&["u3"]))
        .await
        .unwrap();
    assert_eq!(
        org_ids(&store.user_organizations("u3").await.unwrap()),
        ["o1", "o2"]
    );
    assert_eq!(
        org_ids(&store.user_organizations("u1").await.unwrap()),
        ["o1"]
    );
    assert!(store.user_organizations("ghost").await.unwrap().is_empty());

    // Missing organization or user: NotFound, and nothing of the call is kept.
    assert_not_found(store.add_organization_users("ghost", &ids(&["u1"])).await);
    assert_not_found(store.add_organization_users("ghost", &[]).await);
    assert_not_found(
        store
            .add_organization_users("o2", &ids(&["u1", "ghost"]))
            .await,
    );
    assert!(!store.is_organization_user("o2", "u1").await.unwrap());

    store.remove_organization_user("o1", "u1").await.unwrap();
    assert_not_found(store.remove_organization_user("o1", "u1").await);
    assert_not_found(store.remove_organization_user("ghost", "u2").await);
    assert_eq!(
        user_ids(&store.organization_users("o1", Page::ALL).await.unwrap()),
        ["u2", "u3"]
    );
    // Rejoining puts the user last.
    store
        .add_organization_users("o1", &ids(&["u1"]))
        .await
        .unwrap();
    assert_eq!(
        user_ids(&store.organization_users("o1", Page::ALL).await.unwrap()),
        ["u2", "u3", "u1"]
    );
}

async fn organization_user_removal_cascades_roles_in_that_organization_only(store: Arc<dyn Store>) {
    insert_users(&store, &["u1", "u2"]).await;
    for id in ["o1", "o2"] {
        store
            .insert_organization(&organization(id, id, NOW))
            .await
            .unwrap();
        store
            .add_organization_users(id, &ids(&["u1", "u2"]))
            .await
            .unwrap();
    }
    store
        .insert_organization_role(&org_role("r1", "member", RoleType::User), &[], &[])
        .await
        .unwrap();
    for (org, user) in [("o1", "u1"), ("o2", "u1"), ("o1", "u2")] {
        store
            .add_organization_user_roles(org, user, &ids(&["r1"]))
            .await
            .unwrap();
    }

    store.remove_organization_user("o1", "u1").await.unwrap();
    assert!(store
        .organization_user_roles("o1", "u1")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        role_names(&store.organization_user_roles("o2", "u1").await.unwrap()),
        ["member"]
    );
    assert_eq!(
        role_names(&store.organization_user_roles("o1", "u2").await.unwrap()),
        ["member"]
    );
    assert_eq!(
        store.user_organization_role_names("u1").await.unwrap(),
        pairs(&[("o2", "member")])
    );
    // Rejoining does not bring the old roles back.
    store
        .add_organization_users("o1", &ids(&["u1"]))
        .await
        .unwrap();
    assert!(store
        .organization_user_roles("o1", "u1")
        .await
        .unwrap()
        .is_empty());
}

async fn organization_user_roles_need_membership_and_user_roles(store: Arc<dyn Store>) {
    insert_users(&store, &["u1", "u2"]).await;
    store
        .insert_organization(&organization("o1", "Acme", NOW))
        .await
        .unwrap();
    store
        .add_organization_users("o1", &ids(&["u1"]))
        .await
        .unwrap();
    for (id, name, role_type) in [
        ("r1", "viewer", RoleType::User),
        ("r2", "editor", RoleType::User),
        ("r3", "bot", RoleType::MachineToMachine),
    ] {
        store
            .insert_organization_role(&org_role(id, name, role_type), &[], &[])
            .await
            .unwrap();
    }

    // Only members hold roles.
    assert_not_found(
        store
            .add_organization_user_roles("o1", "u2", &ids(&["r1"]))
            .await,
    );
    assert_not_found(store.add_organization_user_roles("o1", "u2", &[]).await);
    assert_not_found(
        store
            .add_organization_user_roles("ghost", "u1", &ids(&["r1"]))
            .await,
    );
    assert_not_found(
        store
            .add_organization_user_roles("o1", "ghost", &ids(&["r1"]))
            .await,
    );
    // Only `User` roles; a machine-to-machine role is a type conflict, and nothing is written.
    assert_conflict(
        store
            .add_organization_user_roles("o1", "u1", &ids(&["r1", "r3"]))
            .await,
        "type",
    );
    assert!(store
        .organization_user_roles("o1", "u1")
        .await
        .unwrap()
        .is_empty());
    // A missing role: NotFound, nothing written.
    assert_not_found(
        store
            .add_organization_user_roles("o1", "u1", &ids(&["r1", "ghost"]))
            .await,
    );
    assert!(store
        .organization_user_roles("o1", "u1")
        .await
        .unwrap()
        .is_empty());

    store
        .add_organization_user_roles("o1", "u1", &ids(&["r1", "r2"]))
        .await
        .unwrap();
    store
        .add_organization_user_roles("o1", "u1", &ids(&["r2"]))
        .await
        .unwrap();
    let held = store.organization_user_roles("o1", "u1").await.unwrap();
    assert_eq!(
        held,
        [
            org_role("r2", "editor", RoleType::User),
            org_role("r1", "viewer", RoleType::User)
        ]
    );
    assert!(store
        .organization_user_roles("o1", "u2")
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .organization_user_roles("ghost", "u1")
        .await
        .unwrap()
        .is_empty());

    store
        .remove_organization_user_role("o1", "u1", "r2")
        .await
        .unwrap();
    assert_not_found(store.remove_organization_user_role("o1", "u1", "r2").await);
    assert_not_found(store.remove_organization_user_role("o1", "u2", "r1").await);
    assert_eq!(
        role_names(&store.organization_user_roles("o1", "u1").await.unwrap()),
        ["viewer"]
    );
}

async fn organization_application_membership_and_roles(store: Arc<dyn Store>) {
    for (id, app_type) in [
        ("m1", ApplicationType::MachineToMachine),
        ("m2", ApplicationType::MachineToMachine),
        ("web", ApplicationType::Traditional),
    ] {
        store
            .insert_application(&app(id, app_type), None)
            .await
            .unwrap();
    }
    store
        .insert_organization(&organization("o1", "Acme", NOW))
        .await
        .unwrap();
    store
        .insert_organization(&organization("o2", "Globex", NOW))
        .await
        .unwrap();
    store
        .insert_organization_role(
            &org_role("bot", "bot", RoleType::MachineToMachine),
            &[],
            &[],
        )
        .await
        .unwrap();
    store
        .insert_organization_role(
            &org_role("crawler", "crawler", RoleType::MachineToMachine),
            &[],
            &[],
        )
        .await
        .unwrap();
    store
        .insert_organization_role(&org_role("human", "human", RoleType::User), &[], &[])
        .await
        .unwrap();

    // Only machine-to-machine applications are members; a missing one is NotFound; atomic.
    assert_conflict(
        store
            .add_organization_applications("o1", &ids(&["m1", "web"]))
            .await,
        "type",
    );
    assert_not_found(
        store
            .add_organization_applications("o1", &ids(&["m1", "ghost"]))
            .await,
    );
    assert_not_found(
        store
            .add_organization_applications("ghost", &ids(&["m1"]))
            .await,
    );
    assert_not_found(store.add_organization_applications("ghost", &[]).await);
    assert!(!store.is_organization_application("o1", "m1").await.unwrap());

    store
        .add_organization_applications("o1", &ids(&["m2", "m1"]))
        .await
        .unwrap();
    store
        .add_organization_applications("o1", &ids(&["m1"]))
        .await
        .unwrap();
    let members = store
        .organization_applications("o1", Page::ALL)
        .await
        .unwrap();
    let member_ids: Vec<&str> = members.items.iter().map(|app| app.id.as_str()).collect();
    assert_eq!((members.total, member_ids), (2, vec!["m1", "m2"]));
    assert_eq!(
        members.items[0],
        app("m1", ApplicationType::MachineToMachine)
    );
    let paged = store
        .organization_applications("o1", page(1, 1))
        .await
        .unwrap();
    assert_eq!((paged.total, paged.items[0].id.as_str()), (2, "m2"));
    assert_not_found(store.organization_applications("ghost", Page::ALL).await);
    assert!(store.is_organization_application("o1", "m1").await.unwrap());
    assert!(!store.is_organization_application("o2", "m1").await.unwrap());
    assert!(!store
        .is_organization_application("ghost", "m1")
        .await
        .unwrap());

    // Roles: membership needed, machine-to-machine roles only, atomic.
    assert_not_found(
        store
            .add_organization_application_roles("o2", "m1", &ids(&["bot"]))
            .await,
    );
    assert_conflict(
        store
            .add_organization_application_roles("o1", "m1", &ids(&["bot", "human"]))
            .await,
        "type",
    );
    assert_not_found(
        store
            .add_organization_application_roles("o1", "m1", &ids(&["bot", "ghost"]))
            .await,
    );
    assert!(store
        .organization_application_roles("o1", "m1")
        .await
        .unwrap()
        .is_empty());
    store
        .add_organization_application_roles("o1", "m1", &ids(&["crawler", "bot"]))
        .await
        .unwrap();
    store
        .add_organization_application_roles("o1", "m1", &ids(&["bot"]))
        .await
        .unwrap();
    store
        .add_organization_application_roles("o1", "m2", &ids(&["bot"]))
        .await
        .unwrap();
    assert_eq!(
        role_names(
            &store
                .organization_application_roles("o1", "m1")
                .await
                .unwrap()
        ),
        ["bot", "crawler"]
    );
    store
        .remove_organization_application_role("o1", "m1", "crawler")
        .await
        .unwrap();
    assert_not_found(
        store
            .remove_organization_application_role("o1", "m1", "crawler")
            .await,
    );
    assert_eq!(
        role_names(
            &store
                .organization_application_roles("o1", "m1")
                .await
                .unwrap()
        ),
        ["bot"]
    );

    // Removing the application removes its roles there, and only its own.
    store
        .remove_organization_application("o1", "m1")
        .await
        .unwrap();
    assert_not_found(store.remove_organization_application("o1", "m1").await);
    assert!(store
        .organization_application_roles("o1", "m1")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        role_names(
            &store
                .organization_application_roles("o1", "m2")
                .await
                .unwrap()
        ),
        ["bot"]
    );
    store
        .add_organization_applications("o1", &ids(&["m1"]))
        .await
        .unwrap();
    assert!(store
        .organization_application_roles("o1", "m1")
        .await
        .unwrap()
        .is_empty());
}

// --- scope resolution

/// Two organizations with a role each: `r_read` (org scope `read`, API scopes `api:read` and
/// `other:read` of another API) and `r_write` (org scope `write`, API scope `api:write`), plus
/// `r_also_read` (`read` and `api:read` again, to check deduplication). `role_type` is the
/// type of every role.
async fn insert_resolution_fixtures(store: &Arc<dyn Store>, role_type: RoleType) {
    store.insert_resource(&api("api")).await.unwrap();
    store.insert_resource(&api("other")).await.unwrap();
    for (id, resource, name) in [
        ("api_read", "api", "api:read"),
        ("api_write", "api", "api:write"),
        ("other_read", "other", "other:read"),
    ] {
        store
            .insert_scope(&api_scope(id, resource, name, NOW))
            .await
            .unwrap();
    }
    for (id, name) in [("read", "read"), ("write", "write")] {
        store
            .insert_organization_scope(&org_scope(id, name))
            .await
            .unwrap();
    }
    for (id, scopes, resource_scopes) in [
        ("r_read", &["read"][..], &["api_read", "other_read"][..]),
        ("r_write", &["write"][..], &["api_write"][..]),
        ("r_also_read", &["read"][..], &["api_read"][..]),
    ] {
        store
            .insert_organization_role(
                &org_role(id, id, role_type),
                &ids(scopes),
                &ids(resource_scopes),
            )
            .await
            .unwrap();
    }
    for id in ["org_a", "org_b"] {
        store
            .insert_organization(&organization(id, id, NOW))
            .await
            .unwrap();
    }
}

async fn organization_scope_resolution_for_users_does_not_leak(store: Arc<dyn Store>) {
    insert_resolution_fixtures(&store, RoleType::User).await;
    insert_users(&store, &["u1", "u2"]).await;
    store
        .add_organization_users("org_b", &ids(&["u1"]))
        .await
        .unwrap();
    store
        .add_organization_users("org_a", &ids(&["u1", "u2"]))
        .await
        .unwrap();
    store
        .add_organization_user_roles("org_a", "u1", &ids(&["r_read", "r_also_read"]))
        .await
        .unwrap();
    store
        .add_organization_user_roles("org_b", "u1", &ids(&["r_write"]))
        .await
        .unwrap();

    // Each organization grants only its own roles' scopes, deduplicated and sorted.
    assert_eq!(
        store.user_organization_scopes("org_a", "u1").await.unwrap(),
        ["read"]
    );
    assert_eq!(
        store.user_organization_scopes("org_b", "u1").await.unwrap(),
        ["write"]
    );
    assert_eq!(
        store
            .user_organization_resource_scopes("org_a", "u1", "api")
            .await
            .unwrap(),
        ["api:read"]
    );
    assert_eq!(
        store
            .user_organization_resource_scopes("org_b", "u1", "api")
            .await
            .unwrap(),
        ["api:write"]
    );
    // Filtered by resource.
    assert_eq!(
        store
            .user_organization_resource_scopes("org_a", "u1", "other")
            .await
            .unwrap(),
        ["other:read"]
    );
    assert!(store
        .user_organization_resource_scopes("org_b", "u1", "other")
        .await
        .unwrap()
        .is_empty());
    // Organization roles grant nothing outside organizations (plain RBAC is separate).
    assert!(store
        .user_resource_scopes("u1", "api")
        .await
        .unwrap()
        .is_empty());
    // A member without roles, a non-member and unknown ids get nothing.
    assert!(store
        .user_organization_scopes("org_a", "u2")
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .user_organization_scopes("org_b", "u2")
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .user_organization_scopes("ghost", "u1")
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .user_organization_scopes("org_a", "ghost")
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .user_organization_resource_scopes("org_a", "u1", "ghost")
        .await
        .unwrap()
        .is_empty());

    // `(organization, role name)` pairs, by join order then name.
    assert_eq!(
        store.user_organization_role_names("u1").await.unwrap(),
        pairs(&[
            ("org_b", "r_write"),
            ("org_a", "r_also_read"),
            ("org_a", "r_read"),
        ])
    );
    assert!(store
        .user_organization_role_names("u2")
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .user_organization_role_names("ghost")
        .await
        .unwrap()
        .is_empty());

    // Taking a role away shrinks the result; the duplicate grant keeps `read`.
    store
        .remove_organization_user_role("org_a", "u1", "r_read")
        .await
        .unwrap();
    assert_eq!(
        store.user_organization_scopes("org_a", "u1").await.unwrap(),
        ["read"]
    );
    assert!(store
        .user_organization_resource_scopes("org_a", "u1", "other")
        .await
        .unwrap()
        .is_empty());
    store
        .remove_organization_user_role("org_a", "u1", "r_also_read")
        .await
        .unwrap();
    assert!(store
        .user_organization_scopes("org_a", "u1")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store.user_organization_scopes("org_b", "u1").await.unwrap(),
        ["write"]
    );
}

async fn organization_scope_resolution_for_applications_does_not_leak(store: Arc<dyn Store>) {
    insert_resolution_fixtures(&store, RoleType::MachineToMachine).await;
    for id in ["m1", "m2"] {
        store
            .insert_application(&app(id, ApplicationType::MachineToMachine), None)
            .await
            .unwrap();
    }
    store
        .add_organization_applications("org_a", &ids(&["m1", "m2"]))
        .await
        .unwrap();
    store
        .add_organization_applications("org_b", &ids(&["m1"]))
        .await
        .unwrap();
    store
        .add_organization_application_roles("org_a", "m1", &ids(&["r_read", "r_also_read"]))
        .await
        .unwrap();
    store
        .add_organization_application_roles("org_b", "m1", &ids(&["r_write"]))
        .await
        .unwrap();

    assert_eq!(
        store
            .application_organization_scopes("org_a", "m1")
            .await
            .unwrap(),
        ["read"]
    );
    assert_eq!(
        store
            .application_organization_scopes("org_b", "m1")
            .await
            .unwrap(),
        ["write"]
    );
    assert_eq!(
        store
            .application_organization_resource_scopes("org_a", "m1", "api")
            .await
            .unwrap(),
        ["api:read"]
    );
    assert_eq!(
        store
            .application_organization_resource_scopes("org_b", "m1", "api")
            .await
            .unwrap(),
        ["api:write"]
    );
    assert_eq!(
        store
            .application_organization_resource_scopes("org_a", "m1", "other")
            .await
            .unwrap(),
        ["other:read"]
    );
    assert!(store
        .application_organization_resource_scopes("org_b", "m1", "other")
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .application_resource_scopes("m1", "api")
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .application_organization_scopes("org_a", "m2")
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .application_organization_scopes("org_b", "m2")
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .application_organization_scopes("ghost", "m1")
        .await
        .unwrap()
        .is_empty());

    store
        .remove_organization_application("org_a", "m1")
        .await
        .unwrap();
    assert!(store
        .application_organization_scopes("org_a", "m1")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .application_organization_scopes("org_b", "m1")
            .await
            .unwrap(),
        ["write"]
    );
}

// --- cascades

async fn organization_deletes_clean_every_relation(store: Arc<dyn Store>) {
    insert_resolution_fixtures(&store, RoleType::User).await;
    store
        .insert_organization_role(
            &org_role("bot", "bot", RoleType::MachineToMachine),
            &ids(&["read"]),
            &ids(&["api_read"]),
        )
        .await
        .unwrap();
    insert_users(&store, &["u1", "u2"]).await;
    store
        .insert_application(&app("m1", ApplicationType::MachineToMachine), None)
        .await
        .unwrap();
    for org in ["org_a", "org_b"] {
        store
            .add_organization_users(org, &ids(&["u1", "u2"]))
            .await
            .unwrap();
        store
            .add_organization_user_roles(org, "u1", &ids(&["r_read", "r_write"]))
            .await
            .unwrap();
        store
            .add_organization_applications(org, &ids(&["m1"]))
            .await
            .unwrap();
        store
            .add_organization_application_roles(org, "m1", &ids(&["bot"]))
            .await
            .unwrap();
    }
    assert_eq!(
        store.user_organization_scopes("org_a", "u1").await.unwrap(),
        ["read", "write"]
    );

    // An organization scope: gone from roles and resolution.
    store.delete_organization_scope("write").await.unwrap();
    assert_eq!(
        store.user_organization_scopes("org_a", "u1").await.unwrap(),
        ["read"]
    );
    assert!(store
        .organization_role_scopes("r_write")
        .await
        .unwrap()
        .is_empty());

    // An API scope, and an API resource with all its scopes.
    store.delete_scope("api_write").await.unwrap();
    assert_eq!(
        store
            .user_organization_resource_scopes("org_a", "u1", "api")
            .await
            .unwrap(),
        ["api:read"]
    );
    store.delete_resource("other").await.unwrap();
    assert!(store
        .user_organization_resource_scopes("org_a", "u1", "other")
        .await
        .unwrap()
        .is_empty());
    let left: Vec<String> = store
        .organization_role_resource_scopes("r_read")
        .await
        .unwrap()
        .into_iter()
        .map(|scope| scope.id)
        .collect();
    assert_eq!(left, ids(&["api_read"]));

    // A role: unassigned everywhere.
    store.delete_organization_role("r_read").await.unwrap();
    assert!(store
        .user_organization_scopes("org_a", "u1")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store.user_organization_role_names("u1").await.unwrap(),
        pairs(&[("org_a", "r_write"), ("org_b", "r_write")])
    );

    // An organization: its memberships and assignments, and nothing of the other one.
    store.delete_organization("org_a").await.unwrap();
    assert_eq!(
        org_ids(&store.user_organizations("u1").await.unwrap()),
        ["org_b"]
    );
    assert_eq!(
        store.user_organization_role_names("u1").await.unwrap(),
        pairs(&[("org_b", "r_write")])
    );
    assert!(!store
        .is_organization_application("org_a", "m1")
        .await
        .unwrap());
    assert_eq!(
        store
            .application_organization_scopes("org_b", "m1")
            .await
            .unwrap(),
        ["read"]
    );
    // Re-created with the same id, it starts empty.
    store
        .insert_organization(&organization("org_a", "again", NOW))
        .await
        .unwrap();
    assert_eq!(
        store
            .organization_users("org_a", Page::ALL)
            .await
            .unwrap()
            .total,
        0
    );
    assert!(store
        .organization_user_roles("org_a", "u1")
        .await
        .unwrap()
        .is_empty());

    // A user: memberships and roles.
    store.delete_user("u1").await.unwrap();
    assert_eq!(
        user_ids(&store.organization_users("org_b", Page::ALL).await.unwrap()),
        ["u2"]
    );
    assert!(store.user_organizations("u1").await.unwrap().is_empty());
    assert!(store
        .user_organization_role_names("u1")
        .await
        .unwrap()
        .is_empty());
    // Re-created with the same id, the user is in no organization.
    store.insert_user(&member("u1"), NOW).await.unwrap();
    assert!(!store.is_organization_user("org_b", "u1").await.unwrap());

    // An application: memberships and roles.
    store.delete_application("m1").await.unwrap();
    assert_eq!(
        store
            .organization_applications("org_b", Page::ALL)
            .await
            .unwrap()
            .total,
        0
    );
    assert!(store
        .application_organization_scopes("org_b", "m1")
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .organization_application_roles("org_b", "m1")
        .await
        .unwrap()
        .is_empty());
}

/// Foreign-key failures read as `NotFound`, never as a backend failure, on every write path.
async fn organization_foreign_key_failures_are_not_found(store: Arc<dyn Store>) {
    store
        .insert_organization(&organization("o1", "Acme", NOW))
        .await
        .unwrap();
    store
        .insert_organization_role(&org_role("r1", "r1", RoleType::User), &[], &[])
        .await
        .unwrap();
    assert_not_found(store.add_organization_users("o1", &ids(&["ghost"])).await);
    assert_not_found(
        store
            .add_organization_role_scopes("r1", &ids(&["ghost"]))
            .await,
    );
    assert_not_found(
        store
            .add_organization_role_resource_scopes("r1", &ids(&["ghost"]))
            .await,
    );
    assert_not_found(
        store
            .insert_organization_role(&org_role("r2", "r2", RoleType::User), &[], &ids(&["ghost"]))
            .await,
    );
    assert_not_found(
        store
            .remove_organization_user_role("o1", "ghost", "r1")
            .await,
    );
    assert_not_found(store.remove_organization_application("o1", "ghost").await);
}

// --- two nodes

/// Two nodes add the same members at the same time: both calls succeed and each user is a
/// member once; roles given on one node are seen on the other.
async fn organization_memberships_race_across_nodes(first: Arc<dyn Store>, second: Arc<dyn Store>) {
    let users: Vec<String> = (0..8).map(|i| format!("u{i}")).collect();
    for id in &users {
        first.insert_user(&member(id), NOW).await.unwrap();
    }
    first
        .insert_organization(&organization("o1", "Acme", NOW))
        .await
        .unwrap();
    second
        .insert_organization_role(&org_role("r1", "member", RoleType::User), &[], &[])
        .await
        .unwrap();

    let barrier = Arc::new(tokio::sync::Barrier::new(4));
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let store = Arc::clone(if i % 2 == 0 { &first } else { &second });
            let barrier = Arc::clone(&barrier);
            let mut users = users.clone();
            if i >= 2 {
                users.reverse();
            }
            tokio::spawn(async move {
                barrier.wait().await;
                store.add_organization_users("o1", &users).await
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").unwrap();
    }
    let members = second.organization_users("o1", Page::ALL).await.unwrap();
    assert_eq!(members.total, 8);
    let mut listed: Vec<String> = members.items.into_iter().map(|user| user.id).collect();
    listed.sort();
    assert_eq!(listed, users);

    first
        .add_organization_user_roles("o1", "u3", &ids(&["r1"]))
        .await
        .unwrap();
    assert_eq!(
        second.user_organization_role_names("u3").await.unwrap(),
        pairs(&[("o1", "member")])
    );

    // Roles given to one member from both nodes at once, in opposite orders.
    let roles: Vec<String> = (0..6).map(|i| format!("extra{i}")).collect();
    for id in &roles {
        first
            .insert_organization_role(&org_role(id, id, RoleType::User), &[], &[])
            .await
            .unwrap();
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(4));
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let store = Arc::clone(if i % 2 == 0 { &first } else { &second });
            let barrier = Arc::clone(&barrier);
            let mut roles = roles.clone();
            if i >= 2 {
                roles.reverse();
            }
            tokio::spawn(async move {
                barrier.wait().await;
                store.add_organization_user_roles("o1", "u5", &roles).await
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").unwrap();
    }
    assert_eq!(
        first
            .organization_user_roles("o1", "u5")
            .await
            .unwrap()
            .len(),
        roles.len()
    );
}

/// One node removes a member while the other gives the member roles: whichever wins, a user
/// who is not a member holds no roles there.
async fn organization_role_assignment_races_member_removal(
    first: Arc<dyn Store>,
    second: Arc<dyn Store>,
) {
    first
        .insert_organization(&organization("o1", "Acme", NOW))
        .await
        .unwrap();
    let roles: Vec<String> = (0..6).map(|i| format!("r{i}")).collect();
    for id in &roles {
        first
            .insert_organization_role(&org_role(id, id, RoleType::User), &[], &[])
            .await
            .unwrap();
    }
    for round in 0..6 {
        let user = format!("u{round}");
        first.insert_user(&member(&user), NOW).await.unwrap();
        first
            .add_organization_users("o1", std::slice::from_ref(&user))
            .await
            .unwrap();
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let assign = {
            let (store, barrier, user, roles) = (
                Arc::clone(&first),
                Arc::clone(&barrier),
                user.clone(),
                roles.clone(),
            );
            tokio::spawn(async move {
                barrier.wait().await;
                store.add_organization_user_roles("o1", &user, &roles).await
            })
        };
        let remove = {
            let (store, barrier, user) = (Arc::clone(&second), Arc::clone(&barrier), user.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store.remove_organization_user("o1", &user).await
            })
        };
        match assign.await.expect("task") {
            Ok(()) | Err(StoreError::NotFound) => {}
            Err(other) => panic!("unexpected error {other:?}"),
        }
        remove.await.expect("task").unwrap();
        assert!(!second.is_organization_user("o1", &user).await.unwrap());
        assert!(second
            .organization_user_roles("o1", &user)
            .await
            .unwrap()
            .is_empty());
        assert!(second
            .user_organization_role_names(&user)
            .await
            .unwrap()
            .is_empty());
    }
}

// --- migrations

/// A database at version 3 (before organizations), as an existing deployment has it.
const V3_HISTORY: &str = "CREATE TABLE sesame_migrations (version BIGINT NOT NULL PRIMARY KEY, \
     description TEXT NOT NULL, applied_at BIGINT NOT NULL); \
     INSERT INTO sesame_migrations (version, description, applied_at) VALUES \
     (1, 'init', 0), (2, 'rbac', 0), (3, 'connectors_and_events', 0); \
     INSERT INTO users (id, username, created_at, updated_at) VALUES ('old', 'veteran', 1, 1);";

/// `connect` on a version-3 database adds the organization tables; existing users can join.
async fn check_upgraded(store: Arc<dyn Store>) {
    store
        .insert_organization(&organization("o1", "Acme", NOW))
        .await
        .unwrap();
    store
        .add_organization_users("o1", &ids(&["old"]))
        .await
        .unwrap();
    assert_eq!(
        org_ids(&store.user_organizations("old").await.unwrap()),
        ["o1"]
    );
    store.delete_user("old").await.unwrap();
    assert_eq!(
        store
            .organization_users("o1", Page::ALL)
            .await
            .unwrap()
            .total,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_upgrade_from_v3_adds_organizations() {
    support::upgrade_on_sqlite(3, V3_HISTORY, check_upgraded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_upgrade_from_v3_adds_organizations() {
    support::upgrade_on_postgres(
        "postgres_upgrade_from_v3_adds_organizations",
        3,
        V3_HISTORY,
        check_upgraded,
    )
    .await;
}

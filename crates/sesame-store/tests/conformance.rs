//! One behavioural contract, checked against both backends. Each case is written once as
//! `async fn case(store)`; `conformance!` (in `support`) turns it into `sqlite::case` (a fresh
//! database file) and `postgres::case` (a fresh schema in `SESAME_TEST_POSTGRES_URL`, skipped
//! loudly when the variable is unset).

// A failed unwrap is a failed test, with the error in the panic message.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use std::future::Future;
use std::sync::Arc;

use serde_json::json;
use sesame_core::model::{
    Application, ApplicationSecret, ApplicationType, ConnectorRecord, Listing, NewUser,
    OidcClientMetadata, Page, Resource, Role, RoleType, Scope, User,
};
use sesame_core::store::{Artifact, ArtifactKind, Consumption, Store, StoreError};
use sesame_store::{connect, connect_postgres_schema, sqlite_url_for_dir};
use support::{drop_schema, postgres_url, random_schema};

const NOW: i64 = 1_700_000_000_000;

conformance!(
    user_insert_returns_the_stored_record,
    user_lookups_by_identifier,
    user_unique_identifiers_conflict,
    user_password_update,
    user_suspension_and_sign_in,
    user_updates_on_unknown_id_are_not_found,
    application_with_secret,
    application_without_secret,
    application_duplicate_id_conflicts,
    config_first_writer_wins,
    config_swap_compares_and_sets,
    artifact_put_find_and_expiry,
    artifact_put_replaces,
    artifact_kinds_are_separate,
    artifact_consumed_once,
    artifact_consume_missing_or_expired,
    artifact_concurrent_consumers_one_wins,
    artifact_delete,
    revoke_grant_removes_only_that_grant,
    revoke_account_removes_only_that_account,
    purge_expired_removes_only_expired,
    user_list_search_is_literal_and_case_insensitive,
    user_list_is_newest_first_and_paged,
    user_update_writes_every_mutable_field,
    user_update_conflicts_and_not_found,
    user_delete_removes_its_artifacts_and_roles_only,
    application_list_by_type_newest_first,
    application_update_and_delete,
    application_secrets_insert_delete_conflict,
    resource_crud_in_creation_order,
    resource_unique_indicator,
    resource_single_default,
    resource_concurrent_defaults_leave_exactly_one,
    resource_delete_cascades_scopes_and_grants,
    scope_crud,
    scope_names_are_unique_per_resource,
    role_crud_with_scopes,
    role_unique_name,
    role_list_filters_and_pagination,
    role_scope_grants,
    user_role_assignments,
    application_role_assignments,
    role_delete_cascades_grants_and_assignments,
    foreign_keys_hold_on_every_connection,
    user_scope_resolution,
    application_scope_resolution,
    connector_crud_conflict_and_not_found,
    connectors_list_by_creation_time_then_insertion,
    event_counts_are_strictly_after_since_and_ignore_expiry,
    event_buckets_and_keys_are_isolated,
    event_within_limit_records_until_the_limit,
    event_within_limit_concurrent_callers_record_exactly_one,
    event_within_limit_concurrent_callers_fill_the_room_exactly,
    purge_expired_removes_only_expired_events_and_artifacts,
    identity_link_find_and_replace,
    identity_is_linked_to_one_user_only,
    identity_unlink_and_not_found,
    identity_rows_go_with_their_user,
    identity_concurrent_links_keep_one_owner_and_every_target,
);

conformance_two_nodes!(
    event_within_limit_is_atomic_across_nodes,
    connectors_and_events_are_shared_across_nodes,
    identity_links_race_across_nodes,
);

// --- fixtures

fn new_user(id: &str, username: &str) -> NewUser {
    NewUser {
        id: id.to_owned(),
        username: Some(username.to_owned()),
        primary_email: Some(format!("{username}@Example.com")),
        primary_phone: Some(format!("+1555{id}")),
        password_encrypted: Some("$argon2i$hash".to_owned()),
        password_encryption_method: Some("Argon2i".to_owned()),
        name: Some(format!("{username} the user")),
    }
}

fn application(id: &str, app_type: ApplicationType) -> Application {
    Application {
        id: id.to_owned(),
        name: format!("App {id}"),
        description: Some("a test application".to_owned()),
        app_type,
        oidc_client_metadata: OidcClientMetadata {
            redirect_uris: vec!["https://app.example/callback".to_owned()],
            post_logout_redirect_uris: vec!["https://app.example/".to_owned()],
        },
        custom_client_metadata: json!({"idTokenTtl": 3600, "corsAllowedOrigins": []}),
        is_third_party: false,
        created_at: NOW,
    }
}

fn artifact(
    kind: ArtifactKind,
    id: &str,
    grant_id: Option<&str>,
    account_id: Option<&str>,
) -> Artifact {
    Artifact {
        kind,
        id: id.to_owned(),
        grant_id: grant_id.map(str::to_owned),
        account_id: account_id.map(str::to_owned),
        payload: json!({"kind": kind.as_str(), "jti": id, "scope": "openid profile"}),
        expires_at: NOW + 60_000,
        consumed_at: None,
    }
}

fn resource(id: &str, indicator: &str) -> Resource {
    Resource {
        id: id.to_owned(),
        name: format!("Resource {id}"),
        indicator: indicator.to_owned(),
        is_default: false,
        access_token_ttl: 3600,
    }
}

fn scope(id: &str, resource_id: &str, name: &str) -> Scope {
    Scope {
        id: id.to_owned(),
        resource_id: resource_id.to_owned(),
        name: name.to_owned(),
        description: Some(format!("may {name}")),
        created_at: NOW,
    }
}

fn role(id: &str, name: &str, role_type: RoleType) -> Role {
    Role {
        id: id.to_owned(),
        name: name.to_owned(),
        description: format!("the {name} role"),
        role_type,
        is_default: false,
        created_at: NOW,
    }
}

fn secret(application_id: &str, name: &str) -> ApplicationSecret {
    ApplicationSecret {
        application_id: application_id.to_owned(),
        name: name.to_owned(),
        value: format!("value-of-{name}"),
        created_at: NOW,
        expires_at: None,
    }
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|&value| value.to_owned()).collect()
}

fn page(offset: u64, limit: u64) -> Page {
    Page { offset, limit }
}

fn user_ids(listing: &Listing<User>) -> Vec<&str> {
    listing.items.iter().map(|user| user.id.as_str()).collect()
}

fn application_ids(listing: &Listing<Application>) -> Vec<&str> {
    listing.items.iter().map(|app| app.id.as_str()).collect()
}

fn role_ids(roles: &[Role]) -> Vec<&str> {
    roles.iter().map(|role| role.id.as_str()).collect()
}

fn scope_ids(scopes: &[Scope]) -> Vec<&str> {
    scopes.iter().map(|scope| scope.id.as_str()).collect()
}

#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::NotFound)),
        "expected NotFound, got {result:?}"
    );
}

fn conflict_field(error: StoreError) -> String {
    match error {
        StoreError::Conflict { field } => field,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

// --- users

async fn user_insert_returns_the_stored_record(store: Arc<dyn Store>) {
    let inserted = store
        .insert_user(&new_user("u1", "Alice"), NOW)
        .await
        .unwrap();
    assert_eq!(inserted.id, "u1");
    assert_eq!(inserted.username.as_deref(), Some("Alice"));
    assert_eq!(
        inserted.password_encryption_method.as_deref(),
        Some("Argon2i")
    );
    assert_eq!((inserted.created_at, inserted.updated_at), (NOW, NOW));
    assert_eq!(
        (
            &inserted.profile,
            &inserted.custom_data,
            &inserted.identities
        ),
        (&json!({}), &json!({}), &json!({}))
    );
    assert!(!inserted.is_suspended);
    assert_eq!(inserted.last_sign_in_at, None);
    assert_eq!(store.find_user("u1").await.unwrap(), Some(inserted));

    let bare = NewUser {
        id: "u2".to_owned(),
        ..NewUser::default()
    };
    let stored = store.insert_user(&bare, NOW).await.unwrap();
    assert_eq!(stored.username, None);
    assert_eq!(store.find_user("u2").await.unwrap(), Some(stored));
}

async fn user_lookups_by_identifier(store: Arc<dyn Store>) {
    let alice = store
        .insert_user(&new_user("u1", "Alice"), NOW)
        .await
        .unwrap();
    store
        .insert_user(&new_user("u2", "bob"), NOW)
        .await
        .unwrap();

    for username in ["Alice", "alice", "ALICE"] {
        assert_eq!(
            store
                .find_user_by_username(username)
                .await
                .unwrap()
                .as_ref(),
            Some(&alice)
        );
    }
    for email in ["Alice@Example.com", "alice@example.com"] {
        assert_eq!(
            store.find_user_by_email(email).await.unwrap().as_ref(),
            Some(&alice)
        );
    }
    assert_eq!(
        store.find_user_by_phone("+1555u1").await.unwrap().as_ref(),
        Some(&alice)
    );

    assert_eq!(store.find_user("nobody").await.unwrap(), None);
    assert_eq!(store.find_user_by_username("carol").await.unwrap(), None);
    assert_eq!(
        store.find_user_by_email("carol@example.com").await.unwrap(),
        None
    );
    assert_eq!(store.find_user_by_phone("+1555000").await.unwrap(), None);
}

async fn user_unique_identifiers_conflict(store: Arc<dyn Store>) {
    store
        .insert_user(&new_user("u1", "Alice"), NOW)
        .await
        .unwrap();

    let same_username = NewUser {
        id: "u2".to_owned(),
        username: Some("aLiCe".to_owned()),
        ..NewUser::default()
    };
    let error = store.insert_user(&same_username, NOW).await.unwrap_err();
    assert_eq!(conflict_field(error), "username");

    let same_email = NewUser {
        id: "u3".to_owned(),
        primary_email: Some("ALICE@example.COM".to_owned()),
        ..NewUser::default()
    };
    assert_eq!(
        conflict_field(store.insert_user(&same_email, NOW).await.unwrap_err()),
        "primary_email"
    );

    let same_phone = NewUser {
        id: "u4".to_owned(),
        primary_phone: Some("+1555u1".to_owned()),
        ..NewUser::default()
    };
    assert_eq!(
        conflict_field(store.insert_user(&same_phone, NOW).await.unwrap_err()),
        "primary_phone"
    );

    let same_id = NewUser {
        id: "u1".to_owned(),
        ..NewUser::default()
    };
    assert_eq!(
        conflict_field(store.insert_user(&same_id, NOW).await.unwrap_err()),
        "id"
    );

    // Absent identifiers never collide.
    for id in ["u5", "u6"] {
        store
            .insert_user(
                &NewUser {
                    id: id.to_owned(),
                    ..NewUser::default()
                },
                NOW,
            )
            .await
            .unwrap();
    }
}

async fn user_password_update(store: Arc<dyn Store>) {
    store
        .insert_user(&new_user("u1", "alice"), NOW)
        .await
        .unwrap();
    store
        .update_user_password("u1", "$2b$new", "Bcrypt", NOW + 5)
        .await
        .unwrap();

    let user = store.find_user("u1").await.unwrap().unwrap();
    assert_eq!(user.password_encrypted.as_deref(), Some("$2b$new"));
    assert_eq!(user.password_encryption_method.as_deref(), Some("Bcrypt"));
    assert_eq!((user.created_at, user.updated_at), (NOW, NOW + 5));
}

async fn user_suspension_and_sign_in(store: Arc<dyn Store>) {
    store
        .insert_user(&new_user("u1", "alice"), NOW)
        .await
        .unwrap();

    store.set_user_suspended("u1", true, NOW + 1).await.unwrap();
    let user = store.find_user("u1").await.unwrap().unwrap();
    assert!(user.is_suspended);
    assert_eq!(user.updated_at, NOW + 1);

    store.touch_user_sign_in("u1", NOW + 2).await.unwrap();
    let user = store.find_user("u1").await.unwrap().unwrap();
    assert_eq!(user.last_sign_in_at, Some(NOW + 2));
    assert_eq!(
        user.updated_at,
        NOW + 1,
        "signing in is not an update of the user"
    );

    store
        .set_user_suspended("u1", false, NOW + 3)
        .await
        .unwrap();
    assert!(!store.find_user("u1").await.unwrap().unwrap().is_suspended);
}

async fn user_updates_on_unknown_id_are_not_found(store: Arc<dyn Store>) {
    let password = store
        .update_user_password("ghost", "h", "Argon2i", NOW)
        .await;
    assert!(
        matches!(password, Err(StoreError::NotFound)),
        "{password:?}"
    );
    let sign_in = store.touch_user_sign_in("ghost", NOW).await;
    assert!(matches!(sign_in, Err(StoreError::NotFound)), "{sign_in:?}");
    let suspend = store.set_user_suspended("ghost", true, NOW).await;
    assert!(matches!(suspend, Err(StoreError::NotFound)), "{suspend:?}");
}

// --- applications

async fn application_with_secret(store: Arc<dyn Store>) {
    let app = application("app1", ApplicationType::Traditional);
    let secret = ApplicationSecret {
        application_id: "app1".to_owned(),
        name: "default".to_owned(),
        value: "s3cr3t".to_owned(),
        created_at: NOW,
        expires_at: Some(NOW + 86_400_000),
    };
    store.insert_application(&app, Some(&secret)).await.unwrap();

    assert_eq!(store.find_application("app1").await.unwrap(), Some(app));
    assert_eq!(
        store.application_secrets("app1").await.unwrap(),
        vec![secret]
    );
}

async fn application_without_secret(store: Arc<dyn Store>) {
    let mut app = application("spa1", ApplicationType::Spa);
    app.description = None;
    app.is_third_party = true;
    app.oidc_client_metadata = OidcClientMetadata::default();
    store.insert_application(&app, None).await.unwrap();

    assert_eq!(store.find_application("spa1").await.unwrap(), Some(app));
    assert!(store.application_secrets("spa1").await.unwrap().is_empty());
    assert_eq!(store.find_application("unknown").await.unwrap(), None);
    assert!(store
        .application_secrets("unknown")
        .await
        .unwrap()
        .is_empty());
}

async fn application_duplicate_id_conflicts(store: Arc<dyn Store>) {
    let app = application("app1", ApplicationType::MachineToMachine);
    store.insert_application(&app, None).await.unwrap();
    let again = store.insert_application(&app, None).await.unwrap_err();
    assert_eq!(conflict_field(again), "id");
}

// --- configuration rows

async fn config_first_writer_wins(store: Arc<dyn Store>) {
    assert_eq!(store.get_config("oidc.privateKeys").await.unwrap(), None);
    let first = json!([{"id": "k1", "value": "pem-1", "createdAt": NOW}]);
    assert_eq!(
        store.init_config("oidc.privateKeys", &first).await.unwrap(),
        first
    );
    let second = json!([{"id": "k2", "value": "pem-2", "createdAt": NOW + 1}]);
    assert_eq!(
        store
            .init_config("oidc.privateKeys", &second)
            .await
            .unwrap(),
        first
    );
    assert_eq!(
        store.get_config("oidc.privateKeys").await.unwrap(),
        Some(first)
    );
}

async fn config_swap_compares_and_sets(store: Arc<dyn Store>) {
    let original = json!({"keys": ["a"], "rotatedAt": NOW, "nested": {"z": 1, "a": [true, null]}});
    store
        .init_config("oidc.cookieKeys", &original)
        .await
        .unwrap();

    let rotated = json!({"keys": ["b", "a"], "rotatedAt": NOW + 1});
    let stale = json!({"keys": ["x"]});
    assert!(!store
        .swap_config("oidc.cookieKeys", &stale, &rotated)
        .await
        .unwrap());
    assert_eq!(
        store.get_config("oidc.cookieKeys").await.unwrap(),
        Some(original.clone())
    );

    // What a caller holds is the value it read back, which need not keep the original key order.
    let read_back = store.get_config("oidc.cookieKeys").await.unwrap().unwrap();
    assert!(store
        .swap_config("oidc.cookieKeys", &read_back, &rotated)
        .await
        .unwrap());
    assert_eq!(
        store.get_config("oidc.cookieKeys").await.unwrap(),
        Some(rotated.clone())
    );

    // The old value no longer matches: a second swapper loses.
    assert!(!store
        .swap_config("oidc.cookieKeys", &original, &json!({}))
        .await
        .unwrap());
    assert!(!store
        .swap_config("absent", &json!({}), &json!({"a": 1}))
        .await
        .unwrap());
    assert_eq!(store.get_config("absent").await.unwrap(), None);
}

// --- OIDC artifacts

async fn artifact_put_find_and_expiry(store: Arc<dyn Store>) {
    let code = artifact(
        ArtifactKind::AuthorizationCode,
        "code1",
        Some("g1"),
        Some("u1"),
    );
    store.put_artifact(&code).await.unwrap();

    assert_eq!(
        store
            .find_artifact(ArtifactKind::AuthorizationCode, "code1", NOW)
            .await
            .unwrap(),
        Some(code.clone())
    );
    let last_moment = code.expires_at - 1;
    assert!(store
        .find_artifact(ArtifactKind::AuthorizationCode, "code1", last_moment)
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        store
            .find_artifact(ArtifactKind::AuthorizationCode, "code1", code.expires_at)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .find_artifact(
                ArtifactKind::AuthorizationCode,
                "code1",
                code.expires_at + 1
            )
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .find_artifact(ArtifactKind::AuthorizationCode, "missing", NOW)
            .await
            .unwrap(),
        None
    );
}

async fn artifact_put_replaces(store: Arc<dyn Store>) {
    let session = artifact(ArtifactKind::Session, "s1", None, Some("u1"));
    store.put_artifact(&session).await.unwrap();

    let updated = Artifact {
        grant_id: Some("g9".to_owned()),
        account_id: Some("u2".to_owned()),
        payload: json!({"accountId": "u2", "loginTs": 42}),
        expires_at: NOW + 120_000,
        consumed_at: Some(NOW + 7),
        ..session
    };
    store.put_artifact(&updated).await.unwrap();
    assert_eq!(
        store
            .find_artifact(ArtifactKind::Session, "s1", NOW)
            .await
            .unwrap(),
        Some(updated)
    );
}

async fn artifact_kinds_are_separate(store: Arc<dyn Store>) {
    let token = artifact(ArtifactKind::AccessToken, "same-id", None, None);
    let refresh = artifact(ArtifactKind::RefreshToken, "same-id", None, None);
    store.put_artifact(&token).await.unwrap();
    store.put_artifact(&refresh).await.unwrap();

    store
        .delete_artifact(ArtifactKind::AccessToken, "same-id")
        .await
        .unwrap();
    assert_eq!(
        store
            .find_artifact(ArtifactKind::AccessToken, "same-id", NOW)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .find_artifact(ArtifactKind::RefreshToken, "same-id", NOW)
            .await
            .unwrap(),
        Some(refresh)
    );
}

async fn artifact_consumed_once(store: Arc<dyn Store>) {
    let code = artifact(
        ArtifactKind::AuthorizationCode,
        "code1",
        Some("g1"),
        Some("u1"),
    );
    store.put_artifact(&code).await.unwrap();

    let kind = ArtifactKind::AuthorizationCode;
    assert_eq!(
        store
            .consume_artifact(kind, "code1", NOW + 1)
            .await
            .unwrap(),
        Consumption::Consumed
    );
    assert_eq!(
        store
            .consume_artifact(kind, "code1", NOW + 2)
            .await
            .unwrap(),
        Consumption::AlreadyConsumed { at: NOW + 1 }
    );
    let found = store
        .find_artifact(kind, "code1", NOW + 3)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        found.consumed_at,
        Some(NOW + 1),
        "consumed artifacts are still found"
    );
}

async fn artifact_consume_missing_or_expired(store: Arc<dyn Store>) {
    let kind = ArtifactKind::AuthorizationCode;
    assert_eq!(
        store
            .consume_artifact(kind, "never-stored", NOW)
            .await
            .unwrap(),
        Consumption::Missing
    );

    let code = artifact(kind, "code1", None, None);
    store.put_artifact(&code).await.unwrap();
    assert_eq!(
        store
            .consume_artifact(kind, "code1", code.expires_at)
            .await
            .unwrap(),
        Consumption::Missing
    );
    assert_eq!(
        store
            .consume_artifact(ArtifactKind::RefreshToken, "code1", NOW)
            .await
            .unwrap(),
        Consumption::Missing
    );

    // Consumed and then expired: gone as far as callers are concerned.
    assert_eq!(
        store.consume_artifact(kind, "code1", NOW).await.unwrap(),
        Consumption::Consumed
    );
    assert_eq!(
        store
            .consume_artifact(kind, "code1", code.expires_at + 1)
            .await
            .unwrap(),
        Consumption::Missing
    );
}

async fn artifact_concurrent_consumers_one_wins(store: Arc<dyn Store>) {
    let kind = ArtifactKind::RefreshToken;
    store
        .put_artifact(&artifact(kind, "rt1", Some("g1"), Some("u1")))
        .await
        .unwrap();

    let consumers: Vec<_> = (0..16)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.consume_artifact(kind, "rt1", NOW + i).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for consumer in consumers {
        outcomes.push(consumer.await.expect("task").expect("store"));
    }

    let winners = outcomes
        .iter()
        .filter(|o| **o == Consumption::Consumed)
        .count();
    assert_eq!(winners, 1, "{outcomes:?}");
    let consumed_at = store
        .find_artifact(kind, "rt1", NOW)
        .await
        .unwrap()
        .unwrap()
        .consumed_at
        .unwrap();
    let losers_agree = outcomes
        .iter()
        .filter(|o| **o != Consumption::Consumed)
        .all(|o| *o == Consumption::AlreadyConsumed { at: consumed_at });
    assert!(losers_agree, "{outcomes:?}");
}

async fn artifact_delete(store: Arc<dyn Store>) {
    let session = artifact(ArtifactKind::Session, "s1", None, Some("u1"));
    store.put_artifact(&session).await.unwrap();
    store
        .delete_artifact(ArtifactKind::Session, "s1")
        .await
        .unwrap();
    assert_eq!(
        store
            .find_artifact(ArtifactKind::Session, "s1", NOW)
            .await
            .unwrap(),
        None
    );
    store
        .delete_artifact(ArtifactKind::Session, "s1")
        .await
        .unwrap();
}

async fn revoke_grant_removes_only_that_grant(store: Arc<dyn Store>) {
    let doomed = [
        artifact(ArtifactKind::Grant, "g1", None, Some("u1")),
        artifact(ArtifactKind::AccessToken, "at1", Some("g1"), Some("u1")),
        artifact(ArtifactKind::RefreshToken, "rt1", Some("g1"), Some("u1")),
    ];
    let kept = [
        artifact(ArtifactKind::Grant, "g2", None, Some("u1")),
        artifact(ArtifactKind::AccessToken, "at2", Some("g2"), Some("u1")),
        artifact(ArtifactKind::Session, "s1", None, Some("u1")),
        // Same id as the revoked grant, but not a grant.
        artifact(ArtifactKind::Interaction, "g1", None, None),
    ];
    for a in doomed.iter().chain(&kept) {
        store.put_artifact(a).await.unwrap();
    }

    assert_eq!(store.revoke_grant("g1").await.unwrap(), 3);
    for a in &doomed {
        assert_eq!(
            store.find_artifact(a.kind, &a.id, NOW).await.unwrap(),
            None,
            "{a:?}"
        );
    }
    for a in &kept {
        assert_eq!(
            store
                .find_artifact(a.kind, &a.id, NOW)
                .await
                .unwrap()
                .as_ref(),
            Some(a)
        );
    }
    assert_eq!(store.revoke_grant("g1").await.unwrap(), 0);
}

async fn revoke_account_removes_only_that_account(store: Arc<dyn Store>) {
    let doomed = [
        artifact(ArtifactKind::Session, "s1", None, Some("u1")),
        artifact(ArtifactKind::Grant, "g1", None, Some("u1")),
        artifact(ArtifactKind::AccessToken, "at1", Some("g1"), Some("u1")),
    ];
    let kept = [
        artifact(ArtifactKind::Session, "s2", None, Some("u2")),
        artifact(ArtifactKind::Interaction, "i1", None, None),
    ];
    for a in doomed.iter().chain(&kept) {
        store.put_artifact(a).await.unwrap();
    }

    assert_eq!(store.revoke_account("u1").await.unwrap(), 3);
    for a in &doomed {
        assert_eq!(
            store.find_artifact(a.kind, &a.id, NOW).await.unwrap(),
            None,
            "{a:?}"
        );
    }
    for a in &kept {
        assert_eq!(
            store
                .find_artifact(a.kind, &a.id, NOW)
                .await
                .unwrap()
                .as_ref(),
            Some(a)
        );
    }
}

async fn purge_expired_removes_only_expired(store: Arc<dyn Store>) {
    let expiring = |id: &str, expires_at: i64| Artifact {
        expires_at,
        ..artifact(ArtifactKind::AccessToken, id, None, None)
    };
    for a in [
        expiring("past", NOW - 1),
        expiring("edge", NOW),
        expiring("future", NOW + 1),
    ] {
        store.put_artifact(&a).await.unwrap();
    }

    assert_eq!(store.purge_expired(NOW).await.unwrap(), 2);
    // Look before expiry, so only deletion can explain a miss.
    let still_there = |id: &'static str| {
        let store = Arc::clone(&store);
        async move {
            store
                .find_artifact(ArtifactKind::AccessToken, id, NOW - 10)
                .await
                .unwrap()
                .is_some()
        }
    };
    assert!(!still_there("past").await);
    assert!(!still_there("edge").await);
    assert!(still_there("future").await);
    assert_eq!(store.purge_expired(NOW).await.unwrap(), 0);
}

// --- user administration

/// Users whose identifiers contain LIKE's wildcards, and users that would match if the
/// wildcards were not taken literally.
async fn insert_search_fixtures(store: &Arc<dyn Store>) {
    for (i, (id, username)) in [
        ("u1", "Alice"),
        ("u2", "bob"),
        ("u3", "50%_off"),
        ("u4", "50xyoff"),
        ("u5", "back\\slash"),
        ("u6", "backxslash"),
    ]
    .into_iter()
    .enumerate()
    {
        let at = NOW + i64::try_from(i).unwrap();
        store
            .insert_user(&new_user(id, username), at)
            .await
            .unwrap();
    }
}

async fn user_list_search_is_literal_and_case_insensitive(store: Arc<dyn Store>) {
    insert_search_fixtures(&store).await;
    let search = |term: &'static str| {
        let store = store.clone();
        async move {
            let listing = store.list_users(Some(term), Page::ALL).await.unwrap();
            assert_eq!(listing.total, listing.items.len() as u64, "{term}");
            let mut ids: Vec<String> = listing.items.into_iter().map(|user| user.id).collect();
            ids.sort();
            ids
        }
    };

    // Username, any case.
    assert_eq!(search("ALI").await, ["u1"]);
    assert_eq!(search("aLiCe").await, ["u1"]);
    // Email (stored as "Alice@Example.com").
    assert_eq!(search("alice@EXAMPLE").await, ["u1"]);
    // Name ("bob the user").
    assert_eq!(search("B THE U").await, ["u2"]);
    // Phone and id.
    assert_eq!(search("+1555u2").await, ["u2"]);
    assert_eq!(search("u4").await, ["u4"]);
    // `%`, `_` and `\` are literal: only u3 has a `%`, only u3 has `%_`, only u5 a backslash.
    assert_eq!(search("%").await, ["u3"]);
    assert_eq!(search("0%_o").await, ["u3"]);
    assert_eq!(search("_").await, ["u3"]);
    assert_eq!(search("\\").await, ["u5"]);
    assert_eq!(search("k\\s").await, ["u5"]);
    // Every fixture's email ends in example.com.
    assert_eq!(search("example.com").await.len(), 6);
    assert_eq!(search("").await.len(), 6);
    assert!(search("nobody").await.is_empty());
}

async fn user_list_is_newest_first_and_paged(store: Arc<dyn Store>) {
    insert_search_fixtures(&store).await;

    let all = store.list_users(None, Page::ALL).await.unwrap();
    assert_eq!(all.total, 6);
    assert_eq!(user_ids(&all), ["u6", "u5", "u4", "u3", "u2", "u1"]);

    let second = store.list_users(None, page(2, 2)).await.unwrap();
    assert_eq!((second.total, user_ids(&second)), (6, vec!["u4", "u3"]));
    let last = store.list_users(None, page(5, 10)).await.unwrap();
    assert_eq!((last.total, user_ids(&last)), (6, vec!["u1"]));
    let beyond = store.list_users(None, page(10, 10)).await.unwrap();
    assert_eq!((beyond.total, beyond.items.len()), (6, 0));

    // The total counts every match, not just the page.
    let filtered = store
        .list_users(Some("example.COM"), page(0, 1))
        .await
        .unwrap();
    assert_eq!((filtered.total, user_ids(&filtered)), (6, vec!["u6"]));
    let filtered = store.list_users(Some("50"), page(1, 1)).await.unwrap();
    assert_eq!((filtered.total, user_ids(&filtered)), (2, vec!["u3"]));

    // Same creation time: ties are broken by id, so pages never overlap.
    for id in ["t2", "t1", "t3"] {
        let user = NewUser {
            id: id.to_owned(),
            ..NewUser::default()
        };
        store.insert_user(&user, NOW + 100).await.unwrap();
    }
    let newest = store.list_users(None, page(0, 3)).await.unwrap();
    assert_eq!(user_ids(&newest), ["t1", "t2", "t3"]);
}

async fn user_update_writes_every_mutable_field(store: Arc<dyn Store>) {
    let mut user = store
        .insert_user(&new_user("u1", "alice"), NOW)
        .await
        .unwrap();
    user.username = Some("alicia".to_owned());
    user.primary_email = None;
    user.primary_phone = Some("+15550001".to_owned());
    user.name = Some("Alicia".to_owned());
    user.avatar = Some("https://img.example/a.png".to_owned());
    user.profile = json!({"givenName": "Alicia", "address": {"country": "NL"}});
    user.custom_data = json!({"plan": "pro", "seats": 3});
    user.is_suspended = true;
    // Not mutable through update_user: these stay as stored (identities change only through
    // link/unlink_user_identity).
    user.identities = json!({"github": {"userId": "42", "details": {}}});
    user.created_at = NOW - 1;
    user.last_sign_in_at = Some(NOW + 99);
    user.password_encrypted = Some("ignored".to_owned());
    store.update_user(&user, NOW + 10).await.unwrap();

    let stored = store.find_user("u1").await.unwrap().unwrap();
    assert_eq!(stored.username.as_deref(), Some("alicia"));
    assert_eq!(stored.primary_email, None);
    assert_eq!(stored.primary_phone.as_deref(), Some("+15550001"));
    assert_eq!(stored.name.as_deref(), Some("Alicia"));
    assert_eq!(stored.avatar.as_deref(), Some("https://img.example/a.png"));
    assert_eq!(stored.profile, user.profile);
    assert_eq!(stored.custom_data, user.custom_data);
    assert_eq!(stored.identities, json!({}));
    assert!(store.find_user_by_identity("github", "42").await.unwrap().is_none());
    assert!(stored.is_suspended);
    assert_eq!((stored.created_at, stored.updated_at), (NOW, NOW + 10));
    assert_eq!(stored.last_sign_in_at, None);
    assert_eq!(stored.password_encrypted.as_deref(), Some("$argon2i$hash"));
    // The old username is free again; lookups follow the new one.
    assert!(store
        .find_user_by_username("alice")
        .await
        .unwrap()
        .is_none());
    assert!(store
        .find_user_by_username("ALICIA")
        .await
        .unwrap()
        .is_some());
}

async fn user_update_conflicts_and_not_found(store: Arc<dyn Store>) {
    store
        .insert_user(&new_user("u1", "alice"), NOW)
        .await
        .unwrap();
    let bob = store
        .insert_user(&new_user("u2", "bob"), NOW)
        .await
        .unwrap();

    let mut taken = bob.clone();
    taken.username = Some("ALICE".to_owned());
    assert_eq!(
        conflict_field(store.update_user(&taken, NOW).await.unwrap_err()),
        "username"
    );
    let mut taken = bob.clone();
    taken.primary_email = Some("alice@example.com".to_owned());
    assert_eq!(
        conflict_field(store.update_user(&taken, NOW).await.unwrap_err()),
        "primary_email"
    );
    let mut taken = bob.clone();
    taken.primary_phone = Some("+1555u1".to_owned());
    assert_eq!(
        conflict_field(store.update_user(&taken, NOW).await.unwrap_err()),
        "primary_phone"
    );
    // Nothing of the refused updates was written.
    assert_eq!(store.find_user("u2").await.unwrap(), Some(bob.clone()));

    // Rewriting a user's own identifiers (even in another case) is no conflict.
    let mut same = bob.clone();
    same.username = Some("BOB".to_owned());
    store.update_user(&same, NOW + 1).await.unwrap();

    let mut ghost = bob;
    ghost.id = "ghost".to_owned();
    ghost.username = Some("ghost".to_owned());
    ghost.primary_email = None;
    ghost.primary_phone = None;
    assert_not_found(store.update_user(&ghost, NOW).await);
}

async fn user_delete_removes_its_artifacts_and_roles_only(store: Arc<dyn Store>) {
    store
        .insert_user(&new_user("u1", "alice"), NOW)
        .await
        .unwrap();
    store
        .insert_user(&new_user("u2", "bob"), NOW)
        .await
        .unwrap();
    store
        .insert_role(&role("r1", "admin", RoleType::User), &[])
        .await
        .unwrap();
    for user in ["u1", "u2"] {
        store.add_user_roles(user, &strings(&["r1"])).await.unwrap();
    }
    let artifacts = [
        artifact(ArtifactKind::Session, "s1", None, Some("u1")),
        artifact(ArtifactKind::Grant, "g1", None, Some("u1")),
        artifact(ArtifactKind::AccessToken, "at1", Some("g1"), Some("u1")),
        artifact(ArtifactKind::Session, "s2", None, Some("u2")),
        artifact(ArtifactKind::Interaction, "i0", None, None),
    ];
    for artifact in &artifacts {
        store.put_artifact(artifact).await.unwrap();
    }

    store.delete_user("u1").await.unwrap();

    assert_eq!(store.find_user("u1").await.unwrap(), None);
    assert!(store
        .find_user_by_username("alice")
        .await
        .unwrap()
        .is_none());
    assert!(store.user_roles("u1").await.unwrap().is_empty());
    for artifact in &artifacts {
        let kept = store
            .find_artifact(artifact.kind, &artifact.id, NOW)
            .await
            .unwrap()
            .is_some();
        let owned_by_u1 = artifact.account_id.as_deref() == Some("u1");
        assert_eq!(kept, !owned_by_u1, "{}", artifact.id);
    }
    // The other user, its role and the role itself are untouched.
    assert!(store.find_user("u2").await.unwrap().is_some());
    assert_eq!(role_ids(&store.user_roles("u2").await.unwrap()), ["r1"]);
    let holders = store.role_users("r1", Page::ALL).await.unwrap();
    assert_eq!((holders.total, user_ids(&holders)), (1, vec!["u2"]));

    assert_not_found(store.delete_user("u1").await);
}

// --- application administration

async fn application_list_by_type_newest_first(store: Arc<dyn Store>) {
    let kinds = [
        ("a1", ApplicationType::Spa),
        ("a2", ApplicationType::MachineToMachine),
        ("a3", ApplicationType::Traditional),
        ("a4", ApplicationType::MachineToMachine),
        ("a5", ApplicationType::Native),
    ];
    for (i, (id, app_type)) in kinds.into_iter().enumerate() {
        let mut app = application(id, app_type);
        app.created_at = NOW + i64::try_from(i).unwrap();
        store.insert_application(&app, None).await.unwrap();
    }

    let all = store.list_applications(&[], Page::ALL).await.unwrap();
    assert_eq!(all.total, 5);
    assert_eq!(application_ids(&all), ["a5", "a4", "a3", "a2", "a1"]);

    let m2m = store
        .list_applications(&[ApplicationType::MachineToMachine], Page::ALL)
        .await
        .unwrap();
    assert_eq!((m2m.total, application_ids(&m2m)), (2, vec!["a4", "a2"]));
    assert!(m2m
        .items
        .iter()
        .all(|app| app.app_type == ApplicationType::MachineToMachine));

    let public = store
        .list_applications(&[ApplicationType::Spa, ApplicationType::Native], page(1, 5))
        .await
        .unwrap();
    assert_eq!((public.total, application_ids(&public)), (2, vec!["a1"]));

    let paged = store.list_applications(&[], page(1, 2)).await.unwrap();
    assert_eq!(
        (paged.total, application_ids(&paged)),
        (5, vec!["a4", "a3"])
    );
    // Full records come back.
    assert_eq!(
        all.items.last(),
        Some(&{
            let mut app = application("a1", ApplicationType::Spa);
            app.created_at = NOW;
            app
        })
    );
}

async fn application_update_and_delete(store: Arc<dyn Store>) {
    let app = application("app1", ApplicationType::Traditional);
    store
        .insert_application(&app, Some(&secret("app1", "default")))
        .await
        .unwrap();

    let mut changed = app.clone();
    changed.name = "Renamed".to_owned();
    changed.description = None;
    changed.oidc_client_metadata.redirect_uris = strings(&["https://new.example/cb"]);
    changed.custom_client_metadata = json!({"idTokenTtl": 60});
    changed.is_third_party = true;
    // Neither the type nor the creation time can change.
    changed.app_type = ApplicationType::Spa;
    changed.created_at = NOW + 5;
    store.update_application(&changed).await.unwrap();

    let stored = store.find_application("app1").await.unwrap().unwrap();
    assert_eq!(stored.name, "Renamed");
    assert_eq!(stored.description, None);
    assert_eq!(stored.oidc_client_metadata, changed.oidc_client_metadata);
    assert_eq!(stored.custom_client_metadata, json!({"idTokenTtl": 60}));
    assert!(stored.is_third_party);
    assert_eq!(stored.app_type, ApplicationType::Traditional);
    assert_eq!(stored.created_at, NOW);

    let mut ghost = changed;
    ghost.id = "ghost".to_owned();
    assert_not_found(store.update_application(&ghost).await);

    store
        .insert_role(&role("r1", "m2m", RoleType::MachineToMachine), &[])
        .await
        .unwrap();
    store
        .add_application_roles("app1", &strings(&["r1"]))
        .await
        .unwrap();
    store.delete_application("app1").await.unwrap();
    assert_eq!(store.find_application("app1").await.unwrap(), None);
    // Secrets and role assignments went with it (foreign keys cascade).
    assert!(store.application_secrets("app1").await.unwrap().is_empty());
    assert!(store.application_roles("app1").await.unwrap().is_empty());
    assert_eq!(
        store
            .role_applications("r1", Page::ALL)
            .await
            .unwrap()
            .total,
        0
    );
    assert!(store.find_role("r1").await.unwrap().is_some());
    assert_not_found(store.delete_application("app1").await);
}

async fn application_secrets_insert_delete_conflict(store: Arc<dyn Store>) {
    store
        .insert_application(&application("app1", ApplicationType::Traditional), None)
        .await
        .unwrap();
    store
        .insert_application(&application("app2", ApplicationType::Traditional), None)
        .await
        .unwrap();
    let mut first = secret("app1", "default");
    first.expires_at = Some(NOW + 1000);
    let mut second = secret("app1", "rotated");
    second.created_at = NOW + 1;
    store.insert_application_secret(&first).await.unwrap();
    store.insert_application_secret(&second).await.unwrap();
    // The same name on another application is fine.
    store
        .insert_application_secret(&secret("app2", "default"))
        .await
        .unwrap();

    let mut duplicate = secret("app1", "default");
    duplicate.value = "other".to_owned();
    assert_eq!(
        conflict_field(
            store
                .insert_application_secret(&duplicate)
                .await
                .unwrap_err()
        ),
        "name"
    );
    assert_not_found(
        store
            .insert_application_secret(&secret("ghost", "default"))
            .await,
    );
    assert_eq!(
        store.application_secrets("app1").await.unwrap(),
        vec![first, second.clone()]
    );

    store
        .delete_application_secret("app1", "default")
        .await
        .unwrap();
    assert_eq!(
        store.application_secrets("app1").await.unwrap(),
        vec![second]
    );
    assert_eq!(store.application_secrets("app2").await.unwrap().len(), 1);
    assert_not_found(store.delete_application_secret("app1", "default").await);
    assert_not_found(store.delete_application_secret("ghost", "rotated").await);
}

// --- API resources and scopes

async fn resource_crud_in_creation_order(store: Arc<dyn Store>) {
    // Inserted out of id order: listings follow insertion, not ids.
    for (id, indicator) in [
        ("r3", "https://api.example/c"),
        ("r1", "https://api.example/a"),
        ("r2", "https://api.example/b"),
    ] {
        store
            .insert_resource(&resource(id, indicator))
            .await
            .unwrap();
    }
    let listing = store.list_resources(Page::ALL).await.unwrap();
    let ids: Vec<&str> = listing.items.iter().map(|r| r.id.as_str()).collect();
    assert_eq!((listing.total, ids), (3, vec!["r3", "r1", "r2"]));
    let paged = store.list_resources(page(1, 1)).await.unwrap();
    assert_eq!(paged.total, 3);
    assert_eq!(paged.items, vec![resource("r1", "https://api.example/a")]);

    assert_eq!(
        store.find_resource("r1").await.unwrap(),
        Some(resource("r1", "https://api.example/a"))
    );
    assert_eq!(
        store
            .find_resource_by_indicator("https://api.example/b")
            .await
            .unwrap()
            .map(|r| r.id),
        Some("r2".to_owned())
    );
    assert_eq!(store.find_resource("nope").await.unwrap(), None);
    assert_eq!(
        store
            .find_resource_by_indicator("https://api.example/B")
            .await
            .unwrap(),
        None,
        "indicators are URIs, compared exactly"
    );

    let mut changed = resource("r1", "https://api.example/changed");
    changed.name = "Renamed".to_owned();
    changed.access_token_ttl = 60;
    changed.is_default = true;
    store.update_resource(&changed).await.unwrap();
    let stored = store.find_resource("r1").await.unwrap().unwrap();
    assert_eq!(stored.name, "Renamed");
    assert_eq!(stored.access_token_ttl, 60);
    assert_eq!(
        stored.indicator, "https://api.example/a",
        "indicator not written"
    );
    assert!(!stored.is_default, "is_default not written");

    let mut ghost = changed;
    ghost.id = "ghost".to_owned();
    assert_not_found(store.update_resource(&ghost).await);

    store.delete_resource("r1").await.unwrap();
    assert_eq!(store.find_resource("r1").await.unwrap(), None);
    assert_not_found(store.delete_resource("r1").await);
    let listing = store.list_resources(Page::ALL).await.unwrap();
    assert_eq!(listing.total, 2);
    // A resource inserted after a deletion still lists last.
    store
        .insert_resource(&resource("r0", "https://api.example/0"))
        .await
        .unwrap();
    let ids: Vec<String> = store
        .list_resources(Page::ALL)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, ["r3", "r2", "r0"]);
}

async fn resource_unique_indicator(store: Arc<dyn Store>) {
    store
        .insert_resource(&resource("r1", "https://api.example"))
        .await
        .unwrap();
    let error = store
        .insert_resource(&resource("r2", "https://api.example"))
        .await
        .unwrap_err();
    assert_eq!(conflict_field(error), "indicator");
    let error = store
        .insert_resource(&resource("r1", "https://other.example"))
        .await
        .unwrap_err();
    assert_eq!(conflict_field(error), "id");
    assert_eq!(store.list_resources(Page::ALL).await.unwrap().total, 1);
}

async fn resource_single_default(store: Arc<dyn Store>) {
    for (id, indicator) in [("r1", "https://a.example"), ("r2", "https://b.example")] {
        store
            .insert_resource(&resource(id, indicator))
            .await
            .unwrap();
    }
    let default_id = || {
        let store = store.clone();
        async move { store.default_resource().await.unwrap().map(|r| r.id) }
    };
    let defaults = || {
        let store = store.clone();
        async move {
            let listing = store.list_resources(Page::ALL).await.unwrap();
            listing.items.iter().filter(|r| r.is_default).count()
        }
    };
    assert_eq!(default_id().await, None);

    store.set_default_resource("r1", true).await.unwrap();
    assert_eq!(default_id().await.as_deref(), Some("r1"));
    // Setting a second default clears the first.
    store.set_default_resource("r2", true).await.unwrap();
    assert_eq!(default_id().await.as_deref(), Some("r2"));
    assert!(!store.find_resource("r1").await.unwrap().unwrap().is_default);
    assert_eq!(defaults().await, 1);
    // Idempotent.
    store.set_default_resource("r2", true).await.unwrap();
    assert_eq!(default_id().await.as_deref(), Some("r2"));

    // An unknown resource changes nothing: the old default is not cleared.
    assert_not_found(store.set_default_resource("ghost", true).await);
    assert_eq!(default_id().await.as_deref(), Some("r2"));
    assert_not_found(store.set_default_resource("ghost", false).await);

    // Clearing a non-default leaves the default alone; clearing the default leaves none.
    store.set_default_resource("r1", false).await.unwrap();
    assert_eq!(default_id().await.as_deref(), Some("r2"));
    store.set_default_resource("r2", false).await.unwrap();
    assert_eq!(default_id().await, None);

    // A resource inserted as the default takes over from the current one.
    store.set_default_resource("r1", true).await.unwrap();
    let mut r3 = resource("r3", "https://c.example");
    r3.is_default = true;
    store.insert_resource(&r3).await.unwrap();
    assert_eq!(default_id().await.as_deref(), Some("r3"));
    assert_eq!(defaults().await, 1);
    // …unless its insert fails, which leaves the current default in place.
    let mut clash = resource("r4", "https://c.example");
    clash.is_default = true;
    assert_eq!(
        conflict_field(store.insert_resource(&clash).await.unwrap_err()),
        "indicator"
    );
    assert_eq!(default_id().await.as_deref(), Some("r3"));
}

async fn resource_concurrent_defaults_leave_exactly_one(store: Arc<dyn Store>) {
    const RESOURCES: usize = 8;
    let ids: Vec<String> = (0..RESOURCES).map(|i| format!("r{i}")).collect();
    for id in &ids {
        store
            .insert_resource(&resource(id, &format!("https://{id}.example")))
            .await
            .unwrap();
    }
    for _round in 0..5 {
        let writers: Vec<_> = ids
            .iter()
            .map(|id| {
                let (store, id) = (store.clone(), id.clone());
                tokio::spawn(async move { store.set_default_resource(&id, true).await })
            })
            .collect();
        for writer in writers {
            writer.await.unwrap().unwrap();
        }
        let listing = store.list_resources(Page::ALL).await.unwrap();
        let defaults: Vec<&str> = listing
            .items
            .iter()
            .filter(|r| r.is_default)
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(defaults.len(), 1, "{defaults:?}");
        let default = store.default_resource().await.unwrap().unwrap();
        assert_eq!(default.id, defaults[0]);
    }
}

async fn resource_delete_cascades_scopes_and_grants(store: Arc<dyn Store>) {
    store
        .insert_resource(&resource("api", "https://api.example"))
        .await
        .unwrap();
    store
        .insert_resource(&resource("other", "https://other.example"))
        .await
        .unwrap();
    for s in [
        scope("s1", "api", "read"),
        scope("s2", "api", "write"),
        scope("s3", "other", "read"),
    ] {
        store.insert_scope(&s).await.unwrap();
    }
    store
        .insert_role(
            &role("r1", "editor", RoleType::User),
            &strings(&["s1", "s2", "s3"]),
        )
        .await
        .unwrap();
    store
        .insert_user(&new_user("u1", "alice"), NOW)
        .await
        .unwrap();
    store.add_user_roles("u1", &strings(&["r1"])).await.unwrap();

    store.delete_resource("api").await.unwrap();

    assert_eq!(store.find_scope("s1").await.unwrap(), None);
    assert_eq!(store.find_scope("s2").await.unwrap(), None);
    assert_eq!(store.list_scopes("api", Page::ALL).await.unwrap().total, 0);
    // The role keeps its grants on the other resource, and the user keeps the role.
    assert_eq!(scope_ids(&store.role_scopes("r1").await.unwrap()), ["s3"]);
    assert_eq!(role_ids(&store.user_roles("u1").await.unwrap()), ["r1"]);
    assert!(store
        .user_resource_scopes("u1", "api")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store.user_resource_scopes("u1", "other").await.unwrap(),
        ["read"]
    );
    // A recreated resource starts with no scopes, and the names are free again.
    store
        .insert_resource(&resource("api", "https://api.example"))
        .await
        .unwrap();
    store
        .insert_scope(&scope("s1", "api", "read"))
        .await
        .unwrap();
    assert!(store
        .user_resource_scopes("u1", "api")
        .await
        .unwrap()
        .is_empty());
}

async fn scope_crud(store: Arc<dyn Store>) {
    store
        .insert_resource(&resource("api", "https://api.example"))
        .await
        .unwrap();
    store
        .insert_resource(&resource("other", "https://other.example"))
        .await
        .unwrap();
    // Same creation time, inserted out of id order: insertion order breaks the tie.
    let read = scope("s2", "api", "read");
    let write = scope("s1", "api", "write");
    let mut admin = scope("s0", "api", "admin");
    admin.description = None;
    admin.created_at = NOW + 1;
    for s in [&read, &write, &admin, &scope("s9", "other", "read")] {
        store.insert_scope(s).await.unwrap();
    }

    assert_eq!(store.find_scope("s2").await.unwrap(), Some(read.clone()));
    assert_eq!(store.find_scope("s0").await.unwrap(), Some(admin.clone()));
    assert_eq!(store.find_scope("nope").await.unwrap(), None);

    let listing = store.list_scopes("api", Page::ALL).await.unwrap();
    assert_eq!(listing.total, 3);
    assert_eq!(
        listing.items,
        vec![read.clone(), write.clone(), admin.clone()]
    );
    let paged = store.list_scopes("api", page(1, 1)).await.unwrap();
    assert_eq!((paged.total, paged.items), (3, vec![write.clone()]));
    assert_eq!(store.list_scopes("nope", Page::ALL).await.unwrap().total, 0);

    let mut renamed = read.clone();
    renamed.name = "read:all".to_owned();
    renamed.description = None;
    renamed.resource_id = "other".to_owned(); // not written
    store.update_scope(&renamed).await.unwrap();
    let stored = store.find_scope("s2").await.unwrap().unwrap();
    assert_eq!(
        (
            stored.name.as_str(),
            stored.description,
            stored.resource_id.as_str()
        ),
        ("read:all", None, "api")
    );

    let mut clash = write.clone();
    clash.name = "admin".to_owned();
    assert_eq!(
        conflict_field(store.update_scope(&clash).await.unwrap_err()),
        "name"
    );
    let mut ghost = write;
    ghost.id = "ghost".to_owned();
    assert_not_found(store.update_scope(&ghost).await);
    assert_not_found(store.insert_scope(&scope("s5", "nope", "read")).await);

    store.delete_scope("s0").await.unwrap();
    assert_eq!(store.find_scope("s0").await.unwrap(), None);
    assert_not_found(store.delete_scope("s0").await);
    assert_eq!(store.list_scopes("api", Page::ALL).await.unwrap().total, 2);
}

async fn scope_names_are_unique_per_resource(store: Arc<dyn Store>) {
    store
        .insert_resource(&resource("api", "https://api.example"))
        .await
        .unwrap();
    store
        .insert_resource(&resource("other", "https://other.example"))
        .await
        .unwrap();
    store
        .insert_scope(&scope("s1", "api", "read"))
        .await
        .unwrap();
    let error = store
        .insert_scope(&scope("s2", "api", "read"))
        .await
        .unwrap_err();
    assert_eq!(conflict_field(error), "name");
    // The same name on another resource is fine.
    store
        .insert_scope(&scope("s3", "other", "read"))
        .await
        .unwrap();
    // Names are compared exactly.
    store
        .insert_scope(&scope("s4", "api", "READ"))
        .await
        .unwrap();
    let error = store
        .insert_scope(&scope("s1", "other", "write"))
        .await
        .unwrap_err();
    assert_eq!(conflict_field(error), "id");
}

// --- roles

/// Resource `api` with scopes `s1` read, `s2` write, `s3` admin; resource `other` with `s9`
/// read.
async fn insert_scope_fixtures(store: &Arc<dyn Store>) {
    store
        .insert_resource(&resource("api", "https://api.example"))
        .await
        .unwrap();
    store
        .insert_resource(&resource("other", "https://other.example"))
        .await
        .unwrap();
    for s in [
        scope("s1", "api", "read"),
        scope("s2", "api", "write"),
        scope("s3", "api", "admin"),
        scope("s9", "other", "read"),
    ] {
        store.insert_scope(&s).await.unwrap();
    }
}

async fn role_crud_with_scopes(store: Arc<dyn Store>) {
    insert_scope_fixtures(&store).await;
    let mut editor = role("r1", "editor", RoleType::User);
    editor.is_default = true;
    store
        .insert_role(&editor, &strings(&["s2", "s1", "s2"]))
        .await
        .unwrap();
    assert_eq!(store.find_role("r1").await.unwrap(), Some(editor.clone()));
    assert_eq!(
        store.find_role_by_name("editor").await.unwrap(),
        Some(editor.clone())
    );
    assert_eq!(store.find_role_by_name("Editor").await.unwrap(), None);
    assert_eq!(store.find_role("nope").await.unwrap(), None);
    // Scopes in creation order, each once.
    assert_eq!(
        scope_ids(&store.role_scopes("r1").await.unwrap()),
        ["s1", "s2"]
    );

    let mut changed = editor.clone();
    changed.name = "writer".to_owned();
    changed.description = "writes things".to_owned();
    changed.is_default = false;
    changed.role_type = RoleType::MachineToMachine; // not written
    changed.created_at = NOW + 7; // not written
    store.update_role(&changed).await.unwrap();
    let stored = store.find_role("r1").await.unwrap().unwrap();
    assert_eq!(stored.name, "writer");
    assert_eq!(stored.description, "writes things");
    assert!(!stored.is_default);
    assert_eq!(stored.role_type, RoleType::User);
    assert_eq!(stored.created_at, NOW);

    // An unknown scope fails the whole insert: the role is not kept.
    assert_not_found(
        store
            .insert_role(
                &role("r2", "viewer", RoleType::User),
                &strings(&["s1", "ghost"]),
            )
            .await,
    );
    assert_eq!(store.find_role("r2").await.unwrap(), None);
    assert_eq!(store.find_role_by_name("viewer").await.unwrap(), None);

    let mut ghost = changed;
    ghost.id = "ghost".to_owned();
    ghost.name = "ghost".to_owned();
    assert_not_found(store.update_role(&ghost).await);

    store.delete_role("r1").await.unwrap();
    assert_eq!(store.find_role("r1").await.unwrap(), None);
    assert!(store.role_scopes("r1").await.unwrap().is_empty());
    // The scopes themselves stay.
    assert!(store.find_scope("s1").await.unwrap().is_some());
    assert_not_found(store.delete_role("r1").await);
}

async fn role_unique_name(store: Arc<dyn Store>) {
    store
        .insert_role(&role("r1", "admin", RoleType::User), &[])
        .await
        .unwrap();
    store
        .insert_role(&role("r2", "viewer", RoleType::User), &[])
        .await
        .unwrap();
    let error = store
        .insert_role(&role("r3", "admin", RoleType::MachineToMachine), &[])
        .await
        .unwrap_err();
    assert_eq!(conflict_field(error), "name");
    let error = store
        .insert_role(&role("r1", "other", RoleType::User), &[])
        .await
        .unwrap_err();
    assert_eq!(conflict_field(error), "id");

    let mut rename = role("r2", "admin", RoleType::User);
    rename.description = "taken".to_owned();
    assert_eq!(
        conflict_field(store.update_role(&rename).await.unwrap_err()),
        "name"
    );
    assert_eq!(store.find_role("r2").await.unwrap().unwrap().name, "viewer");
}

async fn role_list_filters_and_pagination(store: Arc<dyn Store>) {
    // Same creation time, inserted out of id order: listed in insertion order.
    let roles = [
        role("r5", "Admin", RoleType::User),
        role("r4", "m2m-admin", RoleType::MachineToMachine),
        role("r3", "viewer", RoleType::User),
        role("r2", "100%_ADMIN", RoleType::User),
        role("r1", "m2m-reader", RoleType::MachineToMachine),
    ];
    for r in &roles {
        store.insert_role(r, &[]).await.unwrap();
    }
    let ids = |listing: &Listing<Role>| role_ids(&listing.items).join(",");

    let all = store.list_roles(None, None, Page::ALL).await.unwrap();
    assert_eq!((all.total, ids(&all)), (5, "r5,r4,r3,r2,r1".to_owned()));
    assert_eq!(all.items, roles.to_vec());

    let users = store
        .list_roles(Some(RoleType::User), None, Page::ALL)
        .await
        .unwrap();
    assert_eq!((users.total, ids(&users)), (3, "r5,r3,r2".to_owned()));
    let machines = store
        .list_roles(Some(RoleType::MachineToMachine), None, Page::ALL)
        .await
        .unwrap();
    assert_eq!((machines.total, ids(&machines)), (2, "r4,r1".to_owned()));

    let admins = store
        .list_roles(None, Some("ADMIN"), Page::ALL)
        .await
        .unwrap();
    assert_eq!((admins.total, ids(&admins)), (3, "r5,r4,r2".to_owned()));
    let user_admins = store
        .list_roles(Some(RoleType::User), Some("admin"), Page::ALL)
        .await
        .unwrap();
    assert_eq!(
        (user_admins.total, ids(&user_admins)),
        (2, "r5,r2".to_owned())
    );
    let literal = store.list_roles(None, Some("%_"), Page::ALL).await.unwrap();
    assert_eq!(ids(&literal), "r2");
    // The search is on the name only, not the description ("the … role").
    assert_eq!(
        store
            .list_roles(None, Some("role"), Page::ALL)
            .await
            .unwrap()
            .total,
        0
    );

    let paged = store.list_roles(None, None, page(1, 2)).await.unwrap();
    assert_eq!((paged.total, ids(&paged)), (5, "r4,r3".to_owned()));
    let paged = store
        .list_roles(None, Some("admin"), page(2, 2))
        .await
        .unwrap();
    assert_eq!((paged.total, ids(&paged)), (3, "r2".to_owned()));
    let empty = store
        .list_roles(Some(RoleType::MachineToMachine), Some("viewer"), Page::ALL)
        .await
        .unwrap();
    assert_eq!((empty.total, empty.items.len()), (0, 0));
}

async fn role_scope_grants(store: Arc<dyn Store>) {
    insert_scope_fixtures(&store).await;
    store
        .insert_role(&role("r1", "editor", RoleType::User), &strings(&["s1"]))
        .await
        .unwrap();

    // Already granted ones are left alone; duplicates in the request are fine.
    store
        .add_role_scopes("r1", &strings(&["s1", "s3", "s3"]))
        .await
        .unwrap();
    store
        .add_role_scopes("r1", &strings(&["s3"]))
        .await
        .unwrap();
    store.add_role_scopes("r1", &[]).await.unwrap();
    assert_eq!(
        scope_ids(&store.role_scopes("r1").await.unwrap()),
        ["s1", "s3"]
    );

    // A missing scope fails the whole request.
    assert_not_found(
        store
            .add_role_scopes("r1", &strings(&["s2", "ghost"]))
            .await,
    );
    assert_eq!(
        scope_ids(&store.role_scopes("r1").await.unwrap()),
        ["s1", "s3"]
    );
    // So does a missing role, even with nothing to grant.
    assert_not_found(store.add_role_scopes("ghost", &strings(&["s1"])).await);
    assert_not_found(store.add_role_scopes("ghost", &[]).await);

    store.remove_role_scope("r1", "s1").await.unwrap();
    assert_eq!(scope_ids(&store.role_scopes("r1").await.unwrap()), ["s3"]);
    assert_not_found(store.remove_role_scope("r1", "s1").await);
    assert_not_found(store.remove_role_scope("r1", "s2").await);
    assert_not_found(store.remove_role_scope("ghost", "s3").await);
    assert!(store.find_scope("s1").await.unwrap().is_some());

    // Deleting a scope removes its grants.
    store.delete_scope("s3").await.unwrap();
    assert!(store.role_scopes("r1").await.unwrap().is_empty());
}

async fn user_role_assignments(store: Arc<dyn Store>) {
    for (i, (id, name)) in [("u1", "alice"), ("u2", "bob"), ("u3", "carol")]
        .into_iter()
        .enumerate()
    {
        let at = NOW + i64::try_from(i).unwrap();
        store.insert_user(&new_user(id, name), at).await.unwrap();
    }
    for r in [
        role("r2", "editor", RoleType::User),
        role("r1", "viewer", RoleType::User),
    ] {
        store.insert_role(&r, &[]).await.unwrap();
    }

    store
        .add_user_roles("u1", &strings(&["r1", "r2", "r1"]))
        .await
        .unwrap();
    store.add_user_roles("u1", &strings(&["r2"])).await.unwrap();
    store.add_user_roles("u1", &[]).await.unwrap();
    // Roles in creation order.
    assert_eq!(
        role_ids(&store.user_roles("u1").await.unwrap()),
        ["r2", "r1"]
    );
    for user in ["u2", "u3"] {
        store.add_user_roles(user, &strings(&["r1"])).await.unwrap();
    }

    let holders = store.role_users("r1", Page::ALL).await.unwrap();
    assert_eq!(
        (holders.total, user_ids(&holders)),
        (3, vec!["u3", "u2", "u1"])
    );
    let paged = store.role_users("r1", page(1, 1)).await.unwrap();
    assert_eq!((paged.total, user_ids(&paged)), (3, vec!["u2"]));
    assert_eq!(
        paged.items[0],
        store.find_user("u2").await.unwrap().unwrap(),
        "full user records"
    );
    let editors = store.role_users("r2", Page::ALL).await.unwrap();
    assert_eq!((editors.total, user_ids(&editors)), (1, vec!["u1"]));
    assert_eq!(store.role_users("ghost", Page::ALL).await.unwrap().total, 0);
    assert!(store.user_roles("ghost").await.unwrap().is_empty());

    // Missing references, all or nothing.
    assert_not_found(store.add_user_roles("u2", &strings(&["r2", "ghost"])).await);
    assert_eq!(role_ids(&store.user_roles("u2").await.unwrap()), ["r1"]);
    assert_not_found(store.add_user_roles("ghost", &strings(&["r1"])).await);
    assert_not_found(store.add_user_roles("ghost", &[]).await);

    store.remove_user_role("u1", "r1").await.unwrap();
    assert_eq!(role_ids(&store.user_roles("u1").await.unwrap()), ["r2"]);
    assert_not_found(store.remove_user_role("u1", "r1").await);
    assert_not_found(store.remove_user_role("ghost", "r1").await);
    assert_eq!(store.role_users("r1", Page::ALL).await.unwrap().total, 2);
}

async fn application_role_assignments(store: Arc<dyn Store>) {
    for (i, id) in ["a1", "a2"].into_iter().enumerate() {
        let mut app = application(id, ApplicationType::MachineToMachine);
        app.created_at = NOW + i64::try_from(i).unwrap();
        store.insert_application(&app, None).await.unwrap();
    }
    for r in [
        role("r2", "m2m-writer", RoleType::MachineToMachine),
        role("r1", "m2m-reader", RoleType::MachineToMachine),
    ] {
        store.insert_role(&r, &[]).await.unwrap();
    }

    store
        .add_application_roles("a1", &strings(&["r1", "r2", "r2"]))
        .await
        .unwrap();
    store
        .add_application_roles("a1", &strings(&["r1"]))
        .await
        .unwrap();
    store
        .add_application_roles("a2", &strings(&["r1"]))
        .await
        .unwrap();
    assert_eq!(
        role_ids(&store.application_roles("a1").await.unwrap()),
        ["r2", "r1"]
    );
    let holders = store.role_applications("r1", Page::ALL).await.unwrap();
    assert_eq!(
        (holders.total, application_ids(&holders)),
        (2, vec!["a2", "a1"])
    );
    let paged = store.role_applications("r1", page(1, 5)).await.unwrap();
    assert_eq!((paged.total, application_ids(&paged)), (2, vec!["a1"]));

    assert_not_found(
        store
            .add_application_roles("a2", &strings(&["r2", "ghost"]))
            .await,
    );
    assert_eq!(
        role_ids(&store.application_roles("a2").await.unwrap()),
        ["r1"]
    );
    assert_not_found(
        store
            .add_application_roles("ghost", &strings(&["r1"]))
            .await,
    );
    assert_not_found(store.add_application_roles("ghost", &[]).await);

    store.remove_application_role("a1", "r2").await.unwrap();
    assert_eq!(
        role_ids(&store.application_roles("a1").await.unwrap()),
        ["r1"]
    );
    assert_not_found(store.remove_application_role("a1", "r2").await);
    assert_not_found(store.remove_application_role("ghost", "r1").await);
}

async fn role_delete_cascades_grants_and_assignments(store: Arc<dyn Store>) {
    insert_scope_fixtures(&store).await;
    store
        .insert_user(&new_user("u1", "alice"), NOW)
        .await
        .unwrap();
    store
        .insert_application(&application("a1", ApplicationType::MachineToMachine), None)
        .await
        .unwrap();
    store
        .insert_role(
            &role("r1", "doomed", RoleType::User),
            &strings(&["s1", "s2"]),
        )
        .await
        .unwrap();
    store
        .insert_role(&role("r2", "kept", RoleType::User), &strings(&["s1"]))
        .await
        .unwrap();
    store
        .add_user_roles("u1", &strings(&["r1", "r2"]))
        .await
        .unwrap();
    store
        .add_application_roles("a1", &strings(&["r1", "r2"]))
        .await
        .unwrap();

    store.delete_role("r1").await.unwrap();

    assert_eq!(role_ids(&store.user_roles("u1").await.unwrap()), ["r2"]);
    assert_eq!(
        role_ids(&store.application_roles("a1").await.unwrap()),
        ["r2"]
    );
    assert_eq!(
        store.user_resource_scopes("u1", "api").await.unwrap(),
        ["read"]
    );
    assert_eq!(
        store
            .application_resource_scopes("a1", "api")
            .await
            .unwrap(),
        ["read"]
    );
    // Re-creating a role of the same id starts from nothing.
    store
        .insert_role(&role("r1", "reborn", RoleType::User), &[])
        .await
        .unwrap();
    assert!(store.role_scopes("r1").await.unwrap().is_empty());
    assert_eq!(store.role_users("r1", Page::ALL).await.unwrap().total, 0);
    assert_eq!(
        store
            .role_applications("r1", Page::ALL)
            .await
            .unwrap()
            .total,
        0
    );
}

/// Foreign keys (and their cascades) must hold on every pooled connection, not only the first
/// one: SQLite enables them per connection. Enough concurrent work makes the pool open several.
async fn foreign_keys_hold_on_every_connection(store: Arc<dyn Store>) {
    const TASKS: usize = 32;
    store
        .insert_role(&role("r1", "viewer", RoleType::User), &[])
        .await
        .unwrap();
    for i in 0..TASKS {
        store
            .insert_user(
                &NewUser {
                    id: format!("u{i}"),
                    ..NewUser::default()
                },
                NOW,
            )
            .await
            .unwrap();
    }
    let tasks: Vec<_> = (0..TASKS)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let user = format!("u{i}");
                let missing = store.add_user_roles(&user, &strings(&["ghost"])).await;
                assert_not_found(missing);
                let orphan = store
                    .insert_scope(&scope(&format!("s{i}"), "ghost", "x"))
                    .await;
                assert_not_found(orphan);
                store
                    .add_user_roles(&user, &strings(&["r1"]))
                    .await
                    .unwrap();
                store.delete_user(&user).await.unwrap();
                // Had the cascade not fired, the assignment would still be there.
                assert!(store.user_roles(&user).await.unwrap().is_empty());
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(store.role_users("r1", Page::ALL).await.unwrap().total, 0);
}

// --- scope resolution

async fn user_scope_resolution(store: Arc<dyn Store>) {
    insert_scope_fixtures(&store).await;
    for (id, name) in [("u1", "alice"), ("u2", "bob"), ("u3", "carol")] {
        store.insert_user(&new_user(id, name), NOW).await.unwrap();
    }
    // Two roles granting overlapping scopes of `api`, plus one of `other`.
    store
        .insert_role(
            &role("r1", "reader", RoleType::User),
            &strings(&["s1", "s9"]),
        )
        .await
        .unwrap();
    store
        .insert_role(
            &role("r2", "writer", RoleType::User),
            &strings(&["s2", "s1"]),
        )
        .await
        .unwrap();
    store
        .insert_role(&role("r3", "admin", RoleType::User), &strings(&["s3"]))
        .await
        .unwrap();
    store
        .add_user_roles("u1", &strings(&["r1", "r2"]))
        .await
        .unwrap();
    store.add_user_roles("u2", &strings(&["r3"])).await.unwrap();

    // Deduplicated and sorted; `other`'s "read" is not `api`'s.
    assert_eq!(
        store.user_resource_scopes("u1", "api").await.unwrap(),
        ["read", "write"]
    );
    assert_eq!(
        store.user_resource_scopes("u1", "other").await.unwrap(),
        ["read"]
    );
    assert_eq!(
        store.user_resource_scopes("u2", "api").await.unwrap(),
        ["admin"]
    );
    assert!(store
        .user_resource_scopes("u2", "other")
        .await
        .unwrap()
        .is_empty());
    // No roles, unknown user, unknown resource: nothing.
    assert!(store
        .user_resource_scopes("u3", "api")
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .user_resource_scopes("ghost", "api")
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .user_resource_scopes("u1", "ghost")
        .await
        .unwrap()
        .is_empty());

    // Grants follow role changes.
    store
        .add_role_scopes("r3", &strings(&["s1"]))
        .await
        .unwrap();
    assert_eq!(
        store.user_resource_scopes("u2", "api").await.unwrap(),
        ["admin", "read"]
    );
    store.remove_user_role("u1", "r2").await.unwrap();
    assert_eq!(
        store.user_resource_scopes("u1", "api").await.unwrap(),
        ["read"]
    );
    // An application holding the same roles does not leak into users' scopes.
    assert!(store
        .application_resource_scopes("u1", "api")
        .await
        .unwrap()
        .is_empty());
}

async fn application_scope_resolution(store: Arc<dyn Store>) {
    insert_scope_fixtures(&store).await;
    for id in ["a1", "a2"] {
        store
            .insert_application(&application(id, ApplicationType::MachineToMachine), None)
            .await
            .unwrap();
    }
    store
        .insert_role(
            &role("r1", "reader", RoleType::MachineToMachine),
            &strings(&["s1", "s9"]),
        )
        .await
        .unwrap();
    store
        .insert_role(
            &role("r2", "writer", RoleType::MachineToMachine),
            &strings(&["s1", "s2"]),
        )
        .await
        .unwrap();
    store
        .add_application_roles("a1", &strings(&["r2", "r1"]))
        .await
        .unwrap();

    assert_eq!(
        store
            .application_resource_scopes("a1", "api")
            .await
            .unwrap(),
        ["read", "write"]
    );
    assert_eq!(
        store
            .application_resource_scopes("a1", "other")
            .await
            .unwrap(),
        ["read"]
    );
    assert!(store
        .application_resource_scopes("a2", "api")
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .application_resource_scopes("ghost", "api")
        .await
        .unwrap()
        .is_empty());
    // A user with the same id as an application gets nothing from the application's roles.
    store
        .insert_user(
            &NewUser {
                id: "a1".to_owned(),
                ..NewUser::default()
            },
            NOW,
        )
        .await
        .unwrap();
    assert!(store
        .user_resource_scopes("a1", "api")
        .await
        .unwrap()
        .is_empty());
}

// --- connectors

fn connector(id: &str, connector_id: &str, created_at: i64) -> ConnectorRecord {
    ConnectorRecord {
        id: id.to_owned(),
        connector_id: connector_id.to_owned(),
        config: json!({
            "accessKeyId": "AKIDEXAMPLE",
            "secretAccessKey": "wJalrXUtnFEMI",
            "region": "eu-west-1",
            "nested": {"list": [1, "1", null, true], "empty": {}},
        }),
        metadata: json!({"target": "ses", "name": {"en": "Email"}}),
        sync_profile: false,
        created_at,
    }
}

fn connector_ids(connectors: &[ConnectorRecord]) -> Vec<&str> {
    connectors.iter().map(|c| c.id.as_str()).collect()
}

async fn connector_crud_conflict_and_not_found(store: Arc<dyn Store>) {
    let ses = connector("ses1", "aws-ses-mail", NOW);
    store.insert_connector(&ses).await.unwrap();
    assert_eq!(
        store.find_connector("ses1").await.unwrap(),
        Some(ses.clone())
    );
    assert_eq!(
        store.find_connector("SES1").await.unwrap(),
        None,
        "ids are exact"
    );
    assert_eq!(store.find_connector("nope").await.unwrap(), None);

    // A taken id conflicts whatever else differs, and the stored row is untouched.
    let clash = connector("ses1", "discord-universal", NOW + 5);
    assert_eq!(
        conflict_field(store.insert_connector(&clash).await.unwrap_err()),
        "id"
    );
    assert_eq!(
        store.find_connector("ses1").await.unwrap(),
        Some(ses.clone())
    );

    // Writes config, metadata and sync_profile only.
    let updated = ConnectorRecord {
        id: "ses1".to_owned(),
        connector_id: "something-else".to_owned(),
        config: json!({"region": "us-east-1"}),
        metadata: json!({}),
        sync_profile: true,
        created_at: NOW + 99,
    };
    store.update_connector(&updated).await.unwrap();
    assert_eq!(
        store.find_connector("ses1").await.unwrap(),
        Some(ConnectorRecord {
            connector_id: "aws-ses-mail".to_owned(),
            created_at: NOW,
            ..updated.clone()
        })
    );

    let ghost = ConnectorRecord {
        id: "ghost".to_owned(),
        ..updated
    };
    assert_not_found(store.update_connector(&ghost).await);
    assert_eq!(store.find_connector("ghost").await.unwrap(), None);
    assert_not_found(store.delete_connector("ghost").await);

    store.delete_connector("ses1").await.unwrap();
    assert_eq!(store.find_connector("ses1").await.unwrap(), None);
    assert!(store.list_connectors().await.unwrap().is_empty());
    assert_not_found(store.delete_connector("ses1").await);
    // The id is free again.
    store.insert_connector(&clash).await.unwrap();
    assert_eq!(store.find_connector("ses1").await.unwrap(), Some(clash));
}

async fn connectors_list_by_creation_time_then_insertion(store: Arc<dyn Store>) {
    assert!(store.list_connectors().await.unwrap().is_empty());
    // Out of id order; b and a share a millisecond; z is older than all but inserted last.
    for (id, created_at) in [("c", NOW + 1), ("b", NOW), ("a", NOW), ("z", NOW - 1)] {
        store
            .insert_connector(&connector(id, "aws-ses-mail", created_at))
            .await
            .unwrap();
    }
    let listed = store.list_connectors().await.unwrap();
    assert_eq!(connector_ids(&listed), ["z", "b", "a", "c"]);
    assert_eq!(listed[1], connector("b", "aws-ses-mail", NOW));

    // Deleting and inserting again at an existing time: the newcomer goes after its peers.
    store.delete_connector("b").await.unwrap();
    store
        .insert_connector(&connector("b", "discord-universal", NOW))
        .await
        .unwrap();
    assert_eq!(
        connector_ids(&store.list_connectors().await.unwrap()),
        ["z", "a", "b", "c"]
    );
}

// --- events

const DAY: i64 = 86_400_000;

async fn event_counts_are_strictly_after_since_and_ignore_expiry(store: Arc<dyn Store>) {
    for at in [NOW - 10, NOW, NOW + 10] {
        store
            .record_event("sign_in_failed", "k1", at, at + DAY)
            .await
            .unwrap();
    }
    let count = |since: i64| {
        let store = Arc::clone(&store);
        async move {
            store
                .count_events("sign_in_failed", "k1", since)
                .await
                .unwrap()
        }
    };
    assert_eq!(count(i64::MIN).await, 3);
    assert_eq!(count(NOW - 11).await, 3);
    assert_eq!(
        count(NOW - 10).await,
        2,
        "an event at exactly `since` is outside"
    );
    assert_eq!(count(NOW - 1).await, 2);
    assert_eq!(count(NOW).await, 1);
    assert_eq!(count(NOW + 10).await, 0);

    // An expired (but not yet purged) event still counts; two events in one millisecond both do.
    store
        .record_event("sign_in_failed", "k1", NOW + 20, NOW - DAY)
        .await
        .unwrap();
    store
        .record_event("sign_in_failed", "k1", NOW + 20, NOW + DAY)
        .await
        .unwrap();
    assert_eq!(count(NOW + 10).await, 2);
    assert_eq!(count(i64::MIN).await, 5);

    assert_eq!(
        store
            .count_events("sign_in_failed", "nobody", i64::MIN)
            .await
            .unwrap(),
        0
    );
}

async fn event_buckets_and_keys_are_isolated(store: Arc<dyn Store>) {
    for (bucket, key, times) in [
        ("sign_in_failed", "alice", 3),
        ("sign_in_failed", "bob", 1),
        ("verification_sent", "alice", 2),
        // Separator-like characters do not make names run together.
        ("sign_in_failed:alice", "", 4),
        ("sign_in", "failed:alice", 5),
    ] {
        for i in 0..times {
            store
                .record_event(bucket, key, NOW + i, NOW + DAY)
                .await
                .unwrap();
        }
    }
    for (bucket, key, expected) in [
        ("sign_in_failed", "alice", 3),
        ("sign_in_failed", "bob", 1),
        ("verification_sent", "alice", 2),
        ("verification_sent", "bob", 0),
        ("sign_in_failed:alice", "", 4),
        ("sign_in", "failed:alice", 5),
        ("sign_in_failed", "ALICE", 0),
        ("SIGN_IN_FAILED", "alice", 0),
    ] {
        assert_eq!(
            store.count_events(bucket, key, i64::MIN).await.unwrap(),
            expected,
            "{bucket}/{key}"
        );
    }

    // A full bucket/key leaves its neighbours room.
    let record = |bucket: &'static str, key: &'static str| {
        let store = Arc::clone(&store);
        async move {
            store
                .record_event_within_limit(bucket, key, NOW + 100, NOW + DAY, NOW - 1, 3)
                .await
                .unwrap()
        }
    };
    assert!(!record("sign_in_failed", "alice").await);
    assert!(record("sign_in_failed", "bob").await);
    assert!(record("verification_sent", "alice").await);
    assert_eq!(
        store
            .count_events("sign_in_failed", "alice", i64::MIN)
            .await
            .unwrap(),
        3
    );
}

async fn event_within_limit_records_until_the_limit(store: Arc<dyn Store>) {
    let (bucket, key) = ("sign_in_failed", "k1");
    // Outside the window (at `since` exactly, and before): does not use up the limit.
    for at in [NOW - 50, NOW] {
        store
            .record_event(bucket, key, at, NOW + DAY)
            .await
            .unwrap();
    }
    let within = |at: i64, since: i64, limit: u64| {
        let store = Arc::clone(&store);
        async move {
            store
                .record_event_within_limit(bucket, key, at, at + DAY, since, limit)
                .await
                .unwrap()
        }
    };
    assert!(within(NOW + 1, NOW, 3).await);
    assert!(within(NOW + 2, NOW, 3).await);
    assert!(within(NOW + 3, NOW, 3).await);
    assert!(!within(NOW + 4, NOW, 3).await, "the fourth is refused");
    assert!(!within(NOW + 5, NOW, 3).await);
    assert_eq!(
        store.count_events(bucket, key, NOW).await.unwrap(),
        3,
        "refusals record nothing"
    );
    // A larger limit, or a later window, has room again.
    assert!(within(NOW + 6, NOW, 4).await);
    assert!(!within(NOW + 7, NOW, 4).await);
    assert!(
        within(NOW + 8, NOW + 2, 3).await,
        "window after NOW+2 holds NOW+3 and NOW+6"
    );
    assert!(!within(NOW + 9, NOW + 2, 3).await);
    // A limit of zero never records.
    assert!(!within(NOW + 10, NOW + 1_000, 0).await);
    assert!(!within(NOW + 10, i64::MAX, 0).await);
    // A limit beyond i64 is no limit at all.
    assert!(within(NOW + 11, i64::MIN, u64::MAX).await);
    assert_eq!(
        store.count_events(bucket, key, i64::MIN).await.unwrap(),
        2 + 6
    );
}

/// Spawns `callers` concurrent `record_event_within_limit` calls, spread over `stores` in turn,
/// and returns how many recorded.
async fn race_within_limit(
    stores: &[Arc<dyn Store>],
    key: &str,
    callers: i64,
    limit: u64,
) -> usize {
    let barrier = Arc::new(tokio::sync::Barrier::new(usize::try_from(callers).unwrap()));
    let tasks: Vec<_> = (0..callers)
        .map(|i| {
            let store = Arc::clone(&stores[usize::try_from(i).unwrap() % stores.len()]);
            let barrier = Arc::clone(&barrier);
            let key = key.to_owned();
            tokio::spawn(async move {
                barrier.wait().await;
                store
                    .record_event_within_limit(
                        "sign_in_failed",
                        &key,
                        NOW + i,
                        NOW + DAY,
                        NOW - 1,
                        limit,
                    )
                    .await
            })
        })
        .collect();
    let mut recorded = 0;
    for task in tasks {
        if task.await.expect("task").expect("store") {
            recorded += 1;
        }
    }
    recorded
}

async fn event_within_limit_concurrent_callers_record_exactly_one(store: Arc<dyn Store>) {
    let stores = [store];
    for (round, key) in ["k1", "k2", "k3"].into_iter().enumerate() {
        // Room for exactly one more: limit - 1 events already in the window.
        let limit = u64::try_from(round).unwrap() + 1;
        for i in 0..i64::try_from(round).unwrap() {
            stores[0]
                .record_event("sign_in_failed", key, NOW + i, NOW + DAY)
                .await
                .unwrap();
        }
        assert_eq!(
            race_within_limit(&stores, key, 16, limit).await,
            1,
            "round {round}"
        );
        assert_eq!(
            stores[0]
                .count_events("sign_in_failed", key, NOW - 1)
                .await
                .unwrap(),
            limit
        );
    }
}

async fn event_within_limit_concurrent_callers_fill_the_room_exactly(store: Arc<dyn Store>) {
    let stores = [store];
    assert_eq!(race_within_limit(&stores, "k1", 16, 5).await, 5);
    assert_eq!(
        stores[0]
            .count_events("sign_in_failed", "k1", i64::MIN)
            .await
            .unwrap(),
        5
    );
    // Different keys do not take each other's room.
    let (a, b) = tokio::join!(
        race_within_limit(&stores, "k2", 8, 2),
        race_within_limit(&stores, "k3", 8, 3),
    );
    assert_eq!((a, b), (2, 3));
}

/// Two nodes (separate pools on one database) racing for the last slot: one records.
async fn event_within_limit_is_atomic_across_nodes(first: Arc<dyn Store>, second: Arc<dyn Store>) {
    let stores = [first, second];
    for round in 0..3 {
        let key = format!("k{round}");
        // One event already in the window; room for one more.
        stores[round % 2]
            .record_event("sign_in_failed", &key, NOW, NOW + DAY)
            .await
            .unwrap();
        assert_eq!(
            race_within_limit(&stores, &key, 16, 2).await,
            1,
            "round {round}"
        );
        for store in &stores {
            assert_eq!(
                store
                    .count_events("sign_in_failed", &key, NOW - 1)
                    .await
                    .unwrap(),
                2
            );
        }
    }
    // And with more room, exactly that many across both nodes.
    assert_eq!(race_within_limit(&stores, "wide", 16, 7).await, 7);
}

async fn connectors_and_events_are_shared_across_nodes(
    first: Arc<dyn Store>,
    second: Arc<dyn Store>,
) {
    first
        .insert_connector(&connector("c1", "aws-ses-mail", NOW))
        .await
        .unwrap();
    assert_eq!(
        conflict_field(
            second
                .insert_connector(&connector("c1", "aws-ses-mail", NOW))
                .await
                .unwrap_err()
        ),
        "id"
    );
    assert_eq!(
        connector_ids(&second.list_connectors().await.unwrap()),
        ["c1"]
    );
    second.record_event("b", "k", NOW, NOW + 1).await.unwrap();
    assert_eq!(first.count_events("b", "k", NOW - 1).await.unwrap(), 1);
    assert_eq!(first.purge_expired(NOW + 1).await.unwrap(), 1);
    assert_eq!(second.count_events("b", "k", NOW - 1).await.unwrap(), 0);
}

async fn purge_expired_removes_only_expired_events_and_artifacts(store: Arc<dyn Store>) {
    // Events expiring before, at and after `now`, in two buckets.
    for (bucket, expires_at) in [
        ("sign_in_failed", NOW - 1),
        ("sign_in_failed", NOW),
        ("sign_in_failed", NOW + 1),
        ("verification_sent", NOW - DAY),
        ("verification_sent", NOW + DAY),
    ] {
        store
            .record_event(bucket, "k1", NOW - 100, expires_at)
            .await
            .unwrap();
    }
    // Artifacts: expired, at the edge, alive, and consumed but alive.
    let expiring = |id: &str, expires_at: i64| Artifact {
        expires_at,
        ..artifact(ArtifactKind::AccessToken, id, None, None)
    };
    for a in [
        expiring("past", NOW - 1),
        expiring("edge", NOW),
        expiring("future", NOW + 1),
        Artifact {
            consumed_at: Some(NOW - 5),
            ..expiring("consumed", NOW + 1)
        },
    ] {
        store.put_artifact(&a).await.unwrap();
    }
    store
        .insert_connector(&connector("c1", "aws-ses-mail", NOW - DAY))
        .await
        .unwrap();

    assert_eq!(
        store.purge_expired(NOW).await.unwrap(),
        3 + 2,
        "3 events and 2 artifacts"
    );

    assert_eq!(
        store
            .count_events("sign_in_failed", "k1", i64::MIN)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .count_events("verification_sent", "k1", i64::MIN)
            .await
            .unwrap(),
        1
    );
    for (id, kept) in [
        ("past", false),
        ("edge", false),
        ("future", true),
        ("consumed", true),
    ] {
        let found = store
            .find_artifact(ArtifactKind::AccessToken, id, NOW - 10)
            .await
            .unwrap();
        assert_eq!(found.is_some(), kept, "{id}");
    }
    assert_eq!(
        store
            .find_artifact(ArtifactKind::AccessToken, "consumed", NOW - 10)
            .await
            .unwrap()
            .unwrap()
            .consumed_at,
        Some(NOW - 5)
    );
    assert!(
        store.find_connector("c1").await.unwrap().is_some(),
        "connectors never expire"
    );
    assert_eq!(store.purge_expired(NOW).await.unwrap(), 0);
    // Only events remain to go a day later.
    assert_eq!(store.purge_expired(NOW + DAY).await.unwrap(), 2 + 2);
    assert_eq!(
        store
            .count_events("verification_sent", "k1", i64::MIN)
            .await
            .unwrap(),
        0
    );
}

// --- migrations and startup

#[tokio::test]
async fn sqlite_migrations_are_idempotent_and_data_survives_reconnect() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = sqlite_url_for_dir(dir.path());
    let first = connect(&url).await.unwrap();
    first
        .insert_user(&new_user("u1", "alice"), NOW)
        .await
        .unwrap();
    drop(first);

    let second = connect(&url).await.unwrap();
    assert!(second.find_user("u1").await.unwrap().is_some());
    let third = connect(&url).await.unwrap();
    assert!(third
        .find_user_by_username("ALICE")
        .await
        .unwrap()
        .is_some());
}

/// Several nodes starting at once on a fresh database: every `connect` must succeed, and they
/// must all end up looking at the same data.
async fn connect_concurrently<F, Fut>(connect_one: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Arc<dyn Store>, StoreError>> + Send + 'static,
{
    let attempts: Vec<_> = (0..4).map(|_| tokio::spawn(connect_one())).collect();
    let mut stores = Vec::new();
    for attempt in attempts {
        stores.push(attempt.await.expect("task").expect("connect succeeds"));
    }
    stores[0]
        .insert_user(&new_user("u1", "alice"), NOW)
        .await
        .unwrap();
    for store in &stores {
        assert!(store.find_user("u1").await.unwrap().is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_connects_on_a_fresh_file_all_succeed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = sqlite_url_for_dir(dir.path());
    connect_concurrently(|| {
        let url = url.clone();
        async move { connect(&url).await }
    })
    .await;
}

#[tokio::test]
async fn postgres_migrations_are_idempotent_and_data_survives_reconnect() {
    let Some(url) = postgres_url("postgres_migrations_are_idempotent_and_data_survives_reconnect")
    else {
        return;
    };
    let schema = random_schema();
    let first = connect_postgres_schema(&url, &schema).await.unwrap();
    first
        .insert_user(&new_user("u1", "alice"), NOW)
        .await
        .unwrap();
    drop(first);

    let second = connect_postgres_schema(&url, &schema).await.unwrap();
    let found = second
        .find_user_by_username("ALICE")
        .await
        .unwrap()
        .is_some();
    drop(second);
    drop_schema(&url, &schema).await;
    assert!(found);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_connects_on_a_fresh_schema_all_succeed() {
    let Some(url) = postgres_url("postgres_concurrent_connects_on_a_fresh_schema_all_succeed")
    else {
        return;
    };
    let schema = random_schema();
    let outcome = tokio::spawn(connect_concurrently({
        let (url, schema) = (url.clone(), schema.clone());
        move || {
            let (url, schema) = (url.clone(), schema.clone());
            async move { connect_postgres_schema(&url, &schema).await }
        }
    }))
    .await;
    drop_schema(&url, &schema).await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

/// A database created before the RBAC migration, as an existing deployment has it: the first
/// migration applied and recorded, and a user in it.
const V1_HISTORY: &str = "CREATE TABLE sesame_migrations (version BIGINT NOT NULL PRIMARY KEY, \
     description TEXT NOT NULL, applied_at BIGINT NOT NULL); \
     INSERT INTO sesame_migrations (version, description, applied_at) VALUES (1, 'init', 0); \
     INSERT INTO users (id, username, created_at, updated_at) VALUES ('old', 'veteran', 1, 1);";

/// `connect` on a version-1 database applies the RBAC migration and keeps the data.
async fn check_upgraded(store: Arc<dyn Store>) {
    let veteran = store
        .find_user_by_username("VETERAN")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(veteran.id, "old");
    assert_eq!(store.list_users(None, Page::ALL).await.unwrap().total, 1);
    store
        .insert_role(&role("r1", "viewer", RoleType::User), &[])
        .await
        .unwrap();
    store
        .add_user_roles("old", &strings(&["r1"]))
        .await
        .unwrap();
    assert_eq!(role_ids(&store.user_roles("old").await.unwrap()), ["r1"]);
    store.delete_user("old").await.unwrap();
    assert_eq!(store.role_users("r1", Page::ALL).await.unwrap().total, 0);
    // Later migrations are applied too.
    store
        .insert_connector(&connector("c1", "aws-ses-mail", NOW))
        .await
        .unwrap();
    assert!(store
        .record_event_within_limit("b", "k", NOW, NOW + 1, NOW - 1, 1)
        .await
        .unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_upgrade_from_v1_keeps_data() {
    support::upgrade_on_sqlite(1, V1_HISTORY, check_upgraded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_upgrade_from_v1_keeps_data() {
    support::upgrade_on_postgres(
        "postgres_upgrade_from_v1_keeps_data",
        1,
        V1_HISTORY,
        check_upgraded,
    )
    .await;
}

#[tokio::test]
async fn unsupported_urls_are_rejected_without_echoing_them() {
    let error = connect("mysql://root:hunter2@localhost/db")
        .await
        .err()
        .expect("rejected");
    let message = error.to_string();
    assert!(message.contains("unsupported database url"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
}

// --- social identities

fn discord_details(id: &str, name: &str) -> serde_json::Value {
    json!({"id": id, "name": name, "avatar": format!("https://cdn.example/{id}/a"), "rawData": {"id": id, "username": name}})
}

async fn identity_link_find_and_replace(store: Arc<dyn Store>) {
    store
        .insert_user(&new_user("u1", "alice"), NOW)
        .await
        .unwrap();
    store.insert_user(&new_user("u2", "bob"), NOW).await.unwrap();
    let details = discord_details("d1", "Whumpus");

    let linked = store
        .link_user_identity("u1", "discord", "d1", Some(&details), NOW + 5)
        .await
        .unwrap();
    assert_eq!(
        linked.identities,
        json!({"discord": {"userId": "d1", "details": details}})
    );
    assert_eq!(linked.updated_at, NOW + 5);
    let stored = store.find_user("u1").await.unwrap().unwrap();
    assert_eq!(stored, linked, "the returned user is the stored one");
    let found = store
        .find_user_by_identity("discord", "d1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, "u1");
    // Both parts of the key matter, exactly.
    for (target, id) in [("github", "d1"), ("discord", "d2"), ("Discord", "d1"), ("discord", "D1")] {
        assert!(
            store.find_user_by_identity(target, id).await.unwrap().is_none(),
            "{target} {id}"
        );
    }

    // Linking again replaces the details; another identity of the same target replaces it.
    let renamed = discord_details("d1", "Whumpus the Great");
    let again = store
        .link_user_identity("u1", "discord", "d1", Some(&renamed), NOW + 6)
        .await
        .unwrap();
    assert_eq!(again.identities["discord"]["details"], renamed);
    store
        .link_user_identity("u1", "discord", "d9", None, NOW + 7)
        .await
        .unwrap();
    assert!(store
        .find_user_by_identity("discord", "d1")
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store.find_user("u1").await.unwrap().unwrap().identities,
        json!({"discord": {"userId": "d9"}}),
        "no details key without details"
    );
    // The old identity is free for someone else; identities of other targets add up.
    store
        .link_user_identity("u2", "discord", "d1", Some(&details), NOW + 8)
        .await
        .unwrap();
    let both = store
        .link_user_identity("u1", "github", "42", Some(&json!({"id": "42"})), NOW + 9)
        .await
        .unwrap();
    assert_eq!(
        both.identities,
        json!({"discord": {"userId": "d9"}, "github": {"userId": "42", "details": {"id": "42"}}})
    );
    assert_eq!(
        store
            .find_user_by_identity("github", "42")
            .await
            .unwrap()
            .map(|u| u.id),
        Some("u1".to_owned())
    );
    assert_eq!(
        store
            .find_user_by_identity("discord", "d1")
            .await
            .unwrap()
            .map(|u| u.id),
        Some("u2".to_owned())
    );
}

async fn identity_is_linked_to_one_user_only(store: Arc<dyn Store>) {
    store
        .insert_user(&new_user("u1", "alice"), NOW)
        .await
        .unwrap();
    let bob = store.insert_user(&new_user("u2", "bob"), NOW).await.unwrap();
    store
        .link_user_identity("u1", "discord", "d1", None, NOW + 1)
        .await
        .unwrap();

    let refused = store
        .link_user_identity("u2", "discord", "d1", Some(&json!({"id": "d1"})), NOW + 2)
        .await
        .unwrap_err();
    assert_eq!(conflict_field(refused), "identity_id");
    // Nothing of the refused link was written, not even `updated_at`.
    assert_eq!(store.find_user("u2").await.unwrap(), Some(bob));
    assert_eq!(
        store
            .find_user_by_identity("discord", "d1")
            .await
            .unwrap()
            .map(|u| u.id),
        Some("u1".to_owned())
    );
    // The same upstream id under another target is another identity.
    store
        .link_user_identity("u2", "github", "d1", None, NOW + 3)
        .await
        .unwrap();
}

async fn identity_unlink_and_not_found(store: Arc<dyn Store>) {
    store
        .insert_user(&new_user("u1", "alice"), NOW)
        .await
        .unwrap();
    store.insert_user(&new_user("u2", "bob"), NOW).await.unwrap();
    store
        .link_user_identity("u1", "discord", "d1", None, NOW + 1)
        .await
        .unwrap();
    store
        .link_user_identity("u1", "github", "42", None, NOW + 2)
        .await
        .unwrap();

    let unlinked = store
        .unlink_user_identity("u1", "discord", NOW + 3)
        .await
        .unwrap();
    assert_eq!(unlinked.identities, json!({"github": {"userId": "42"}}));
    assert_eq!(unlinked.updated_at, NOW + 3);
    assert!(store
        .find_user_by_identity("discord", "d1")
        .await
        .unwrap()
        .is_none());
    assert!(store
        .find_user_by_identity("github", "42")
        .await
        .unwrap()
        .is_some());

    let before = store.find_user("u1").await.unwrap();
    assert_not_found(store.unlink_user_identity("u1", "discord", NOW + 4).await);
    assert_eq!(store.find_user("u1").await.unwrap(), before, "a refused unlink writes nothing");
    assert_not_found(store.unlink_user_identity("ghost", "github", NOW).await);
    assert_not_found(
        store
            .link_user_identity("ghost", "discord", "d1", None, NOW)
            .await,
    );
    // Unlinked, the identity can belong to someone else.
    store
        .link_user_identity("u2", "discord", "d1", None, NOW + 5)
        .await
        .unwrap();
}

async fn identity_rows_go_with_their_user(store: Arc<dyn Store>) {
    store
        .insert_user(&new_user("u1", "alice"), NOW)
        .await
        .unwrap();
    store.insert_user(&new_user("u2", "bob"), NOW).await.unwrap();
    store
        .link_user_identity("u1", "discord", "d1", None, NOW + 1)
        .await
        .unwrap();
    store.delete_user("u1").await.unwrap();
    assert!(store
        .find_user_by_identity("discord", "d1")
        .await
        .unwrap()
        .is_none());
    store
        .link_user_identity("u2", "discord", "d1", None, NOW + 2)
        .await
        .unwrap();
}

/// Users `u0`..`u{n-1}` race to link the same identity, spread over `stores`; returns how many
/// succeeded, after checking every failure is the identity's conflict.
async fn race_for_identity(stores: &[Arc<dyn Store>], users: usize) -> usize {
    for i in 0..users {
        stores[0]
            .insert_user(&new_user(&format!("u{i}"), &format!("user{i}")), NOW)
            .await
            .unwrap();
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(users));
    let tasks: Vec<_> = (0..users)
        .map(|i| {
            let store = Arc::clone(&stores[i % stores.len()]);
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                barrier.wait().await;
                store
                    .link_user_identity(&format!("u{i}"), "discord", "contested", None, NOW + 1)
                    .await
            })
        })
        .collect();
    let mut linked = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => linked += 1,
            Err(err) => assert_eq!(conflict_field(err), "identity_id"),
        }
    }
    let owner = stores[0]
        .find_user_by_identity("discord", "contested")
        .await
        .unwrap()
        .unwrap();
    for i in 0..users {
        let user = stores[0].find_user(&format!("u{i}")).await.unwrap().unwrap();
        let listed = user.identities.get("discord").is_some();
        assert_eq!(listed, user.id == owner.id, "the JSON follows the relation");
    }
    linked
}

async fn identity_concurrent_links_keep_one_owner_and_every_target(store: Arc<dyn Store>) {
    let stores = [store];
    assert_eq!(race_for_identity(&stores, 6).await, 1);

    // Concurrent links of different targets to one user: none is lost from the JSON.
    let store = &stores[0];
    store
        .insert_user(&new_user("multi", "multi"), NOW)
        .await
        .unwrap();
    let targets = ["t0", "t1", "t2", "t3", "t4", "t5"];
    let tasks: Vec<_> = targets
        .iter()
        .map(|target| {
            let store = Arc::clone(store);
            let target = (*target).to_owned();
            tokio::spawn(async move {
                store
                    .link_user_identity("multi", &target, "same-upstream-id", None, NOW + 2)
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").unwrap();
    }
    let user = store.find_user("multi").await.unwrap().unwrap();
    let keys: Vec<&String> = user.identities.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), targets.len(), "{keys:?}");
    for target in targets {
        assert_eq!(
            store
                .find_user_by_identity(target, "same-upstream-id")
                .await
                .unwrap()
                .map(|u| u.id),
            Some("multi".to_owned())
        );
    }
}

async fn identity_links_race_across_nodes(first: Arc<dyn Store>, second: Arc<dyn Store>) {
    assert_eq!(race_for_identity(&[first, second], 6).await, 1);
}

/// A database at version 3 whose users already have identities in `users.identities` (written
/// before the relation table existed): the upgrade fills the table, first user first.
const V3_IDENTITIES: &str = "CREATE TABLE sesame_migrations (version BIGINT NOT NULL PRIMARY KEY, \
     description TEXT NOT NULL, applied_at BIGINT NOT NULL); \
     INSERT INTO sesame_migrations (version, description, applied_at) VALUES (1, 'init', 0), \
     (2, 'rbac', 0), (3, 'connectors_and_events', 0); \
     INSERT INTO users (id, username, identities, created_at, updated_at) VALUES \
     ('old1', 'first', '{\"discord\": {\"userId\": \"d1\", \"details\": {\"id\": \"d1\"}}, \"github\": {\"userId\": 42}}', 1, 1), \
     ('old2', 'second', '{\"discord\": {\"userId\": \"d1\"}, \"google\": {\"userId\": \"g2\"}, \"broken\": \"x\"}', 2, 2);";

async fn check_identities_backfilled(store: Arc<dyn Store>) {
    let owner = |target: &'static str, id: &'static str| {
        let store = Arc::clone(&store);
        async move {
            store
                .find_user_by_identity(target, id)
                .await
                .unwrap()
                .map(|u| u.id)
        }
    };
    assert_eq!(owner("discord", "d1").await.as_deref(), Some("old1"));
    assert_eq!(owner("github", "42").await.as_deref(), Some("old1"));
    assert_eq!(owner("google", "g2").await.as_deref(), Some("old2"));
    assert_eq!(owner("broken", "x").await, None);
    // The backfilled rows behave like linked ones.
    assert_eq!(
        conflict_field(
            store
                .link_user_identity("old2", "github", "42", None, NOW)
                .await
                .unwrap_err()
        ),
        "identity_id"
    );
    store.unlink_user_identity("old1", "discord", NOW).await.unwrap();
    assert_eq!(owner("discord", "d1").await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_upgrade_backfills_identity_relations() {
    support::upgrade_on_sqlite(3, V3_IDENTITIES, check_identities_backfilled).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_upgrade_backfills_identity_relations() {
    support::upgrade_on_postgres(
        "postgres_upgrade_backfills_identity_relations",
        3,
        V3_IDENTITIES,
        check_identities_backfilled,
    )
    .await;
}

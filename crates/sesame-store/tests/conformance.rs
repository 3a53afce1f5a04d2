//! One behavioural contract, checked against both backends. Each case is written once as
//! `async fn case(store)`; `conformance!` turns it into `sqlite::case` (a fresh database file)
//! and `postgres::case` (a fresh schema in `SESAME_TEST_POSTGRES_URL`, skipped loudly when the
//! variable is unset).

// A failed unwrap is a failed test, with the error in the panic message.
#![allow(clippy::unwrap_used)]

use std::future::Future;
use std::io::Write;
use std::sync::Arc;

use rand::Rng;
use serde_json::json;
use sesame_core::model::{
    Application, ApplicationSecret, ApplicationType, NewUser, OidcClientMetadata,
};
use sesame_core::store::{Artifact, ArtifactKind, Consumption, Store, StoreError};
use sesame_store::{connect, connect_postgres_schema, sqlite_url_for_dir};
use sqlx::Connection;

const NOW: i64 = 1_700_000_000_000;
const POSTGRES_URL_VAR: &str = "SESAME_TEST_POSTGRES_URL";

// --- harness

async fn run_on_sqlite<F, Fut>(case: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let store = connect(&sqlite_url_for_dir(dir.path()))
        .await
        .expect("sqlite connects");
    case(store).await;
}

async fn run_on_postgres<F, Fut>(test_name: &str, case: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(url) = postgres_url(test_name) else {
        return;
    };
    let schema = random_schema();
    let store = connect_postgres_schema(&url, &schema)
        .await
        .expect("postgres connects");
    // Run the case as its own task so a failing assertion still lets us drop the schema.
    let outcome = tokio::spawn(case(store)).await;
    drop_schema(&url, &schema).await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

fn postgres_url(test_name: &str) -> Option<String> {
    let url = std::env::var(POSTGRES_URL_VAR).ok();
    if url.is_none() {
        // Straight to stderr rather than eprintln!, which the test harness captures and hides
        // for passing tests: a skipped backend must not look like a passing one.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test_name}: {POSTGRES_URL_VAR} is not set"
        );
    }
    url
}

fn random_schema() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let suffix: String = (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("t_{suffix}")
}

/// Best effort: a leftover schema only costs disk space.
async fn drop_schema(url: &str, schema: &str) {
    let Ok(mut conn) = sqlx::PgConnection::connect(url).await else {
        return;
    };
    let _ = sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .execute(&mut conn)
        .await;
    let _ = conn.close().await;
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    crate::run_on_sqlite(crate::$case).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    crate::run_on_postgres(concat!("postgres::", stringify!($case)), crate::$case).await;
                }
            )*
        }
    };
}

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

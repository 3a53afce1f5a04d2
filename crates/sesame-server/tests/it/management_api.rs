//! The Management API beyond applications: users, API resources and scopes, roles, signing
//! keys and the OpenAPI document, driven over HTTP only.

use std::collections::BTreeSet;

use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use sesame_core::model::ApplicationType;

use crate::management::{assert_routes_are_served, error_code, Api};
use crate::support::{oauth_error, TestServer, PASSWORD};

const MANAGEMENT_API: &str = "https://default.logto.app/api";

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

async fn expect_error(api: &Api, method: Method, path: &str, body: Option<Value>, status: StatusCode, code: &str) {
    let response = api.call(method.clone(), path, body.clone()).await;
    assert_eq!(error_code(response).await, (status, code.to_owned()), "{method} {path} {body:?}");
}

async fn create_user(api: &Api, body: Value) -> String {
    id_of(&api.json(Method::POST, "/users", Some(body), StatusCode::OK).await)
}

async fn create_role(api: &Api, body: Value) -> String {
    id_of(&api.json(Method::POST, "/roles", Some(body), StatusCode::OK).await)
}

/// The seeded Management API resource and the id of its `all` scope.
async fn management_resource(api: &Api) -> (String, String) {
    let resources = api.json(Method::GET, "/resources", None, StatusCode::OK).await;
    let resource = resources.as_array().expect("list").iter().find(|r| r["indicator"] == MANAGEMENT_API).expect("seeded").clone();
    let id = id_of(&resource);
    let scopes = api.json(Method::GET, &format!("/resources/{id}/scopes"), None, StatusCode::OK).await;
    let all = scopes.as_array().expect("list").iter().find(|s| s["name"] == "all").expect("all scope").clone();
    (id, id_of(&all))
}

fn names(list: &Value) -> Vec<String> {
    list.as_array().expect("list").iter().map(|item| item["name"].as_str().unwrap_or_default().to_owned()).collect()
}

#[tokio::test]
async fn users_crud_search_pagination_and_conflicts() {
    let server = TestServer::start().await;
    let api = Api::new(&server).await;

    let alice = api
        .json(
            Method::POST,
            "/users",
            Some(json!({"username": "alice", "primaryEmail": "Alice@Example.com", "password": "pw", "name": "Alice",
                "customData": {"plan": "pro"}, "profile": {"givenName": "Alice"}})),
            StatusCode::OK,
        )
        .await;
    let alice_id = id_of(&alice);
    assert_eq!(alice_id.len(), 12);
    assert_eq!(alice["username"], "alice");
    assert_eq!(alice["primaryEmail"], "alice@example.com");
    assert_eq!((alice["hasPassword"].as_bool(), alice["isSuspended"].as_bool()), (Some(true), Some(false)));
    assert_eq!(alice["applicationId"], Value::Null);
    assert_eq!((alice["customData"].clone(), alice["profile"].clone()), (json!({"plan": "pro"}), json!({"givenName": "Alice"})));
    assert!(alice["createdAt"].as_i64().expect("ms") > 1_000_000_000_000);
    for secret in ["passwordEncrypted", "passwordEncryptionMethod", "password"] {
        assert!(alice.get(secret).is_none(), "{secret} must never be returned");
    }
    let bob_id = create_user(&api, json!({"username": "bob"})).await;
    let carol_id = create_user(&api, json!({"primaryPhone": "15550001", "name": "Carol"})).await;
    let anonymous = api.json(Method::POST, "/users", Some(json!({})), StatusCode::OK).await;
    assert_eq!(anonymous["hasPassword"], false, "a user without identifiers is allowed, as in Logto");

    // Search: case-insensitive substrings, with or without Logto's `%` wildcards.
    for search in ["ALIC", "%alic%", "example.com"] {
        let response = api.call(Method::GET, &format!("/users?search={}", urlencode(search)), None).await;
        assert_eq!(response.headers()["total-number"], "1", "{search}");
        let found: Value = response.json().await.expect("json");
        assert_eq!(found[0]["id"], alice_id.as_str());
    }
    let carol = api.json(Method::GET, "/users?search=5550", None, StatusCode::OK).await;
    assert_eq!(carol[0]["id"], carol_id.as_str());
    let response = api.call(Method::GET, "/users?page=2&page_size=3", None).await;
    assert_eq!(response.headers()["total-number"], "4");
    assert_eq!(response.json::<Value>().await.expect("json").as_array().map(Vec::len), Some(1));

    // Conflicts are Logto's 422 codes, identifiers compared case-insensitively.
    expect_error(&api, Method::POST, "/users", Some(json!({"username": "ALICE"})), StatusCode::UNPROCESSABLE_ENTITY, "user.username_already_in_use").await;
    expect_error(&api, Method::POST, "/users", Some(json!({"primaryEmail": "alice@EXAMPLE.com"})), StatusCode::UNPROCESSABLE_ENTITY, "user.email_already_in_use").await;
    expect_error(&api, Method::POST, "/users", Some(json!({"primaryPhone": "15550001"})), StatusCode::UNPROCESSABLE_ENTITY, "user.phone_already_in_use").await;
    let bob_path = format!("/users/{bob_id}");
    expect_error(&api, Method::PATCH, &bob_path, Some(json!({"username": "Alice"})), StatusCode::UNPROCESSABLE_ENTITY, "user.username_already_in_use").await;
    expect_error(&api, Method::PATCH, &bob_path, Some(json!({"primaryEmail": "alice@example.com"})), StatusCode::UNPROCESSABLE_ENTITY, "user.email_already_in_use").await;
    // Formats follow Logto's regexes.
    for body in [json!({"username": "1abc"}), json!({"username": "a-b"}), json!({"primaryEmail": "nope"}), json!({"primaryPhone": "+1 555"}),
        json!({"avatar": "not a url"}), json!({"customData": [1]}), json!({"password": ""})]
    {
        expect_error(&api, Method::POST, "/users", Some(body), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
    }

    // PATCH: absent keeps, null clears, customData and profile replace.
    let alice_path = format!("/users/{alice_id}");
    let patched = api
        .json(Method::PATCH, &alice_path, Some(json!({"name": null, "primaryEmail": null, "avatar": "https://img.example/a.png",
            "customData": {"tier": 2}})), StatusCode::OK)
        .await;
    assert_eq!((patched["name"].clone(), patched["primaryEmail"].clone()), (Value::Null, Value::Null));
    assert_eq!((patched["username"].as_str(), patched["avatar"].as_str()), (Some("alice"), Some("https://img.example/a.png")));
    assert_eq!(patched["customData"], json!({"tier": 2}));
    assert_eq!(patched["profile"], json!({"givenName": "Alice"}));
    assert!(patched["updatedAt"].as_i64() >= alice["updatedAt"].as_i64());
    let fetched = api.json(Method::GET, &alice_path, None, StatusCode::OK).await;
    assert_eq!(fetched["primaryEmail"], Value::Null, "the change is stored");
    // The freed email can be taken by someone else; an emptied username too.
    api.json(Method::PATCH, &bob_path, Some(json!({"primaryEmail": "alice@example.com", "username": ""})), StatusCode::OK).await;
    assert_eq!(api.json(Method::GET, &bob_path, None, StatusCode::OK).await["username"], Value::Null);

    assert_eq!(api.call(Method::DELETE, &bob_path, None).await.status(), StatusCode::NO_CONTENT);
    expect_error(&api, Method::GET, &bob_path, None, StatusCode::NOT_FOUND, "entity.not_found").await;
    expect_error(&api, Method::DELETE, &bob_path, None, StatusCode::NOT_FOUND, "entity.not_found").await;
}

fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[tokio::test]
async fn passwords_are_set_and_verified_without_policy_or_sign_out() {
    let server = TestServer::start().await;
    let api = Api::new(&server).await;
    let id = create_user(&api, json!({"username": "dora"})).await;
    let path = format!("/users/{id}");
    assert_eq!(api.json(Method::GET, &format!("{path}/has-password"), None, StatusCode::OK).await, json!({"hasPassword": false}));
    let verify = format!("{path}/password/verify");
    expect_error(&api, Method::POST, &verify, Some(json!({"password": PASSWORD})), StatusCode::UNPROCESSABLE_ENTITY, "session.invalid_credentials").await;

    let updated = api.json(Method::PATCH, &format!("{path}/password"), Some(json!({"password": PASSWORD})), StatusCode::OK).await;
    assert_eq!(updated["hasPassword"], true);
    assert_eq!(api.json(Method::GET, &format!("{path}/has-password"), None, StatusCode::OK).await, json!({"hasPassword": true}));
    assert_eq!(api.call(Method::POST, &verify, Some(json!({"password": PASSWORD}))).await.status(), StatusCode::NO_CONTENT);
    expect_error(&api, Method::POST, &verify, Some(json!({"password": "wrong password"})), StatusCode::UNPROCESSABLE_ENTITY, "session.invalid_credentials").await;
    expect_error(&api, Method::POST, &verify, Some(json!({"password": ""})), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
    expect_error(&api, Method::POST, "/users/nobody/password/verify", Some(json!({"password": "x"})), StatusCode::NOT_FOUND, "entity.not_found").await;

    // The new password signs in through the hosted flow.
    let app = server.app(ApplicationType::Traditional).await;
    let tokens = server.tokens(&app, "dora", &[]).await;
    // Like Logto, an administrator's password reset does not sign the user out.
    api.json(Method::PATCH, &format!("{path}/password"), Some(json!({"password": "another one entirely"})), StatusCode::OK).await;
    let refreshed = server.refresh(&app, tokens["refresh_token"].as_str().expect("rt")).await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    // Logto applies no password policy here: a short password is accepted.
    api.json(Method::PATCH, &format!("{path}/password"), Some(json!({"password": "x"})), StatusCode::OK).await;
}

#[tokio::test]
async fn suspending_a_user_revokes_its_sessions_and_tokens() {
    let server = TestServer::start().await;
    let api = Api::new(&server).await;
    let alice = server.user("alice").await;
    let app = server.app(ApplicationType::Traditional).await;
    let tokens = server.tokens(&app, "alice", &[]).await;
    let access_token = tokens["access_token"].as_str().expect("at");
    assert_eq!(server.userinfo(access_token).await.status(), StatusCode::OK);

    let path = format!("/users/{alice}/is-suspended");
    let suspended = api.json(Method::PATCH, &path, Some(json!({"isSuspended": true})), StatusCode::OK).await;
    assert_eq!(suspended["isSuspended"], true);
    assert_eq!(oauth_error(server.refresh(&app, tokens["refresh_token"].as_str().expect("rt")).await).await.1, "invalid_grant");
    assert_eq!(server.userinfo(access_token).await.status(), StatusCode::UNAUTHORIZED);

    let reinstated = api.json(Method::PATCH, &path, Some(json!({"isSuspended": false})), StatusCode::OK).await;
    assert_eq!(reinstated["isSuspended"], false);
    server.tokens(&app, "alice", &[]).await;
    expect_error(&api, Method::PATCH, &path, Some(json!({"isSuspended": "yes"})), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
    expect_error(&api, Method::PATCH, "/users/nobody/is-suspended", Some(json!({"isSuspended": true})), StatusCode::NOT_FOUND, "entity.not_found").await;
}

#[tokio::test]
async fn custom_data_and_profile_merge_top_level_keys() {
    let server = TestServer::start().await;
    let api = Api::new(&server).await;
    let id = create_user(&api, json!({"username": "erin", "customData": {"a": {"x": 1}, "b": 1}})).await;
    let custom = format!("/users/{id}/custom-data");
    assert_eq!(api.json(Method::GET, &custom, None, StatusCode::OK).await, json!({"a": {"x": 1}, "b": 1}));
    let merged = api.json(Method::PATCH, &custom, Some(json!({"customData": {"a": {"y": 2}, "c": 3}})), StatusCode::OK).await;
    assert_eq!(merged, json!({"a": {"y": 2}, "b": 1, "c": 3}));
    assert_eq!(api.json(Method::GET, &custom, None, StatusCode::OK).await, merged);
    expect_error(&api, Method::PATCH, &custom, Some(json!({"customData": "text"})), StatusCode::BAD_REQUEST, "guard.invalid_input").await;

    let profile = format!("/users/{id}/profile");
    assert_eq!(api.json(Method::GET, &profile, None, StatusCode::OK).await, json!({}));
    api.json(Method::PATCH, &profile, Some(json!({"profile": {"givenName": "Erin", "address": {"country": "NZ"}}})), StatusCode::OK).await;
    let merged = api.json(Method::PATCH, &profile, Some(json!({"profile": {"familyName": "Ng", "address": {"locality": "Auckland"}}})), StatusCode::OK).await;
    assert_eq!(merged, json!({"givenName": "Erin", "familyName": "Ng", "address": {"locality": "Auckland"}}));
    assert_eq!(api.json(Method::GET, &format!("/users/{id}"), None, StatusCode::OK).await["profile"], merged);
    expect_error(&api, Method::PATCH, &profile, Some(json!({"profile": {"shoeSize": "9"}})), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
}

#[tokio::test]
async fn user_roles_are_user_type_only_and_defaults_are_given_to_new_users() {
    let server = TestServer::start().await;
    let api = Api::new(&server).await;
    let user = create_user(&api, json!({"username": "frank"})).await;
    let editor = create_role(&api, json!({"name": "editor", "description": "Edits"})).await;
    let viewer = create_role(&api, json!({"name": "viewer", "description": "Views"})).await;
    let service = create_role(&api, json!({"name": "service", "description": "M2M", "type": "MachineToMachine"})).await;
    let roles = format!("/users/{user}/roles");

    assert_eq!(api.call(Method::POST, &roles, Some(json!({"roleIds": [editor]}))).await.status(), StatusCode::CREATED);
    assert_eq!(api.call(Method::POST, &roles, Some(json!({"roleIds": [editor]}))).await.status(), StatusCode::CREATED, "held roles are ignored");
    expect_error(&api, Method::POST, &roles, Some(json!({"roleIds": [service]})), StatusCode::UNPROCESSABLE_ENTITY, "user.invalid_role_type").await;
    expect_error(&api, Method::PUT, &roles, Some(json!({"roleIds": [service]})), StatusCode::UNPROCESSABLE_ENTITY, "user.invalid_role_type").await;
    expect_error(&api, Method::POST, &roles, Some(json!({"roleIds": ["nope"]})), StatusCode::NOT_FOUND, "entity.not_found").await;
    let response = api.call(Method::GET, &roles, None).await;
    assert_eq!(response.headers()["total-number"], "1");
    assert_eq!(names(&response.json().await.expect("json")), ["editor"]);

    let replaced = api.json(Method::PUT, &roles, Some(json!({"roleIds": [viewer]})), StatusCode::OK).await;
    assert_eq!(names(&replaced), ["viewer"]);
    assert_eq!(names(&api.json(Method::GET, &roles, None, StatusCode::OK).await), ["viewer"]);
    assert_eq!(api.call(Method::DELETE, &format!("{roles}/{viewer}"), None).await.status(), StatusCode::NO_CONTENT);
    expect_error(&api, Method::DELETE, &format!("{roles}/{viewer}"), None, StatusCode::NOT_FOUND, "entity.not_found").await;
    assert_eq!(api.json(Method::GET, &roles, None, StatusCode::OK).await, json!([]));

    api.json(Method::PATCH, &format!("/roles/{viewer}"), Some(json!({"isDefault": true})), StatusCode::OK).await;
    let newcomer = create_user(&api, json!({"username": "grace"})).await;
    assert_eq!(names(&api.json(Method::GET, &format!("/users/{newcomer}/roles"), None, StatusCode::OK).await), ["viewer"]);
}

#[tokio::test]
async fn resources_and_scopes_crud_with_logto_rules() {
    let server = TestServer::start().await;
    let api = Api::new(&server).await;
    let created = api
        .json(Method::POST, "/resources", Some(json!({"name": "Orders", "indicator": "https://orders.example/api"})), StatusCode::CREATED)
        .await;
    let orders = id_of(&created);
    assert_eq!((created["accessTokenTtl"].as_i64(), created["isDefault"].as_bool()), (Some(3600), Some(false)));
    assert_eq!(created["scopes"], json!([]));
    expect_error(&api, Method::POST, "/resources", Some(json!({"name": "Again", "indicator": "https://orders.example/api"})),
        StatusCode::UNPROCESSABLE_ENTITY, "resource.resource_identifier_in_use").await;
    for body in [json!({"name": "x", "indicator": "not a uri"}), json!({"name": "x", "indicator": "/relative"}),
        json!({"name": "x", "indicator": "https://a.example/#frag"}), json!({"name": "x", "indicator": "https://b.example", "accessTokenTtl": 0}),
        json!({"name": " ", "indicator": "https://c.example"}), json!({"name": "x", "indicator": "https://d.example", "isDefault": true})]
    {
        expect_error(&api, Method::POST, "/resources", Some(body), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
    }
    let path = format!("/resources/{orders}");
    let patched = api.json(Method::PATCH, &path, Some(json!({"name": "Orders v2", "accessTokenTtl": 600})), StatusCode::OK).await;
    assert_eq!((patched["name"].as_str(), patched["accessTokenTtl"].as_i64()), (Some("Orders v2"), Some(600)));
    expect_error(&api, Method::PATCH, &path, Some(json!({"indicator": "https://x.example"})), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
    assert_eq!(api.json(Method::GET, &path, None, StatusCode::OK).await["name"], "Orders v2");

    // Scopes.
    let scopes = format!("{path}/scopes");
    let read = api.json(Method::POST, &scopes, Some(json!({"name": "orders:read", "description": "Read"})), StatusCode::CREATED).await;
    assert_eq!((read["resourceId"].as_str(), read["description"].as_str()), (Some(orders.as_str()), Some("Read")));
    api.json(Method::POST, &scopes, Some(json!({"name": "orders:write"})), StatusCode::CREATED).await;
    expect_error(&api, Method::POST, &scopes, Some(json!({"name": "orders:read"})), StatusCode::UNPROCESSABLE_ENTITY, "scope.name_exists").await;
    expect_error(&api, Method::POST, &scopes, Some(json!({"name": "orders read"})), StatusCode::BAD_REQUEST, "scope.name_with_space").await;
    let scope_path = format!("{scopes}/{}", id_of(&read));
    expect_error(&api, Method::PATCH, &scope_path, Some(json!({"name": "orders:write"})), StatusCode::UNPROCESSABLE_ENTITY, "scope.name_exists").await;
    let renamed = api.json(Method::PATCH, &scope_path, Some(json!({"name": "orders:list", "description": null})), StatusCode::OK).await;
    assert_eq!((renamed["name"].as_str(), renamed["description"].clone()), (Some("orders:list"), Value::Null));
    let response = api.call(Method::GET, &format!("{scopes}?page_size=1"), None).await;
    assert_eq!(response.headers()["total-number"], "2");
    assert_eq!(names(&response.json().await.expect("json")), ["orders:list"]);
    assert_eq!(api.call(Method::DELETE, &scope_path, None).await.status(), StatusCode::NO_CONTENT);
    expect_error(&api, Method::DELETE, &scope_path, None, StatusCode::NOT_FOUND, "entity.not_found").await;

    // A scope is only reachable through its own resource.
    let other = id_of(&api.json(Method::POST, "/resources", Some(json!({"name": "Other", "indicator": "urn:other"})), StatusCode::CREATED).await);
    let write = api.json(Method::GET, &scopes, None, StatusCode::OK).await[0]["id"].as_str().expect("id").to_owned();
    expect_error(&api, Method::DELETE, &format!("/resources/{other}/scopes/{write}"), None, StatusCode::NOT_FOUND, "entity.not_found").await;

    // Without pagination parameters the whole list comes back (Logto's optional pagination).
    let all = api.call(Method::GET, "/resources", None).await;
    assert!(all.headers().get("total-number").is_none());
    assert_eq!(all.json::<Value>().await.expect("json").as_array().map(Vec::len), Some(3));
    let paged = api.call(Method::GET, "/resources?page=1&page_size=1", None).await;
    assert_eq!(paged.headers()["total-number"], "3");
    let with_scopes = api.json(Method::GET, "/resources?includeScopes=true", None, StatusCode::OK).await;
    let listed = with_scopes.as_array().expect("list").iter().find(|r| r["id"] == orders.as_str()).expect("orders").clone();
    assert_eq!(names(&listed["scopes"]), ["orders:write"]);

    // At most one default resource.
    let first = api.json(Method::PATCH, &format!("{path}/is-default"), Some(json!({"isDefault": true})), StatusCode::OK).await;
    assert_eq!(first["isDefault"], true);
    api.json(Method::PATCH, &format!("/resources/{other}/is-default"), Some(json!({"isDefault": true})), StatusCode::OK).await;
    assert_eq!(api.json(Method::GET, &path, None, StatusCode::OK).await["isDefault"], false, "setting a second default clears the first");
    let cleared = api.json(Method::PATCH, &format!("/resources/{other}/is-default"), Some(json!({"isDefault": false})), StatusCode::OK).await;
    assert_eq!(cleared["isDefault"], false);

    // The Management API resource is Logto's to keep.
    let (management, all_scope) = management_resource(&api).await;
    let locked = format!("/resources/{management}");
    expect_error(&api, Method::PATCH, &locked, Some(json!({"name": "Mine"})), StatusCode::BAD_REQUEST, "resource.cannot_modify_management_api").await;
    expect_error(&api, Method::DELETE, &locked, None, StatusCode::BAD_REQUEST, "resource.cannot_delete_management_api").await;
    expect_error(&api, Method::POST, &format!("{locked}/scopes"), Some(json!({"name": "extra"})), StatusCode::BAD_REQUEST, "resource.cannot_modify_management_api").await;
    expect_error(&api, Method::DELETE, &format!("{locked}/scopes/{all_scope}"), None, StatusCode::BAD_REQUEST, "resource.cannot_modify_management_api").await;

    assert_eq!(api.call(Method::DELETE, &path, None).await.status(), StatusCode::NO_CONTENT);
    expect_error(&api, Method::GET, &path, None, StatusCode::NOT_FOUND, "entity.not_found").await;
    expect_error(&api, Method::GET, &scopes, None, StatusCode::NOT_FOUND, "entity.not_found").await;
}

#[tokio::test]
async fn roles_crud_with_scopes_users_and_applications() {
    let server = TestServer::start().await;
    let api = Api::new(&server).await;
    let resource = id_of(&api.json(Method::POST, "/resources", Some(json!({"name": "Docs", "indicator": "https://docs.example/api"})), StatusCode::CREATED).await);
    let read = id_of(&api.json(Method::POST, &format!("/resources/{resource}/scopes"), Some(json!({"name": "docs:read"})), StatusCode::CREATED).await);
    let write = id_of(&api.json(Method::POST, &format!("/resources/{resource}/scopes"), Some(json!({"name": "docs:write"})), StatusCode::CREATED).await);

    let editor = api.json(Method::POST, "/roles", Some(json!({"name": "editor", "description": "Edits docs", "scopeIds": [read]})), StatusCode::OK).await;
    assert_eq!((editor["type"].as_str(), editor["isDefault"].as_bool()), (Some("User"), Some(false)));
    let editor = id_of(&editor);
    let robot = create_role(&api, json!({"name": "robot", "description": "Bots", "type": "MachineToMachine"})).await;
    expect_error(&api, Method::POST, "/roles", Some(json!({"name": "editor", "description": "again"})), StatusCode::UNPROCESSABLE_ENTITY, "role.name_in_use").await;
    expect_error(&api, Method::POST, "/roles", Some(json!({"name": "ghost", "description": "d", "scopeIds": ["nope"]})), StatusCode::NOT_FOUND, "entity.not_found").await;
    let (_, all_scope) = management_resource(&api).await;
    expect_error(&api, Method::POST, "/roles", Some(json!({"name": "admin", "description": "d", "scopeIds": [all_scope]})),
        StatusCode::BAD_REQUEST, "role.management_api_scopes_not_assignable_to_user_role").await;
    expect_error(&api, Method::POST, "/roles", Some(json!({"name": "typo", "description": "d", "type": "Robot"})), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
    let ghosts = api.call(Method::GET, "/roles?search=ghost", None).await;
    assert_eq!(ghosts.headers()["total-number"], "0", "a refused role is not half-created");

    // Listing, filters and Logto's counts.
    let response = api.call(Method::GET, "/roles?type=MachineToMachine", None).await;
    assert_eq!(response.headers()["total-number"], "2", "robot and the seeded Management API access role");
    let machine_roles: Value = response.json().await.expect("json");
    let seeded = machine_roles.as_array().expect("list").iter().find(|r| r["name"] == "Logto Management API access").expect("seeded").clone();
    assert!(seeded["applicationsCount"].as_u64() >= Some(1), "the test's management app holds it");
    assert_eq!(seeded["featuredApplications"][0]["type"], "MachineToMachine");
    assert_eq!(names(&api.json(Method::GET, "/roles?type=User", None, StatusCode::OK).await), ["editor"]);
    assert_eq!(names(&api.json(Method::GET, "/roles?search=EDI", None, StatusCode::OK).await), ["editor"]);
    expect_error(&api, Method::GET, "/roles?type=Robot", None, StatusCode::BAD_REQUEST, "guard.invalid_input").await;

    // Update.
    let path = format!("/roles/{editor}");
    expect_error(&api, Method::PATCH, &path, Some(json!({"name": "robot"})), StatusCode::UNPROCESSABLE_ENTITY, "role.name_in_use").await;
    let patched = api.json(Method::PATCH, &path, Some(json!({"name": "writer", "description": "Writes", "isDefault": true})), StatusCode::OK).await;
    assert_eq!((patched["name"].as_str(), patched["isDefault"].as_bool()), (Some("writer"), Some(true)));
    let kept = api.json(Method::PATCH, &path, Some(json!({"name": "writer", "isDefault": false})), StatusCode::OK).await;
    assert_eq!((kept["description"].as_str(), kept["isDefault"].as_bool()), (Some("Writes"), Some(false)), "renaming to its own name is fine");

    // Scopes.
    let scopes = format!("{path}/scopes");
    let granted = api.json(Method::POST, &scopes, Some(json!({"scopeIds": [write]})), StatusCode::CREATED).await;
    assert_eq!(names(&granted), ["docs:read", "docs:write"]);
    expect_error(&api, Method::POST, &scopes, Some(json!({"scopeIds": [read]})), StatusCode::UNPROCESSABLE_ENTITY, "role.scope_exists").await;
    expect_error(&api, Method::POST, &scopes, Some(json!({"scopeIds": ["nope"]})), StatusCode::NOT_FOUND, "entity.not_found").await;
    expect_error(&api, Method::POST, &scopes, Some(json!({"scopeIds": []})), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
    expect_error(&api, Method::POST, &scopes, Some(json!({"scopeIds": [all_scope]})), StatusCode::BAD_REQUEST, "role.management_api_scopes_not_assignable_to_user_role").await;
    let listed = api.json(Method::GET, &scopes, None, StatusCode::OK).await;
    assert_eq!(listed[0]["resource"]["indicator"], "https://docs.example/api");
    assert_eq!(api.call(Method::DELETE, &format!("{scopes}/{read}"), None).await.status(), StatusCode::NO_CONTENT);
    expect_error(&api, Method::DELETE, &format!("{scopes}/{read}"), None, StatusCode::NOT_FOUND, "entity.not_found").await;
    assert_eq!(names(&api.json(Method::GET, &scopes, None, StatusCode::OK).await), ["docs:write"]);
    let robot_scopes = api.json(Method::POST, &format!("/roles/{robot}/scopes"), Some(json!({"scopeIds": [all_scope]})), StatusCode::CREATED).await;
    assert_eq!(names(&robot_scopes), ["all"], "machine-to-machine roles may hold Management API scopes");

    // Users.
    let alice = create_user(&api, json!({"username": "alice"})).await;
    let users = format!("{path}/users");
    assert_eq!(api.call(Method::POST, &users, Some(json!({"userIds": [alice]}))).await.status(), StatusCode::CREATED);
    expect_error(&api, Method::POST, &users, Some(json!({"userIds": [alice]})), StatusCode::UNPROCESSABLE_ENTITY, "role.user_exists").await;
    expect_error(&api, Method::POST, &users, Some(json!({"userIds": ["nobody"]})), StatusCode::NOT_FOUND, "entity.not_found").await;
    expect_error(&api, Method::POST, &format!("/roles/{robot}/users"), Some(json!({"userIds": [alice]})), StatusCode::UNPROCESSABLE_ENTITY, "user.invalid_role_type").await;
    let response = api.call(Method::GET, &users, None).await;
    assert_eq!(response.headers()["total-number"], "1");
    let holders: Value = response.json().await.expect("json");
    assert_eq!((holders[0]["id"].as_str(), holders[0].get("passwordEncrypted")), (Some(alice.as_str()), None));
    let summary = api.json(Method::GET, "/roles?type=User", None, StatusCode::OK).await;
    assert_eq!((summary[0]["usersCount"].as_u64(), summary[0]["featuredUsers"][0]["id"].as_str()), (Some(1), Some(alice.as_str())));
    assert_eq!(api.call(Method::DELETE, &format!("{users}/{alice}"), None).await.status(), StatusCode::NO_CONTENT);
    expect_error(&api, Method::DELETE, &format!("{users}/{alice}"), None, StatusCode::NOT_FOUND, "entity.not_found").await;

    // Applications.
    let worker = server.app(ApplicationType::MachineToMachine).await;
    let web = server.app(ApplicationType::Traditional).await;
    let apps = format!("/roles/{robot}/applications");
    assert_eq!(api.call(Method::POST, &apps, Some(json!({"applicationIds": [worker.id]}))).await.status(), StatusCode::CREATED);
    expect_error(&api, Method::POST, &apps, Some(json!({"applicationIds": [worker.id]})), StatusCode::UNPROCESSABLE_ENTITY, "role.application_exists").await;
    expect_error(&api, Method::POST, &apps, Some(json!({"applicationIds": [web.id]})), StatusCode::UNPROCESSABLE_ENTITY, "application.invalid_type").await;
    expect_error(&api, Method::POST, &apps, Some(json!({"applicationIds": ["nope"]})), StatusCode::NOT_FOUND, "entity.not_found").await;
    expect_error(&api, Method::POST, &format!("{path}/applications"), Some(json!({"applicationIds": [worker.id]})),
        StatusCode::UNPROCESSABLE_ENTITY, "application.invalid_role_type").await;
    let response = api.call(Method::GET, &apps, None).await;
    assert_eq!(response.headers()["total-number"], "1");
    assert_eq!(response.json::<Value>().await.expect("json")[0]["id"], worker.id.as_str());
    assert_eq!(api.call(Method::DELETE, &format!("{apps}/{}", worker.id), None).await.status(), StatusCode::NO_CONTENT);
    expect_error(&api, Method::DELETE, &format!("{apps}/{}", worker.id), None, StatusCode::NOT_FOUND, "entity.not_found").await;

    assert_eq!(api.call(Method::DELETE, &path, None).await.status(), StatusCode::NO_CONTENT);
    expect_error(&api, Method::GET, &path, None, StatusCode::NOT_FOUND, "entity.not_found").await;
    expect_error(&api, Method::GET, &users, None, StatusCode::NOT_FOUND, "entity.not_found").await;
}

#[tokio::test]
async fn a_machine_to_machine_integration_is_configured_through_the_api_alone() {
    let server = TestServer::start().await;
    let api = Api::new(&server).await;
    let indicator = "https://billing.example/api";
    let resource = id_of(&api.json(Method::POST, "/resources", Some(json!({"name": "Billing", "indicator": indicator, "accessTokenTtl": 600})), StatusCode::CREATED).await);
    let charge = id_of(&api.json(Method::POST, &format!("/resources/{resource}/scopes"), Some(json!({"name": "invoices:charge"})), StatusCode::CREATED).await);
    api.json(Method::POST, &format!("/resources/{resource}/scopes"), Some(json!({"name": "invoices:refund"})), StatusCode::CREATED).await;
    let role = create_role(&api, json!({"name": "charger", "description": "Charges invoices", "type": "MachineToMachine", "scopeIds": [charge]})).await;
    let app = id_of(&api.json(Method::POST, "/applications", Some(json!({"name": "Billing worker", "type": "MachineToMachine"})), StatusCode::OK).await);
    let secrets = api.json(Method::GET, &format!("/applications/{app}/secrets"), None, StatusCode::OK).await;
    let secret = secrets[0]["value"].as_str().expect("secret").to_owned();
    assert_eq!(api.call(Method::POST, &format!("/roles/{role}/applications"), Some(json!({"applicationIds": [app]}))).await.status(), StatusCode::CREATED);

    let response = server
        .token(&[("grant_type", "client_credentials"), ("client_id", &app), ("client_secret", &secret), ("resource", indicator),
            ("scope", "invoices:charge invoices:refund")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["expires_in"], 600, "the resource's accessTokenTtl");
    let claims = server.verify_jwt(body["access_token"].as_str().expect("jwt")).await;
    assert_eq!((claims["aud"].as_str(), claims["scope"].as_str()), (Some(indicator), Some("invoices:charge")));
    assert_eq!(claims["sub"], app.as_str());

    // Taking the role away takes the scope away.
    api.call(Method::DELETE, &format!("/roles/{role}/applications/{app}"), None).await;
    let response = server
        .token(&[("grant_type", "client_credentials"), ("client_id", &app), ("client_secret", &secret), ("resource", indicator), ("scope", "invoices:charge")])
        .await;
    let claims = server.verify_jwt(response.json::<Value>().await.expect("json")["access_token"].as_str().expect("jwt")).await;
    assert_eq!(claims["scope"], "");
}

async fn jwks_kids(server: &TestServer) -> Vec<String> {
    let jwks: Value = Client::new().get(server.url("/oidc/jwks")).send().await.expect("jwks").json().await.expect("json");
    jwks["keys"].as_array().expect("keys").iter().map(|key| key["kid"].as_str().expect("kid").to_owned()).collect()
}

#[tokio::test]
async fn private_keys_are_listed_without_secrets_rotated_and_deleted() {
    let server = TestServer::start().await;
    let api = Api::new(&server).await;
    let keys_path = "/configs/oidc/private-keys";
    let response = api.call(Method::GET, keys_path, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.expect("text");
    assert!(!text.contains("PRIVATE KEY") && !text.contains("\"value\""), "no private material: {text}");
    let keys: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(keys.as_array().map(Vec::len), Some(1));
    assert_eq!(keys[0]["signingKeyAlgorithm"], "EC");
    assert!(keys[0]["id"].is_string() && keys[0]["createdAt"].is_i64());
    let original = id_of(&keys[0]);
    let signing_before = server.provider.signing_kid();
    assert_eq!(jwks_kids(&server).await.len(), 1);

    // The default rotation publishes the new key at once and signs with it after 60 s.
    let rotated = api.json(Method::POST, &format!("{keys_path}/rotate"), None, StatusCode::OK).await;
    assert_eq!(rotated.as_array().map(Vec::len), Some(2));
    assert!(!rotated.to_string().contains("PRIVATE KEY"));
    let pending = id_of(&rotated[0]);
    assert_ne!(pending, original, "the new key comes first");
    assert_eq!(jwks_kids(&server).await.len(), 2);
    assert_eq!(server.provider.signing_kid(), signing_before, "the old key still signs during the grace period");
    expect_error(&api, Method::DELETE, &format!("{keys_path}/{original}"), None, StatusCode::UNPROCESSABLE_ENTITY, "oidc.key_required").await;
    // Deleting the pending key cancels the rotation.
    assert_eq!(api.call(Method::DELETE, &format!("{keys_path}/{pending}"), None).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(jwks_kids(&server).await.len(), 1);
    expect_error(&api, Method::DELETE, &format!("{keys_path}/{pending}"), None, StatusCode::NOT_FOUND, "oidc.key_not_found").await;
    expect_error(&api, Method::DELETE, &format!("{keys_path}/{original}"), None, StatusCode::UNPROCESSABLE_ENTITY, "oidc.key_required").await;

    // An immediate rotation signs with the new key now; the previous one can then go.
    let rotated = api.json(Method::POST, &format!("{keys_path}/rotate"), Some(json!({"signingKeyAlgorithm": "EC", "gracePeriodSeconds": 0})), StatusCode::OK).await;
    assert_ne!(server.provider.signing_kid(), signing_before);
    assert_eq!(rotated[1]["id"], original.as_str());
    let fresh = Api::new(&server).await;
    assert_eq!(fresh.call(Method::DELETE, &format!("{keys_path}/{original}"), None).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(jwks_kids(&server).await, [server.provider.signing_kid()]);

    // A staged rotation switches signers when the grace period ends.
    let before = server.provider.signing_kid();
    fresh.json(Method::POST, &format!("{keys_path}/rotate"), Some(json!({"gracePeriodSeconds": 30})), StatusCode::OK).await;
    assert_eq!(server.provider.signing_kid(), before);
    server.clock.advance_secs(31);
    assert_ne!(server.provider.signing_kid(), before);

    let rotate = format!("{keys_path}/rotate");
    expect_error(&fresh, Method::POST, &rotate, Some(json!({"signingKeyAlgorithm": "RSA"})), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
    expect_error(&fresh, Method::POST, &rotate, Some(json!({"gracePeriodSeconds": -1})), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
    expect_error(&fresh, Method::POST, &rotate, Some(json!({"signingKeyAlgorithm": "EdDSA"})), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
}

/// A request with a raw body, for bodies `Api` cannot express.
async fn raw(server: &TestServer, token: &str, method: Method, path: &str, content_type: &str, body: &'static str) -> reqwest::Response {
    Client::new()
        .request(method, server.url(&format!("/api{path}")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("raw request")
}

/// Replaces every field of a valid body with a value of the wrong type.
fn wrong_types(body: &Value) -> Vec<Value> {
    let Some(map) = body.as_object() else { return Vec::new() };
    map.keys()
        .map(|key| {
            let mut bad = body.clone();
            bad[key] = if map[key].is_number() || map[key].is_boolean() { json!("text") } else { json!(12345) };
            bad
        })
        .collect()
}

#[tokio::test]
async fn every_route_refuses_malformed_bodies_and_unknown_ids_without_500() {
    let server = TestServer::start().await;
    let api = Api::new(&server).await;
    let token = server.management_token(&server.management_app().await).await;
    let user = create_user(&api, json!({"username": "tess"})).await;
    let user_role = create_role(&api, json!({"name": "reader", "description": "d"})).await;
    let m2m_role = create_role(&api, json!({"name": "bot", "description": "d", "type": "MachineToMachine"})).await;
    let resource = id_of(&api.json(Method::POST, "/resources", Some(json!({"name": "R", "indicator": "urn:r"})), StatusCode::CREATED).await);
    let scope = id_of(&api.json(Method::POST, &format!("/resources/{resource}/scopes"), Some(json!({"name": "s"})), StatusCode::CREATED).await);
    let app = server.app(ApplicationType::MachineToMachine).await.id;

    // (method, path with real ids, a valid body, the ids in the path that may be replaced by unknown ones)
    let routes: Vec<(Method, String, Value, Vec<&str>)> = vec![
        (Method::POST, "/applications".into(), json!({"name": "a", "type": "SPA"}), vec![]),
        (Method::PATCH, format!("/applications/{app}"), json!({"name": "renamed"}), vec![&app]),
        (Method::POST, format!("/applications/{app}/secrets"), json!({"name": "extra"}), vec![&app]),
        (Method::POST, format!("/applications/{app}/roles"), json!({"roleIds": [m2m_role]}), vec![&app]),
        (Method::POST, "/users".into(), json!({"username": "valid_name", "customData": {}}), vec![]),
        (Method::PATCH, format!("/users/{user}"), json!({"name": "T", "customData": {}, "profile": {}}), vec![&user]),
        (Method::PATCH, format!("/users/{user}/password"), json!({"password": "a new password"}), vec![&user]),
        (Method::POST, format!("/users/{user}/password/verify"), json!({"password": "whatever"}), vec![&user]),
        (Method::PATCH, format!("/users/{user}/is-suspended"), json!({"isSuspended": false}), vec![&user]),
        (Method::PATCH, format!("/users/{user}/custom-data"), json!({"customData": {"k": 1}}), vec![&user]),
        (Method::PATCH, format!("/users/{user}/profile"), json!({"profile": {"nickname": "t"}}), vec![&user]),
        (Method::POST, format!("/users/{user}/roles"), json!({"roleIds": [user_role]}), vec![&user]),
        (Method::PUT, format!("/users/{user}/roles"), json!({"roleIds": [user_role]}), vec![&user]),
        (Method::POST, "/resources".into(), json!({"name": "n", "indicator": "urn:n"}), vec![]),
        (Method::PATCH, format!("/resources/{resource}"), json!({"name": "n", "accessTokenTtl": 60}), vec![&resource]),
        (Method::PATCH, format!("/resources/{resource}/is-default"), json!({"isDefault": false}), vec![&resource]),
        (Method::POST, format!("/resources/{resource}/scopes"), json!({"name": "t", "description": "d"}), vec![&resource]),
        (Method::PATCH, format!("/resources/{resource}/scopes/{scope}"), json!({"name": "s", "description": "d"}), vec![&resource, &scope]),
        (Method::POST, "/roles".into(), json!({"name": "r", "description": "d", "type": "User", "isDefault": false, "scopeIds": []}), vec![]),
        (Method::PATCH, format!("/roles/{user_role}"), json!({"name": "reader", "description": "d", "isDefault": false}), vec![&user_role]),
        (Method::POST, format!("/roles/{user_role}/scopes"), json!({"scopeIds": [scope]}), vec![&user_role]),
        (Method::POST, format!("/roles/{user_role}/users"), json!({"userIds": [user]}), vec![&user_role]),
        (Method::POST, format!("/roles/{m2m_role}/applications"), json!({"applicationIds": [app]}), vec![&m2m_role]),
        (Method::POST, "/configs/oidc/private-keys/rotate".into(), json!({"signingKeyAlgorithm": "EC", "gracePeriodSeconds": 60}), vec![]),
    ];
    for (method, path, valid, ids) in &routes {
        let route = format!("{method} {path}");
        for (content_type, body) in [("application/json", "{not json"), ("application/json", "[1]"), ("application/json", "\"text\""), ("text/plain", "{}")] {
            let response = raw(&server, &token, method.clone(), path, content_type, body).await;
            assert_eq!(error_code(response).await, (StatusCode::BAD_REQUEST, "guard.invalid_input".into()), "{route} {content_type} {body}");
        }
        let mut unknown_field = valid.clone();
        unknown_field["unknownField"] = json!(1);
        expect_error(&api, method.clone(), path, Some(unknown_field), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
        for bad in wrong_types(valid) {
            expect_error(&api, method.clone(), path, Some(bad), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
        }
        // `null` only clears fields Logto declares nullable; elsewhere it is a wrong type.
        let nullable = |key: &str| path.starts_with("/applications") || (path.starts_with("/users/") && key == "name") || (path.contains("/scopes") && key == "description");
        for key in valid.as_object().into_iter().flat_map(|map| map.keys()).filter(|key| !nullable(key)) {
            let mut bad = valid.clone();
            bad[key] = Value::Null;
            expect_error(&api, method.clone(), path, Some(bad), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
        }
        for id in ids {
            let unknown = path.replace(id, "unknown-id");
            expect_error(&api, method.clone(), &unknown, Some(valid.clone()), StatusCode::NOT_FOUND, "entity.not_found").await;
        }
    }
    assert!(routes.len() >= 24);

    // Bodiless routes with unknown ids.
    let bodiless = [
        format!("/users/{user}/roles/unknown-id"),
        format!("/roles/{user_role}/scopes/unknown-id"),
        format!("/roles/{user_role}/users/unknown-id"),
        format!("/roles/{m2m_role}/applications/unknown-id"),
        format!("/resources/{resource}/scopes/unknown-id"),
        format!("/applications/{app}/roles/unknown-id"),
        "/users/unknown-id".into(),
        "/roles/unknown-id".into(),
        "/resources/unknown-id".into(),
        "/applications/unknown-id".into(),
    ];
    for path in bodiless {
        expect_error(&api, Method::DELETE, &path, None, StatusCode::NOT_FOUND, "entity.not_found").await;
    }
    for path in ["/users/unknown-id", "/users/unknown-id/custom-data", "/users/unknown-id/profile", "/users/unknown-id/has-password",
        "/users/unknown-id/roles", "/roles/unknown-id", "/roles/unknown-id/scopes", "/roles/unknown-id/users", "/roles/unknown-id/applications",
        "/resources/unknown-id", "/resources/unknown-id/scopes", "/applications/unknown-id"]
    {
        expect_error(&api, Method::GET, path, None, StatusCode::NOT_FOUND, "entity.not_found").await;
    }
}

/// Every route under `/api` but the organization ones (`organizations_api::ROUTES`), as
/// `(method, OpenAPI path)`.
const API_ROUTES: &[(&str, &str)] = &[
    ("get", "/api/status"),
    ("get", "/api/swagger.json"),
    ("get", "/api/.well-known/sign-in-exp"),
    ("get", "/api/applications"),
    ("post", "/api/applications"),
    ("get", "/api/applications/{id}"),
    ("patch", "/api/applications/{id}"),
    ("delete", "/api/applications/{id}"),
    ("get", "/api/applications/{id}/secrets"),
    ("post", "/api/applications/{id}/secrets"),
    ("delete", "/api/applications/{id}/secrets/{name}"),
    ("get", "/api/applications/{id}/roles"),
    ("post", "/api/applications/{id}/roles"),
    ("delete", "/api/applications/{id}/roles/{roleId}"),
    ("get", "/api/users"),
    ("post", "/api/users"),
    ("get", "/api/users/{userId}"),
    ("patch", "/api/users/{userId}"),
    ("delete", "/api/users/{userId}"),
    ("patch", "/api/users/{userId}/password"),
    ("post", "/api/users/{userId}/password/verify"),
    ("get", "/api/users/{userId}/has-password"),
    ("patch", "/api/users/{userId}/is-suspended"),
    ("get", "/api/users/{userId}/custom-data"),
    ("patch", "/api/users/{userId}/custom-data"),
    ("get", "/api/users/{userId}/profile"),
    ("patch", "/api/users/{userId}/profile"),
    ("get", "/api/users/{userId}/roles"),
    ("post", "/api/users/{userId}/roles"),
    ("put", "/api/users/{userId}/roles"),
    ("delete", "/api/users/{userId}/roles/{roleId}"),
    ("get", "/api/users/{userId}/identities"),
    ("get", "/api/users/{userId}/identities/{target}"),
    ("put", "/api/users/{userId}/identities/{target}"),
    ("delete", "/api/users/{userId}/identities/{target}"),
    ("get", "/api/resources"),
    ("post", "/api/resources"),
    ("get", "/api/resources/{id}"),
    ("patch", "/api/resources/{id}"),
    ("delete", "/api/resources/{id}"),
    ("patch", "/api/resources/{id}/is-default"),
    ("get", "/api/resources/{resourceId}/scopes"),
    ("post", "/api/resources/{resourceId}/scopes"),
    ("patch", "/api/resources/{resourceId}/scopes/{scopeId}"),
    ("delete", "/api/resources/{resourceId}/scopes/{scopeId}"),
    ("get", "/api/roles"),
    ("post", "/api/roles"),
    ("get", "/api/roles/{id}"),
    ("patch", "/api/roles/{id}"),
    ("delete", "/api/roles/{id}"),
    ("get", "/api/roles/{id}/scopes"),
    ("post", "/api/roles/{id}/scopes"),
    ("delete", "/api/roles/{id}/scopes/{scopeId}"),
    ("get", "/api/roles/{id}/users"),
    ("post", "/api/roles/{id}/users"),
    ("delete", "/api/roles/{id}/users/{userId}"),
    ("get", "/api/roles/{id}/applications"),
    ("post", "/api/roles/{id}/applications"),
    ("delete", "/api/roles/{id}/applications/{applicationId}"),
    ("get", "/api/configs/oidc/private-keys"),
    ("post", "/api/configs/oidc/private-keys/rotate"),
    ("delete", "/api/configs/oidc/private-keys/{keyId}"),
    ("get", "/api/connector-factories"),
    ("get", "/api/connector-factories/{id}"),
    ("get", "/api/connectors"),
    ("post", "/api/connectors"),
    ("get", "/api/connectors/{id}"),
    ("patch", "/api/connectors/{id}"),
    ("delete", "/api/connectors/{id}"),
    ("post", "/api/connectors/{factoryId}/test"),
    ("get", "/api/sign-in-exp"),
    ("patch", "/api/sign-in-exp"),
    ("put", "/api/experience"),
    ("put", "/api/experience/interaction-event"),
    ("post", "/api/experience/verification/password"),
    ("post", "/api/experience/verification/new-password-identity"),
    ("post", "/api/experience/verification/verification-code"),
    ("post", "/api/experience/verification/verification-code/verify"),
    ("post", "/api/experience/verification/social/{connectorId}/authorization-uri"),
    ("post", "/api/experience/verification/social/{connectorId}/verify"),
    ("post", "/api/experience/profile"),
    ("put", "/api/experience/profile/password"),
    ("post", "/api/experience/identification"),
    ("post", "/api/experience/submit"),
];

/// Every route under `/api`.
fn api_routes() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    API_ROUTES.iter().chain(crate::organizations_api::ROUTES)
}

#[tokio::test]
async fn swagger_json_documents_every_api_route_and_nothing_else() {
    let server = TestServer::start().await;
    let response = Client::new().get(server.url("/api/swagger.json")).send().await.expect("swagger");
    assert_eq!(response.status(), StatusCode::OK, "served without a token, like Logto's");
    let doc: Value = response.json().await.expect("json");
    assert!(doc["openapi"].as_str().expect("version").starts_with("3.0"));
    assert_eq!(doc["components"]["securitySchemes"]["bearerAuth"]["scheme"], "bearer");

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            documented.insert((method.clone(), path.clone()));
            assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} responses");
            let parameters = operation["parameters"].as_array().expect("parameters");
            for name in path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))) {
                assert!(parameters.iter().any(|p| p["name"] == name && p["in"] == "path"), "{method} {path} documents {name}");
            }
            if ["post", "put", "patch"].contains(&method.as_str()) && !path.ends_with("/submit") {
                assert!(operation["requestBody"]["content"]["application/json"]["schema"].is_object(), "{method} {path} body");
            }
        }
    }
    let expected: BTreeSet<(String, String)> = api_routes().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect();
    let undocumented: Vec<_> = expected.difference(&documented).collect();
    let unlisted: Vec<_> = documented.difference(&expected).collect();
    assert!(undocumented.is_empty() && unlisted.is_empty(), "missing from swagger.json: {undocumented:?}; missing from API_ROUTES: {unlisted:?}");
    let user = &doc["components"]["schemas"]["User"]["properties"];
    assert!(user.get("hasPassword").is_some() && user.get("passwordEncrypted").is_none());

    assert_routes_are_served(&Api::new(&server).await, api_routes()).await;
}

//! The Management API for organizations, organization roles and organization scopes, in
//! Logto's shapes, driven over HTTP only — the main flows on every backend.

use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use sesame_core::model::ApplicationType;

use crate::management::{assert_routes_are_served, error_code, Api};
use crate::support::{backends, Backend, TestServer};

/// Every organization route under `/api`, as `(method, OpenAPI path)`.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/organizations"),
    ("post", "/api/organizations"),
    ("get", "/api/organizations/{id}"),
    ("patch", "/api/organizations/{id}"),
    ("delete", "/api/organizations/{id}"),
    ("get", "/api/organizations/{id}/users"),
    ("post", "/api/organizations/{id}/users"),
    ("put", "/api/organizations/{id}/users"),
    ("delete", "/api/organizations/{id}/users/{userId}"),
    ("get", "/api/organizations/{id}/users/{userId}/roles"),
    ("post", "/api/organizations/{id}/users/{userId}/roles"),
    ("put", "/api/organizations/{id}/users/{userId}/roles"),
    ("delete", "/api/organizations/{id}/users/{userId}/roles/{organizationRoleId}"),
    ("get", "/api/organizations/{id}/users/{userId}/scopes"),
    ("get", "/api/organizations/{id}/applications"),
    ("post", "/api/organizations/{id}/applications"),
    ("put", "/api/organizations/{id}/applications"),
    ("delete", "/api/organizations/{id}/applications/{applicationId}"),
    ("get", "/api/organizations/{id}/applications/{applicationId}/roles"),
    ("post", "/api/organizations/{id}/applications/{applicationId}/roles"),
    ("put", "/api/organizations/{id}/applications/{applicationId}/roles"),
    ("delete", "/api/organizations/{id}/applications/{applicationId}/roles/{organizationRoleId}"),
    ("get", "/api/users/{userId}/organizations"),
    ("get", "/api/organization-roles"),
    ("post", "/api/organization-roles"),
    ("get", "/api/organization-roles/{id}"),
    ("patch", "/api/organization-roles/{id}"),
    ("delete", "/api/organization-roles/{id}"),
    ("get", "/api/organization-roles/{id}/scopes"),
    ("post", "/api/organization-roles/{id}/scopes"),
    ("put", "/api/organization-roles/{id}/scopes"),
    ("delete", "/api/organization-roles/{id}/scopes/{organizationScopeId}"),
    ("get", "/api/organization-roles/{id}/resource-scopes"),
    ("post", "/api/organization-roles/{id}/resource-scopes"),
    ("put", "/api/organization-roles/{id}/resource-scopes"),
    ("delete", "/api/organization-roles/{id}/resource-scopes/{scopeId}"),
    ("get", "/api/organization-scopes"),
    ("post", "/api/organization-scopes"),
    ("get", "/api/organization-scopes/{id}"),
    ("patch", "/api/organization-scopes/{id}"),
    ("delete", "/api/organization-scopes/{id}"),
];

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array().expect("list").iter().map(id_of).collect()
}

fn names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = list.as_array().expect("list").iter().map(|item| item["name"].as_str().expect("name").to_owned()).collect();
    names.sort();
    names
}

async fn expect_error(api: &Api, method: Method, path: &str, body: Option<Value>, status: StatusCode, code: &str) {
    let response = api.call(method.clone(), path, body.clone()).await;
    assert_eq!(error_code(response).await, (status, code.to_owned()), "{method} {path} {body:?}");
}

async fn expect_status(api: &Api, method: Method, path: &str, body: Option<Value>, status: StatusCode) {
    let response = api.call(method.clone(), path, body.clone()).await;
    assert_eq!(response.status(), status, "{method} {path} {body:?}");
}

async fn create(api: &Api, path: &str, body: Value) -> String {
    id_of(&api.json(Method::POST, path, Some(body), StatusCode::CREATED).await)
}

/// A listing's items and its `Total-Number` header.
async fn listing(api: &Api, path: &str) -> (Value, Option<String>) {
    let response = api.call(Method::GET, path, None).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let total = response.headers().get("total-number").map(|value| value.to_str().expect("header").to_owned());
    (response.json().await.expect("json"), total)
}

async fn server_on(backend: Backend) -> TestServer {
    TestServer::start_on(backend, |options| options).await
}

#[tokio::test]
async fn organizations_crud_search_and_pagination() {
    for backend in backends("organizations_crud_search_and_pagination") {
        let server = server_on(backend).await;
        let api = Api::new(&server).await;

        let acme = api
            .json(
                Method::POST,
                "/organizations",
                Some(json!({"name": "Acme", "description": "Rockets", "customData": {"tier": 1}})),
                StatusCode::CREATED,
            )
            .await;
        let acme_id = id_of(&acme);
        assert_eq!(acme_id.len(), 12, "{backend:?}: Logto's 12-character organization ids");
        assert_eq!((acme["name"].as_str(), acme["description"].as_str()), (Some("Acme"), Some("Rockets")));
        assert_eq!((acme["customData"].clone(), acme["isMfaRequired"].clone()), (json!({"tier": 1}), json!(false)));
        assert_eq!((acme["tenantId"].as_str(), acme["branding"].clone()), (Some("default"), json!({})));
        assert!(acme["createdAt"].as_i64().expect("ms") > 1_000_000_000_000);
        server.clock.advance_secs(1);
        let globex = create(&api, "/organizations", json!({"name": "Globex"})).await;
        server.clock.advance_secs(1);
        // Names are not unique in Logto.
        let second_acme = create(&api, "/organizations", json!({"name": "Acme", "isMfaRequired": true, "description": null})).await;
        assert_eq!(api.json(Method::GET, &format!("/organizations/{second_acme}"), None, StatusCode::OK).await["isMfaRequired"], true);

        // Newest first, paginated with Logto's headers.
        let response = api.call(Method::GET, "/organizations?page=2&page_size=1", None).await;
        assert_eq!(response.headers()["total-number"], "3");
        let link = response.headers()["link"].to_str().expect("link").to_owned();
        assert!(["first", "prev", "next", "last"].iter().all(|rel| link.contains(&format!("rel=\"{rel}\""))), "{link}");
        assert_eq!(ids(&response.json().await.expect("json")), [globex.as_str()]);
        let (all, total) = listing(&api, "/organizations").await;
        assert_eq!((ids(&all), total.as_deref()), (vec![second_acme.clone(), globex.clone(), acme_id.clone()], Some("3")));

        // `q` (and `search`) match the id or name, case-insensitively, with or without `%`.
        for query in ["q=acm", "search=ACME", "q=%25cme%25"] {
            let (found, total) = listing(&api, &format!("/organizations?{query}")).await;
            assert_eq!((names(&found), total.as_deref()), (vec!["Acme".to_owned(), "Acme".to_owned()], Some("2")), "{query}");
        }
        let (found, _) = listing(&api, &format!("/organizations?q={globex}")).await;
        assert_eq!(ids(&found), [globex.as_str()]);
        let (featured, _) = listing(&api, "/organizations?showFeatured=true&q=globex").await;
        assert_eq!((featured[0]["usersCount"].clone(), featured[0]["featuredUsers"].clone()), (json!(0), json!([])));

        // PATCH: absent keeps, `description: null` clears, `customData` replaces.
        let path = format!("/organizations/{acme_id}");
        let patched = api
            .json(
                Method::PATCH,
                &path,
                Some(json!({"name": "Acme Corp", "description": null, "customData": {"plan": "pro"}, "isMfaRequired": true})),
                StatusCode::OK,
            )
            .await;
        assert_eq!((patched["name"].as_str(), patched["description"].clone()), (Some("Acme Corp"), Value::Null));
        assert_eq!((patched["customData"].clone(), patched["isMfaRequired"].clone()), (json!({"plan": "pro"}), json!(true)));
        assert_eq!(patched["createdAt"], acme["createdAt"]);
        assert_eq!(api.json(Method::GET, &path, None, StatusCode::OK).await, patched, "{backend:?}: the change is stored");
        assert_eq!(api.json(Method::PATCH, &path, Some(json!({})), StatusCode::OK).await, patched, "an empty patch changes nothing");

        expect_status(&api, Method::DELETE, &path, None, StatusCode::NO_CONTENT).await;
        expect_error(&api, Method::GET, &path, None, StatusCode::NOT_FOUND, "entity.not_found").await;
        expect_error(&api, Method::DELETE, &path, None, StatusCode::NOT_FOUND, "entity.not_found").await;
        expect_error(&api, Method::PATCH, &path, Some(json!({"name": "x"})), StatusCode::NOT_FOUND, "entity.not_found").await;
        for bad in [
            json!({"name": ""}),
            json!({"name": "   "}),
            json!({"name": "n".repeat(129)}),
            json!({"name": "x", "description": "d".repeat(257)}),
            json!({"name": "x", "customData": [1]}),
            json!({"name": "x", "branding": {}}),
        ] {
            expect_error(&api, Method::POST, "/organizations", Some(bad), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
        }
    }
}

#[tokio::test]
async fn organization_scopes_and_roles_crud_with_conflicts() {
    for backend in backends("organization_scopes_and_roles_crud_with_conflicts") {
        let server = server_on(backend).await;
        let api = Api::new(&server).await;

        // --- scopes
        let read =
            api.json(Method::POST, "/organization-scopes", Some(json!({"name": "read:members", "description": "Read"})), StatusCode::CREATED).await;
        assert_eq!(
            (read["name"].as_str(), read["description"].as_str(), read["tenantId"].as_str()),
            (Some("read:members"), Some("Read"), Some("default"))
        );
        let read_id = id_of(&read);
        let write_id = create(&api, "/organization-scopes", json!({"name": "write:members"})).await;
        let invite_id = create(&api, "/organization-scopes", json!({"name": "invite:members", "description": null})).await;
        expect_error(
            &api,
            Method::POST,
            "/organization-scopes",
            Some(json!({"name": "read:members"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "entity.unique_integrity_violation",
        )
        .await;
        for bad in ["", "read members", " read", "tab\there"] {
            expect_error(&api, Method::POST, "/organization-scopes", Some(json!({"name": bad})), StatusCode::BAD_REQUEST, "guard.invalid_input")
                .await;
        }
        // Without pagination parameters: all of them by name, no headers; with them, a page.
        let response = api.call(Method::GET, "/organization-scopes", None).await;
        assert!(response.headers().get("total-number").is_none());
        let all: Value = response.json().await.expect("json");
        assert_eq!(names(&all), ["invite:members", "read:members", "write:members"]);
        assert_eq!(all[0]["name"], "invite:members", "sorted by name");
        let (page, total) = listing(&api, "/organization-scopes?page=2&page_size=2").await;
        assert_eq!((names(&page), total.as_deref()), (vec!["write:members".to_owned()], Some("3")));
        let (found, _) = listing(&api, "/organization-scopes?q=WRITE").await;
        assert_eq!(ids(&found), [write_id.as_str()]);

        let scope_path = format!("/organization-scopes/{write_id}");
        expect_error(
            &api,
            Method::PATCH,
            &scope_path,
            Some(json!({"name": "read:members"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "entity.unique_integrity_violation",
        )
        .await;
        expect_error(&api, Method::PATCH, &scope_path, Some(json!({"name": "two words"})), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
        let patched = api.json(Method::PATCH, &scope_path, Some(json!({"name": "edit:members", "description": "Edit"})), StatusCode::OK).await;
        assert_eq!((patched["name"].as_str(), patched["description"].as_str()), (Some("edit:members"), Some("Edit")));
        let cleared = api.json(Method::PATCH, &scope_path, Some(json!({"description": null})), StatusCode::OK).await;
        assert_eq!((cleared["name"].as_str(), cleared["description"].clone()), (Some("edit:members"), Value::Null));
        assert_eq!(api.json(Method::GET, &scope_path, None, StatusCode::OK).await, cleared);

        // --- roles
        let (resource, resource_scopes) = server.resource("https://api.example.com", &["read:reports", "write:reports"]).await;
        let admin = api
            .json(
                Method::POST,
                "/organization-roles",
                Some(json!({"name": "admin", "description": "Admins", "organizationScopeIds": [read_id, write_id], "resourceScopeIds": [resource_scopes[0]]})),
                StatusCode::CREATED,
            )
            .await;
        assert_eq!(
            (admin["type"].as_str(), admin["description"].as_str(), admin["tenantId"].as_str()),
            (Some("User"), Some("Admins"), Some("default"))
        );
        let admin_id = id_of(&admin);
        let bot_id = create(&api, "/organization-roles", json!({"name": "bot", "type": "MachineToMachine"})).await;
        expect_error(
            &api,
            Method::POST,
            "/organization-roles",
            Some(json!({"name": "admin"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "entity.unique_integrity_violation",
        )
        .await;
        expect_error(
            &api,
            Method::POST,
            "/organization-roles",
            Some(json!({"name": "x", "organizationScopeIds": ["nope"]})),
            StatusCode::NOT_FOUND,
            "entity.not_found",
        )
        .await;
        expect_error(
            &api,
            Method::POST,
            "/organization-roles",
            Some(json!({"name": "x", "resourceScopeIds": ["nope"]})),
            StatusCode::NOT_FOUND,
            "entity.not_found",
        )
        .await;
        expect_error(
            &api,
            Method::POST,
            "/organization-roles",
            Some(json!({"name": "x", "type": "Admin"})),
            StatusCode::BAD_REQUEST,
            "guard.invalid_input",
        )
        .await;
        let (roles, total) = listing(&api, "/organization-roles?page=1&page_size=1").await;
        assert_eq!((ids(&roles), total.as_deref()), (vec![admin_id.clone()], Some("2")), "by name");
        assert_eq!(names(&roles[0]["scopes"]), ["edit:members", "read:members"]);
        assert_eq!(
            roles[0]["resourceScopes"],
            json!([{"id": resource_scopes[0], "name": "read:reports", "resource": {"id": resource, "name": "API https://api.example.com"}}])
        );
        let (found, _) = listing(&api, "/organization-roles?q=BO").await;
        assert_eq!(ids(&found), [bot_id.as_str()]);
        assert_eq!(found[0]["type"], "MachineToMachine");

        let role_path = format!("/organization-roles/{admin_id}");
        expect_error(
            &api,
            Method::PATCH,
            &role_path,
            Some(json!({"name": "bot"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "entity.unique_integrity_violation",
        )
        .await;
        expect_error(&api, Method::PATCH, &role_path, Some(json!({"type": "MachineToMachine"})), StatusCode::BAD_REQUEST, "guard.invalid_input")
            .await;
        let renamed = api.json(Method::PATCH, &role_path, Some(json!({"name": "owner", "description": null})), StatusCode::OK).await;
        assert_eq!((renamed["name"].as_str(), renamed["description"].clone(), renamed["type"].as_str()), (Some("owner"), Value::Null, Some("User")));
        assert_eq!(api.json(Method::GET, &role_path, None, StatusCode::OK).await, renamed);

        // The role's organization scopes: add (held ones ignored), replace, remove.
        let scopes_path = format!("{role_path}/scopes");
        let held = api.json(Method::GET, &scopes_path, None, StatusCode::OK).await;
        assert_eq!(names(&held), ["edit:members", "read:members"]);
        assert!(held[0].get("description").is_some() && held[0]["tenantId"] == "default", "Logto's full scope shape");
        expect_status(&api, Method::POST, &scopes_path, Some(json!({"organizationScopeIds": [invite_id, read_id]})), StatusCode::CREATED).await;
        let (page, total) = listing(&api, &format!("{scopes_path}?page_size=2")).await;
        assert_eq!((page.as_array().map(Vec::len), total.as_deref()), (Some(2), Some("3")));
        expect_status(&api, Method::PUT, &scopes_path, Some(json!({"organizationScopeIds": [invite_id]})), StatusCode::NO_CONTENT).await;
        assert_eq!(ids(&api.json(Method::GET, &scopes_path, None, StatusCode::OK).await), [invite_id.as_str()]);
        expect_error(&api, Method::POST, &scopes_path, Some(json!({"organizationScopeIds": []})), StatusCode::BAD_REQUEST, "guard.invalid_input")
            .await;
        expect_error(&api, Method::POST, &scopes_path, Some(json!({"organizationScopeIds": ["nope"]})), StatusCode::NOT_FOUND, "entity.not_found")
            .await;
        expect_error(&api, Method::PUT, &scopes_path, Some(json!({"organizationScopeIds": ["nope"]})), StatusCode::NOT_FOUND, "entity.not_found")
            .await;
        expect_status(&api, Method::DELETE, &format!("{scopes_path}/{invite_id}"), None, StatusCode::NO_CONTENT).await;
        expect_error(&api, Method::DELETE, &format!("{scopes_path}/{invite_id}"), None, StatusCode::NOT_FOUND, "entity.not_found").await;
        expect_status(&api, Method::PUT, &scopes_path, Some(json!({"organizationScopeIds": [read_id, write_id]})), StatusCode::NO_CONTENT).await;
        expect_status(&api, Method::PUT, &scopes_path, Some(json!({"organizationScopeIds": []})), StatusCode::NO_CONTENT).await;
        assert_eq!(api.json(Method::GET, &scopes_path, None, StatusCode::OK).await, json!([]));

        // The role's API resource scopes, in Logto's `Scopes.guard` shape.
        let resource_path = format!("{role_path}/resource-scopes");
        let held = api.json(Method::GET, &resource_path, None, StatusCode::OK).await;
        assert_eq!((ids(&held), held[0]["resourceId"].as_str()), (vec![resource_scopes[0].clone()], Some(resource.as_str())));
        expect_status(&api, Method::POST, &resource_path, Some(json!({"scopeIds": [resource_scopes[1]]})), StatusCode::CREATED).await;
        assert_eq!(names(&api.json(Method::GET, &resource_path, None, StatusCode::OK).await), ["read:reports", "write:reports"]);
        expect_status(&api, Method::PUT, &resource_path, Some(json!({"scopeIds": [resource_scopes[1]]})), StatusCode::NO_CONTENT).await;
        assert_eq!(ids(&api.json(Method::GET, &resource_path, None, StatusCode::OK).await), [resource_scopes[1].clone()]);
        expect_error(&api, Method::POST, &resource_path, Some(json!({"scopeIds": ["nope"]})), StatusCode::NOT_FOUND, "entity.not_found").await;
        expect_status(&api, Method::DELETE, &format!("{resource_path}/{}", resource_scopes[1]), None, StatusCode::NO_CONTENT).await;
        expect_error(&api, Method::DELETE, &format!("{resource_path}/{}", resource_scopes[1]), None, StatusCode::NOT_FOUND, "entity.not_found").await;

        // Deleting a scope revokes it from its roles; deleting a role is final.
        expect_status(&api, Method::POST, &scopes_path, Some(json!({"organizationScopeIds": [read_id]})), StatusCode::CREATED).await;
        expect_status(&api, Method::DELETE, &format!("/organization-scopes/{read_id}"), None, StatusCode::NO_CONTENT).await;
        assert_eq!(api.json(Method::GET, &scopes_path, None, StatusCode::OK).await, json!([]));
        expect_error(&api, Method::GET, &format!("/organization-scopes/{read_id}"), None, StatusCode::NOT_FOUND, "entity.not_found").await;
        expect_status(&api, Method::DELETE, &role_path, None, StatusCode::NO_CONTENT).await;
        expect_error(&api, Method::GET, &role_path, None, StatusCode::NOT_FOUND, "entity.not_found").await;
        expect_error(&api, Method::GET, &scopes_path, None, StatusCode::NOT_FOUND, "entity.not_found").await;
        expect_error(&api, Method::DELETE, &role_path, None, StatusCode::NOT_FOUND, "entity.not_found").await;
    }
}

#[tokio::test]
async fn user_members_their_roles_and_scopes() {
    for backend in backends("user_members_their_roles_and_scopes") {
        let server = server_on(backend).await;
        let api = Api::new(&server).await;
        let org = create(&api, "/organizations", json!({"name": "Acme"})).await;
        let other_org = create(&api, "/organizations", json!({"name": "Globex"})).await;
        let alice = server.user("alice").await;
        let bob = server.user("bob").await;
        let carol = server.user("carol").await;
        let read = create(&api, "/organization-scopes", json!({"name": "read:members"})).await;
        let write = create(&api, "/organization-scopes", json!({"name": "write:members"})).await;
        let admin = create(&api, "/organization-roles", json!({"name": "admin", "organizationScopeIds": [read, write]})).await;
        let viewer = create(&api, "/organization-roles", json!({"name": "viewer", "organizationScopeIds": [read]})).await;
        let bot = create(&api, "/organization-roles", json!({"name": "bot", "type": "MachineToMachine"})).await;
        let members = format!("/organizations/{org}/users");

        let added = api.json(Method::POST, &members, Some(json!({"userIds": [alice, alice]})), StatusCode::CREATED).await;
        assert_eq!(added, json!({"userIds": [alice, alice]}), "{backend:?}: Logto echoes the request");
        expect_status(&api, Method::POST, &members, Some(json!({"userIds": [bob, alice]})), StatusCode::CREATED).await;
        expect_error(&api, Method::POST, &members, Some(json!({"userIds": ["nobody"]})), StatusCode::NOT_FOUND, "entity.not_found").await;
        expect_error(&api, Method::POST, &members, Some(json!({"userIds": []})), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
        let (list, total) = listing(&api, &members).await;
        assert_eq!((ids(&list), total.as_deref()), (vec![alice.clone(), bob.clone()], Some("2")), "by join order");
        assert_eq!(list[0]["username"], "alice");
        assert_eq!(list[0]["organizationRoles"], json!([]));
        assert!(list[0].get("passwordEncrypted").is_none() && list[0]["hasPassword"] == true, "Logto's user shape");

        // Roles by id and by name; Logto answers 201 with the ids.
        let roles = format!("{members}/{alice}/roles");
        let given = api.json(Method::POST, &roles, Some(json!({"organizationRoleIds": [admin]})), StatusCode::CREATED).await;
        assert_eq!(given, json!({"organizationRoleIds": [admin]}));
        let given = api
            .json(Method::POST, &roles, Some(json!({"organizationRoleNames": ["viewer"], "organizationRoleIds": [admin]})), StatusCode::CREATED)
            .await;
        assert_eq!(given, json!({"organizationRoleIds": [admin, viewer]}));
        let unknown = api.call(Method::POST, &roles, Some(json!({"organizationRoleNames": ["viewer", "ghost"]}))).await;
        assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = unknown.json().await.expect("json");
        assert_eq!((body["code"].as_str(), body["data"]["names"].clone()), (Some("organization.role_names_not_found"), json!(["ghost"])));
        expect_error(
            &api,
            Method::POST,
            &roles,
            Some(json!({"organizationRoleIds": [bot]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "entity.db_constraint_violated",
        )
        .await;
        expect_error(
            &api,
            Method::PUT,
            &roles,
            Some(json!({"organizationRoleNames": ["bot"]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "entity.db_constraint_violated",
        )
        .await;
        expect_error(&api, Method::POST, &roles, Some(json!({"organizationRoleIds": ["nope"]})), StatusCode::NOT_FOUND, "entity.not_found").await;
        assert_eq!(names(&api.json(Method::GET, &roles, None, StatusCode::OK).await), ["admin", "viewer"]);
        let (page, total) = listing(&api, &format!("{roles}?page=1&page_size=1")).await;
        assert_eq!((page.as_array().map(Vec::len), total.as_deref()), (Some(1), Some("2")));
        assert_eq!(page[0]["tenantId"], "default");

        // Scopes: what the member's roles grant, once each.
        let scopes = api.json(Method::GET, &format!("{members}/{alice}/scopes"), None, StatusCode::OK).await;
        assert_eq!(names(&scopes), ["read:members", "write:members"]);
        assert_eq!(api.json(Method::GET, &format!("{members}/{bob}/scopes"), None, StatusCode::OK).await, json!([]));

        // The member list and the user's organizations show the roles.
        let (list, _) = listing(&api, &format!("{members}?q=ALICE")).await;
        assert_eq!(ids(&list), [alice.as_str()]);
        assert_eq!(names(&list[0]["organizationRoles"]), ["admin", "viewer"]);
        assert_eq!(list[0]["organizationRoles"].as_array().expect("roles")[0].as_object().map(|o| o.len()), Some(2), "{{id, name}} only");
        expect_status(&api, Method::POST, &format!("/organizations/{other_org}/users"), Some(json!({"userIds": [alice]})), StatusCode::CREATED).await;
        let orgs = api.json(Method::GET, &format!("/users/{alice}/organizations"), None, StatusCode::OK).await;
        assert_eq!(ids(&orgs), [org.clone(), other_org.clone()]);
        assert_eq!(
            (names(&orgs[0]["organizationRoles"]), orgs[1]["organizationRoles"].clone()),
            (vec!["admin".to_owned(), "viewer".to_owned()], json!([]))
        );
        assert_eq!((orgs[0]["name"].as_str(), orgs[0]["tenantId"].as_str()), (Some("Acme"), Some("default")));
        assert_eq!(api.json(Method::GET, &format!("/users/{carol}/organizations"), None, StatusCode::OK).await, json!([]));
        expect_error(&api, Method::GET, "/users/nobody/organizations", None, StatusCode::NOT_FOUND, "entity.not_found").await;

        // Replace and remove roles.
        expect_status(&api, Method::PUT, &roles, Some(json!({"organizationRoleIds": [viewer]})), StatusCode::NO_CONTENT).await;
        assert_eq!(names(&api.json(Method::GET, &roles, None, StatusCode::OK).await), ["viewer"]);
        assert_eq!(names(&api.json(Method::GET, &format!("{members}/{alice}/scopes"), None, StatusCode::OK).await), ["read:members"]);
        expect_status(&api, Method::DELETE, &format!("{roles}/{viewer}"), None, StatusCode::NO_CONTENT).await;
        expect_error(&api, Method::DELETE, &format!("{roles}/{viewer}"), None, StatusCode::NOT_FOUND, "entity.not_found").await;
        expect_status(&api, Method::PUT, &roles, Some(json!({"organizationRoleNames": ["admin"]})), StatusCode::NO_CONTENT).await;
        expect_status(&api, Method::PUT, &roles, Some(json!({})), StatusCode::NO_CONTENT).await;
        assert_eq!(api.json(Method::GET, &roles, None, StatusCode::OK).await, json!([]));

        // Role routes of a non-member are Logto's 422; of unknown users or organizations, 404.
        let carol_roles = format!("{members}/{carol}/roles");
        for (method, path, body) in [
            (Method::GET, carol_roles.clone(), None),
            (Method::POST, carol_roles.clone(), Some(json!({"organizationRoleIds": [admin]}))),
            (Method::PUT, carol_roles.clone(), Some(json!({"organizationRoleIds": [admin]}))),
            (Method::DELETE, format!("{carol_roles}/{admin}"), None),
            (Method::GET, format!("{members}/{carol}/scopes"), None),
        ] {
            expect_error(&api, method, &path, body, StatusCode::UNPROCESSABLE_ENTITY, "organization.require_membership").await;
        }
        expect_error(&api, Method::GET, &format!("{members}/nobody/roles"), None, StatusCode::NOT_FOUND, "entity.not_found").await;
        expect_error(&api, Method::GET, &format!("/organizations/nothing/users/{alice}/roles"), None, StatusCode::NOT_FOUND, "entity.not_found")
            .await;

        // Replacing members drops the others with their roles; removing one is 404 the second time.
        expect_status(&api, Method::POST, &roles, Some(json!({"organizationRoleIds": [admin]})), StatusCode::CREATED).await;
        expect_status(&api, Method::PUT, &members, Some(json!({"userIds": [bob, carol]})), StatusCode::NO_CONTENT).await;
        let (list, _) = listing(&api, &members).await;
        assert_eq!(ids(&list).iter().collect::<std::collections::BTreeSet<_>>(), [&bob, &carol].into_iter().collect());
        assert_eq!(ids(&api.json(Method::GET, &format!("/users/{alice}/organizations"), None, StatusCode::OK).await), [other_org.as_str()]);
        expect_status(&api, Method::POST, &members, Some(json!({"userIds": [alice]})), StatusCode::CREATED).await;
        assert_eq!(api.json(Method::GET, &roles, None, StatusCode::OK).await, json!([]), "{backend:?}: leaving dropped the roles");
        expect_status(&api, Method::DELETE, &format!("{members}/{carol}"), None, StatusCode::NO_CONTENT).await;
        expect_error(&api, Method::DELETE, &format!("{members}/{carol}"), None, StatusCode::NOT_FOUND, "entity.not_found").await;
        expect_status(&api, Method::PUT, &members, Some(json!({"userIds": []})), StatusCode::NO_CONTENT).await;
        assert_eq!(listing(&api, &members).await, (json!([]), Some("0".to_owned())));

        // Featured members in the organization list.
        expect_status(&api, Method::POST, &members, Some(json!({"userIds": [alice]})), StatusCode::CREATED).await;
        expect_status(&api, Method::POST, &members, Some(json!({"userIds": [bob, carol]})), StatusCode::CREATED).await;
        let dave = server.user("dave").await;
        expect_status(&api, Method::POST, &members, Some(json!({"userIds": [dave]})), StatusCode::CREATED).await;
        let (featured, _) = listing(&api, "/organizations?showFeatured=1&q=acme").await;
        assert_eq!((featured[0]["usersCount"].clone(), featured[0]["featuredUsers"].as_array().map(Vec::len)), (json!(4), Some(3)));
        assert_eq!(featured[0]["featuredUsers"][0], json!({"id": alice, "avatar": null, "name": "alice Liddell"}));

        // Cascade: deleting the organization removes it from its members' organizations.
        expect_status(&api, Method::POST, &roles, Some(json!({"organizationRoleIds": [admin]})), StatusCode::CREATED).await;
        expect_status(&api, Method::DELETE, &format!("/organizations/{org}"), None, StatusCode::NO_CONTENT).await;
        assert_eq!(ids(&api.json(Method::GET, &format!("/users/{alice}/organizations"), None, StatusCode::OK).await), [other_org.as_str()]);
        assert_eq!(api.json(Method::GET, &format!("/users/{bob}/organizations"), None, StatusCode::OK).await, json!([]));
        expect_error(&api, Method::GET, &members, None, StatusCode::NOT_FOUND, "entity.not_found").await;
        // Deleting a user removes it from its organizations.
        expect_status(&api, Method::DELETE, &format!("/users/{alice}"), None, StatusCode::NO_CONTENT).await;
        assert_eq!(listing(&api, &format!("/organizations/{other_org}/users")).await, (json!([]), Some("0".to_owned())));
    }
}

#[tokio::test]
async fn application_members_are_machine_to_machine_with_machine_to_machine_roles() {
    for backend in backends("application_members_are_machine_to_machine_with_machine_to_machine_roles") {
        let server = server_on(backend).await;
        let api = Api::new(&server).await;
        let org = create(&api, "/organizations", json!({"name": "Acme"})).await;
        let service = server.app(ApplicationType::MachineToMachine).await.id;
        let worker = server.app(ApplicationType::MachineToMachine).await.id;
        let spa = server.app(ApplicationType::Spa).await.id;
        let bot = create(&api, "/organization-roles", json!({"name": "bot", "type": "MachineToMachine"})).await;
        let auditor = create(&api, "/organization-roles", json!({"name": "auditor", "type": "MachineToMachine"})).await;
        let member_role = create(&api, "/organization-roles", json!({"name": "member"})).await;
        let apps = format!("/organizations/{org}/applications");

        expect_error(
            &api,
            Method::POST,
            &apps,
            Some(json!({"applicationIds": [spa]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "entity.db_constraint_violated",
        )
        .await;
        expect_error(
            &api,
            Method::PUT,
            &apps,
            Some(json!({"applicationIds": [service, spa]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "entity.db_constraint_violated",
        )
        .await;
        expect_error(&api, Method::POST, &apps, Some(json!({"applicationIds": ["nope"]})), StatusCode::NOT_FOUND, "entity.not_found").await;
        expect_error(&api, Method::POST, &apps, Some(json!({"applicationIds": []})), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
        assert_eq!(listing(&api, &apps).await, (json!([]), Some("0".to_owned())), "{backend:?}: a refused request adds nothing");
        expect_status(&api, Method::POST, &apps, Some(json!({"applicationIds": [service]})), StatusCode::CREATED).await;
        expect_status(&api, Method::POST, &apps, Some(json!({"applicationIds": [worker, service]})), StatusCode::CREATED).await;
        let (list, total) = listing(&api, &format!("{apps}?page=1&page_size=1")).await;
        assert_eq!((ids(&list), total.as_deref()), (vec![service.clone()], Some("2")));
        assert_eq!(
            (list[0]["type"].as_str(), list[0]["tenantId"].as_str(), list[0]["organizationRoles"].clone()),
            (Some("MachineToMachine"), Some("default"), json!([]))
        );

        // The application's roles: MachineToMachine ones only, members only.
        let roles = format!("{apps}/{service}/roles");
        expect_error(
            &api,
            Method::POST,
            &roles,
            Some(json!({"organizationRoleIds": [member_role]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "entity.db_constraint_violated",
        )
        .await;
        expect_error(&api, Method::POST, &roles, Some(json!({"organizationRoleIds": ["nope"]})), StatusCode::NOT_FOUND, "entity.not_found").await;
        expect_status(&api, Method::POST, &roles, Some(json!({"organizationRoleIds": [bot]})), StatusCode::CREATED).await;
        expect_status(&api, Method::POST, &roles, Some(json!({"organizationRoleIds": [bot, auditor]})), StatusCode::CREATED).await;
        assert_eq!(names(&api.json(Method::GET, &roles, None, StatusCode::OK).await), ["auditor", "bot"]);
        let (page, total) = listing(&api, &format!("{roles}?page=2&page_size=1")).await;
        assert_eq!((page.as_array().map(Vec::len), total.as_deref()), (Some(1), Some("2")));
        let (list, _) = listing(&api, &format!("{apps}?q={service}")).await;
        assert_eq!((ids(&list), names(&list[0]["organizationRoles"])), (vec![service.clone()], vec!["auditor".to_owned(), "bot".to_owned()]));
        expect_status(&api, Method::PUT, &roles, Some(json!({"organizationRoleIds": [auditor]})), StatusCode::NO_CONTENT).await;
        assert_eq!(names(&api.json(Method::GET, &roles, None, StatusCode::OK).await), ["auditor"]);
        expect_error(&api, Method::PUT, &roles, Some(json!({"organizationRoleIds": []})), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
        expect_status(&api, Method::DELETE, &format!("{roles}/{auditor}"), None, StatusCode::NO_CONTENT).await;
        expect_error(&api, Method::DELETE, &format!("{roles}/{auditor}"), None, StatusCode::NOT_FOUND, "entity.not_found").await;

        let outsider = server.app(ApplicationType::MachineToMachine).await.id;
        expect_error(
            &api,
            Method::GET,
            &format!("{apps}/{outsider}/roles"),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "organization.require_membership",
        )
        .await;
        expect_error(
            &api,
            Method::POST,
            &format!("{apps}/{outsider}/roles"),
            Some(json!({"organizationRoleIds": [bot]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "organization.require_membership",
        )
        .await;
        expect_error(&api, Method::GET, &format!("{apps}/nope/roles"), None, StatusCode::NOT_FOUND, "entity.not_found").await;

        // Replace and remove members; a removed application loses its roles.
        expect_status(&api, Method::POST, &roles, Some(json!({"organizationRoleIds": [bot]})), StatusCode::CREATED).await;
        expect_status(&api, Method::PUT, &apps, Some(json!({"applicationIds": [worker]})), StatusCode::NO_CONTENT).await;
        assert_eq!(ids(&listing(&api, &apps).await.0), [worker.as_str()]);
        expect_status(&api, Method::POST, &apps, Some(json!({"applicationIds": [service]})), StatusCode::CREATED).await;
        assert_eq!(api.json(Method::GET, &roles, None, StatusCode::OK).await, json!([]));
        expect_status(&api, Method::DELETE, &format!("{apps}/{worker}"), None, StatusCode::NO_CONTENT).await;
        expect_error(&api, Method::DELETE, &format!("{apps}/{worker}"), None, StatusCode::NOT_FOUND, "entity.not_found").await;
        expect_status(&api, Method::PUT, &apps, Some(json!({"applicationIds": []})), StatusCode::NO_CONTENT).await;
        assert_eq!(listing(&api, &apps).await, (json!([]), Some("0".to_owned())));
    }
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
async fn every_organization_route_refuses_malformed_bodies_and_unknown_ids_without_500() {
    let server = TestServer::start().await;
    let api = Api::new(&server).await;
    let token = server.management_token(&server.management_app().await).await;
    let org = create(&api, "/organizations", json!({"name": "Acme"})).await;
    let user = server.user("tess").await;
    let app = server.app(ApplicationType::MachineToMachine).await.id;
    let scope = create(&api, "/organization-scopes", json!({"name": "read:members"})).await;
    let user_role = create(&api, "/organization-roles", json!({"name": "member"})).await;
    let app_role = create(&api, "/organization-roles", json!({"name": "bot", "type": "MachineToMachine"})).await;
    let (_, resource_scopes) = server.resource("https://api.example.com", &["read"]).await;
    let resource_scope = resource_scopes[0].clone();
    expect_status(&api, Method::POST, &format!("/organizations/{org}/users"), Some(json!({"userIds": [user]})), StatusCode::CREATED).await;
    expect_status(&api, Method::POST, &format!("/organizations/{org}/applications"), Some(json!({"applicationIds": [app]})), StatusCode::CREATED)
        .await;

    // (method, path with real ids, a valid body, the ids in the path that may be replaced by unknown ones)
    let routes: Vec<(Method, String, Value, Vec<&str>)> = vec![
        (Method::POST, "/organizations".into(), json!({"name": "n", "description": "d", "customData": {}, "isMfaRequired": false}), vec![]),
        (
            Method::PATCH,
            format!("/organizations/{org}"),
            json!({"name": "n", "description": "d", "customData": {}, "isMfaRequired": false}),
            vec![&org],
        ),
        (Method::POST, format!("/organizations/{org}/users"), json!({"userIds": [user]}), vec![&org]),
        (Method::PUT, format!("/organizations/{org}/users"), json!({"userIds": [user]}), vec![&org]),
        (
            Method::POST,
            format!("/organizations/{org}/users/{user}/roles"),
            json!({"organizationRoleIds": [user_role], "organizationRoleNames": ["member"]}),
            vec![&org, &user],
        ),
        (
            Method::PUT,
            format!("/organizations/{org}/users/{user}/roles"),
            json!({"organizationRoleIds": [user_role], "organizationRoleNames": ["member"]}),
            vec![&org, &user],
        ),
        (Method::POST, format!("/organizations/{org}/applications"), json!({"applicationIds": [app]}), vec![&org]),
        (Method::PUT, format!("/organizations/{org}/applications"), json!({"applicationIds": [app]}), vec![&org]),
        (Method::POST, format!("/organizations/{org}/applications/{app}/roles"), json!({"organizationRoleIds": [app_role]}), vec![&org, &app]),
        (Method::PUT, format!("/organizations/{org}/applications/{app}/roles"), json!({"organizationRoleIds": [app_role]}), vec![&org, &app]),
        (
            Method::POST,
            "/organization-roles".into(),
            json!({"name": "r", "description": "d", "type": "User", "organizationScopeIds": [], "resourceScopeIds": []}),
            vec![],
        ),
        (Method::PATCH, format!("/organization-roles/{user_role}"), json!({"name": "member", "description": "d"}), vec![&user_role]),
        (Method::POST, format!("/organization-roles/{user_role}/scopes"), json!({"organizationScopeIds": [scope]}), vec![&user_role]),
        (Method::PUT, format!("/organization-roles/{user_role}/scopes"), json!({"organizationScopeIds": [scope]}), vec![&user_role]),
        (Method::POST, format!("/organization-roles/{user_role}/resource-scopes"), json!({"scopeIds": [resource_scope]}), vec![&user_role]),
        (Method::PUT, format!("/organization-roles/{user_role}/resource-scopes"), json!({"scopeIds": [resource_scope]}), vec![&user_role]),
        (Method::POST, "/organization-scopes".into(), json!({"name": "s", "description": "d"}), vec![]),
        (Method::PATCH, format!("/organization-scopes/{scope}"), json!({"name": "read:members", "description": "d"}), vec![&scope]),
    ];
    for (method, path, valid, ids) in &routes {
        let route = format!("{method} {path}");
        for (content_type, body) in [
            ("application/json", "{not json"),
            ("application/json", "[1]"),
            ("application/json", "\"text\""),
            ("application/json", ""),
            ("text/plain", "{}"),
        ] {
            let response = raw(&server, &token, method.clone(), path, content_type, body).await;
            assert_eq!(error_code(response).await, (StatusCode::BAD_REQUEST, "guard.invalid_input".into()), "{route} {content_type} {body}");
        }
        let mut unknown_field = valid.clone();
        unknown_field["unknownField"] = json!(1);
        expect_error(&api, method.clone(), path, Some(unknown_field), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
        for bad in wrong_types(valid) {
            expect_error(&api, method.clone(), path, Some(bad), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
        }
        // `null` only clears descriptions (Logto's nullable columns); elsewhere it is a wrong type.
        for key in valid.as_object().into_iter().flat_map(|map| map.keys()).filter(|key| *key != "description") {
            let mut bad = valid.clone();
            bad[key] = Value::Null;
            expect_error(&api, method.clone(), path, Some(bad), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
        }
        // Lists of ids hold non-empty strings.
        for key in valid.as_object().into_iter().flat_map(|map| map.keys()).filter(|key| valid[key.as_str()].is_array()) {
            let mut bad = valid.clone();
            bad[key] = json!([""]);
            expect_error(&api, method.clone(), path, Some(bad), StatusCode::BAD_REQUEST, "guard.invalid_input").await;
        }
        for id in ids {
            let unknown = path.replace(id, "unknown-id");
            expect_error(&api, method.clone(), &unknown, Some(valid.clone()), StatusCode::NOT_FOUND, "entity.not_found").await;
        }
    }
    assert_eq!(routes.len(), 18);

    // Bodiless routes with unknown ids.
    let deletions = [
        "/organizations/unknown-id".to_owned(),
        format!("/organizations/unknown-id/users/{user}"),
        format!("/organizations/{org}/users/unknown-id"),
        format!("/organizations/{org}/users/{user}/roles/unknown-id"),
        format!("/organizations/{org}/users/unknown-id/roles/{user_role}"),
        format!("/organizations/{org}/applications/unknown-id"),
        format!("/organizations/{org}/applications/{app}/roles/unknown-id"),
        format!("/organizations/{org}/applications/unknown-id/roles/{app_role}"),
        "/organization-roles/unknown-id".to_owned(),
        format!("/organization-roles/{user_role}/scopes/unknown-id"),
        format!("/organization-roles/unknown-id/scopes/{scope}"),
        format!("/organization-roles/{user_role}/resource-scopes/unknown-id"),
        "/organization-scopes/unknown-id".to_owned(),
    ];
    for path in &deletions {
        expect_error(&api, Method::DELETE, path, None, StatusCode::NOT_FOUND, "entity.not_found").await;
    }
    let reads = [
        "/organizations/unknown-id".to_owned(),
        "/organizations/unknown-id/users".to_owned(),
        format!("/organizations/unknown-id/users/{user}/roles"),
        format!("/organizations/{org}/users/unknown-id/roles"),
        format!("/organizations/{org}/users/unknown-id/scopes"),
        "/organizations/unknown-id/applications".to_owned(),
        format!("/organizations/{org}/applications/unknown-id/roles"),
        "/users/unknown-id/organizations".to_owned(),
        "/organization-roles/unknown-id".to_owned(),
        "/organization-roles/unknown-id/scopes".to_owned(),
        "/organization-roles/unknown-id/resource-scopes".to_owned(),
        "/organization-scopes/unknown-id".to_owned(),
    ];
    for path in &reads {
        expect_error(&api, Method::GET, path, None, StatusCode::NOT_FOUND, "entity.not_found").await;
    }
    for path in
        ["/organizations?page=0", "/organization-roles?page_size=101", "/organization-scopes?page=x", &format!("/organizations/{org}/users?page=0")]
    {
        expect_error(&api, Method::GET, path, None, StatusCode::BAD_REQUEST, "guard.invalid_pagination").await;
    }
    // Every route still needs a Management API token.
    for (method, path) in ROUTES {
        let concrete = path.replace("{id}", &org).replace("{userId}", &user);
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let response = Client::new().request(method.clone(), server.url(&concrete)).json(&json!({})).send().await.expect("anonymous");
        assert_eq!(error_code(response).await, (StatusCode::UNAUTHORIZED, "auth.unauthorized".into()), "{method} {path}");
    }
}

#[tokio::test]
async fn swagger_json_documents_every_organization_route() {
    let server = TestServer::start().await;
    let doc: Value = Client::new().get(server.url("/api/swagger.json")).send().await.expect("swagger").json().await.expect("json");
    for (method, path) in ROUTES {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is documented");
        for name in path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))) {
            let parameters = operation["parameters"].as_array().expect("parameters");
            assert!(parameters.iter().any(|p| p["name"] == name && p["in"] == "path"), "{method} {path} documents {name}");
        }
        if ["post", "put", "patch"].contains(method) {
            assert!(operation["requestBody"]["content"]["application/json"]["schema"].is_object(), "{method} {path} body");
        }
    }
    for schema in
        ["Organization", "OrganizationRole", "OrganizationScope", "OrganizationRoleWithScopes", "UserWithOrganizationRoles", "OrganizationWithRoles"]
    {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    assert!(doc["paths"]["/api/organizations"]["post"]["responses"]["201"].is_object(), "Logto creates organizations with 201");

    assert_routes_are_served(&Api::new(&server).await, ROUTES).await;
}

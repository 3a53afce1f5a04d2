//! Organization tokens: membership, organization roles and their scopes, per organization,
//! for users (refresh token + organization_id) and machine-to-machine apps.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sesame_core::ids;
use sesame_core::model::{ApplicationType, RoleType};
use sesame_core::organization::{Organization, OrganizationRole, OrganizationScope};

use crate::support::{backends, oauth_error, Backend, TestApp, TestServer};

const API: &str = "https://api.example.com";
const ORG_SCOPES: &str = "openid offline_access profile urn:logto:scope:organizations urn:logto:scope:organization_roles read:members invite:members api:read api:write";

struct Org {
    id: String,
    member_role: String,
}

/// Two organizations: in each, a role granting one organization scope and one API scope,
/// different per organization, so leakage between them shows.
struct World {
    server: TestServer,
    app: TestApp,
    acme: Org,
    globex: Org,
}

async fn organization(server: &TestServer, name: &str, is_mfa_required: bool) -> String {
    let org = Organization {
        id: ids::entity_id(),
        name: name.into(),
        description: Some(format!("{name} Inc.")),
        custom_data: json!({}),
        is_mfa_required,
        created_at: 0,
    };
    server.provider.store.insert_organization(&org).await.expect("org");
    org.id
}

async fn org_scope(server: &TestServer, name: &str) -> String {
    let scope = OrganizationScope { id: ids::entity_id(), name: name.into(), description: None };
    server.provider.store.insert_organization_scope(&scope).await.expect("org scope");
    scope.id
}

async fn org_role(server: &TestServer, name: &str, role_type: RoleType, org_scopes: &[String], resource_scopes: &[String]) -> String {
    let role = OrganizationRole { id: ids::entity_id(), name: name.into(), description: None, role_type };
    server.provider.store.insert_organization_role(&role, org_scopes, resource_scopes).await.expect("org role");
    role.id
}

async fn world(backend: Backend) -> World {
    let server = TestServer::start_on(backend, |options| options).await;
    let (_, api_scopes) = server.resource(API, &["api:read", "api:write"]).await;
    let read = org_scope(&server, "read:members").await;
    let invite = org_scope(&server, "invite:members").await;
    let acme_role = org_role(&server, "acme-reader", RoleType::User, &[read], &api_scopes[..1]).await;
    let globex_role = org_role(&server, "globex-inviter", RoleType::User, &[invite], &api_scopes[1..]).await;
    let acme = Org { id: organization(&server, "Acme", false).await, member_role: acme_role };
    let globex = Org { id: organization(&server, "Globex", false).await, member_role: globex_role };
    let app = server.app(ApplicationType::Spa).await;
    World { server, app, acme, globex }
}

impl World {
    async fn member(&self, username: &str, orgs: &[&Org]) -> String {
        let user = self.server.user(username).await;
        for org in orgs {
            let store = &self.server.provider.store;
            store.add_organization_users(&org.id, &[user.clone()]).await.expect("member");
            store.add_organization_user_roles(&org.id, &user, &[org.member_role.clone()]).await.expect("role");
        }
        user
    }

    async fn tokens(&self, username: &str) -> Value {
        let extra = [("scope", ORG_SCOPES), ("resource", "urn:logto:resource:organizations"), ("resource", API)];
        self.server.tokens(&self.app, username, &extra).await
    }

    async fn org_token(&self, refresh_token: &str, organization_id: &str, resource: Option<&str>) -> reqwest::Response {
        let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", self.app.id.as_str()), ("organization_id", organization_id)];
        if let Some(resource) = resource {
            form.push(("resource", resource));
        }
        self.server.token(&form).await
    }
}

#[tokio::test]
async fn members_get_organization_tokens_with_their_roles_scopes_and_nothing_from_other_organizations() {
    for backend in backends("members_get_organization_tokens_with_their_roles_scopes_and_nothing_from_other_organizations") {
        let world = world(backend).await;
        let alice = world.member("alice", &[&world.acme, &world.globex]).await;
        let tokens = world.tokens("alice").await;
        let id_token = world.server.verify_jwt(tokens["id_token"].as_str().expect("id token")).await;
        let mut orgs: Vec<String> = serde_json::from_value(id_token["organizations"].clone()).expect("organizations claim");
        orgs.sort();
        let mut expected = vec![world.acme.id.clone(), world.globex.id.clone()];
        expected.sort();
        assert_eq!(orgs, expected);
        let roles: Vec<String> = serde_json::from_value(id_token["organization_roles"].clone()).expect("organization_roles");
        assert!(roles.contains(&format!("{}:acme-reader", world.acme.id)), "{roles:?}");

        let mut refresh_token = tokens["refresh_token"].as_str().expect("rt").to_owned();
        for (org, expected_scope, expected_api_scope) in [(&world.acme, "read:members", "api:read"), (&world.globex, "invite:members", "api:write")] {
            let response: Value = world.org_token(&refresh_token, &org.id, None).await.json().await.expect("json");
            refresh_token = response["refresh_token"].as_str().expect("rotated").to_owned();
            let claims = world.server.verify_jwt(response["access_token"].as_str().expect("jwt")).await;
            assert_eq!(claims["aud"], format!("urn:logto:organization:{}", org.id));
            assert_eq!(claims["scope"], expected_scope, "only this organization's role scopes");
            assert_eq!(claims["sub"], alice.as_str());
            assert!(claims.get("organization_id").is_none(), "the organization is in aud");

            let response: Value = world.org_token(&refresh_token, &org.id, Some(API)).await.json().await.expect("json");
            refresh_token = response["refresh_token"].as_str().expect("rotated").to_owned();
            let claims = world.server.verify_jwt(response["access_token"].as_str().expect("jwt")).await;
            assert_eq!((claims["aud"].as_str(), claims["scope"].as_str()), (Some(API), Some(expected_api_scope)));
            assert_eq!(claims["organization_id"], org.id.as_str());
        }
        let plain: Value = crate::rbac_refresh(&world.server, &world.app, &refresh_token, API).await;
        assert_eq!(world.server.verify_jwt(plain["access_token"].as_str().expect("jwt")).await["scope"], "", "organization roles don't leak into plain resource tokens");
    }
}

#[tokio::test]
async fn refusals_burn_nothing_and_membership_changes_apply_at_the_next_request() {
    for backend in backends("refusals_burn_nothing_and_membership_changes_apply_at_the_next_request") {
        let world = world(backend).await;
        let bob = world.member("bob", &[&world.acme]).await;
        let tokens = world.tokens("bob").await;
        let refresh_token = tokens["refresh_token"].as_str().expect("rt");
        let (status, error, description) = oauth_error(world.org_token(refresh_token, &world.globex.id, None).await).await;
        assert_eq!((status, error.as_str(), description.as_str()), (StatusCode::FORBIDDEN, "access_denied", "user is not a member of the organization"));
        let (status, _, _) = oauth_error(world.org_token(refresh_token, "no-such-org", None).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let response = world.org_token(refresh_token, &world.acme.id, None).await;
        assert_eq!(response.status(), StatusCode::OK, "the refused requests did not rotate or burn the token");
        let next: Value = response.json().await.expect("json");
        let refresh_token = next["refresh_token"].as_str().expect("rt").to_owned();

        world.server.provider.store.remove_organization_user(&world.acme.id, &bob).await.expect("remove");
        let (status, error, _) = oauth_error(world.org_token(&refresh_token, &world.acme.id, None).await).await;
        assert_eq!((status, error.as_str()), (StatusCode::FORBIDDEN, "access_denied"), "removal applies at once");
        assert_eq!(world.server.refresh(&world.app, &refresh_token).await.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn organization_tokens_need_the_organizations_scope_and_mfa_when_required() {
    let world = world(Backend::Sqlite).await;
    world.member("carol", &[&world.acme]).await;
    let without_scope = world.server.tokens(&world.app, "carol", &[("scope", "openid offline_access profile")]).await;
    let (status, error, _) = oauth_error(world.org_token(without_scope["refresh_token"].as_str().expect("rt"), &world.acme.id, None).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::FORBIDDEN, "insufficient_scope"));

    let strict = organization(&world.server, "Strict", true).await;
    let dave = world.server.user("dave").await;
    world.server.provider.store.add_organization_users(&strict, &[dave]).await.expect("member");
    let tokens = world.tokens("dave").await;
    let (status, _, description) = oauth_error(world.org_token(tokens["refresh_token"].as_str().expect("rt"), &strict, None).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(description.contains("MFA"), "{description}");
}

#[tokio::test]
async fn userinfo_lists_organization_data() {
    let world = world(Backend::Sqlite).await;
    world.member("erin", &[&world.acme]).await;
    let tokens = world.tokens("erin").await;
    let claims: Value = world.server.userinfo(tokens["access_token"].as_str().expect("at")).await.json().await.expect("json");
    assert_eq!(claims["organizations"], json!([world.acme.id]));
    assert_eq!(claims["organization_data"], json!([{"id": world.acme.id, "name": "Acme", "description": "Acme Inc."}]));
    assert_eq!(claims["organization_roles"], json!([format!("{}:acme-reader", world.acme.id)]));
}

#[tokio::test]
async fn machine_to_machine_apps_get_organization_tokens_as_members() {
    for backend in backends("machine_to_machine_apps_get_organization_tokens_as_members") {
        let world = world(backend).await;
        let store = &world.server.provider.store;
        let read = org_scope(&world.server, "read:billing").await;
        let robot_role = org_role(&world.server, "billing-bot", RoleType::MachineToMachine, &[read], &[]).await;
        let service = world.server.app(ApplicationType::MachineToMachine).await;
        store.add_organization_applications(&world.acme.id, &[service.id.clone()]).await.expect("app member");
        store.add_organization_application_roles(&world.acme.id, &service.id, &[robot_role]).await.expect("app role");
        let request = |org: &str, scope: &str| {
            let form = [
                ("grant_type", "client_credentials".to_owned()),
                ("client_id", service.id.clone()),
                ("client_secret", service.secret.clone().expect("secret")),
                ("organization_id", org.to_owned()),
                ("scope", scope.to_owned()),
            ];
            let url = world.server.url("/oidc/token");
            async move { reqwest::Client::new().post(url).form(&form).send().await.expect("token") }
        };
        let body: Value = request(&world.acme.id, "read:billing read:members").await.json().await.expect("json");
        let claims = world.server.verify_jwt(body["access_token"].as_str().expect("jwt")).await;
        assert_eq!(claims["aud"], format!("urn:logto:organization:{}", world.acme.id));
        assert_eq!(claims["scope"], "read:billing");
        assert_eq!(claims["sub"], service.id.as_str());
        let (status, error, _) = oauth_error(request(&world.globex.id, "read:billing").await).await;
        assert_eq!((status, error.as_str()), (StatusCode::FORBIDDEN, "access_denied"));
    }
}

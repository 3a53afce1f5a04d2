//! `GET /api/swagger.json`: an OpenAPI 3.0 document of every route under `/api` (the
//! Management API, the Experience API and the public endpoints), served without
//! authentication like Logto's. Written by hand from one table; a test walks the router against
//! it, so a route added without a line here fails the build's tests.

use std::sync::LazyLock;

use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/swagger.json", get(swagger))
}

async fn swagger() -> Response {
    Json(DOCUMENT.clone()).into_response()
}

static DOCUMENT: LazyLock<Value> = LazyLock::new(document);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Auth {
    /// A Management API access token (Bearer JWT with the `all` scope).
    Bearer,
    /// The `_interaction` cookie of the sign-in flow.
    Interaction,
    Public,
}

struct Op {
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    auth: Auth,
    body: Option<Value>,
    status: u16,
    response: Option<Value>,
    query: Vec<(&'static str, Value, &'static str)>,
    /// Answers 422 for a business rule (conflicts, wrong types, …).
    unprocessable: bool,
    /// Other success statuses, with their meaning.
    also: Vec<(u16, &'static str)>,
}

fn op(method: &'static str, path: &'static str, tag: &'static str, summary: &'static str) -> Op {
    Op { method, path, tag, summary, auth: Auth::Bearer, body: None, status: 200, response: None, query: Vec::new(), unprocessable: false, also: Vec::new() }
}

impl Op {
    fn body(mut self, schema: Value) -> Self {
        self.body = Some(schema);
        self
    }

    fn returns(mut self, status: u16, schema: Option<Value>) -> Self {
        self.status = status;
        self.response = schema;
        self
    }

    fn ok(self, schema: Value) -> Self {
        self.returns(200, Some(schema))
    }

    fn no_content(self) -> Self {
        self.returns(204, None)
    }

    fn created(self) -> Self {
        self.returns(201, None)
    }

    fn paginated(mut self) -> Self {
        self.query.push(("page", json!({"type": "integer", "minimum": 1}), "Page number (1-based)."));
        self.query.push(("page_size", json!({"type": "integer", "minimum": 1, "maximum": 100}), "Page size (default 20)."));
        self
    }

    fn query(mut self, name: &'static str, schema: Value, description: &'static str) -> Self {
        self.query.push((name, schema, description));
        self
    }

    fn unprocessable(mut self) -> Self {
        self.unprocessable = true;
        self
    }

    fn also(mut self, status: u16, description: &'static str) -> Self {
        self.also.push((status, description));
        self
    }

    fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }
}

fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn list(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

fn string() -> Value {
    json!({ "type": "string" })
}

fn nullable_string() -> Value {
    json!({ "type": "string", "nullable": true })
}

fn boolean() -> Value {
    json!({ "type": "boolean" })
}

fn integer() -> Value {
    json!({ "type": "integer" })
}

fn any_object() -> Value {
    json!({ "type": "object", "additionalProperties": true })
}

fn object(properties: &[(&str, Value)], required: &[&str]) -> Value {
    let properties: Map<String, Value> = properties.iter().map(|(name, schema)| ((*name).to_owned(), schema.clone())).collect();
    let mut value = json!({ "type": "object", "properties": properties, "additionalProperties": false });
    if !required.is_empty() {
        value["required"] = json!(required);
    }
    value
}

fn ids(name: &str) -> Value {
    object(&[(name, list(string()))], &[name])
}

/// Every route under `/api`, in the order they are documented.
fn operations() -> Vec<Op> {
    let application_metadata = object(&[("redirectUris", list(string())), ("postLogoutRedirectUris", list(string()))], &[]);
    let identifier = object(&[("type", json!({"type": "string", "enum": ["username", "email", "phone"]})), ("value", string())], &["type", "value"]);
    let user_fields = [
        ("username", nullable_string()),
        ("primaryEmail", nullable_string()),
        ("primaryPhone", nullable_string()),
        ("name", nullable_string()),
        ("avatar", nullable_string()),
        ("customData", any_object()),
        ("profile", schema("UserProfile")),
    ];
    let mut create_user: Vec<(&str, Value)> = user_fields.to_vec();
    create_user.push(("password", string()));
    vec![
        // --- public
        op("get", "/api/status", "General", "Health check").auth(Auth::Public).no_content(),
        op("get", "/api/swagger.json", "General", "This OpenAPI document").auth(Auth::Public).ok(any_object()),
        op("get", "/api/.well-known/sign-in-exp", "Experience", "Sign-in experience settings for the hosted pages")
            .auth(Auth::Public)
            .ok(any_object()),
        // --- applications
        op("get", "/api/applications", "Applications", "List applications")
            .paginated()
            .query("types", string(), "Comma-separated application types.")
            .ok(list(schema("Application"))),
        op("post", "/api/applications", "Applications", "Create an application")
            .body(object(
                &[
                    ("name", string()),
                    ("type", schema("ApplicationType")),
                    ("description", nullable_string()),
                    ("oidcClientMetadata", application_metadata.clone()),
                    ("customClientMetadata", any_object()),
                    ("isThirdParty", boolean()),
                ],
                &["name", "type"],
            ))
            .ok(schema("Application")),
        op("get", "/api/applications/{id}", "Applications", "Get an application").ok(schema("Application")),
        op("patch", "/api/applications/{id}", "Applications", "Update an application")
            .body(object(
                &[
                    ("name", string()),
                    ("description", string()),
                    ("oidcClientMetadata", application_metadata),
                    ("customClientMetadata", any_object()),
                    ("isThirdParty", boolean()),
                ],
                &[],
            ))
            .ok(schema("Application")),
        op("delete", "/api/applications/{id}", "Applications", "Delete an application").no_content(),
        op("get", "/api/applications/{id}/secrets", "Applications", "List the application's secrets").ok(list(schema("ApplicationSecret"))),
        op("post", "/api/applications/{id}/secrets", "Applications", "Add a secret")
            .body(object(&[("name", string()), ("expiresAt", json!({"type": "integer", "nullable": true}))], &["name"]))
            .returns(201, Some(schema("ApplicationSecret")))
            .unprocessable(),
        op("delete", "/api/applications/{id}/secrets/{name}", "Applications", "Delete a secret").no_content(),
        op("get", "/api/applications/{id}/roles", "Applications", "List the application's roles").ok(list(schema("Role"))),
        op("post", "/api/applications/{id}/roles", "Applications", "Assign machine-to-machine roles").body(ids("roleIds")).created(),
        op("delete", "/api/applications/{id}/roles/{roleId}", "Applications", "Remove a role from the application").no_content(),
        // --- users
        op("get", "/api/users", "Users", "List users")
            .paginated()
            .query("search", string(), "Case-insensitive substring of id, username, email, phone or name.")
            .ok(list(schema("User"))),
        op("post", "/api/users", "Users", "Create a user").body(object(&create_user, &[])).ok(schema("User")).unprocessable(),
        op("get", "/api/users/{userId}", "Users", "Get a user").ok(schema("User")),
        op("patch", "/api/users/{userId}", "Users", "Update a user (null clears a field)")
            .body(object(&user_fields, &[]))
            .ok(schema("User"))
            .unprocessable(),
        op("delete", "/api/users/{userId}", "Users", "Delete a user, ending its sessions").no_content(),
        op("patch", "/api/users/{userId}/password", "Users", "Set the user's password")
            .body(object(&[("password", string())], &["password"]))
            .ok(schema("User")),
        op("post", "/api/users/{userId}/password/verify", "Users", "Verify the user's password")
            .body(object(&[("password", string())], &["password"]))
            .no_content()
            .unprocessable(),
        op("get", "/api/users/{userId}/has-password", "Users", "Whether the user has a password")
            .ok(object(&[("hasPassword", boolean())], &["hasPassword"])),
        op("patch", "/api/users/{userId}/is-suspended", "Users", "Suspend (revoking sessions and grants) or reinstate a user")
            .body(object(&[("isSuspended", boolean())], &["isSuspended"]))
            .ok(schema("User")),
        op("get", "/api/users/{userId}/custom-data", "Users", "Get the user's custom data").ok(any_object()),
        op("patch", "/api/users/{userId}/custom-data", "Users", "Merge top-level keys into the user's custom data")
            .body(object(&[("customData", any_object())], &["customData"]))
            .ok(any_object()),
        op("get", "/api/users/{userId}/profile", "Users", "Get the user's profile").ok(schema("UserProfile")),
        op("patch", "/api/users/{userId}/profile", "Users", "Merge top-level claims into the user's profile")
            .body(object(&[("profile", schema("UserProfile"))], &["profile"]))
            .ok(schema("UserProfile")),
        op("get", "/api/users/{userId}/roles", "Users", "List the user's roles").paginated().ok(list(schema("Role"))),
        op("post", "/api/users/{userId}/roles", "Users", "Assign User roles").body(ids("roleIds")).created().unprocessable(),
        op("put", "/api/users/{userId}/roles", "Users", "Replace the user's roles").body(ids("roleIds")).ok(list(schema("Role"))).unprocessable(),
        op("delete", "/api/users/{userId}/roles/{roleId}", "Users", "Remove a role from the user").no_content(),
        op("get", "/api/users/{userId}/identities", "Users", "The user's social identities, by connector target").ok(schema("Identities")),
        op("get", "/api/users/{userId}/identities/{target}", "Users", "One social identity of the user")
            .ok(object(&[("identity", schema("Identity"))], &["identity"])),
        op("put", "/api/users/{userId}/identities/{target}", "Users", "Link (or replace) the user's identity of a connector target")
            .body(schema("Identity"))
            .returns(201, Some(schema("Identities")))
            .also(200, "An identity of this target was replaced.")
            .unprocessable(),
        op("delete", "/api/users/{userId}/identities/{target}", "Users", "Unlink the user's identity of a connector target").ok(schema("User")),
        // --- API resources
        op("get", "/api/resources", "API resources", "List API resources (all of them without pagination parameters)")
            .paginated()
            .query("includeScopes", boolean(), "Attach each resource's scopes.")
            .ok(list(schema("Resource"))),
        op("post", "/api/resources", "API resources", "Create an API resource")
            .body(object(&[("name", string()), ("indicator", json!({"type": "string", "format": "uri"})), ("accessTokenTtl", integer())], &["name", "indicator"]))
            .returns(201, Some(schema("Resource")))
            .unprocessable(),
        op("get", "/api/resources/{id}", "API resources", "Get an API resource").ok(schema("Resource")),
        op("patch", "/api/resources/{id}", "API resources", "Update an API resource")
            .body(object(&[("name", string()), ("accessTokenTtl", integer())], &[]))
            .ok(schema("Resource")),
        op("delete", "/api/resources/{id}", "API resources", "Delete an API resource and its scopes").no_content(),
        op("patch", "/api/resources/{id}/is-default", "API resources", "Make the resource the default one (or not)")
            .body(object(&[("isDefault", boolean())], &["isDefault"]))
            .ok(schema("Resource")),
        op("get", "/api/resources/{resourceId}/scopes", "API resources", "List the resource's scopes").paginated().ok(list(schema("Scope"))),
        op("post", "/api/resources/{resourceId}/scopes", "API resources", "Create a scope")
            .body(object(&[("name", string()), ("description", nullable_string())], &["name"]))
            .returns(201, Some(schema("Scope")))
            .unprocessable(),
        op("patch", "/api/resources/{resourceId}/scopes/{scopeId}", "API resources", "Update a scope")
            .body(object(&[("name", string()), ("description", nullable_string())], &[]))
            .ok(schema("Scope"))
            .unprocessable(),
        op("delete", "/api/resources/{resourceId}/scopes/{scopeId}", "API resources", "Delete a scope").no_content(),
        // --- roles
        op("get", "/api/roles", "Roles", "List roles")
            .paginated()
            .query("type", schema("RoleType"), "Only roles of this type.")
            .query("search", string(), "Case-insensitive substring of the name.")
            .ok(list(schema("RoleWithHolders"))),
        op("post", "/api/roles", "Roles", "Create a role")
            .body(object(
                &[("name", string()), ("description", string()), ("type", schema("RoleType")), ("scopeIds", list(string())), ("isDefault", boolean())],
                &["name", "description"],
            ))
            .ok(schema("Role"))
            .unprocessable(),
        op("get", "/api/roles/{id}", "Roles", "Get a role").ok(schema("Role")),
        op("patch", "/api/roles/{id}", "Roles", "Update a role")
            .body(object(&[("name", string()), ("description", string()), ("isDefault", boolean())], &[]))
            .ok(schema("Role"))
            .unprocessable(),
        op("delete", "/api/roles/{id}", "Roles", "Delete a role").no_content(),
        op("get", "/api/roles/{id}/scopes", "Roles", "List the role's scopes (all of them without pagination parameters)")
            .paginated()
            .ok(list(schema("ScopeWithResource"))),
        op("post", "/api/roles/{id}/scopes", "Roles", "Grant scopes to the role")
            .body(ids("scopeIds"))
            .returns(201, Some(list(schema("Scope"))))
            .unprocessable(),
        op("delete", "/api/roles/{id}/scopes/{scopeId}", "Roles", "Revoke a scope from the role").no_content(),
        op("get", "/api/roles/{id}/users", "Roles", "List the role's users").paginated().ok(list(schema("User"))),
        op("post", "/api/roles/{id}/users", "Roles", "Assign the role to users").body(ids("userIds")).created().unprocessable(),
        op("delete", "/api/roles/{id}/users/{userId}", "Roles", "Remove the role from a user").no_content(),
        op("get", "/api/roles/{id}/applications", "Roles", "List the role's applications").paginated().ok(list(schema("Application"))),
        op("post", "/api/roles/{id}/applications", "Roles", "Assign the role to machine-to-machine applications")
            .body(ids("applicationIds"))
            .created()
            .unprocessable(),
        op("delete", "/api/roles/{id}/applications/{applicationId}", "Roles", "Remove the role from an application").no_content(),
        // --- organizations
        op("get", "/api/organizations", "Organizations", "List organizations, newest first")
            .paginated()
            .query("q", string(), "Case-insensitive substring of the id or name (`search` works too).")
            .query("showFeatured", boolean(), "Add `usersCount` and up to three `featuredUsers`.")
            .ok(list(schema("OrganizationWithFeatured"))),
        op("post", "/api/organizations", "Organizations", "Create an organization")
            .body(object(&[("name", string()), ("description", nullable_string()), ("customData", any_object()), ("isMfaRequired", boolean())], &["name"]))
            .returns(201, Some(schema("Organization"))),
        op("get", "/api/organizations/{id}", "Organizations", "Get an organization").ok(schema("Organization")),
        op("patch", "/api/organizations/{id}", "Organizations", "Update an organization (customData replaces the stored object)")
            .body(object(&[("name", string()), ("description", nullable_string()), ("customData", any_object()), ("isMfaRequired", boolean())], &[]))
            .ok(schema("Organization")),
        op("delete", "/api/organizations/{id}", "Organizations", "Delete an organization with its memberships and role assignments").no_content(),
        op("get", "/api/organizations/{id}/users", "Organizations", "List the user members, each with its organization roles")
            .paginated()
            .query("q", string(), "Case-insensitive substring of the id, email, phone, username or name.")
            .ok(list(schema("UserWithOrganizationRoles"))),
        op("post", "/api/organizations/{id}/users", "Organizations", "Add user members (current members are left alone)")
            .body(ids("userIds"))
            .returns(201, Some(ids("userIds"))),
        op("put", "/api/organizations/{id}/users", "Organizations", "Replace the user members").body(ids("userIds")).no_content(),
        op("delete", "/api/organizations/{id}/users/{userId}", "Organizations", "Remove a user member and its roles in the organization").no_content(),
        op("get", "/api/organizations/{id}/users/{userId}/roles", "Organizations", "List a member's roles (all of them without pagination parameters)")
            .paginated()
            .ok(list(schema("OrganizationRole")))
            .unprocessable(),
        op("post", "/api/organizations/{id}/users/{userId}/roles", "Organizations", "Give a member User roles, by id and/or by name")
            .body(object(&[("organizationRoleIds", list(string())), ("organizationRoleNames", list(string()))], &[]))
            .returns(201, Some(ids("organizationRoleIds")))
            .unprocessable(),
        op("put", "/api/organizations/{id}/users/{userId}/roles", "Organizations", "Replace a member's roles, by id and/or by name")
            .body(object(&[("organizationRoleIds", list(string())), ("organizationRoleNames", list(string()))], &[]))
            .no_content()
            .unprocessable(),
        op("delete", "/api/organizations/{id}/users/{userId}/roles/{organizationRoleId}", "Organizations", "Remove a role from a member")
            .no_content()
            .unprocessable(),
        op("get", "/api/organizations/{id}/users/{userId}/scopes", "Organizations", "List the organization scopes a member's roles grant")
            .ok(list(schema("OrganizationScope")))
            .unprocessable(),
        op("get", "/api/organizations/{id}/applications", "Organizations", "List the application members, each with its organization roles")
            .paginated()
            .query("q", string(), "Case-insensitive substring of the id, name or description.")
            .ok(list(schema("ApplicationWithOrganizationRoles"))),
        op("post", "/api/organizations/{id}/applications", "Organizations", "Add machine-to-machine applications as members")
            .body(ids("applicationIds"))
            .created()
            .unprocessable(),
        op("put", "/api/organizations/{id}/applications", "Organizations", "Replace the application members")
            .body(ids("applicationIds"))
            .no_content()
            .unprocessable(),
        op("delete", "/api/organizations/{id}/applications/{applicationId}", "Organizations", "Remove an application member and its roles").no_content(),
        op("get", "/api/organizations/{id}/applications/{applicationId}/roles", "Organizations", "List an application member's roles (all of them without pagination parameters)")
            .paginated()
            .ok(list(schema("OrganizationRole")))
            .unprocessable(),
        op("post", "/api/organizations/{id}/applications/{applicationId}/roles", "Organizations", "Give an application member MachineToMachine roles")
            .body(ids("organizationRoleIds"))
            .created()
            .unprocessable(),
        op("put", "/api/organizations/{id}/applications/{applicationId}/roles", "Organizations", "Replace an application member's roles")
            .body(ids("organizationRoleIds"))
            .no_content()
            .unprocessable(),
        op("delete", "/api/organizations/{id}/applications/{applicationId}/roles/{organizationRoleId}", "Organizations", "Remove a role from an application member")
            .no_content()
            .unprocessable(),
        op("get", "/api/users/{userId}/organizations", "Users", "List the user's organizations, each with the user's roles in it").ok(list(schema("OrganizationWithRoles"))),
        // --- organization roles
        op("get", "/api/organization-roles", "Organization roles", "List organization roles by name, each with the scopes it grants")
            .paginated()
            .query("q", string(), "Case-insensitive substring of the id, name or description.")
            .ok(list(schema("OrganizationRoleWithScopes"))),
        op("post", "/api/organization-roles", "Organization roles", "Create an organization role with its initial scopes")
            .body(object(
                &[
                    ("name", string()),
                    ("description", nullable_string()),
                    ("type", schema("RoleType")),
                    ("organizationScopeIds", list(string())),
                    ("resourceScopeIds", list(string())),
                ],
                &["name"],
            ))
            .returns(201, Some(schema("OrganizationRole")))
            .unprocessable(),
        op("get", "/api/organization-roles/{id}", "Organization roles", "Get an organization role").ok(schema("OrganizationRole")),
        op("patch", "/api/organization-roles/{id}", "Organization roles", "Update an organization role (its type is fixed)")
            .body(object(&[("name", string()), ("description", nullable_string())], &[]))
            .ok(schema("OrganizationRole"))
            .unprocessable(),
        op("delete", "/api/organization-roles/{id}", "Organization roles", "Delete an organization role, taking it from every member").no_content(),
        op("get", "/api/organization-roles/{id}/scopes", "Organization roles", "List the role's organization scopes (all of them without pagination parameters)")
            .paginated()
            .ok(list(schema("OrganizationScope"))),
        op("post", "/api/organization-roles/{id}/scopes", "Organization roles", "Grant organization scopes (held ones are left alone)")
            .body(ids("organizationScopeIds"))
            .created(),
        op("put", "/api/organization-roles/{id}/scopes", "Organization roles", "Replace the role's organization scopes").body(ids("organizationScopeIds")).no_content(),
        op("delete", "/api/organization-roles/{id}/scopes/{organizationScopeId}", "Organization roles", "Revoke an organization scope").no_content(),
        op("get", "/api/organization-roles/{id}/resource-scopes", "Organization roles", "List the role's API resource scopes (all of them without pagination parameters)")
            .paginated()
            .ok(list(schema("Scope"))),
        op("post", "/api/organization-roles/{id}/resource-scopes", "Organization roles", "Grant API resource scopes (held ones are left alone)")
            .body(ids("scopeIds"))
            .created(),
        op("put", "/api/organization-roles/{id}/resource-scopes", "Organization roles", "Replace the role's API resource scopes").body(ids("scopeIds")).no_content(),
        op("delete", "/api/organization-roles/{id}/resource-scopes/{scopeId}", "Organization roles", "Revoke an API resource scope").no_content(),
        // --- organization scopes
        op("get", "/api/organization-scopes", "Organization scopes", "List organization scopes by name (all of them without pagination parameters)")
            .paginated()
            .query("q", string(), "Case-insensitive substring of the name.")
            .ok(list(schema("OrganizationScope"))),
        op("post", "/api/organization-scopes", "Organization scopes", "Create an organization scope (names have no whitespace)")
            .body(object(&[("name", string()), ("description", nullable_string())], &["name"]))
            .returns(201, Some(schema("OrganizationScope")))
            .unprocessable(),
        op("get", "/api/organization-scopes/{id}", "Organization scopes", "Get an organization scope").ok(schema("OrganizationScope")),
        op("patch", "/api/organization-scopes/{id}", "Organization scopes", "Update an organization scope")
            .body(object(&[("name", string()), ("description", nullable_string())], &[]))
            .ok(schema("OrganizationScope"))
            .unprocessable(),
        op("delete", "/api/organization-scopes/{id}", "Organization scopes", "Delete an organization scope, revoking it from every role").no_content(),
        // --- signing keys
        op("get", "/api/configs/oidc/private-keys", "Configs", "List the signing keys (no private material)").ok(list(schema("PrivateKey"))),
        op("post", "/api/configs/oidc/private-keys/rotate", "Configs", "Rotate the signing keys: the new key is published now and signs after the grace period")
            .body(object(
                &[("signingKeyAlgorithm", json!({"type": "string", "enum": ["EC"]})), ("gracePeriodSeconds", json!({"type": "integer", "minimum": 0, "default": 60}))],
                &[],
            ))
            .ok(list(schema("PrivateKey"))),
        op("delete", "/api/configs/oidc/private-keys/{keyId}", "Configs", "Delete a signing key that does not sign now").no_content().unprocessable(),
        // --- connectors and sign-in experience settings
        op("get", "/api/connector-factories", "Connectors", "List the connector factories Sesame ships").ok(list(any_object())),
        op("get", "/api/connector-factories/{id}", "Connectors", "Get a connector factory").ok(any_object()),
        op("get", "/api/connectors", "Connectors", "List connectors").ok(list(schema("Connector"))),
        op("post", "/api/connectors", "Connectors", "Create a connector from a factory")
            .body(object(
                &[("connectorId", string()), ("config", any_object()), ("metadata", any_object()), ("syncProfile", boolean()), ("id", string())],
                &["connectorId"],
            ))
            .ok(schema("Connector"))
            .unprocessable(),
        op("get", "/api/connectors/{id}", "Connectors", "Get a connector").ok(schema("Connector")),
        op("patch", "/api/connectors/{id}", "Connectors", "Update a connector")
            .body(object(&[("config", any_object()), ("metadata", any_object()), ("syncProfile", boolean())], &[]))
            .ok(schema("Connector"))
            .unprocessable(),
        op("delete", "/api/connectors/{id}", "Connectors", "Delete a connector").no_content(),
        op("post", "/api/connectors/{factoryId}/test", "Connectors", "Send a test message with a candidate configuration")
            .body(object(&[("email", string()), ("phone", string()), ("config", any_object()), ("locale", string())], &["config"]))
            .no_content()
            .unprocessable(),
        op("get", "/api/sign-in-exp", "Sign-in experience", "Get the sign-in experience settings").ok(schema("SignInExperience")),
        op("patch", "/api/sign-in-exp", "Sign-in experience", "Update the sign-in experience settings (top-level keys)")
            .body(schema("SignInExperience"))
            .ok(schema("SignInExperience"))
            .unprocessable(),
        // --- Experience API
        op("put", "/api/experience", "Experience", "Start an interaction with an event")
            .auth(Auth::Interaction)
            .body(object(&[("interactionEvent", schema("InteractionEvent"))], &["interactionEvent"]))
            .no_content(),
        op("put", "/api/experience/interaction-event", "Experience", "Change the interaction's event")
            .auth(Auth::Interaction)
            .body(object(&[("interactionEvent", schema("InteractionEvent"))], &["interactionEvent"]))
            .no_content(),
        op("post", "/api/experience/verification/password", "Experience", "Verify an identifier and password")
            .auth(Auth::Interaction)
            .body(object(&[("identifier", identifier.clone()), ("password", string())], &["identifier", "password"]))
            .ok(schema("VerificationId"))
            .unprocessable(),
        op("post", "/api/experience/verification/new-password-identity", "Experience", "Register a username and password")
            .auth(Auth::Interaction)
            .body(object(&[("identifier", identifier.clone()), ("password", string())], &["identifier", "password"]))
            .ok(schema("VerificationId"))
            .unprocessable(),
        op("post", "/api/experience/verification/verification-code", "Experience", "Send a one-time code to an email address or phone")
            .auth(Auth::Interaction)
            .body(object(&[("identifier", identifier.clone()), ("interactionEvent", schema("InteractionEvent"))], &["identifier", "interactionEvent"]))
            .ok(schema("VerificationId"))
            .unprocessable(),
        op("post", "/api/experience/verification/verification-code/verify", "Experience", "Check a one-time code")
            .auth(Auth::Interaction)
            .body(object(&[("identifier", identifier.clone()), ("verificationId", string()), ("code", string())], &["identifier", "verificationId", "code"]))
            .ok(schema("VerificationId"))
            .unprocessable(),
        op("post", "/api/experience/verification/social/{connectorId}/authorization-uri", "Experience", "Start a social sign-in: the provider's authorization URL")
            .auth(Auth::Interaction)
            .body(object(&[("state", string()), ("redirectUri", string())], &["state", "redirectUri"]))
            .ok(object(&[("authorizationUri", string()), ("verificationId", string())], &["authorizationUri", "verificationId"]))
            .unprocessable(),
        op("post", "/api/experience/verification/social/{connectorId}/verify", "Experience", "Verify the social provider's callback")
            .auth(Auth::Interaction)
            .body(object(&[("connectorData", any_object()), ("verificationId", string())], &["connectorData"]))
            .ok(schema("VerificationId")),
        op("post", "/api/experience/profile", "Experience", "Add a profile field for registration")
            .auth(Auth::Interaction)
            .body(object(&[("type", json!({"type": "string", "enum": ["username", "password"]})), ("value", string())], &["type", "value"]))
            .no_content()
            .unprocessable(),
        op("put", "/api/experience/profile/password", "Experience", "Set the new password of a forgot-password interaction")
            .auth(Auth::Interaction)
            .body(object(&[("password", string())], &["password"]))
            .no_content()
            .unprocessable(),
        op("post", "/api/experience/identification", "Experience", "Identify the user")
            .auth(Auth::Interaction)
            .body(object(&[("verificationId", string()), ("linkSocialIdentity", boolean())], &[]))
            .no_content()
            .also(201, "A new user was registered."),
        op("post", "/api/experience/submit", "Experience", "Finish the interaction")
            .auth(Auth::Interaction)
            .ok(object(&[("redirectTo", string())], &["redirectTo"]))
            .also(204, "The password was reset; the interaction stays open for a sign-in."),
    ]
}

fn schemas() -> Value {
    let address = object(
        &[
            ("formatted", string()),
            ("streetAddress", string()),
            ("locality", string()),
            ("region", string()),
            ("postalCode", string()),
            ("country", string()),
        ],
        &[],
    );
    json!({
        "Error": object(&[("code", string()), ("message", string()), ("data", json!({}))], &["code", "message"]),
        "ApplicationType": { "type": "string", "enum": ["Native", "SPA", "Traditional", "MachineToMachine"] },
        "RoleType": { "type": "string", "enum": ["User", "MachineToMachine"] },
        "InteractionEvent": { "type": "string", "enum": ["SignIn", "Register", "ForgotPassword"] },
        "VerificationId": object(&[("verificationId", string())], &["verificationId"]),
        "Identity": object(&[("userId", string()), ("details", any_object())], &["userId"]),
        "Identities": { "type": "object", "additionalProperties": schema("Identity") },
        "Application": object(&[
            ("tenantId", string()),
            ("id", string()),
            ("name", string()),
            ("description", nullable_string()),
            ("type", schema("ApplicationType")),
            ("oidcClientMetadata", object(&[("redirectUris", list(string())), ("postLogoutRedirectUris", list(string()))], &[])),
            ("customClientMetadata", any_object()),
            ("protectedAppMetadata", json!({"type": "object", "nullable": true})),
            ("customData", any_object()),
            ("isThirdParty", boolean()),
            ("createdAt", integer()),
        ], &["id", "name", "type"]),
        "ApplicationSecret": object(&[
            ("applicationId", string()),
            ("name", string()),
            ("value", string()),
            ("createdAt", integer()),
            ("expiresAt", json!({"type": "integer", "nullable": true})),
        ], &["applicationId", "name", "value"]),
        "UserProfile": object(&[
            ("familyName", string()),
            ("givenName", string()),
            ("middleName", string()),
            ("nickname", string()),
            ("preferredUsername", string()),
            ("profile", string()),
            ("website", string()),
            ("gender", string()),
            ("birthdate", string()),
            ("zoneinfo", string()),
            ("locale", string()),
            ("address", address),
        ], &[]),
        "User": object(&[
            ("id", string()),
            ("username", nullable_string()),
            ("primaryEmail", nullable_string()),
            ("primaryPhone", nullable_string()),
            ("name", nullable_string()),
            ("avatar", nullable_string()),
            ("customData", any_object()),
            ("identities", any_object()),
            ("lastSignInAt", json!({"type": "integer", "nullable": true})),
            ("createdAt", integer()),
            ("updatedAt", integer()),
            ("profile", schema("UserProfile")),
            ("applicationId", nullable_string()),
            ("isSuspended", boolean()),
            ("hasPassword", boolean()),
        ], &["id"]),
        "Resource": object(&[
            ("tenantId", string()),
            ("id", string()),
            ("name", string()),
            ("indicator", string()),
            ("isDefault", boolean()),
            ("accessTokenTtl", integer()),
            ("scopes", list(schema("Scope"))),
        ], &["id", "name", "indicator"]),
        "Scope": object(&[
            ("tenantId", string()),
            ("id", string()),
            ("resourceId", string()),
            ("name", string()),
            ("description", nullable_string()),
            ("createdAt", integer()),
        ], &["id", "resourceId", "name"]),
        "ScopeWithResource": {
            "allOf": [schema("Scope"), object(&[("resource", schema("Resource"))], &["resource"])]
        },
        "Role": object(&[
            ("tenantId", string()),
            ("id", string()),
            ("name", string()),
            ("description", string()),
            ("type", schema("RoleType")),
            ("isDefault", boolean()),
            ("createdAt", integer()),
        ], &["id", "name", "type"]),
        "RoleWithHolders": {
            "allOf": [schema("Role"), object(&[
                ("usersCount", integer()),
                ("featuredUsers", list(object(&[("id", string()), ("avatar", nullable_string()), ("name", nullable_string())], &["id"]))),
                ("applicationsCount", integer()),
                ("featuredApplications", list(object(&[("id", string()), ("name", string()), ("type", schema("ApplicationType"))], &["id"]))),
            ], &[])]
        },
        "Organization": object(&[
            ("tenantId", string()),
            ("id", string()),
            ("name", string()),
            ("description", nullable_string()),
            ("customData", any_object()),
            ("isMfaRequired", boolean()),
            ("branding", any_object()),
            ("createdAt", integer()),
        ], &["id", "name"]),
        "OrganizationWithFeatured": {
            "allOf": [schema("Organization"), object(&[
                ("usersCount", integer()),
                ("featuredUsers", list(object(&[("id", string()), ("avatar", nullable_string()), ("name", nullable_string())], &["id"]))),
            ], &[])]
        },
        "OrganizationRoleEntity": object(&[("id", string()), ("name", string())], &["id", "name"]),
        "OrganizationWithRoles": {
            "allOf": [schema("Organization"), object(&[("organizationRoles", list(schema("OrganizationRoleEntity")))], &["organizationRoles"])]
        },
        "UserWithOrganizationRoles": {
            "allOf": [schema("User"), object(&[("organizationRoles", list(schema("OrganizationRoleEntity")))], &["organizationRoles"])]
        },
        "ApplicationWithOrganizationRoles": {
            "allOf": [schema("Application"), object(&[("organizationRoles", list(schema("OrganizationRoleEntity")))], &["organizationRoles"])]
        },
        "OrganizationScope": object(&[("tenantId", string()), ("id", string()), ("name", string()), ("description", nullable_string())], &["id", "name"]),
        "OrganizationRole": object(&[
            ("tenantId", string()),
            ("id", string()),
            ("name", string()),
            ("description", nullable_string()),
            ("type", schema("RoleType")),
        ], &["id", "name", "type"]),
        "OrganizationRoleWithScopes": {
            "allOf": [schema("OrganizationRole"), object(&[
                ("scopes", list(object(&[("id", string()), ("name", string())], &["id", "name"]))),
                ("resourceScopes", list(object(&[
                    ("id", string()),
                    ("name", string()),
                    ("resource", object(&[("id", string()), ("name", string())], &["id", "name"])),
                ], &["id", "name", "resource"]))),
            ], &["scopes", "resourceScopes"])]
        },
        "Connector": {
            "type": "object",
            "description": "A connector instance: `id`, `connectorId` (its factory), `config`, `metadata`, `syncProfile`, plus the factory's fields.",
            "properties": { "id": string(), "connectorId": string(), "config": any_object(), "metadata": any_object(), "syncProfile": boolean() },
            "additionalProperties": true,
        },
        "SignInExperience": {
            "type": "object",
            "description": "Logto's sign-in experience settings (`signInMode`, `signUp`, `signIn`, `socialSignInConnectorTargets`, `passwordPolicy`, `color`, `branding`, …).",
            "properties": {
                "signInMode": { "type": "string", "enum": ["SignIn", "Register", "SignInAndRegister"] },
                "signUp": any_object(),
                "signIn": any_object(),
                "socialSignInConnectorTargets": list(string()),
                "passwordPolicy": any_object(),
                "verificationCodePolicy": any_object(),
                "sentinelPolicy": any_object(),
                "color": any_object(),
                "branding": any_object(),
                "termsOfUseUrl": nullable_string(),
                "privacyPolicyUrl": nullable_string(),
            },
            "additionalProperties": true,
        },
        "PrivateKey": object(&[
            ("id", string()),
            ("createdAt", json!({"type": "integer", "description": "Epoch seconds."})),
            ("signingKeyAlgorithm", json!({"type": "string", "enum": ["EC"]})),
            ("activatesAt", json!({"type": "integer", "description": "Epoch seconds from which the key signs."})),
        ], &["id", "createdAt", "signingKeyAlgorithm"]),
    })
}

/// Path parameters, from the `{name}` segments of an OpenAPI path.
fn path_parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|rest| rest.strip_suffix('}')))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect()
}

fn error_response(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema("Error") } } })
}

/// `get_api_users_userId`-style ids: unique, since method and path are.
fn operation_id(op: &Op) -> String {
    let path: String = op.path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    let words: Vec<&str> = path.split('_').filter(|word| !word.is_empty()).collect();
    format!("{}_{}", op.method, words.join("_"))
}

fn operation(op: &Op) -> Value {
    let mut parameters = path_parameters(op.path);
    parameters.extend(op.query.iter().map(|(name, schema, description)| {
        json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
    }));
    let mut responses = Map::new();
    let success = match &op.response {
        Some(schema) => json!({ "description": "Success.", "content": { "application/json": { "schema": schema } } }),
        None => json!({ "description": "Success." }),
    };
    responses.insert(op.status.to_string(), success);
    for (status, description) in &op.also {
        responses.insert(status.to_string(), json!({ "description": description }));
    }
    if op.body.is_some() || !op.query.is_empty() {
        responses.insert("400".into(), error_response("Invalid input (`guard.invalid_input`, `guard.invalid_pagination`)."));
    }
    if op.auth == Auth::Bearer {
        responses.insert("401".into(), error_response("Missing or invalid access token (`auth.unauthorized`)."));
        responses.insert("403".into(), error_response("The token lacks the `all` scope (`auth.forbidden`)."));
    }
    if op.path.contains('{') {
        responses.insert("404".into(), error_response("Not found (`entity.not_found`)."));
    }
    if op.unprocessable {
        responses.insert("422".into(), error_response("Refused by a business rule (conflict, wrong type, …)."));
    }
    let mut value = json!({
        "tags": [op.tag],
        "summary": op.summary,
        "operationId": operation_id(op),
        "parameters": parameters,
        "responses": responses,
    });
    value["security"] = match op.auth {
        Auth::Bearer => json!([{ "bearerAuth": ["all"] }]),
        Auth::Interaction => json!([{ "interactionCookie": [] }]),
        Auth::Public => json!([]),
    };
    if let Some(body) = &op.body {
        value["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": body } } });
    }
    value
}

fn document() -> Value {
    let mut paths = Map::new();
    for op in operations() {
        let item = paths.entry(op.path).or_insert_with(|| json!({}));
        item[op.method] = operation(&op);
    }
    json!({
        "openapi": "3.0.1",
        "info": {
            "title": "Sesame API",
            "description": "Logto-compatible Management API, Experience API and public endpoints of Sesame.",
            "version": env!("CARGO_PKG_VERSION"),
        },
        "servers": [{ "url": "/" }],
        "security": [{ "bearerAuth": ["all"] }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A client-credentials access token for the resource `https://default.logto.app/api` with the scope `all`.",
                },
                "interactionCookie": { "type": "apiKey", "in": "cookie", "name": "_interaction" },
            },
            "schemas": schemas(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_unique_and_documents_its_path_parameters() {
        let ops = operations();
        let mut seen = std::collections::HashSet::new();
        for op in &ops {
            assert!(op.path.starts_with("/api/"), "{}", op.path);
            assert!(seen.insert((op.method, op.path)), "duplicate {} {}", op.method, op.path);
        }
        let doc = document();
        let params = &doc["paths"]["/api/resources/{resourceId}/scopes/{scopeId}"]["patch"]["parameters"];
        assert_eq!(params.as_array().map(Vec::len), Some(2));
        assert!(doc["components"]["schemas"]["User"]["properties"].get("passwordEncrypted").is_none());
        let ids: std::collections::HashSet<String> = ops.iter().map(operation_id).collect();
        assert_eq!(ids.len(), ops.len(), "operation ids are unique");
        assert_eq!(doc["paths"]["/api/users/{userId}/has-password"]["get"]["operationId"], "get_api_users_userId_has_password");
    }
}

//! Scopes and the user claims they release, exactly as Logto defines them
//! (`null` for core columns, omitted profile fields, timestamps in milliseconds).

use serde_json::{json, Map, Value};

use crate::model::User;
use crate::provider::Provider;
use crate::store::StoreResult;

pub const OPENID: &str = "openid";
pub const OFFLINE_ACCESS: &str = "offline_access";
pub const PROFILE: &str = "profile";
pub const EMAIL: &str = "email";
pub const PHONE: &str = "phone";
pub const ADDRESS: &str = "address";
pub const CUSTOM_DATA: &str = "custom_data";
pub const IDENTITIES: &str = "identities";
pub const ROLES: &str = "roles";
pub const ORGANIZATIONS: &str = "urn:logto:scope:organizations";
pub const ORGANIZATION_ROLES: &str = "urn:logto:scope:organization_roles";

/// Scopes the provider understands; any other requested scope may belong to an API resource.
pub const OIDC_SCOPES: &[&str] = &[
    OPENID, OFFLINE_ACCESS, PROFILE, EMAIL, PHONE, ADDRESS, CUSTOM_DATA, IDENTITIES, ROLES, ORGANIZATIONS, ORGANIZATION_ROLES,
];

pub const SUPPORTED_CLAIMS: &[&str] = &[
    "sub", "roles", "organizations", "organization_data", "organization_roles", "name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
    "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at", "username", "created_at", "email",
    "email_verified", "phone_number", "phone_number_verified", "address", "custom_data", "identities", "sso_identities",
    "sid", "auth_time", "iss",
];

/// Profile claims stored camelCase in `users.profile`, released only when set.
const PROFILE_FIELDS: &[(&str, &str)] = &[
    ("familyName", "family_name"),
    ("givenName", "given_name"),
    ("middleName", "middle_name"),
    ("nickname", "nickname"),
    ("profile", "profile"),
    ("website", "website"),
    ("gender", "gender"),
    ("birthdate", "birthdate"),
    ("zoneinfo", "zoneinfo"),
    ("locale", "locale"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    IdToken,
    UserInfo,
}

pub fn is_oidc_scope(scope: &str) -> bool {
    OIDC_SCOPES.contains(&scope)
}

fn has(scopes: &[String], scope: &str) -> bool {
    scopes.iter().any(|s| s == scope)
}

fn optional_string(value: &Option<String>) -> Value {
    value.as_deref().map_or(Value::Null, Value::from)
}

/// The claims `scopes` release about `user` for the given audience (`sub` included).
pub fn user_claims(user: &User, scopes: &[String], audience: Audience) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("sub".into(), Value::from(user.id.as_str()));
    if has(scopes, PROFILE) {
        add_profile_claims(user, &mut claims);
    }
    if has(scopes, EMAIL) {
        claims.insert("email".into(), optional_string(&user.primary_email));
        claims.insert("email_verified".into(), Value::Bool(user.primary_email.is_some()));
    }
    if has(scopes, PHONE) {
        claims.insert("phone_number".into(), optional_string(&user.primary_phone));
        claims.insert("phone_number_verified".into(), Value::Bool(user.primary_phone.is_some()));
    }
    if has(scopes, ADDRESS) {
        if let Some(address) = user.profile.get("address").filter(|a| !a.is_null()) {
            claims.insert("address".into(), address.clone());
        }
    }
    if audience == Audience::UserInfo {
        if has(scopes, CUSTOM_DATA) {
            claims.insert("custom_data".into(), user.custom_data.clone());
        }
        if has(scopes, IDENTITIES) {
            claims.insert("identities".into(), user.identities.clone());
            claims.insert("sso_identities".into(), Value::Array(Vec::new()));
        }
    }
    claims
}

/// [`user_claims`] plus the claims that need the store (`roles`).
pub async fn load_user_claims(provider: &Provider, user: &User, scopes: &[String], audience: Audience) -> StoreResult<Map<String, Value>> {
    let mut claims = user_claims(user, scopes, audience);
    if has(scopes, ROLES) {
        let roles = provider.store.user_roles(&user.id).await?;
        claims.insert("roles".into(), roles.into_iter().map(|role| Value::from(role.name)).collect());
    }
    if has(scopes, ORGANIZATIONS) {
        let organizations = provider.store.user_organizations(&user.id).await?;
        claims.insert("organizations".into(), organizations.iter().map(|org| Value::from(org.id.as_str())).collect());
        if audience == Audience::UserInfo {
            let data = organizations.iter().map(|org| json!({"id": org.id, "name": org.name, "description": org.description}));
            claims.insert("organization_data".into(), data.collect());
        }
    }
    if has(scopes, ORGANIZATION_ROLES) {
        let roles = provider.store.user_organization_role_names(&user.id).await?;
        claims.insert("organization_roles".into(), roles.into_iter().map(|(org, role)| Value::from(format!("{org}:{role}"))).collect());
    }
    Ok(claims)
}

fn add_profile_claims(user: &User, claims: &mut Map<String, Value>) {
    claims.insert("name".into(), optional_string(&user.name));
    claims.insert("picture".into(), optional_string(&user.avatar));
    claims.insert("username".into(), optional_string(&user.username));
    claims.insert("created_at".into(), Value::from(user.created_at));
    claims.insert("updated_at".into(), Value::from(user.updated_at));
    for (stored, claim) in PROFILE_FIELDS {
        if let Some(value) = user.profile.get(*stored).filter(|v| !v.is_null()) {
            claims.insert((*claim).into(), value.clone());
        }
    }
    let preferred = user
        .profile
        .get("preferredUsername")
        .filter(|v| !v.is_null())
        .cloned()
        .or_else(|| user.username.as_deref().map(Value::from));
    if let Some(preferred) = preferred {
        claims.insert("preferred_username".into(), preferred);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> User {
        User {
            id: "u1".into(),
            username: Some("alice".into()),
            primary_email: None,
            primary_phone: Some("+15550100".into()),
            password_encrypted: None,
            password_encryption_method: None,
            name: None,
            avatar: None,
            profile: json!({"givenName": "Alice", "address": {"streetAddress": "1 Main St"}}),
            custom_data: json!({"plan": "pro"}),
            identities: json!({}),
            is_suspended: false,
            last_sign_in_at: None,
            created_at: 1_700_000_000_123,
            updated_at: 1_700_000_000_456,
        }
    }

    fn scopes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn openid_alone_releases_only_sub() {
        assert_eq!(Value::Object(user_claims(&user(), &scopes(&["openid"]), Audience::IdToken)), json!({"sub": "u1"}));
    }

    #[test]
    fn profile_uses_null_for_core_columns_and_omits_unset_profile_fields() {
        let claims = user_claims(&user(), &scopes(&["openid", "profile"]), Audience::IdToken);
        assert_eq!(claims["name"], Value::Null);
        assert_eq!(claims["picture"], Value::Null);
        assert_eq!(claims["username"], "alice");
        assert_eq!(claims["given_name"], "Alice");
        assert_eq!(claims["preferred_username"], "alice");
        assert_eq!(claims["created_at"], 1_700_000_000_123_i64, "milliseconds, like Logto");
        assert!(!claims.contains_key("family_name"));
        assert!(!claims.contains_key("address"));
    }

    #[test]
    fn email_and_phone_claims() {
        let claims = user_claims(&user(), &scopes(&["email", "phone", "address"]), Audience::IdToken);
        assert_eq!(claims["email"], Value::Null);
        assert_eq!(claims["email_verified"], false);
        assert_eq!(claims["phone_number"], "+15550100");
        assert_eq!(claims["phone_number_verified"], true);
        assert_eq!(claims["address"], json!({"streetAddress": "1 Main St"}), "inner keys stay camelCase");
    }

    #[test]
    fn custom_data_and_identities_only_at_userinfo() {
        let wanted = scopes(&["custom_data", "identities"]);
        let id_token = user_claims(&user(), &wanted, Audience::IdToken);
        assert!(!id_token.contains_key("custom_data") && !id_token.contains_key("identities"));
        let userinfo = user_claims(&user(), &wanted, Audience::UserInfo);
        assert_eq!(userinfo["custom_data"], json!({"plan": "pro"}));
        assert_eq!(userinfo["identities"], json!({}));
    }
}

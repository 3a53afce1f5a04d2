//! Creating applications and users: shared by the CLI and (later) the Management API, so both
//! enforce the same invariants.

use serde_json::json;
use url::Url;

use crate::crypto::password::PasswordHasherPool;
use crate::error::{codes, ApiError};
use crate::ids;
use crate::model::{Application, ApplicationSecret, ApplicationType, NewUser, OidcClientMetadata, Page, RoleType, User};
use crate::store::{Store, StoreError};

#[derive(Debug, Clone)]
pub struct NewApplication {
    pub name: String,
    pub app_type: ApplicationType,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
}

/// Creates the application; confidential types get a generated secret, returned once here.
pub async fn create_application(store: &dyn Store, new: NewApplication, now: i64) -> Result<(Application, Option<String>), ApiError> {
    if new.name.trim().is_empty() {
        return Err(ApiError::invalid_input("Application name must not be empty."));
    }
    for uri in new.redirect_uris.iter().chain(&new.post_logout_redirect_uris) {
        check_registered_uri(uri, new.app_type)?;
    }
    let app = Application {
        id: ids::entity_id(),
        name: new.name.trim().to_owned(),
        description: None,
        app_type: new.app_type,
        oidc_client_metadata: OidcClientMetadata {
            redirect_uris: new.redirect_uris,
            post_logout_redirect_uris: new.post_logout_redirect_uris,
        },
        custom_client_metadata: json!({}),
        is_third_party: false,
        created_at: now,
    };
    let secret = (!app.app_type.is_public()).then(|| ApplicationSecret {
        application_id: app.id.clone(),
        name: "Default secret".to_owned(),
        value: ids::app_secret(),
        created_at: now,
        expires_at: None,
    });
    store.insert_application(&app, secret.as_ref()).await?;
    Ok((app, secret.map(|s| s.value)))
}

/// Redirect URIs are matched exactly later, so here they must be sane: http(s) or, for native
/// apps, a private-use scheme with a dot (RFC 8252 §7.1); never `javascript:`/`data:`; no
/// fragment, no userinfo.
pub fn check_registered_uri(uri: &str, app_type: ApplicationType) -> Result<(), ApiError> {
    let invalid = || ApiError::invalid_input(format!("Invalid redirect URI: {uri}"));
    let parsed = Url::parse(uri).map_err(|_| invalid())?;
    let scheme = parsed.scheme();
    let web = matches!(scheme, "http" | "https") && parsed.host().is_some();
    let private_use = app_type == ApplicationType::Native && scheme.contains('.');
    if !(web || private_use) || parsed.fragment().is_some() || !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid());
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct NewUserInput {
    pub username: Option<String>,
    pub password: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub name: Option<String>,
}

pub async fn create_user(store: &dyn Store, hasher: &PasswordHasherPool, input: NewUserInput, now: i64) -> Result<User, ApiError> {
    let (password_encrypted, password_encryption_method) = match &input.password {
        Some(password) => {
            let (hash, method) = hasher.hash(password).await?;
            (Some(hash), Some(method.to_owned()))
        }
        None => (None, None),
    };
    let new_user = NewUser {
        id: ids::user_id(),
        username: input.username,
        primary_email: input.email.map(|email| email.trim().to_lowercase()),
        primary_phone: input.phone,
        password_encrypted,
        password_encryption_method,
        name: input.name,
    };
    insert_user(store, &new_user, now).await.map_err(|err| match err {
        StoreError::Conflict { field } => conflict(&field),
        other => other.into(),
    })
}

/// Inserts a user and gives it the default roles, as every way of creating users must.
pub async fn insert_user(store: &dyn Store, new_user: &NewUser, now: i64) -> Result<User, StoreError> {
    let user = store.insert_user(new_user, now).await?;
    let defaults = store.list_roles(Some(RoleType::User), None, Page::ALL).await?;
    let default_ids: Vec<String> = defaults.items.into_iter().filter(|role| role.is_default).map(|role| role.id).collect();
    if !default_ids.is_empty() {
        store.add_user_roles(&user.id, &default_ids).await?;
    }
    Ok(user)
}

fn conflict(field: &str) -> ApiError {
    match field {
        "username" => ApiError::new(422, codes::USER_USERNAME_IN_USE, "This username is already in use."),
        "primary_email" => ApiError::new(422, codes::USER_EMAIL_IN_USE, "This email is associated with an existing account."),
        "primary_phone" => ApiError::new(422, codes::USER_PHONE_IN_USE, "This phone number is associated with an existing account."),
        _ => ApiError::invalid_input("A unique field is already in use."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_uris_are_sane() {
        let web = ApplicationType::Traditional;
        assert!(check_registered_uri("http://localhost:3000/callback", web).is_ok());
        assert!(check_registered_uri("https://app.example.com/cb?x=1", web).is_ok());
        for bad in ["JaVaScRiPt:alert(1)", "data:text/html,x", "https://a.example/cb#frag", "https://u:p@a.example/", "/relative", "io.app://cb"] {
            assert!(check_registered_uri(bad, web).is_err(), "{bad}");
        }
        assert!(check_registered_uri("io.logto.app://callback", ApplicationType::Native).is_ok());
        assert!(check_registered_uri("javascript://x", ApplicationType::Native).is_err());
    }
}

//! Applications: create, update, delete, secrets and machine-to-machine roles.

use serde::Deserialize;
use serde_json::Value;

use super::{entity_error, not_found};
use crate::error::ApiError;
use crate::ids;
use crate::model::{Application, ApplicationSecret, ApplicationType, Listing, OidcClientMetadata, Page, Role, RoleType};
use crate::provider::Provider;
use crate::provision::{self, NewApplication};

const ENTITY: &str = "application";

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateApplication {
    pub name: String,
    #[serde(rename = "type")]
    pub app_type: ApplicationType,
    pub description: Option<String>,
    #[serde(default)]
    pub oidc_client_metadata: Option<OidcClientMetadata>,
    #[serde(default)]
    pub custom_client_metadata: Option<Value>,
    #[serde(default)]
    pub is_third_party: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateApplication {
    pub name: Option<String>,
    pub description: Option<String>,
    pub oidc_client_metadata: Option<OidcClientMetadata>,
    pub custom_client_metadata: Option<Value>,
    pub is_third_party: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateSecret {
    pub name: String,
    pub expires_at: Option<i64>,
}

pub async fn get(provider: &Provider, id: &str) -> Result<Application, ApiError> {
    provider.store.find_application(id).await?.ok_or_else(|| not_found(ENTITY))
}

pub async fn list(provider: &Provider, types: &[ApplicationType], page: Page) -> Result<Listing<Application>, ApiError> {
    Ok(provider.store.list_applications(types, page).await?)
}

/// The application and its default secret (confidential types only).
pub async fn create(provider: &Provider, input: CreateApplication) -> Result<Application, ApiError> {
    let metadata = input.oidc_client_metadata.unwrap_or_default();
    let new = NewApplication {
        name: input.name,
        app_type: input.app_type,
        redirect_uris: metadata.redirect_uris,
        post_logout_redirect_uris: metadata.post_logout_redirect_uris,
    };
    let (mut app, _secret) = provision::create_application(provider.store.as_ref(), new, provider.now_ms()).await?;
    let customised = input.description.is_some() || input.custom_client_metadata.is_some() || input.is_third_party.is_some();
    if customised {
        app.description = input.description;
        app.custom_client_metadata = input.custom_client_metadata.unwrap_or(app.custom_client_metadata);
        app.is_third_party = input.is_third_party.unwrap_or(false);
        provider.store.update_application(&app).await.map_err(entity_error(ENTITY))?;
    }
    Ok(app)
}

pub async fn update(provider: &Provider, id: &str, patch: UpdateApplication) -> Result<Application, ApiError> {
    let mut app = get(provider, id).await?;
    if let Some(name) = patch.name {
        if name.trim().is_empty() {
            return Err(ApiError::invalid_input("Application name must not be empty."));
        }
        app.name = name.trim().to_owned();
    }
    if let Some(metadata) = patch.oidc_client_metadata {
        for uri in metadata.redirect_uris.iter().chain(&metadata.post_logout_redirect_uris) {
            provision::check_registered_uri(uri, app.app_type)?;
        }
        app.oidc_client_metadata = metadata;
    }
    if let Some(custom) = patch.custom_client_metadata {
        if !custom.is_object() {
            return Err(ApiError::invalid_input("customClientMetadata must be an object."));
        }
        app.custom_client_metadata = custom;
    }
    app.description = patch.description.or(app.description);
    app.is_third_party = patch.is_third_party.unwrap_or(app.is_third_party);
    provider.store.update_application(&app).await.map_err(entity_error(ENTITY))?;
    Ok(app)
}

pub async fn delete(provider: &Provider, id: &str) -> Result<(), ApiError> {
    provider.store.delete_application(id).await.map_err(entity_error(ENTITY))
}

pub async fn secrets(provider: &Provider, id: &str) -> Result<Vec<ApplicationSecret>, ApiError> {
    get(provider, id).await?;
    Ok(provider.store.application_secrets(id).await?)
}

pub async fn create_secret(provider: &Provider, id: &str, input: CreateSecret) -> Result<ApplicationSecret, ApiError> {
    let app = get(provider, id).await?;
    if app.app_type.is_public() {
        return Err(ApiError::invalid_input("Public applications cannot have secrets."));
    }
    let now = provider.now_ms();
    if input.name.trim().is_empty() || input.expires_at.is_some_and(|at| at <= now) {
        return Err(ApiError::invalid_input("A secret needs a name and, if it expires, a future expiry."));
    }
    let secret = ApplicationSecret {
        application_id: app.id,
        name: input.name.trim().to_owned(),
        value: ids::app_secret(),
        created_at: now,
        expires_at: input.expires_at,
    };
    provider.store.insert_application_secret(&secret).await.map_err(entity_error("application secret"))?;
    Ok(secret)
}

pub async fn delete_secret(provider: &Provider, id: &str, name: &str) -> Result<(), ApiError> {
    provider.store.delete_application_secret(id, name).await.map_err(entity_error("application secret"))
}

pub async fn roles(provider: &Provider, id: &str) -> Result<Vec<Role>, ApiError> {
    get(provider, id).await?;
    Ok(provider.store.application_roles(id).await?)
}

/// Only machine-to-machine apps hold roles, and only machine-to-machine roles.
pub async fn add_roles(provider: &Provider, id: &str, role_ids: &[String]) -> Result<(), ApiError> {
    let app = get(provider, id).await?;
    if app.app_type != ApplicationType::MachineToMachine {
        return Err(ApiError::invalid_input("Only machine-to-machine applications can be assigned roles."));
    }
    for role_id in role_ids {
        let role = provider.store.find_role(role_id).await?.ok_or_else(|| not_found("role"))?;
        if role.role_type != RoleType::MachineToMachine {
            return Err(ApiError::invalid_input("Only machine-to-machine roles can be assigned to applications."));
        }
    }
    provider.store.add_application_roles(id, role_ids).await.map_err(entity_error(ENTITY))
}

pub async fn remove_role(provider: &Provider, id: &str, role_id: &str) -> Result<(), ApiError> {
    provider.store.remove_application_role(id, role_id).await.map_err(entity_error("application role"))
}

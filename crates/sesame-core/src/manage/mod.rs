//! Management operations behind Logto's Management API: the invariants of applications, users,
//! API resources and roles, and who may call them. No HTTP types: the server maps requests in
//! and results out.

pub mod applications;
pub mod auth;
pub mod connectors;
pub mod input;
pub mod keys;
pub mod organization_roles;
pub mod organization_scopes;
pub mod organizations;
pub mod resources;
pub mod roles;
pub mod seed;
pub mod user_identities;
pub mod users;

use crate::error::{codes, ApiError};
use crate::store::StoreError;

pub fn not_found(entity: &str) -> ApiError {
    ApiError::new(404, codes::ENTITY_NOT_FOUND, format!("The {entity} does not exist."))
}

/// Maps a store error on a single entity: missing → 404, taken unique field → 422.
pub fn entity_error(entity: &'static str) -> impl Fn(StoreError) -> ApiError {
    move |err| match err {
        StoreError::NotFound => not_found(entity),
        StoreError::Conflict { field } => {
            ApiError::new(422, codes::ENTITY_UNIQUE_VIOLATION, format!("The {entity}'s {field} is already in use."))
        }
        other => other.into(),
    }
}

//! Logto's Management API under `/api`: camelCase JSON, epoch-ms timestamps, `{code, message}`
//! errors, `page`/`page_size` pagination. Every route requires a Management API token.

mod applications;
mod auth;
mod configs;
mod connectors;
mod openapi;
mod organization_roles;
mod organization_scopes;
mod organizations;
mod pagination;
mod query;
mod resources;
mod roles;
mod sign_in_experience;
mod user_identities;
mod users;

use axum::Router;

use crate::AppState;

pub use auth::ManagementCaller;
pub use pagination::{paginated, PageQuery};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(applications::router())
        .merge(users::router())
        .merge(user_identities::router())
        .merge(resources::router())
        .merge(roles::router())
        .merge(organizations::router())
        .merge(organization_roles::router())
        .merge(organization_scopes::router())
        .merge(configs::router())
        .merge(connectors::router())
        .merge(sign_in_experience::router())
        .merge(openapi::router())
}

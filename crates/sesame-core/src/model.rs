//! Domain records: users and applications, in Logto's shapes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub username: Option<String>,
    pub primary_email: Option<String>,
    pub primary_phone: Option<String>,
    #[serde(skip)]
    pub password_encrypted: Option<String>,
    #[serde(skip)]
    pub password_encryption_method: Option<String>,
    pub name: Option<String>,
    pub avatar: Option<String>,
    /// OIDC standard profile fields (`givenName`, `familyName`, …), camelCase like Logto.
    pub profile: Value,
    pub custom_data: Value,
    pub identities: Value,
    pub is_suspended: bool,
    pub last_sign_in_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What it takes to create a user; the store fills in timestamps.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub id: String,
    pub username: Option<String>,
    pub primary_email: Option<String>,
    pub primary_phone: Option<String>,
    pub password_encrypted: Option<String>,
    pub password_encryption_method: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApplicationType {
    Native,
    #[serde(rename = "SPA")]
    Spa,
    Traditional,
    MachineToMachine,
}

impl ApplicationType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Native => "Native",
            Self::Spa => "SPA",
            Self::Traditional => "Traditional",
            Self::MachineToMachine => "MachineToMachine",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "Native" => Self::Native,
            "SPA" => Self::Spa,
            "Traditional" => Self::Traditional,
            "MachineToMachine" => Self::MachineToMachine,
            _ => return None,
        })
    }

    /// Public clients authenticate with PKCE alone and get no secret.
    pub fn is_public(self) -> bool {
        matches!(self, Self::Native | Self::Spa)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OidcClientMetadata {
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub app_type: ApplicationType,
    pub oidc_client_metadata: OidcClientMetadata,
    pub custom_client_metadata: Value,
    pub is_third_party: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSecret {
    pub application_id: String,
    pub name: String,
    pub value: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

/// An API resource (RFC 8707 resource indicator) whose scopes roles grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub id: String,
    pub name: String,
    /// Unique across resources.
    pub indicator: String,
    /// At most one resource is the default (used when a token request names none).
    pub is_default: bool,
    /// Seconds.
    pub access_token_ttl: i64,
}

/// A permission of an API resource; `name` is unique within its resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scope {
    pub id: String,
    pub resource_id: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoleType {
    User,
    MachineToMachine,
}

impl RoleType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::MachineToMachine => "MachineToMachine",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "User" => Some(Self::User),
            "MachineToMachine" => Some(Self::MachineToMachine),
            _ => None,
        }
    }
}

/// A role: a named set of scopes, held by users (type `User`) or M2M apps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    pub id: String,
    /// Unique across roles.
    pub name: String,
    pub description: String,
    #[serde(rename = "type")]
    pub role_type: RoleType,
    /// Default roles are given to every new user.
    pub is_default: bool,
    pub created_at: i64,
}

/// A window of a listing: `offset` rows skipped, at most `limit` returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: u64,
    pub limit: u64,
}

impl Page {
    pub const ALL: Page = Page { offset: 0, limit: i64::MAX as u64 };
}

/// One page of a listing and the total number of matching rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// A configured connector instance (Logto's `connectors` row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorRecord {
    /// The instance id (what `/api/connectors/:id` and `/callback/:id` name).
    pub id: String,
    /// The factory id, e.g. `aws-ses-mail`, `discord-universal`.
    pub connector_id: String,
    /// Holds secrets (access keys, client secrets): never log it unredacted.
    pub config: Value,
    /// `target`, `name`, `logo`… overrides.
    pub metadata: Value,
    pub sync_profile: bool,
    pub created_at: i64,
}

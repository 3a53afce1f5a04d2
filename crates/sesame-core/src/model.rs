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

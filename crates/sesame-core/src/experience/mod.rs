//! The Experience API's flows (Logto's `/api/experience` contract): an interaction moves
//! through an event, verifications, an identified user and a submit. State lives in the
//! stored Interaction artifact, so any node can serve the next step; counters (rate limits,
//! lockout, code attempts) live in the store's event windows, shared by all nodes.

mod codes;
mod identify;
mod password;
pub mod password_policy;
mod profile;
mod sentinel;
mod social;

use serde::{Deserialize, Serialize};

use crate::error::{codes as error_codes, ApiError};
use crate::oidc::artifacts::{self, AuthorizationRequest, Loaded};
use crate::provider::Provider;
use crate::sign_in_experience;
use crate::store::ArtifactKind;

pub use codes::{send_code, verify_code};
pub use identify::{identify, Identified};
pub use password::{new_password_identity, verify_password};
pub use profile::{add_profile, reset_password, ProfileInput};
pub use social::{authorization_uri as social_authorization_uri, verify as verify_social, SocialIdentity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InteractionEvent {
    SignIn,
    Register,
    ForgotPassword,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IdentifierType {
    Username,
    Email,
    Phone,
}

impl IdentifierType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::Email => "email",
            Self::Phone => "phone",
        }
    }

    fn setting(self) -> sign_in_experience::Identifier {
        match self {
            Self::Username => sign_in_experience::Identifier::Username,
            Self::Email => sign_in_experience::Identifier::Email,
            Self::Phone => sign_in_experience::Identifier::Phone,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifier {
    #[serde(rename = "type")]
    pub kind: IdentifierType,
    pub value: String,
}

impl Identifier {
    /// Trimmed; emails lower-cased, so one address is one identifier everywhere.
    fn canonical(&self) -> Identifier {
        let value = self.value.trim();
        let value = if self.kind == IdentifierType::Email { value.to_lowercase() } else { value.to_owned() };
        Identifier { kind: self.kind, value }
    }
}

/// A proof gathered during the interaction, referenced by its `verificationId`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Verification {
    #[serde(rename_all = "camelCase")]
    Password { id: String, user_id: String },
    #[serde(rename_all = "camelCase")]
    NewPasswordIdentity { id: String, username: String, password_hash: String, password_method: String },
    #[serde(rename_all = "camelCase")]
    VerificationCode { id: String, identifier: Identifier, code_hash: String, expires_at: i64, verified: bool },
    /// A social sign-in: the connector session (instance, its target, `state`, redirect URI)
    /// and, once the callback is verified, the provider's profile.
    #[serde(rename_all = "camelCase")]
    Social {
        id: String,
        connector_id: String,
        target: String,
        state: String,
        redirect_uri: String,
        #[serde(default)]
        identity: Option<SocialIdentity>,
    },
}

impl Verification {
    fn id(&self) -> &str {
        match self {
            Self::Password { id, .. }
            | Self::NewPasswordIdentity { id, .. }
            | Self::VerificationCode { id, .. }
            | Self::Social { id, .. } => id,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingProfile {
    pub username: Option<String>,
    pub password_hash: Option<String>,
    pub password_method: Option<String>,
}

/// The stored Interaction artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InteractionRecord {
    pub request: AuthorizationRequest,
    #[serde(default)]
    pub event: Option<InteractionEvent>,
    #[serde(default)]
    pub verifications: Vec<Verification>,
    #[serde(default)]
    pub profile: PendingProfile,
    #[serde(default)]
    pub identified_user: Option<String>,
    #[serde(default)]
    pub signed_in_user: Option<String>,
}

impl InteractionRecord {
    pub fn new(request: AuthorizationRequest) -> Self {
        Self {
            request,
            event: None,
            verifications: Vec::new(),
            profile: PendingProfile::default(),
            identified_user: None,
            signed_in_user: None,
        }
    }

    /// The user the Experience API signed in, once submitted.
    pub fn signed_in_account(&self) -> Option<&str> {
        self.signed_in_user.as_deref()
    }

    fn verification(&self, id: &str) -> Result<&Verification, ApiError> {
        self.verifications.iter().find(|v| v.id() == id).ok_or_else(verification_not_found)
    }

    /// One record per verification type: a new one replaces the old (a new code voids the
    /// previous one).
    fn add_verification(&mut self, verification: Verification) {
        self.verifications.retain(|v| std::mem::discriminant(v) != std::mem::discriminant(&verification));
        self.verifications.push(verification);
    }

    fn event(&self) -> Result<InteractionEvent, ApiError> {
        self.event.ok_or_else(|| ApiError::new(400, error_codes::SESSION_INTERACTION_EVENT_NOT_SET, "Interaction event is not set."))
    }
}

fn verification_not_found() -> ApiError {
    ApiError::new(404, error_codes::SESSION_VERIFICATION_NOT_FOUND, "Verification record not found.")
}

fn session_not_found() -> ApiError {
    ApiError::new(400, error_codes::SESSION_NOT_FOUND, "Session not found.")
}

pub(crate) fn forbidden_event() -> ApiError {
    ApiError::new(403, error_codes::AUTH_FORBIDDEN, "This interaction event is not allowed by the sign-in experience.")
}

async fn load(provider: &Provider, uid: Option<&str>) -> Result<Loaded<InteractionRecord>, ApiError> {
    let uid = uid.ok_or_else(session_not_found)?;
    artifacts::load::<InteractionRecord>(provider, ArtifactKind::Interaction, uid)
        .await?
        .ok_or_else(session_not_found)
}

async fn save(provider: &Provider, interaction: &Loaded<InteractionRecord>) -> Result<(), ApiError> {
    artifacts::save(provider, ArtifactKind::Interaction, &interaction.key, None, None, &interaction.record, interaction.expires_at)
        .await?;
    Ok(())
}

async fn check_event_allowed(provider: &Provider, event: InteractionEvent) -> Result<(), ApiError> {
    let settings = sign_in_experience::load(provider).await?;
    let allowed = match event {
        InteractionEvent::SignIn | InteractionEvent::ForgotPassword => settings.allows_sign_in(),
        InteractionEvent::Register => settings.allows_registration(),
    };
    if allowed { Ok(()) } else { Err(forbidden_event()) }
}

/// `PUT /api/experience`: (re)starts the interaction for `event`, discarding earlier progress.
pub async fn start(provider: &Provider, uid: Option<&str>, event: InteractionEvent) -> Result<(), ApiError> {
    let mut interaction = load(provider, uid).await?;
    check_event_allowed(provider, event).await?;
    interaction.record = InteractionRecord::new(interaction.record.request.clone());
    interaction.record.event = Some(event);
    save(provider, &interaction).await
}

/// `PUT /api/experience/interaction-event`: switches the event, keeping verifications.
pub async fn set_event(provider: &Provider, uid: Option<&str>, event: InteractionEvent) -> Result<(), ApiError> {
    let mut interaction = load(provider, uid).await?;
    check_event_allowed(provider, event).await?;
    interaction.record.event = Some(event);
    interaction.record.identified_user = None;
    save(provider, &interaction).await
}

/// What `submit` tells the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// Sign-in or registration done: the browser resumes the authorization here.
    Redirect(String),
    /// The password was reset; the interaction stays open for a sign-in.
    PasswordReset,
}

/// `POST /submit`.
pub async fn submit(provider: &Provider, uid: Option<&str>) -> Result<Submitted, ApiError> {
    let mut interaction = load(provider, uid).await?;
    let user_id = interaction.record.identified_user.clone().ok_or_else(|| {
        ApiError::new(404, error_codes::SESSION_IDENTIFIER_NOT_FOUND, "No user was identified in this interaction.")
    })?;
    if interaction.record.event()? == InteractionEvent::ForgotPassword {
        profile::apply_password_reset(provider, &interaction.record, &user_id).await?;
        interaction.record = InteractionRecord::new(interaction.record.request.clone());
        save(provider, &interaction).await?;
        return Ok(Submitted::PasswordReset);
    }
    interaction.record.signed_in_user = Some(user_id);
    save(provider, &interaction).await?;
    Ok(Submitted::Redirect(format!("{}/auth/{}", provider.issuer, interaction.key)))
}

//! The Experience API's flows (Logto's `/api/experience` contract): an interaction moves
//! through an event, verifications, an identified user and a submit. State lives in the
//! stored Interaction artifact, so any node can serve the next step.

mod password_policy;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::{codes, ApiError};
use crate::ids;
use crate::model::{NewUser, User};
use crate::oidc::artifacts::{self, AuthorizationRequest, Loaded};
use crate::provider::Provider;
use crate::store::{ArtifactKind, StoreError};

pub use password_policy::check_password;

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifier {
    #[serde(rename = "type")]
    pub kind: IdentifierType,
    pub value: String,
}

/// A proof gathered during the interaction, referenced by its `verificationId`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Verification {
    #[serde(rename_all = "camelCase")]
    Password { id: String, user_id: String },
    #[serde(rename_all = "camelCase")]
    NewPasswordIdentity { id: String, username: String, password_hash: String, password_method: String },
}

impl Verification {
    fn id(&self) -> &str {
        match self {
            Self::Password { id, .. } | Self::NewPasswordIdentity { id, .. } => id,
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
        self.verifications
            .iter()
            .find(|v| v.id() == id)
            .ok_or_else(|| ApiError::new(404, codes::SESSION_VERIFICATION_NOT_FOUND, "Verification record not found."))
    }

    /// One record per verification type: a new one replaces the old.
    fn add_verification(&mut self, verification: Verification) {
        self.verifications.retain(|v| std::mem::discriminant(v) != std::mem::discriminant(&verification));
        self.verifications.push(verification);
    }
}

/// Whether identification signed in an existing user or registered a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identified {
    SignedIn,
    Registered,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "camelCase")]
pub enum ProfileInput {
    Username(String),
    Password(String),
}

fn session_not_found() -> ApiError {
    ApiError::new(400, codes::SESSION_NOT_FOUND, "Session not found.")
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

/// `PUT /api/experience`: (re)starts the interaction for `event`, discarding earlier progress.
pub async fn start(provider: &Provider, uid: Option<&str>, event: InteractionEvent) -> Result<(), ApiError> {
    let mut interaction = load(provider, uid).await?;
    interaction.record = InteractionRecord::new(interaction.record.request.clone());
    interaction.record.event = Some(event);
    save(provider, &interaction).await
}

/// `PUT /api/experience/interaction-event`: switches the event, keeping verifications.
pub async fn set_event(provider: &Provider, uid: Option<&str>, event: InteractionEvent) -> Result<(), ApiError> {
    let mut interaction = load(provider, uid).await?;
    interaction.record.event = Some(event);
    interaction.record.identified_user = None;
    save(provider, &interaction).await
}

async fn find_user_by(provider: &Provider, identifier: &Identifier) -> Result<Option<User>, StoreError> {
    let value = identifier.value.trim();
    match identifier.kind {
        IdentifierType::Username => provider.store.find_user_by_username(value).await,
        IdentifierType::Email => provider.store.find_user_by_email(value).await,
        IdentifierType::Phone => provider.store.find_user_by_phone(value).await,
    }
}

/// `POST /verification/password`. Unknown users cost as much time as wrong passwords.
pub async fn verify_password(provider: &Provider, uid: Option<&str>, identifier: &Identifier, password: &str) -> Result<String, ApiError> {
    let mut interaction = load(provider, uid).await?;
    let user = find_user_by(provider, identifier).await?;
    let stored = user.as_ref().and_then(|user| {
        Some((user.password_encryption_method.clone()?, user.password_encrypted.clone()?))
    });
    let valid = provider.passwords.verify(password, stored).await?;
    let user = user.filter(|_| valid).ok_or_else(|| {
        ApiError::new(422, codes::SESSION_INVALID_CREDENTIALS, "Wrong account or password. Please try again.")
    })?;
    let id = ids::entity_id();
    interaction.record.add_verification(Verification::Password { id: id.clone(), user_id: user.id });
    save(provider, &interaction).await?;
    Ok(id)
}

/// `POST /verification/new-password-identity`: a username and password for registration.
pub async fn new_password_identity(
    provider: &Provider,
    uid: Option<&str>,
    identifier: &Identifier,
    password: &str,
) -> Result<String, ApiError> {
    let mut interaction = load(provider, uid).await?;
    if identifier.kind != IdentifierType::Username {
        return Err(ApiError::invalid_input("Only a username identifier can register with a new password."));
    }
    let username = check_username_available(provider, &identifier.value).await?;
    check_password(password, Some(&username))?;
    let (password_hash, method) = provider.passwords.hash(password).await?;
    let id = ids::entity_id();
    interaction.record.add_verification(Verification::NewPasswordIdentity {
        id: id.clone(),
        username,
        password_hash,
        password_method: method.to_owned(),
    });
    save(provider, &interaction).await?;
    Ok(id)
}

/// `POST /profile`: fields for a registration without a verification record.
pub async fn add_profile(provider: &Provider, uid: Option<&str>, input: ProfileInput) -> Result<(), ApiError> {
    let mut interaction = load(provider, uid).await?;
    match input {
        ProfileInput::Username(username) => {
            interaction.record.profile.username = Some(check_username_available(provider, &username).await?);
        }
        ProfileInput::Password(password) => {
            check_password(&password, interaction.record.profile.username.as_deref())?;
            let (hash, method) = provider.passwords.hash(&password).await?;
            interaction.record.profile.password_hash = Some(hash);
            interaction.record.profile.password_method = Some(method.to_owned());
        }
    }
    save(provider, &interaction).await
}

/// Logto's username rule: a letter or underscore, then word characters, at most 128.
fn check_username_format(username: &str) -> Result<(), ApiError> {
    let mut chars = username.chars();
    let starts_well = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !starts_well || username.len() > 128 || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(ApiError::invalid_input(
            "Username must start with a letter or underscore and contain only letters, numbers and underscores.",
        ));
    }
    Ok(())
}

async fn check_username_available(provider: &Provider, username: &str) -> Result<String, ApiError> {
    let username = username.trim();
    check_username_format(username)?;
    if provider.store.find_user_by_username(username).await?.is_some() {
        return Err(username_in_use());
    }
    Ok(username.to_owned())
}

fn username_in_use() -> ApiError {
    ApiError::new(422, codes::USER_USERNAME_IN_USE, "This username is already in use.")
}

/// `POST /identification`: binds the interaction to a user, creating one on registration.
pub async fn identify(provider: &Provider, uid: Option<&str>, verification_id: Option<&str>) -> Result<Identified, ApiError> {
    let mut interaction = load(provider, uid).await?;
    let event = interaction
        .record
        .event
        .ok_or_else(|| ApiError::new(400, codes::SESSION_INTERACTION_EVENT_NOT_SET, "Interaction event is not set."))?;
    let (user_id, outcome) = match event {
        InteractionEvent::SignIn | InteractionEvent::ForgotPassword => {
            let id = verification_id.ok_or_else(|| ApiError::invalid_input("verificationId is required."))?;
            (identify_existing(provider, &interaction.record, id).await?, Identified::SignedIn)
        }
        InteractionEvent::Register => (register(provider, &interaction.record, verification_id).await?, Identified::Registered),
    };
    interaction.record.identified_user = Some(user_id);
    save(provider, &interaction).await?;
    Ok(outcome)
}

async fn identify_existing(provider: &Provider, record: &InteractionRecord, verification_id: &str) -> Result<String, ApiError> {
    let Verification::Password { user_id, .. } = record.verification(verification_id)? else {
        return Err(ApiError::invalid_input("This verification cannot identify an existing user."));
    };
    let user = provider
        .store
        .find_user(user_id)
        .await?
        .ok_or_else(|| ApiError::new(404, codes::USER_NOT_EXIST, "User does not exist."))?;
    if user.is_suspended {
        return Err(ApiError::new(401, codes::USER_SUSPENDED, "This account is suspended."));
    }
    Ok(user.id)
}

async fn register(provider: &Provider, record: &InteractionRecord, verification_id: Option<&str>) -> Result<String, ApiError> {
    let (username, hash, method) = match verification_id {
        Some(id) => match record.verification(id)? {
            Verification::NewPasswordIdentity { username, password_hash, password_method, .. } => {
                (username.clone(), password_hash.clone(), password_method.clone())
            }
            Verification::Password { .. } => {
                return Err(ApiError::invalid_input("This verification cannot register a new user."))
            }
        },
        None => profile_for_registration(&record.profile)?,
    };
    let new_user = NewUser {
        id: ids::user_id(),
        username: Some(username),
        password_encrypted: Some(hash),
        password_encryption_method: Some(method),
        ..NewUser::default()
    };
    match provider.store.insert_user(&new_user, provider.now_ms()).await {
        Ok(user) => Ok(user.id),
        Err(StoreError::Conflict { field }) if field == "username" => Err(username_in_use()),
        Err(err) => Err(err.into()),
    }
}

fn profile_for_registration(profile: &PendingProfile) -> Result<(String, String, String), ApiError> {
    let mut missing = Vec::new();
    if profile.username.is_none() {
        missing.push("username");
    }
    if profile.password_hash.is_none() {
        missing.push("password");
    }
    match (&profile.username, &profile.password_hash, &profile.password_method) {
        (Some(username), Some(hash), Some(method)) => Ok((username.clone(), hash.clone(), method.clone())),
        _ => Err(ApiError::new(422, codes::USER_MISSING_PROFILE, "Please provide the missing profile fields.")
            .with_data(json!({ "missingProfile": missing }))),
    }
}

/// `POST /submit`: records the signed-in user and tells the page where the browser resumes.
pub async fn submit(provider: &Provider, uid: Option<&str>) -> Result<String, ApiError> {
    let mut interaction = load(provider, uid).await?;
    let user_id = interaction
        .record
        .identified_user
        .clone()
        .ok_or_else(|| ApiError::new(404, codes::SESSION_IDENTIFIER_NOT_FOUND, "No user was identified in this interaction."))?;
    interaction.record.signed_in_user = Some(user_id);
    save(provider, &interaction).await?;
    Ok(format!("{}/auth/{}", provider.issuer, interaction.key))
}

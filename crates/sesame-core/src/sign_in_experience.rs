//! The deployment's sign-in experience settings (Logto's `sign_in_experiences` shape): which
//! identifiers register and sign in, by password or verification code, the password policy,
//! code and lockout policies, and branding. Stored as one config row; every node reads it.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::provider::Provider;
use crate::store::StoreError;

const CONFIG_KEY: &str = "signInExperience";
const UPDATE_ATTEMPTS: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInMode {
    SignIn,
    Register,
    SignInAndRegister,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Identifier {
    Username,
    Email,
    Phone,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignUp {
    pub identifiers: Vec<Identifier>,
    pub password: bool,
    pub verify: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInMethod {
    pub identifier: Identifier,
    pub password: bool,
    pub verification_code: bool,
    pub is_password_primary: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignIn {
    pub methods: Vec<SignInMethod>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LengthPolicy {
    pub min: usize,
    pub max: usize,
}

impl Default for LengthPolicy {
    fn default() -> Self {
        Self { min: 8, max: 256 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CharacterTypesPolicy {
    /// How many of lowercase, uppercase, digits and symbols a password must mix (1–4).
    pub min: usize,
}

impl Default for CharacterTypesPolicy {
    fn default() -> Self {
        Self { min: 1 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RejectsPolicy {
    /// Checking breached passwords needs the internet (HIBP); Sesame keeps the flag for
    /// Logto compatibility but cannot apply it offline.
    pub pwned: bool,
    pub repetition_and_sequence: bool,
    pub user_info: bool,
    pub words: Vec<String>,
}

impl Default for RejectsPolicy {
    fn default() -> Self {
        Self { pwned: true, repetition_and_sequence: true, user_info: true, words: Vec::new() }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PasswordPolicy {
    pub length: LengthPolicy,
    pub character_types: CharacterTypesPolicy,
    pub rejects: RejectsPolicy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VerificationCodePolicy {
    /// Seconds (60–3600).
    pub expiration_duration: i64,
    /// 1–100.
    pub max_retry_attempts: u64,
}

impl Default for VerificationCodePolicy {
    fn default() -> Self {
        Self { expiration_duration: 600, max_retry_attempts: 10 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SentinelPolicy {
    /// Failures within an hour before the identifier is locked.
    pub max_attempts: u64,
    /// Minutes.
    pub lockout_duration: i64,
}

impl Default for SentinelPolicy {
    fn default() -> Self {
        Self { max_attempts: 100, lockout_duration: 60 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInExperience {
    pub sign_in_mode: SignInMode,
    pub sign_up: SignUp,
    pub sign_in: SignIn,
    #[serde(default)]
    pub social_sign_in_connector_targets: Vec<String>,
    #[serde(default)]
    pub password_policy: PasswordPolicy,
    #[serde(default)]
    pub verification_code_policy: VerificationCodePolicy,
    #[serde(default)]
    pub sentinel_policy: SentinelPolicy,
    #[serde(default = "default_color")]
    pub color: Value,
    #[serde(default = "default_branding")]
    pub branding: Value,
    #[serde(default)]
    pub terms_of_use_url: Option<String>,
    #[serde(default)]
    pub privacy_policy_url: Option<String>,
}

fn default_color() -> Value {
    json!({"primaryColor": "#6139F6", "isDarkModeEnabled": false, "darkPrimaryColor": "#8F73FF"})
}

fn default_branding() -> Value {
    json!({})
}

impl Default for SignInExperience {
    /// Logto's OSS seed: username + password, sign-in and registration both open.
    fn default() -> Self {
        Self {
            sign_in_mode: SignInMode::SignInAndRegister,
            sign_up: SignUp { identifiers: vec![Identifier::Username], password: true, verify: false },
            sign_in: SignIn {
                methods: vec![SignInMethod {
                    identifier: Identifier::Username,
                    password: true,
                    verification_code: false,
                    is_password_primary: true,
                }],
            },
            social_sign_in_connector_targets: Vec::new(),
            password_policy: PasswordPolicy::default(),
            verification_code_policy: VerificationCodePolicy::default(),
            sentinel_policy: SentinelPolicy::default(),
            color: default_color(),
            branding: default_branding(),
            terms_of_use_url: None,
            privacy_policy_url: None,
        }
    }
}

impl SignInExperience {
    pub fn allows_registration(&self) -> bool {
        self.sign_in_mode != SignInMode::SignIn
    }

    pub fn allows_sign_in(&self) -> bool {
        self.sign_in_mode != SignInMode::Register
    }

    pub fn sign_in_method(&self, identifier: Identifier) -> Option<&SignInMethod> {
        self.sign_in.methods.iter().find(|method| method.identifier == identifier)
    }

    fn validate(&self) -> Result<(), ApiError> {
        let codes = &self.verification_code_policy;
        let lengths = &self.password_policy.length;
        let valid = (60..=3600).contains(&codes.expiration_duration)
            && (1..=100).contains(&codes.max_retry_attempts)
            && (1..=4).contains(&self.password_policy.character_types.min)
            && lengths.min >= 1
            && lengths.min <= lengths.max
            && lengths.max <= 256
            && self.sentinel_policy.max_attempts >= 1
            && self.sentinel_policy.lockout_duration >= 1;
        if !valid {
            return Err(ApiError::invalid_input("The sign-in experience settings are out of range."));
        }
        // No sign-up identifier ("None" in Logto's console) is fine when users register
        // through a social connector.
        let no_social = self.social_sign_in_connector_targets.is_empty();
        if self.sign_up.identifiers.is_empty() && !self.sign_up.password && no_social && self.allows_registration() {
            return Err(ApiError::invalid_input("Registration needs an identifier or a social connector."));
        }
        Ok(())
    }
}

pub async fn load(provider: &Provider) -> Result<SignInExperience, ApiError> {
    let stored = match provider.store.get_config(CONFIG_KEY).await? {
        Some(value) => value,
        None => return Ok(SignInExperience::default()),
    };
    serde_json::from_value(stored).map_err(|err| {
        tracing::error!(error = %err, "stored sign-in experience is malformed");
        ApiError::internal()
    })
}

/// Applies a partial update (top-level keys replace, like Logto's PATCH; unknown keys are
/// ignored), validates, and stores it with compare-and-swap.
pub async fn update(provider: &Provider, patch: Value) -> Result<SignInExperience, ApiError> {
    let Value::Object(patch) = patch else {
        return Err(ApiError::invalid_input("The body must be an object."));
    };
    for _ in 0..UPDATE_ATTEMPTS {
        let stored = provider.store.get_config(CONFIG_KEY).await?;
        let current = match &stored {
            Some(value) => value.clone(),
            None => serde_json::to_value(SignInExperience::default()).map_err(|_| ApiError::internal())?,
        };
        let mut merged = current.clone();
        for (key, value) in &patch {
            if current.get(key).is_some() || is_known_field(key) {
                merged[key] = value.clone();
            }
        }
        let next: SignInExperience =
            serde_json::from_value(merged).map_err(|err| ApiError::invalid_input(format!("Invalid sign-in experience: {err}")))?;
        next.validate()?;
        let next_value = serde_json::to_value(&next).map_err(|_| ApiError::internal())?;
        let written = match stored {
            Some(previous) => provider.store.swap_config(CONFIG_KEY, &previous, &next_value).await?,
            None => provider.store.init_config(CONFIG_KEY, &next_value).await? == next_value,
        };
        if written {
            return Ok(next);
        }
    }
    Err(StoreError::Backend("sign-in experience kept changing during the update".into()).into())
}

/// What the hosted pages read (`GET /api/.well-known/sign-in-exp`): the settings, plus the
/// social connectors to show and whether a reset code can be sent.
pub async fn public_view(provider: &Provider) -> Result<Value, ApiError> {
    let settings = load(provider).await?;
    let connectors = provider.store.list_connectors().await?;
    let mut social = Vec::new();
    let mut email_ready = false;
    for record in &connectors {
        let Some(factory) = sesame_connectors::factory(&record.connector_id) else { continue };
        match factory.connector_type {
            sesame_connectors::ConnectorType::Email => email_ready = true,
            sesame_connectors::ConnectorType::Social if settings.social_sign_in_connector_targets.contains(&factory.target) => {
                social.push(json!({
                    "id": record.id,
                    "connectorId": factory.id,
                    "target": factory.target,
                    "name": factory.name,
                    "logo": factory.logo,
                    "platform": factory.platform,
                }));
            }
            _ => {}
        }
    }
    let mut view = serde_json::to_value(&settings).map_err(|_| ApiError::internal())?;
    view["socialConnectors"] = Value::Array(social);
    view["forgotPassword"] = json!({ "email": email_ready, "phone": false });
    Ok(view)
}

fn is_known_field(key: &str) -> bool {
    matches!(
        key,
        "signInMode"
            | "signUp"
            | "signIn"
            | "socialSignInConnectorTargets"
            | "passwordPolicy"
            | "verificationCodePolicy"
            | "sentinelPolicy"
            | "color"
            | "branding"
            | "termsOfUseUrl"
            | "privacyPolicyUrl"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_logtos_oss_seed_and_round_trips() {
        let default = SignInExperience::default();
        let value = serde_json::to_value(&default).expect("serialize");
        assert_eq!(value["signUp"], json!({"identifiers": ["username"], "password": true, "verify": false}));
        assert_eq!(value["signInMode"], "SignInAndRegister");
        assert_eq!(value["sentinelPolicy"], json!({"maxAttempts": 100, "lockoutDuration": 60}));
        assert_eq!(serde_json::from_value::<SignInExperience>(value).expect("parse"), default);
    }

    #[test]
    fn out_of_range_policies_are_rejected() {
        let mut settings = SignInExperience::default();
        settings.verification_code_policy.expiration_duration = 10;
        assert!(settings.validate().is_err());
        let mut settings = SignInExperience::default();
        settings.password_policy.character_types.min = 5;
        assert!(settings.validate().is_err());
    }
}

//! One-time verification codes sent by email: 6 digits, expiring, a bounded number of
//! attempts, a new code voiding the old one, and at most 10 sends per recipient per 10 minutes.

use rand::Rng;
use sha2::{Digest, Sha256};

use super::{load, save, sentinel, Identifier, IdentifierType, InteractionEvent, Verification};
use crate::crypto::secrets_equal;
use crate::error::{codes, ApiError};
use crate::ids;
use crate::model::ConnectorRecord;
use crate::provider::Provider;
use crate::sign_in_experience::{self, SignInExperience};
use sesame_connectors::{ConnectorType, MessagePayload, TemplateType};

const SENDS: &str = "message-sent";
const SEND_WINDOW_MS: i64 = 600_000;
const SENDS_PER_WINDOW: u64 = 10;
const ATTEMPTS: &str = "code-attempt";

fn code_hash(verification_id: &str, code: &str) -> String {
    let digest = Sha256::digest(format!("{verification_id}:{code}").as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn template(event: InteractionEvent) -> TemplateType {
    match event {
        InteractionEvent::SignIn => TemplateType::SignIn,
        InteractionEvent::Register => TemplateType::Register,
        InteractionEvent::ForgotPassword => TemplateType::ForgotPassword,
    }
}

fn check_event_settings(settings: &SignInExperience, identifier: &Identifier, event: InteractionEvent) -> Result<(), ApiError> {
    let setting = identifier.kind.setting();
    let enabled = match event {
        InteractionEvent::SignIn => settings.sign_in_method(setting).is_some_and(|method| method.verification_code),
        InteractionEvent::Register => settings.sign_up.identifiers.contains(&setting),
        InteractionEvent::ForgotPassword => true,
    };
    if enabled {
        return Ok(());
    }
    Err(match event {
        InteractionEvent::Register => super::password::sign_up_method_not_enabled(),
        _ => ApiError::new(422, codes::USER_SIGN_IN_METHOD_NOT_ENABLED, "This sign-in method is not enabled."),
    })
}

fn no_connector(kind: &str) -> ApiError {
    ApiError::new(501, codes::CONNECTOR_NOT_FOUND, format!("No {kind} connector is configured."))
}

/// The first configured email connector.
pub(crate) async fn email_connector(provider: &Provider) -> Result<Option<ConnectorRecord>, ApiError> {
    let connectors = provider.store.list_connectors().await?;
    Ok(connectors.into_iter().find(|record| {
        sesame_connectors::factory(&record.connector_id).is_some_and(|factory| factory.connector_type == ConnectorType::Email)
    }))
}

/// `POST /verification/verification-code`: sends a code; returns the verification id.
pub async fn send_code(provider: &Provider, uid: Option<&str>, identifier: &Identifier, event: InteractionEvent) -> Result<String, ApiError> {
    let mut interaction = load(provider, uid).await?;
    let identifier = identifier.canonical();
    if identifier.kind == IdentifierType::Username {
        return Err(ApiError::invalid_input("Verification codes are sent to an email address or a phone number."));
    }
    let settings = sign_in_experience::load(provider).await?;
    check_event_settings(&settings, &identifier, event)?;
    if identifier.kind == IdentifierType::Phone {
        return Err(no_connector("SMS"));
    }
    let record = email_connector(provider).await?.ok_or_else(|| no_connector("email"))?;
    reserve_send(provider, &identifier).await?;
    let id = ids::entity_id();
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000));
    let connector = sesame_connectors::email_connector(&record.connector_id, &record.config, &provider.connector_options)
        .map_err(ApiError::from)?;
    let payload = MessagePayload { code: code.clone(), ..MessagePayload::default() };
    connector.send_message(&identifier.value, template(event), &payload).await.map_err(ApiError::from)?;
    let expires_at = provider.now_ms() + settings.verification_code_policy.expiration_duration * 1000;
    interaction.record.add_verification(Verification::VerificationCode {
        id: id.clone(),
        identifier,
        code_hash: code_hash(&id, &code),
        expires_at,
        verified: false,
    });
    save(provider, &interaction).await?;
    Ok(id)
}

async fn reserve_send(provider: &Provider, identifier: &Identifier) -> Result<(), ApiError> {
    let now = provider.now_ms();
    let key = code_hash("recipient", &identifier.value);
    let reserved =
        provider.store.record_event_within_limit(SENDS, &key, now, now + SEND_WINDOW_MS, now - SEND_WINDOW_MS, SENDS_PER_WINDOW).await?;
    if reserved {
        return Ok(());
    }
    Err(ApiError::new(429, codes::REQUEST_MESSAGE_RATE_LIMITED, "Too many messages were sent to this address. Please try again later."))
}

/// `POST /verification/verification-code/verify`.
pub async fn verify_code(
    provider: &Provider,
    uid: Option<&str>,
    identifier: &Identifier,
    verification_id: &str,
    code: &str,
) -> Result<String, ApiError> {
    let mut interaction = load(provider, uid).await?;
    let identifier = identifier.canonical();
    let Verification::VerificationCode { id, identifier: sent_to, code_hash: expected, expires_at, .. } =
        interaction.record.verification(verification_id)?.clone()
    else {
        return Err(super::verification_not_found());
    };
    if sent_to != identifier {
        return Err(ApiError::new(400, identifier_mismatch(identifier.kind), "The code was sent to another address."));
    }
    let settings = sign_in_experience::load(provider).await?;
    sentinel::ensure_not_blocked(provider, &identifier, &settings.sentinel_policy).await?;
    let now = provider.now_ms();
    if now >= expires_at {
        return Err(ApiError::new(400, codes::VERIFICATION_CODE_EXPIRED, "The verification code has expired. Please request a new one."));
    }
    let max = settings.verification_code_policy.max_retry_attempts;
    if !provider.store.record_event_within_limit(ATTEMPTS, &id, now, expires_at, 0, max).await? {
        return Err(ApiError::new(400, codes::VERIFICATION_CODE_EXCEED_MAX_TRY, "Too many wrong codes. Please request a new one."));
    }
    if !secrets_equal(&code_hash(&id, code.trim()), &expected) {
        let mismatch = ApiError::new(400, codes::VERIFICATION_CODE_MISMATCH, "The verification code is wrong.");
        return Err(sentinel::record_failure(provider, &identifier, &settings.sentinel_policy, mismatch).await);
    }
    for verification in &mut interaction.record.verifications {
        if let Verification::VerificationCode { id: stored, verified, .. } = verification {
            if *stored == id {
                *verified = true;
            }
        }
    }
    save(provider, &interaction).await?;
    Ok(id)
}

fn identifier_mismatch(kind: IdentifierType) -> &'static str {
    match kind {
        IdentifierType::Phone => codes::VERIFICATION_CODE_PHONE_MISMATCH,
        _ => codes::VERIFICATION_CODE_EMAIL_MISMATCH,
    }
}

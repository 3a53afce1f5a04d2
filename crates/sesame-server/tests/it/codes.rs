//! Verification codes by email through the AWS SES connector (against a fake SES that checks
//! every SigV4 signature), the sign-in experience settings, rate limits and lockout.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sesame_connectors::testing::FakeSes;
use sesame_core::model::ApplicationType;

use crate::management::{error_code, Api};
use crate::support::{backends, location, query_param, Backend, Browser, TestApp, TestServer, PASSWORD, VERIFIER};

const ACCESS_KEY: &str = "AKIDEXAMPLE";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGION: &str = "eu-west-1";
const EMAIL: &str = "mad.hatter@example.com";

struct World {
    server: TestServer,
    ses: FakeSes,
    api: Api,
    app: TestApp,
}

fn ses_config() -> Value {
    let template = |usage: &str| json!({"usageType": usage, "subject": format!("{usage} code"), "content": format!("<p>Your {usage} code is {{{{code}}}}</p>")});
    json!({
        "accessKeyId": ACCESS_KEY, "accessKeySecret": SECRET_KEY, "region": REGION,
        "emailAddress": "Sesame <noreply@example.com>",
        "templates": [template("SignIn"), template("Register"), template("ForgotPassword"), template("Generic")],
    })
}

/// A server whose SES connector talks to the fake, with email sign-up (verified, with a
/// password) and email sign-in by code or password enabled, as the seed guide configures it.
async fn world(backend: Backend) -> World {
    let ses = FakeSes::start(ACCESS_KEY, SECRET_KEY, REGION).await.expect("fake ses");
    let base = ses.base_url();
    let server = TestServer::start_on(backend, move |options| options.with_ses_base_url(base)).await;
    let api = Api::new(&server).await;
    api.json(Method::POST, "/connectors", Some(json!({"connectorId": "aws-ses-mail", "config": ses_config()})), StatusCode::OK).await;
    api.json(
        Method::PATCH,
        "/sign-in-exp",
        Some(json!({
            "signUp": {"identifiers": ["email"], "password": true, "verify": true},
            "signIn": {"methods": [
                {"identifier": "email", "password": true, "verificationCode": true, "isPasswordPrimary": false},
                {"identifier": "username", "password": true, "verificationCode": false, "isPasswordPrimary": true}
            ]}
        })),
        StatusCode::OK,
    )
    .await;
    let app = server.app(ApplicationType::Traditional).await;
    World { server, ses, api, app }
}

impl World {
    async fn browser(&self, event: &str) -> Browser {
        let browser = self.server.browser();
        browser.get(&self.server.auth_url(&self.app, &[])).await;
        let response = browser.api(Method::PUT, "/api/experience", json!({"interactionEvent": event})).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        browser
    }

    /// The code in the last email SES received for `to`.
    fn last_code(&self, to: &str) -> String {
        let sent = self.ses.sent();
        let email = sent.iter().rev().find(|email| email.to == [to.to_owned()]).expect("an email to the address");
        let html = email.html.clone().unwrap_or_default();
        html.split(|c: char| !c.is_ascii_digit()).find(|run| run.len() == 6).expect("a 6-digit code").to_owned()
    }
}

fn email(value: &str) -> Value {
    json!({"type": "email", "value": value})
}

async fn send_code(browser: &Browser, to: &str, event: &str) -> reqwest::Response {
    browser.api(Method::POST, "/api/experience/verification/verification-code", json!({"identifier": email(to), "interactionEvent": event})).await
}

async fn verification_id(response: reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<Value>().await.expect("json")["verificationId"].as_str().expect("id").to_owned()
}

async fn verify(browser: &Browser, to: &str, id: &str, code: &str) -> reqwest::Response {
    browser
        .api(Method::POST, "/api/experience/verification/verification-code/verify", json!({"identifier": email(to), "verificationId": id, "code": code}))
        .await
}

async fn identify(browser: &Browser, body: Value) -> reqwest::Response {
    browser.api(Method::POST, "/api/experience/identification", body).await
}

/// Finishes the interaction and redeems the code: the token response.
async fn finish(world: &World, browser: &Browser) -> Value {
    let redirect_to = browser.submit().await;
    let callback = url::Url::parse(&location(&browser.get(&redirect_to).await)).expect("callback");
    let code = query_param(&callback, "code").expect("code");
    world.server.redeem(&world.app, &code, VERIFIER).await.json().await.expect("tokens")
}

async fn register(world: &World, address: &str) -> Value {
    let browser = world.browser("Register").await;
    let id = verification_id(send_code(&browser, address, "Register").await).await;
    let sent = world.ses.sent();
    let mail = sent.last().expect("mail");
    assert_eq!(mail.subject, "Register code", "the Register template");
    assert_eq!(mail.from.as_deref(), Some("Sesame <noreply@example.com>"));
    assert_eq!(verification_id(verify(&browser, address, &id, &world.last_code(address)).await).await, id);
    let missing = identify(&browser, json!({"verificationId": id})).await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = missing.json().await.expect("json");
    assert_eq!((body["code"].as_str(), &body["data"]["missingProfile"]), (Some("user.missing_profile"), &json!(["password"])));
    let response = browser.api(Method::POST, "/api/experience/profile", json!({"type": "password", "value": PASSWORD})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(identify(&browser, json!({})).await.status(), StatusCode::CREATED);
    finish(world, &browser).await
}

#[tokio::test]
async fn register_with_an_email_code_then_sign_in_by_code_and_by_password() {
    for backend in backends("register_with_an_email_code_then_sign_in_by_code_and_by_password") {
        let world = world(backend).await;
        let tokens = register(&world, EMAIL).await;
        let claims = world.server.verify_jwt(tokens["id_token"].as_str().expect("id token")).await;
        assert_eq!(claims["email"], EMAIL);
        assert_eq!(claims["email_verified"], true);

        let browser = world.browser("SignIn").await;
        let id = verification_id(send_code(&browser, EMAIL, "SignIn").await).await;
        assert_eq!(world.ses.sent().last().expect("mail").subject, "SignIn code");
        verification_id(verify(&browser, EMAIL, &id, &world.last_code(EMAIL)).await).await;
        assert_eq!(identify(&browser, json!({"verificationId": id})).await.status(), StatusCode::NO_CONTENT);
        let again = finish(&world, &browser).await;
        assert_eq!(world.server.verify_jwt(again["id_token"].as_str().expect("jwt")).await["sub"], claims["sub"]);

        let browser = world.browser("SignIn").await;
        let by_password = browser
            .api(Method::POST, "/api/experience/verification/password", json!({"identifier": email(EMAIL), "password": PASSWORD}))
            .await;
        assert_eq!(by_password.status(), StatusCode::OK);
        assert!(world.ses.rejections().is_empty(), "every request was correctly signed");
    }
}

#[tokio::test]
async fn an_email_in_use_cannot_register_again_and_unknown_emails_cannot_sign_in() {
    let world = world(Backend::Sqlite).await;
    register(&world, EMAIL).await;
    let browser = world.browser("Register").await;
    let id = verification_id(send_code(&browser, EMAIL, "Register").await).await;
    verification_id(verify(&browser, EMAIL, &id, &world.last_code(EMAIL)).await).await;
    assert_eq!(error_code(identify(&browser, json!({"verificationId": id})).await).await.1, "user.email_already_in_use");

    let browser = world.browser("SignIn").await;
    let id = verification_id(send_code(&browser, "nobody@example.com", "SignIn").await).await;
    verification_id(verify(&browser, "nobody@example.com", &id, &world.last_code("nobody@example.com")).await).await;
    let response = identify(&browser, json!({"verificationId": id})).await;
    assert_eq!(error_code(response).await, (StatusCode::NOT_FOUND, "user.user_not_exist".into()));
    // The page may then offer to register with the verified address.
    let switch = browser.api(Method::PUT, "/api/experience/interaction-event", json!({"interactionEvent": "Register"})).await;
    assert_eq!(switch.status(), StatusCode::NO_CONTENT);
    assert_eq!(error_code(identify(&browser, json!({"verificationId": id})).await).await.1, "user.missing_profile");
}

#[tokio::test]
async fn forgot_password_resets_it_through_a_code() {
    for backend in backends("forgot_password_resets_it_through_a_code") {
        let world = world(backend).await;
        register(&world, EMAIL).await;
        let browser = world.browser("ForgotPassword").await;
        let id = verification_id(send_code(&browser, EMAIL, "ForgotPassword").await).await;
        assert_eq!(world.ses.sent().last().expect("mail").subject, "ForgotPassword code");
        verification_id(verify(&browser, EMAIL, &id, &world.last_code(EMAIL)).await).await;
        assert_eq!(identify(&browser, json!({"verificationId": id})).await.status(), StatusCode::NO_CONTENT);
        let same = browser.api(Method::PUT, "/api/experience/profile/password", json!({"password": PASSWORD})).await;
        assert_eq!(error_code(same).await.1, "user.same_password");
        let weak = browser.api(Method::PUT, "/api/experience/profile/password", json!({"password": "short"})).await;
        assert_eq!(error_code(weak).await.1, "password.rejected");
        let new_password = "Cheshire-Cat-Grins-42";
        let set = browser.api(Method::PUT, "/api/experience/profile/password", json!({"password": new_password})).await;
        assert_eq!(set.status(), StatusCode::NO_CONTENT);
        let submitted = browser.api(Method::POST, "/api/experience/submit", json!({})).await;
        assert_eq!(submitted.status(), StatusCode::NO_CONTENT);

        let sign_in = world.browser("SignIn").await;
        let old = sign_in.api(Method::POST, "/api/experience/verification/password", json!({"identifier": email(EMAIL), "password": PASSWORD})).await;
        assert_eq!(error_code(old).await.1, "session.invalid_credentials");
        let new = sign_in.api(Method::POST, "/api/experience/verification/password", json!({"identifier": email(EMAIL), "password": new_password})).await;
        assert_eq!(new.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn wrong_expired_exhausted_and_replaced_codes_fail() {
    let world = world(Backend::Sqlite).await;
    let browser = world.browser("Register").await;
    let first = verification_id(send_code(&browser, EMAIL, "Register").await).await;
    let first_code = world.last_code(EMAIL);
    let second = verification_id(send_code(&browser, EMAIL, "Register").await).await;
    assert_eq!(error_code(verify(&browser, EMAIL, &first, &first_code).await).await.1, "session.verification_session_not_found", "a new code voids the old");
    let code = world.last_code(EMAIL);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let response = verify(&browser, EMAIL, &second, wrong).await;
    assert_eq!(error_code(response).await, (StatusCode::BAD_REQUEST, "verification_code.code_mismatch".into()));
    let elsewhere = verify(&browser, "other@example.com", &second, &code).await;
    assert_eq!(error_code(elsewhere).await.1, "verification_code.email_mismatch");
    for _ in 0..9 {
        verify(&browser, EMAIL, &second, wrong).await;
    }
    assert_eq!(error_code(verify(&browser, EMAIL, &second, &code).await).await.1, "verification_code.exceed_max_try", "10 attempts at most");

    let third = verification_id(send_code(&browser, EMAIL, "Register").await).await;
    let code = world.last_code(EMAIL);
    world.server.clock.advance_secs(601);
    assert_eq!(error_code(verify(&browser, EMAIL, &third, &code).await).await.1, "verification_code.expired");
    assert_eq!(identify(&browser, json!({"verificationId": third})).await.status(), StatusCode::BAD_REQUEST, "unverified codes identify no one");
}

#[tokio::test]
async fn sends_are_rate_limited_per_recipient() {
    for backend in backends("sends_are_rate_limited_per_recipient") {
        let world = world(backend).await;
        let browser = world.browser("Register").await;
        for _ in 0..10 {
            verification_id(send_code(&browser, EMAIL, "Register").await).await;
        }
        let limited = send_code(&browser, EMAIL, "Register").await;
        assert_eq!(error_code(limited).await, (StatusCode::TOO_MANY_REQUESTS, "request.message_rate_limited".into()));
        verification_id(send_code(&browser, "someone.else@example.com", "Register").await).await;
        world.server.clock.advance_secs(601);
        verification_id(send_code(&browser, EMAIL, "Register").await).await;
        assert_eq!(world.ses.sent().iter().filter(|mail| mail.to == [EMAIL.to_owned()]).count(), 11);
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_identifier_on_every_path() {
    for backend in backends("repeated_failures_lock_the_identifier_on_every_path") {
        let world = world(backend).await;
        world.server.user("alice").await;
        world.api.json(Method::PATCH, "/sign-in-exp", Some(json!({"sentinelPolicy": {"maxAttempts": 3, "lockoutDuration": 60}})), StatusCode::OK).await;
        let browser = world.browser("SignIn").await;
        let attempt = |password: &'static str| {
            let browser = &browser;
            async move {
                browser
                    .api(Method::POST, "/api/experience/verification/password", json!({"identifier": {"type": "username", "value": "alice"}, "password": password}))
                    .await
            }
        };
        assert_eq!(error_code(attempt("wrong-1").await).await.1, "session.invalid_credentials");
        assert_eq!(error_code(attempt("wrong-2").await).await.1, "session.invalid_credentials");
        let locked = attempt("wrong-3").await;
        assert_eq!(error_code(locked).await, (StatusCode::BAD_REQUEST, "session.verification_blocked_too_many_attempts".into()));
        assert_eq!(error_code(attempt(PASSWORD).await).await.1, "session.verification_blocked_too_many_attempts", "even the right password");
        world.server.clock.advance_secs(61 * 60);
        let later = world.browser("SignIn").await;
        let response = later
            .api(Method::POST, "/api/experience/verification/password", json!({"identifier": {"type": "username", "value": "alice"}, "password": PASSWORD}))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "the lockout ends");
    }
}

#[tokio::test]
async fn settings_decide_what_is_allowed() {
    let server = TestServer::start().await;
    let api = Api::new(&server).await;
    let app = server.app(ApplicationType::Traditional).await;
    let browser = server.browser();
    browser.get(&server.auth_url(&app, &[])).await;
    browser.api(Method::PUT, "/api/experience", json!({"interactionEvent": "SignIn"})).await;
    let not_enabled = send_code(&browser, EMAIL, "SignIn").await;
    assert_eq!(error_code(not_enabled).await, (StatusCode::UNPROCESSABLE_ENTITY, "user.sign_in_method_not_enabled".into()));
    let no_register = browser
        .api(Method::POST, "/api/experience/verification/verification-code", json!({"identifier": email(EMAIL), "interactionEvent": "Register"}))
        .await;
    assert_eq!(error_code(no_register).await.1, "user.sign_up_method_not_enabled");
    let reset = send_code(&browser, EMAIL, "ForgotPassword").await;
    assert_eq!(error_code(reset).await, (StatusCode::NOT_IMPLEMENTED, "connector.not_found".into()), "no email connector");
    let phone = browser
        .api(Method::POST, "/api/experience/verification/verification-code", json!({"identifier": {"type": "phone", "value": "+15550100"}, "interactionEvent": "ForgotPassword"}))
        .await;
    assert_eq!(error_code(phone).await.0, StatusCode::NOT_IMPLEMENTED);

    api.json(Method::PATCH, "/sign-in-exp", Some(json!({"signInMode": "SignIn"})), StatusCode::OK).await;
    let register = browser.api(Method::PUT, "/api/experience", json!({"interactionEvent": "Register"})).await;
    assert_eq!(error_code(register).await, (StatusCode::FORBIDDEN, "auth.forbidden".into()));
    let public: Value = browser.get("/api/.well-known/sign-in-exp").await.json().await.expect("json");
    assert_eq!(public["signInMode"], "SignIn");
    assert_eq!(public["forgotPassword"]["email"], false);

    let bad = api.call(Method::PATCH, "/sign-in-exp", Some(json!({"verificationCodePolicy": {"expirationDuration": 5}}))).await;
    assert_eq!(error_code(bad).await, (StatusCode::BAD_REQUEST, "guard.invalid_input".into()));
    let bad = api.call(Method::PATCH, "/sign-in-exp", Some(json!({"signInMode": "Maybe"}))).await;
    assert_eq!(error_code(bad).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn connectors_are_managed_validated_and_tested_without_saving() {
    let world = world(Backend::Sqlite).await;
    let factories = world.api.json(Method::GET, "/connector-factories", None, StatusCode::OK).await;
    let ids: Vec<&str> = factories.as_array().expect("list").iter().filter_map(|f| f["id"].as_str()).collect();
    for expected in ["aws-ses-mail", "discord-universal", "mock-email-service"] {
        assert!(ids.contains(&expected), "{ids:?}");
    }
    let listed = world.api.json(Method::GET, "/connectors", None, StatusCode::OK).await;
    let ses = &listed[0];
    assert_eq!((ses["connectorId"].as_str(), ses["type"].as_str()), (Some("aws-ses-mail"), Some("Email")));
    let id = ses["id"].as_str().expect("id").to_owned();

    let mut broken = ses_config();
    broken.as_object_mut().expect("object").remove("accessKeySecret");
    let invalid = world.api.call(Method::PATCH, &format!("/connectors/{id}"), Some(json!({"config": broken}))).await;
    assert_eq!(error_code(invalid).await, (StatusCode::BAD_REQUEST, "connector.invalid_config".into()));
    let second = world.api.call(Method::POST, "/connectors", Some(json!({"connectorId": "mock-email-service", "config": {}}))).await;
    assert_eq!(error_code(second).await.1, "connector.multiple_instances_not_supported");

    let before = world.ses.sent().len();
    let test = world.api.call(Method::POST, "/connectors/aws-ses-mail/test", Some(json!({"email": "ops@example.com", "config": ses_config()}))).await;
    assert_eq!(test.status(), StatusCode::NO_CONTENT);
    let sent = world.ses.sent();
    assert_eq!(sent.len(), before + 1);
    assert_eq!(sent.last().expect("mail").subject, "Generic code");

    let mut wrong_secret = ses_config();
    wrong_secret["accessKeySecret"] = json!("not-the-secret");
    let refused = world.api.call(Method::POST, "/connectors/aws-ses-mail/test", Some(json!({"email": "ops@example.com", "config": wrong_secret}))).await;
    let (status, code) = error_code(refused).await;
    assert!(status.is_client_error() || status.is_server_error());
    assert!(code.starts_with("connector."), "{code}");
    assert_eq!(world.ses.rejections().len(), 1, "SES refused the bad signature");

    assert_eq!(world.api.call(Method::DELETE, &format!("/connectors/{id}"), None).await.status(), StatusCode::NO_CONTENT);
    let gone = world.api.call(Method::GET, &format!("/connectors/{id}"), None).await;
    assert_eq!(error_code(gone).await.0, StatusCode::NOT_FOUND);
}

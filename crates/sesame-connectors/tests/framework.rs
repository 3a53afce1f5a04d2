//! The factory registry, config validation and secret redaction.

use serde_json::{json, Value};
use sesame_connectors::{
    email_connector, factories, factory, redact_config, social_connector, validate_config,
    ConnectorErrorCode, ConnectorOptions,
};

fn ses_config() -> Value {
    json!({
        "accessKeyId": "AKIDEXAMPLE",
        "accessKeySecret": "ses-secret-value",
        "region": "us-east-1",
        "emailAddress": "<noreply@example.com>",
        "templates": [
            {"usageType": "SignIn", "subject": "s", "content": "{{code}}"},
            {"usageType": "Register", "subject": "s", "content": "{{code}}"},
            {"usageType": "ForgotPassword", "subject": "s", "content": "{{code}}"},
            {"usageType": "Generic", "subject": "s", "content": "{{code}}"},
        ]
    })
}

fn discord_config() -> Value {
    json!({"clientId": "id", "clientSecret": "discord-secret-value"})
}

/// The message of the validation error, after checking it is `connector.invalid_config` (400).
fn invalid(factory_id: &str, config: &Value) -> String {
    let err = validate_config(factory_id, config).expect_err("config must be refused");
    assert_eq!(
        (err.code(), err.logto_code().as_str(), err.status()),
        (
            ConnectorErrorCode::InvalidConfig,
            "connector.invalid_config",
            400
        )
    );
    err.to_string()
}

#[test]
fn factories_are_listed_like_logto() {
    let list = serde_json::to_value(factories()).expect("serializes");
    let ses = &list[0];
    assert_eq!(
        (
            &ses["id"],
            &ses["target"],
            &ses["type"],
            &ses["platform"],
            &ses["name"]["en"],
            &ses["isStandard"],
            &ses["logoDark"]
        ),
        (
            &json!("aws-ses-mail"),
            &json!("aws-ses"),
            &json!("Email"),
            &Value::Null,
            &json!("AWS Direct Mail"),
            &json!(false),
            &Value::Null
        )
    );
    let keys: Vec<&str> = ses["formItems"]
        .as_array()
        .expect("form items")
        .iter()
        .filter_map(|i| i["key"].as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "accessKeyId",
            "accessKeySecret",
            "region",
            "emailAddress",
            "emailAddressIdentityArn",
            "feedbackForwardingEmailAddress",
            "feedbackForwardingEmailAddressIdentityArn",
            "configurationSetName",
            "templates"
        ]
    );
    assert_eq!(ses["formItems"][8]["type"], "Json");
    assert_eq!(
        ses["formItems"][8]["defaultValue"].as_array().map(Vec::len),
        Some(9)
    );
    assert_eq!(
        ses["formItems"][0],
        json!({"key": "accessKeyId", "label": "Access Key ID", "type": "Text", "required": true, "placeholder": "<access-key-id>"})
    );

    let discord = &list[1];
    assert_eq!(
        (
            &discord["id"],
            &discord["target"],
            &discord["type"],
            &discord["platform"],
            &discord["name"]["en"]
        ),
        (
            &json!("discord-universal"),
            &json!("discord"),
            &json!("Social"),
            &json!("Universal"),
            &json!("Discord")
        )
    );
    assert_eq!(discord["formItems"][2]["type"], "MultilineText");
    assert_eq!(discord["formItems"][2]["required"], false);
    for f in [ses, discord] {
        assert!(f["logo"]
            .as_str()
            .is_some_and(|l| l.starts_with("data:image/svg+xml;base64,")));
        assert!(f["readme"].as_str().is_some_and(|r| r.starts_with("# ")));
        assert!(f["description"]["en"].is_string());
        assert!(f.get("configTemplate").is_none());
    }
    assert_eq!(
        factory("discord-universal").map(|f| f.target),
        Some("discord".to_owned())
    );
    assert!(factory("nope").is_none());
}

#[test]
fn valid_configs_pass() {
    validate_config("aws-ses-mail", &ses_config()).expect("ses");
    validate_config("discord-universal", &discord_config()).expect("discord");
    let mut with_scope = discord_config();
    with_scope["scope"] = json!("identify");
    validate_config("discord-universal", &with_scope).expect("scope");
}

#[test]
fn ses_config_errors_name_the_field() {
    let mut c = ses_config();
    c.as_object_mut().expect("object").remove("accessKeySecret");
    assert_eq!(invalid("aws-ses-mail", &c), "accessKeySecret: Required");

    let mut c = ses_config();
    c["region"] = json!(1);
    assert_eq!(
        invalid("aws-ses-mail", &c),
        "region: Expected string, received number"
    );

    let mut c = ses_config();
    c["region"] = json!("us-east-1.evil.example");
    assert_eq!(
        invalid("aws-ses-mail", &c),
        "region: Expected an AWS region name such as us-east-1"
    );

    let mut c = ses_config();
    c["emailAddress"] = json!(["a@example.com"]);
    assert_eq!(
        invalid("aws-ses-mail", &c),
        "emailAddress: Expected string, received array"
    );

    let mut c = ses_config();
    c["templates"] = json!({});
    assert_eq!(
        invalid("aws-ses-mail", &c),
        "templates: Expected array, received object"
    );

    let mut c = ses_config();
    c["templates"][2]["subject"] = json!(null);
    assert_eq!(
        invalid("aws-ses-mail", &c),
        "templates[2].subject: Required"
    );

    let mut c = ses_config();
    c["templates"] = json!([{"usageType": "SignIn", "subject": "s", "content": "c"}, {"usageType": "Generic", "subject": "s", "content": "c"}]);
    assert_eq!(
        invalid("aws-ses-mail", &c),
        "templates: Template with UsageType (Register, ForgotPassword) should be provided!"
    );

    assert_eq!(
        invalid("aws-ses-mail", &json!("not an object")),
        "config: Expected object, received string"
    );
}

#[test]
fn discord_config_errors_name_the_field() {
    assert_eq!(
        invalid("discord-universal", &json!({"clientId": "id"})),
        "clientSecret: Required"
    );
    assert_eq!(
        invalid(
            "discord-universal",
            &json!({"clientId": 5, "clientSecret": "s"})
        ),
        "clientId: Expected string, received number"
    );
    let mut c = discord_config();
    c["scope"] = json!(["identify"]);
    assert_eq!(
        invalid("discord-universal", &c),
        "scope: Expected string, received array"
    );
}

#[test]
fn error_messages_never_echo_secret_values() {
    let mut c = ses_config();
    c["accessKeySecret"] = json!({"value": "ses-secret-value"});
    let message = invalid("aws-ses-mail", &c);
    assert!(!message.contains("ses-secret-value"), "{message}");
}

#[test]
fn unknown_factories_and_wrong_kinds_are_refused() {
    let err = validate_config("sendgrid-email-service", &json!({})).expect_err("unknown");
    assert_eq!(
        (err.code(), err.status()),
        (ConnectorErrorCode::General, 404)
    );
    let options = ConnectorOptions::new().expect("options");
    assert!(email_connector("discord-universal", &discord_config(), &options).is_err());
    assert!(social_connector("aws-ses-mail", &ses_config(), &options).is_err());
    let built = social_connector("discord-universal", &json!({"clientId": "id"}), &options);
    assert_eq!(
        built.err().map(|e| e.code()),
        Some(ConnectorErrorCode::InvalidConfig)
    );
    let ses = email_connector("aws-ses-mail", &ses_config(), &options).expect("ses");
    assert_eq!(ses.factory_id(), "aws-ses-mail");
}

#[test]
fn redaction_hides_both_connectors_secrets() {
    let ses = redact_config(&ses_config());
    assert_eq!(ses["accessKeySecret"], "******");
    assert_eq!(ses["accessKeyId"], "AKIDEXAMPLE");
    assert_eq!(ses["templates"], ses_config()["templates"]);
    let discord = redact_config(&discord_config());
    assert_eq!(discord, json!({"clientId": "id", "clientSecret": "******"}));
    assert!(!format!("{ses}{discord}").contains("secret-value"));
}

#[test]
fn connectors_debug_output_hides_secrets() {
    let options = ConnectorOptions::new().expect("options");
    let ses = sesame_connectors::AwsSesConnector::new(&ses_config(), &options).expect("ses");
    let discord =
        sesame_connectors::DiscordConnector::new(&discord_config(), &options).expect("discord");
    let shown = format!("{ses:?} {discord:?}");
    assert!(!shown.contains("secret-value"), "{shown}");
    assert!(shown.contains("******"));
}

//! The development captcha answer: it signs in through the API where the
//! portal asks for a captcha, any other answer is refused with the field at
//! fault, and identity refuses to start with it in production.

use laissez_kit::config::Environment;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn the_development_answer_signs_in_and_others_are_refused() {
    let stack = Stack::start(Services::IDENTITY).await;
    // Registration, activation and a captcha-checked sign-in.
    let session = stack.tw_student().await;
    let profile = stack.get("/api/v1/account/profile", &session).await.ok();
    assert_eq!(profile["agency"], TW);

    let base = format!("/api/v1/agencies/{TW}/portals/{TW_PORTAL}");
    let issued = stack
        .post(&format!("{base}/captchas"), None, json!({}))
        .await
        .ok();
    assert!(issued["png"].as_str().unwrap().len() > 100, "a drawn image");
    let wrong = stack
        .post(
            &format!("{base}/sessions"),
            None,
            json!({
                "login_name": "student1",
                "password": PASSWORD,
                "pre_session": issued["pre_session"],
                "captcha_id": issued["captcha_id"],
                "captcha_answer": "WRONG1",
            }),
        )
        .await;
    let problem = wrong.problem(400);
    assert_eq!(
        problem["type"],
        "https://laissez.dev/problems/invalidargument"
    );
    assert_eq!(wrong.field_errors(), ["captcha_answer:wrong"]);
    let missing = stack
        .post(
            &format!("{base}/sessions"),
            None,
            json!({"login_name": "student1", "password": PASSWORD}),
        )
        .await;
    missing.problem(400);
    assert_eq!(missing.field_errors(), ["captcha_answer:required"]);
    stack.stop().await;
}

#[tokio::test]
async fn identity_refuses_the_development_answer_in_production() {
    let mut config = laissez_identity::config::Config::default();
    config.common.environment = Environment::Production;
    config.identity.dev_captcha_answer = Some(CAPTCHA.into());
    config.catalog.dir = agencies_dir();
    let refused = laissez_identity::startup::Application::build(
        config.clone(),
        tokio_util::sync::CancellationToken::new(),
    )
    .await;
    let Err(error) = refused else {
        panic!("identity started in production with a fixed captcha answer");
    };
    assert!(error.to_string().contains("dev_captcha_answer"), "{error}");
    // The same configuration in development is accepted.
    config.common.environment = Environment::Development;
    assert!(config.validate().is_ok());
}

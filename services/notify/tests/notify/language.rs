//! Messages in the applicant's chosen language, with the agency's sender.

use std::time::Duration;

use laissez_proto::common::v1::Language;

use crate::support::{AGENCY_SENDER, TestEnv, case_submitted, envelope, eventually};

fn email_to<'a>(
    received: &'a [laissez_notify::testing::ReceivedEmail],
    recipient: &str,
) -> &'a laissez_notify::testing::ReceivedEmail {
    received
        .iter()
        .find(|email| email.recipients.iter().any(|to| to == recipient))
        .unwrap_or_else(|| panic!("no email to {recipient}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn messages_are_in_the_applicants_language_from_the_agencys_sender() {
    let env = TestEnv::new().await;
    let app = env.start().await;

    let cases = [
        ("lang-hant", "hant@example.org", Language::ZhHant),
        ("lang-hans", "hans@example.org", Language::ZhHans),
        ("lang-en", "en@example.org", Language::En),
        // No language chosen: the agency's default (zh-Hant here).
        ("lang-none", "none@example.org", Language::Unspecified),
    ];
    for (case_id, email, language) in cases {
        env.publish(case_id, &case_submitted(case_id, case_id, email, language))
            .await;
    }
    // An agency without a contact email and with its own template override.
    let tw = case_submitted("lang-tw", "acct-tw", "tw@example.org", Language::ZhHant);
    env.publish_envelope(&envelope("tw-nia", "lang-tw", &tw))
        .await;

    assert!(
        eventually(Duration::from_secs(15), || async {
            env.smtp.received().len() == 5
        })
        .await,
        "expected five emails, got {}",
        env.smtp.received().len()
    );
    let received = env.smtp.received();

    let expectations = [
        (
            "hant@example.org",
            "外交部駐澳門特派員公署",
            "送件成功，收件號 CSMlang-hant",
            "普通護照換發",
        ),
        (
            "hans@example.org",
            "外交部驻澳门特派员公署",
            "提交成功，受理号 CSMlang-hans",
            "普通护照换发",
        ),
        (
            "en@example.org",
            "Office of the Commissioner",
            "submitted, receipt number CSMlang-en",
            "Passport renewal",
        ),
        (
            "none@example.org",
            "外交部駐澳門特派員公署",
            "送件成功",
            "普通護照換發",
        ),
    ];
    for (recipient, sender_name, subject, type_name) in expectations {
        let email = email_to(&received, recipient);
        assert_eq!(email.mail_from, AGENCY_SENDER);
        let parsed = email.parsed();
        let from = parsed.header("From").unwrap_or_default();
        assert!(
            from.contains(AGENCY_SENDER) && from.contains(sender_name),
            "{recipient}: From {from}"
        );
        let actual_subject = parsed.header("Subject").unwrap_or_default();
        assert!(
            actual_subject.contains(subject),
            "{recipient}: Subject {actual_subject}"
        );
        assert!(
            parsed.text.contains(type_name),
            "{recipient}: text {}",
            parsed.text
        );
        assert!(
            parsed.text.contains("陳**"),
            "{recipient}: text {}",
            parsed.text
        );
        let html = parsed.html.clone().unwrap_or_default();
        assert!(
            html.contains("<p>") && html.contains(type_name),
            "{recipient}: html {html}"
        );
        let message_id = parsed.header("Message-ID").unwrap_or_default();
        assert!(
            message_id.ends_with("@notify.laissez>"),
            "{recipient}: Message-ID {message_id}"
        );
    }

    let tw = email_to(&received, "tw@example.org");
    assert_eq!(tw.mail_from, "no-reply@tw-nia.example");
    let parsed = tw.parsed();
    assert!(
        parsed
            .header("From")
            .unwrap_or_default()
            .contains("內政部移民署")
    );
    assert!(
        parsed
            .header("Subject")
            .unwrap_or_default()
            .starts_with("內政部移民署：送件成功，收件號："),
        "the agency's override wins: {:?}",
        parsed.header("Subject")
    );

    let languages: Vec<String> =
        sqlx::query_scalar("SELECT language FROM delivery ORDER BY recipient")
            .fetch_all(&env.database.pool)
            .await
            .expect("languages");
    assert_eq!(
        languages,
        vec!["en", "zh-Hans", "zh-Hant", "zh-Hant", "zh-Hant"]
    );

    app.stop().await;
    env.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn smtp_credentials_are_used_when_configured() {
    let mut env = TestEnv::new().await;
    env.config.smtp.username = "notify-relay".into();
    env.config.smtp.password = laissez_kit::config::Secret::new("relay-secret");
    let app = env.start().await;

    env.publish(
        "cred-1",
        &case_submitted("cred-1", "acct-cred", "cred@example.org", Language::En),
    )
    .await;
    assert!(
        eventually(Duration::from_secs(15), || async {
            env.smtp.received().len() == 1
        })
        .await,
        "the email never arrived"
    );
    assert_eq!(
        env.smtp.received()[0].authenticated_as.as_deref(),
        Some("notify-relay")
    );

    app.stop().await;
    env.cleanup().await;
}

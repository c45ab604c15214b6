//! Intake's steps after payment told to the case's party in its language:
//! the document ready for pickup (with the last day to collect) and the
//! document collected, dispatched by courier (with the tracking number) and
//! delivered; a state the templates do not speak of is silent.

use std::time::Duration;

use laissez_proto::common::v1::Language;
use laissez_proto::events::v1::CaseProgressed;

use crate::support::{TestEnv, case_submitted, eventually};

fn progressed(case_id: &str, state: &str, language: Language) -> CaseProgressed {
    let submitted = case_submitted(case_id, "acct-progress", "holder@example.org", language);
    CaseProgressed {
        case_id: case_id.to_owned(),
        receipt_number: submitted.receipt_number,
        application_type: submitted.application_type,
        catalog_version: 1,
        party: submitted.party,
        state: state.to_owned(),
        collect_by: "2027-06-04".to_owned(),
        ..Default::default()
    }
}

/// Each email received: its subject and its text.
fn subjects_and_texts(env: &TestEnv) -> Vec<(String, String)> {
    env.smtp
        .received()
        .iter()
        .map(|email| {
            let parsed = email.parsed();
            (
                parsed.header("Subject").unwrap_or_default().to_owned(),
                parsed.text.clone(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pickup_and_collection_reach_the_party_in_its_language() {
    let env = TestEnv::new().await;
    let app = env.start().await;
    env.publish(
        "case-1",
        &progressed("case-1", "ready_for_pickup", Language::En),
    )
    .await;
    env.publish(
        "case-2",
        &progressed("case-2", "collected", Language::ZhHant),
    )
    .await;
    // A state no template speaks of: no message.
    env.publish(
        "case-3",
        &progressed("case-3", "awaiting_payment", Language::En),
    )
    .await;
    assert!(
        eventually(Duration::from_secs(15), || async {
            env.smtp.received().len() >= 2
        })
        .await,
        "expected two emails, got {}",
        env.smtp.received().len()
    );
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert_eq!(env.smtp.received().len(), 2);
    let emails = subjects_and_texts(&env);
    let (_, ready) = emails
        .iter()
        .find(|(subject, _)| subject.contains("ready for pickup"))
        .unwrap_or_else(|| panic!("no pickup email: {emails:?}"));
    assert!(ready.contains("CSMcase-1"), "{ready}");
    assert!(ready.contains("by 2027-06-04"), "{ready}");
    assert!(!ready.contains("collected"), "{ready}");
    let (_, collected) = emails
        .iter()
        .find(|(subject, _)| subject.contains("證件已領取"))
        .unwrap_or_else(|| panic!("no collection email: {emails:?}"));
    assert!(collected.contains("CSMcase-2"), "{collected}");
    assert_eq!(
        env.count("SELECT count(*) FROM in_app_message").await,
        2,
        "both are in the message centre"
    );
    app.stop().await;
    env.cleanup().await;
}

/// Courier delivery: the dispatch tells the tracking number, in the
/// party's language; the delivery says it arrived.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dispatch_tells_the_tracking_number() {
    let env = TestEnv::new().await;
    let app = env.start().await;
    let mut dispatched = progressed("case-4", "dispatched", Language::ZhHans);
    dispatched.tracking_number = "EE123456789HK".to_owned();
    env.publish("case-4", &dispatched).await;
    env.publish("case-5", &progressed("case-5", "delivered", Language::En))
        .await;
    assert!(
        eventually(Duration::from_secs(15), || async {
            env.smtp.received().len() >= 2
        })
        .await,
        "expected two emails, got {}",
        env.smtp.received().len()
    );
    let emails = subjects_and_texts(&env);
    let (_, sent) = emails
        .iter()
        .find(|(subject, _)| subject.contains("证件已寄出"))
        .unwrap_or_else(|| panic!("no dispatch email: {emails:?}"));
    assert!(sent.contains("追踪编号 EE123456789HK"), "{sent}");
    assert!(sent.contains("CSMcase-4"), "{sent}");
    let (_, delivered) = emails
        .iter()
        .find(|(subject, _)| subject.contains("delivered"))
        .unwrap_or_else(|| panic!("no delivery email: {emails:?}"));
    assert!(delivered.contains("was delivered at"), "{delivered}");
    app.stop().await;
    env.cleanup().await;
}

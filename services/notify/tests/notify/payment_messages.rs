//! Payment's events told to the account that pays, in its language: the
//! order to pay (with or without a published total), the payment, the
//! expired slip, the order whose time to pay passed and the refund, each
//! once.

use std::time::Duration;

use laissez_proto::common::v1::{Language, Money};
use laissez_proto::events::v1::{
    AccountRegistered, OrderCreated, OrderExpired, OrderPaid, OrderRefunded,
};

use crate::support::{TestEnv, eventually};

fn mop(minor_units: i64) -> Option<Money> {
    Some(Money {
        minor_units,
        currency: "MOP".to_owned(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn payment_events_reach_the_payer_in_their_language() {
    let env = TestEnv::new().await;
    let app = env.start().await;
    let account = "acct-pay";
    env.publish(
        account,
        &AccountRegistered {
            account_id: account.to_owned(),
            login_name: "payer".to_owned(),
            display_name: "Payer".to_owned(),
            email: "payer@example.org".to_owned(),
            language: Language::En as i32,
            ..Default::default()
        },
    )
    .await;
    assert!(
        eventually(Duration::from_secs(15), || async {
            env.smtp.received().len() == 1
        })
        .await,
        "the registration email never arrived"
    );
    let receipts = vec!["CSM-2026-000042".to_owned()];
    let created = OrderCreated {
        order_id: "order-1".to_owned(),
        case_ids: vec!["case-1".to_owned()],
        amount: None,
        account_id: account.to_owned(),
        receipt_numbers: receipts.clone(),
        ..Default::default()
    };
    let envelope = env.publish("order-1", &created).await;
    env.publish_envelope(&envelope).await;
    env.publish(
        "order-1",
        &OrderPaid {
            order_id: "order-1".to_owned(),
            case_ids: vec!["case-1".to_owned()],
            amount: mop(40230),
            account_id: account.to_owned(),
            receipt_numbers: receipts.clone(),
            method: "counter".to_owned(),
            ..Default::default()
        },
    )
    .await;
    env.publish(
        "order-1",
        &OrderExpired {
            order_id: "order-1".to_owned(),
            case_ids: vec!["case-1".to_owned()],
            account_id: account.to_owned(),
            receipt_numbers: receipts.clone(),
            method: "convenience_store".to_owned(),
        },
    )
    .await;
    env.publish(
        "order-2",
        &OrderExpired {
            order_id: "order-2".to_owned(),
            case_ids: vec!["case-2".to_owned()],
            account_id: account.to_owned(),
            receipt_numbers: vec!["CSM-2026-000043".to_owned()],
            method: String::new(),
        },
    )
    .await;
    env.publish(
        "order-1",
        &OrderRefunded {
            order_id: "order-1".to_owned(),
            amount: mop(40230),
            reason: "Not approved".to_owned(),
            account_id: account.to_owned(),
            case_ids: vec!["case-1".to_owned()],
            receipt_numbers: receipts.clone(),
        },
    )
    .await;

    assert!(
        eventually(Duration::from_secs(15), || async {
            env.smtp.received().len() >= 6
        })
        .await,
        "expected six emails, got {}",
        env.smtp.received().len()
    );
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let received = env.smtp.received();
    assert_eq!(received.len(), 6, "the repeated order event is told once");
    let subjects: Vec<(String, String)> = received
        .iter()
        .map(|email| {
            let parsed = email.parsed();
            (
                parsed.header("Subject").unwrap_or_default().to_owned(),
                parsed.text.clone(),
            )
        })
        .collect();
    let find = |needle: &str| {
        subjects
            .iter()
            .find(|(subject, _)| subject.contains(needle))
            .unwrap_or_else(|| panic!("no email about {needle}: {subjects:?}"))
    };
    let (_, due) = find("payment due");
    assert!(due.contains("CSM-2026-000042"), "{due}");
    assert!(due.contains("the tariff, paid at the counter"), "{due}");
    assert!(!due.contains(" by ."), "{due}");
    let (_, paid) = find("payment received");
    assert!(paid.contains("MOP 402.30"), "{paid}");
    let (_, expired) = find("slip expired");
    assert!(expired.contains("CSM-2026-000042"), "{expired}");
    let (_, closed) = find("the time to pay has passed");
    assert!(closed.contains("CSM-2026-000043"), "{closed}");
    assert!(!closed.contains("slip"), "{closed}");
    let (subject, refunded) = find("refunded");
    assert!(subject.contains("MOP 402.30"), "{subject}");
    assert!(refunded.contains("Not approved"), "{refunded}");
    assert_eq!(
        env.count("SELECT count(*) FROM in_app_message").await,
        5,
        "the five payment messages are in the message centre"
    );

    app.stop().await;
    env.cleanup().await;
}

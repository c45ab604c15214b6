//! SMTP refusing connections for a while (and the service restarting in the
//! middle) → every message delivered once it comes back, none lost, none
//! doubled.

use std::collections::BTreeSet;
use std::time::Duration;

use laissez_proto::common::v1::Language;

use crate::support::{TestEnv, case_submitted, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_smtp_outage_delays_every_message_but_loses_and_doubles_none() {
    let env = TestEnv::new().await;
    env.smtp.go_down();
    let app = env.start().await;

    let count = 6;
    for number in 0..count {
        let case_id = format!("outage-{number}");
        let event = case_submitted(
            &case_id,
            &format!("acct-{number}"),
            &format!("user{number}@example.org"),
            Language::En,
        );
        env.publish(&case_id, &event).await;
    }
    // Every event is consumed (the consumer does not wait for SMTP), and
    // every email has failed at least twice.
    assert!(
        eventually(Duration::from_secs(20), || async {
            env.count("SELECT count(*) FROM delivery WHERE status = 'pending' AND attempts >= 2")
                .await
                == count
        })
        .await,
        "deliveries were not retried while SMTP was down"
    );
    assert_eq!(
        env.count("SELECT count(*) FROM in_app_message").await,
        count
    );
    assert!(env.smtp.received().is_empty());

    // A restart during the outage loses nothing.
    app.stop().await;
    let app = env.start().await;

    // SMTP comes back, first answering 451 for a moment, then accepting.
    env.smtp.fail_temporarily(true);
    env.smtp
        .come_back()
        .await
        .expect("SMTP server listens again");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        env.smtp.received().is_empty(),
        "451 must not count as delivered"
    );
    env.smtp.fail_temporarily(false);

    assert!(
        eventually(Duration::from_secs(20), || async {
            env.smtp.received().len() == count as usize
        })
        .await,
        "not every message arrived after the outage: {} of {count}",
        env.smtp.received().len()
    );
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let received = env.smtp.received();
    assert_eq!(received.len(), count as usize, "no message doubled");
    let recipients: BTreeSet<String> = received
        .iter()
        .flat_map(|email| email.recipients.clone())
        .collect();
    assert_eq!(
        recipients.len(),
        count as usize,
        "one message per recipient"
    );
    assert_eq!(
        env.count("SELECT count(*) FROM delivery WHERE status = 'sent'")
            .await,
        count
    );

    let metrics = reqwest::get(format!("http://{}/metrics", app.admin))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    assert!(
        metrics.contains("notify_messages_retried_total"),
        "{metrics}"
    );
    assert!(
        metrics.contains("notify_delivery_latency_seconds"),
        "{metrics}"
    );

    app.stop().await;
    env.cleanup().await;
}
